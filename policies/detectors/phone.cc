// PHONE: international numbers (+CC or 00CC) checked against the ITU
// country-code plan and per-country lengths, and national numbers in the
// formats of DE, FR, NL, BE, AT, IT, ES, PL, UK and the US. National forms
// that are easily mistaken for other numbers (contiguous digits, numbers
// without a trunk 0) count only next to a phone cue word in one of the
// report languages.
#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "policies/detectors/extractors.h"
#include "policies/detectors/text_scan.h"

namespace weft::policies::detectors {
namespace {

struct LengthRange {
  int country_code;
  int min_nsn;
  int max_nsn;
};

// National significant number lengths (without trunk prefix) where known.
constexpr std::array<LengthRange, 42> kNsnLengths = {{
    {1, 10, 10},  {7, 10, 10},  {30, 10, 10}, {31, 9, 9},    {32, 8, 9},   {33, 9, 9},   {34, 9, 9},
    {36, 8, 9},   {39, 6, 11},  {40, 9, 9},   {41, 9, 9},    {43, 4, 13},  {44, 9, 10},  {45, 8, 8},
    {46, 7, 13},  {47, 8, 8},   {48, 9, 9},   {49, 6, 13},   {351, 9, 9},  {352, 4, 11}, {353, 7, 9},
    {354, 7, 9},  {356, 8, 8},  {357, 8, 8},  {358, 5, 12},  {359, 7, 9},  {370, 8, 8},  {371, 8, 8},
    {372, 7, 8},  {385, 8, 9},  {386, 8, 8},  {420, 9, 9},   {421, 9, 9},  {61, 9, 9},   {81, 9, 10},
    {86, 10, 11}, {91, 10, 10}, {55, 10, 11}, {52, 10, 10},  {90, 10, 10}, {27, 9, 9},   {972, 8, 9},
}};

// Two-digit ITU country codes; every other code of zones 2-9 has three digits.
constexpr std::array<int, 44> kTwoDigitCodes = {20, 27, 30, 31, 32, 33, 34, 36, 39, 40, 41, 43, 44, 45, 46,
                                                47, 48, 49, 51, 52, 53, 54, 55, 56, 57, 58, 60, 61, 62, 63,
                                                64, 65, 66, 81, 82, 84, 86, 90, 91, 92, 93, 94, 95, 98};
constexpr std::array<int, 22> kThreeDigitPrefixes = {21, 22, 23, 24, 25, 26, 29, 35, 37, 38, 42,
                                                     50, 59, 67, 68, 69, 85, 87, 88, 96, 97, 99};

constexpr std::array<std::string_view, 24> kPhoneCues = {
    "tel",     "phone",   "mobile",  "mobil", "cell",   "gsm",     "handy",    "fax",     "call",
    "ruf",     "nummer",  "numéro",  "numero", "número", "portable", "cellulare", "movil",   "móvil",
    "tlf",     "tél",     "telf",    "whatsapp", "signal", "sms"};

bool contains(const auto& table, int value) {
  for (const auto& entry : table) {
    if (entry == value) {
      return true;
    }
  }
  return false;
}

// Splits E.164 digits into country code and national number; 0 if no code fits.
int country_code_length(std::string_view digits) {
  if (digits.empty() || digits[0] == '0') {
    return 0;
  }
  if (digits[0] == '1' || digits[0] == '7') {
    return 1;
  }
  if (digits.size() < 3) {
    return 0;
  }
  const int two = (digits[0] - '0') * 10 + (digits[1] - '0');
  if (contains(kTwoDigitCodes, two)) {
    return 2;
  }
  if (contains(kThreeDigitPrefixes, two)) {
    return 3;
  }
  return 0;
}

bool international_length_ok(std::string_view digits) {
  const int cc_length = country_code_length(digits);
  if (cc_length == 0 || digits.size() > 15) {
    return false;
  }
  int code = 0;
  for (int i = 0; i < cc_length; ++i) {
    code = code * 10 + (digits[static_cast<std::size_t>(i)] - '0');
  }
  const int nsn = static_cast<int>(digits.size()) - cc_length;
  for (const auto& range : kNsnLengths) {
    if (range.country_code == code) {
      return nsn >= range.min_nsn && nsn <= range.max_nsn;
    }
  }
  return nsn >= 4 && nsn <= 13;
}

bool bad_left_neighbour(char c) {
  return is_word_byte(c) || c == '+' || c == '-' || c == '_' || c == '/' || c == '.' || c == '#' || c == '@' ||
         c == '=' || c == '\\';
}

// True when the digits at `begin` continue a code written in groups, such as
// an IBAN ("NL91 ABNA 0417 ...") or a longer grouped number ("3704 0044 ...").
bool continues_grouped_code(std::string_view text, std::size_t begin) {
  std::size_t i = begin;
  for (int tokens = 0; tokens < 8; ++tokens) {
    if (i < 2 || text[i - 1] != ' ' || !is_alnum(text[i - 2])) {
      return false;
    }
    std::size_t token_end = i - 1;
    std::size_t token_begin = token_end;
    while (token_begin > 0 && is_alnum(text[token_begin - 1])) {
      --token_begin;
    }
    const std::string_view token = text.substr(token_begin, token_end - token_begin);
    const bool digits_only = std::all_of(token.begin(), token.end(), is_digit);
    const bool iban_start = token.size() == 4 && is_alpha(token[0]) && is_alpha(token[1]) && is_digit(token[2]) &&
                            is_digit(token[3]);
    if (digits_only || iban_start) {
      return true;
    }
    if (token.size() != 4) {
      return false;  // an ordinary word before the number
    }
    i = token_begin;  // a 4-character group such as "ABNA": keep looking left
  }
  return false;
}

struct Group {
  std::size_t begin;
  std::size_t end;
  std::size_t length() const { return end - begin; }
};

// Digit groups of a number written with single separators (space, -, ., /)
// and parentheses; stops at anything else.
struct Parsed {
  std::vector<Group> groups;
  std::string digits;
  std::string separators;  // the separator characters seen
  std::size_t end = 0;
};

Parsed parse_number(std::string_view text, std::size_t i) {
  Parsed out;
  while (i < text.size()) {
    if (is_digit(text[i])) {
      const std::size_t begin = i;
      while (i < text.size() && is_digit(text[i])) {
        out.digits += text[i];
        ++i;
      }
      out.groups.push_back({begin, i});
      out.end = i;
      continue;
    }
    // "(0)" after a country code is the trunk prefix written for locals.
    if (text[i] == '(' && at_or_nul(text, i + 1) == '0' && at_or_nul(text, i + 2) == ')' && !out.groups.empty()) {
      i += 3;
      if (i < text.size() && text[i] == ' ') {
        ++i;
      }
      continue;
    }
    const char c = text[i];
    const char next = at_or_nul(text, i + 1);
    if ((c == ' ' || c == '-' || c == '.' || c == '/') && (is_digit(next) || next == '(')) {
      out.separators += c;
      ++i;
      continue;
    }
    if (c == '(' && is_digit(next)) {
      out.separators += c;
      ++i;
      continue;
    }
    if (c == ')' && !out.groups.empty() && (next == ' ' || next == '-' || is_digit(next))) {
      out.separators += c;
      ++i;
      if (i < text.size() && (text[i] == ' ' || text[i] == '-') && is_digit(at_or_nul(text, i + 1))) {
        ++i;
      }
      continue;
    }
    break;
  }
  return out;
}

bool looks_like_date_or_address(const Parsed& number) {
  const auto& g = number.groups;
  const bool dotted = number.separators.find('.') != std::string::npos;
  if (g.size() == 3 && ((g[0].length() == 4 && g[1].length() <= 2 && g[2].length() <= 2) ||
                        (g[0].length() <= 2 && g[1].length() <= 2 && (g[2].length() == 4 || g[2].length() == 2)))) {
    return true;  // 2024-03-15, 15.03.2024, 15/03/24
  }
  const bool only_dots = number.separators.find_first_not_of('.') == std::string::npos;
  if (only_dots && g.size() == 4 && g[0].length() <= 3) {
    return true;  // an IPv4 address or a dotted version
  }
  if (dotted) {
    // Dots are used for French-style pairs or a US 3.3.4 number, nothing else.
    bool all_pairs = true;
    for (const auto& group : g) {
      all_pairs = all_pairs && group.length() == 2;
    }
    const bool us = g.size() == 3 && g[0].length() == 3 && g[1].length() == 3 && g[2].length() == 4;
    const bool be = g.size() == 4 && g[0].length() == 4;
    return !(all_pairs || us || be);
  }
  return false;
}

}  // namespace

std::optional<Span> extract_phone(std::string_view text, std::size_t anchor_end, bool international) {
  if (international) {
    // Anchor "+dd" or "00d[d]": find the prefix.
    std::size_t begin = anchor_end;
    while (begin > 0 && is_digit(text[begin - 1])) {
      --begin;
    }
    std::size_t digits_from = begin;
    // The "+" anchor ends one byte past the "+", digit or not: `begin` can be
    // the end of the text.
    if (begin > 0 && text[begin - 1] == '+') {
      --begin;
    } else if (at_or_nul(text, begin) == '0' && at_or_nul(text, begin + 1) == '0') {
      digits_from = begin + 2;
    } else {
      return std::nullopt;
    }
    if (bad_left_neighbour(before_or_nul(text, begin)) ||
        (text[begin] != '+' && continues_grouped_code(text, begin))) {
      return std::nullopt;
    }
    Parsed number = parse_number(text, digits_from);
    if (number.groups.empty()) {
      return std::nullopt;
    }
    // Drop trailing groups that cannot belong to the number ("... 5678 2024").
    while (true) {
      if (number.digits.size() >= 7 && international_length_ok(number.digits) &&
          !is_word_byte(at_or_nul(text, number.end))) {
        return Span{begin, number.end};
      }
      if (number.groups.size() <= 1) {
        return std::nullopt;
      }
      const Group last = number.groups.back();
      number.groups.pop_back();
      number.digits.resize(number.digits.size() - last.length());
      number.end = number.groups.back().end;
    }
  }

  // National forms: find the start of the number the anchor sits in.
  std::size_t begin = anchor_end;
  while (begin > 0) {
    const char c = text[begin - 1];
    if (is_digit(c) || c == '(' || c == ')' || c == '-' || c == '.' || c == '/' ||
        (c == ' ' && begin >= 2 && (is_digit(text[begin - 2]) || text[begin - 2] == ')'))) {
      --begin;
    } else {
      break;
    }
  }
  while (begin < anchor_end && !is_digit(text[begin]) && text[begin] != '(') {
    ++begin;
  }
  if (bad_left_neighbour(before_or_nul(text, begin)) || continues_grouped_code(text, begin)) {
    return std::nullopt;
  }
  Parsed number = parse_number(text, begin);
  const std::size_t digit_count = number.digits.size();
  if (number.groups.empty() || is_word_byte(at_or_nul(text, number.end)) || digit_count < 7 || digit_count > 12) {
    return std::nullopt;
  }
  if (at_or_nul(text, number.end) == '.' && is_digit(at_or_nul(text, number.end + 1))) {
    return std::nullopt;
  }
  if (looks_like_date_or_address(number)) {
    return std::nullopt;
  }
  const bool grouped = !number.separators.empty();
  const bool cue = cue_before(text, begin, 32, kPhoneCues);
  const auto& g = number.groups;
  const std::string& d = number.digits;
  // US/NANP: (212) 555-0147, 212-555-0147, 212.555.0147.
  if (digit_count == 10 && g.size() == 3 && g[0].length() == 3 && g[1].length() == 3 && g[2].length() == 4 &&
      d[0] >= '2' && d[3] >= '2') {
    return Span{begin, number.end};
  }
  // Trunk-prefixed national numbers: 030 12345678, 06 12 34 56 78, 020-1234567,
  // (089) 123 456-78, 0470/12.34.56, 020 7946 0958.
  if (d[0] == '0' && d[1] != '0') {
    if ((grouped && digit_count >= 9) || (cue && digit_count >= 7)) {
      return Span{begin, number.end};
    }
    return std::nullopt;
  }
  // Numbers without a trunk prefix (ES, PL, IT mobiles): only after a cue word.
  if (cue && grouped && (digit_count == 9 || digit_count == 10) && d[0] >= '3') {
    return Span{begin, number.end};
  }
  return std::nullopt;
}

}  // namespace weft::policies::detectors
