// IBAN: ISO 13616 structure, per-country length from the SWIFT IBAN
// registry, and the ISO 7064 mod-97 check.
#include <algorithm>
#include <array>
#include <string>

#include "policies/detectors/extractors.h"
#include "policies/detectors/text_scan.h"

namespace weft::policies::detectors {
namespace {

struct CountryLength {
  std::string_view country;
  std::size_t length;
};

// SWIFT IBAN registry (ISO 13616), lengths including country code and check digits.
constexpr std::array<CountryLength, 78> kIbanLengths = {{
    {"AD", 24}, {"AE", 23}, {"AL", 28}, {"AT", 20}, {"AZ", 28}, {"BA", 20}, {"BE", 16}, {"BG", 22}, {"BH", 22},
    {"BR", 29}, {"BY", 28}, {"CH", 21}, {"CR", 22}, {"CY", 28}, {"CZ", 24}, {"DE", 22}, {"DK", 18}, {"DO", 28},
    {"EE", 20}, {"EG", 29}, {"ES", 24}, {"FI", 18}, {"FO", 18}, {"FR", 27}, {"GB", 22}, {"GE", 22}, {"GI", 23},
    {"GL", 18}, {"GR", 27}, {"GT", 28}, {"HR", 21}, {"HU", 28}, {"IE", 22}, {"IL", 23}, {"IQ", 23}, {"IS", 26},
    {"IT", 27}, {"JO", 30}, {"KW", 30}, {"KZ", 20}, {"LB", 28}, {"LC", 32}, {"LI", 21}, {"LT", 20}, {"LU", 20},
    {"LV", 21}, {"LY", 25}, {"MC", 27}, {"MD", 24}, {"ME", 22}, {"MK", 19}, {"MR", 27}, {"MT", 31}, {"MU", 30},
    {"NL", 18}, {"NO", 15}, {"PK", 24}, {"PL", 28}, {"PS", 29}, {"PT", 25}, {"QA", 29}, {"RO", 24}, {"RS", 22},
    {"SA", 24}, {"SC", 31}, {"SE", 24}, {"SI", 19}, {"SK", 24}, {"SM", 27}, {"ST", 25}, {"SV", 28}, {"TL", 23},
    {"TN", 24}, {"TR", 26}, {"UA", 29}, {"VA", 22}, {"VG", 24}, {"XK", 20},
}};

std::size_t registry_length(std::string_view country) {
  auto it = std::find_if(kIbanLengths.begin(), kIbanLengths.end(),
                         [country](const CountryLength& entry) { return entry.country == country; });
  return it == kIbanLengths.end() ? 0 : it->length;
}

}  // namespace

bool iban_valid(std::string_view iban) {
  if (iban.size() < 15 || !is_alpha(iban[0]) || !is_alpha(iban[1]) || !is_digit(iban[2]) || !is_digit(iban[3])) {
    return false;
  }
  if (registry_length(iban.substr(0, 2)) != iban.size()) {
    return false;
  }
  // Move the first four characters to the end, letters become 10..35, and
  // the number must be 1 modulo 97. Computed digit by digit.
  unsigned remainder = 0;
  for (std::size_t i = 0; i < iban.size(); ++i) {
    const char c = iban[(i + 4) % iban.size()];
    if (is_digit(c)) {
      remainder = (remainder * 10 + static_cast<unsigned>(c - '0')) % 97;
    } else if (c >= 'A' && c <= 'Z') {
      const unsigned value = static_cast<unsigned>(c - 'A') + 10;
      remainder = (remainder * 100 + value) % 97;
    } else {
      return false;
    }
  }
  return remainder == 1;
}

std::optional<Span> extract_iban(std::string_view text, std::size_t anchor_end) {
  // The anchor is "CCdd" + optional space + the first BBAN character.
  if (anchor_end < 5) {
    return std::nullopt;
  }
  const bool spaced = text[anchor_end - 2] == ' ';
  if (spaced && anchor_end < 6) {
    return std::nullopt;
  }
  const std::size_t begin = spaced ? anchor_end - 6 : anchor_end - 5;
  if (is_word_byte(before_or_nul(text, begin))) {
    return std::nullopt;
  }
  std::string compact;
  compact += to_upper(text[begin]);
  compact += to_upper(text[begin + 1]);
  const std::size_t wanted = registry_length(compact);
  if (wanted == 0) {
    return std::nullopt;
  }
  // Printed IBANs come in groups of four separated by single spaces.
  std::size_t i = begin + 2;
  std::size_t end = i;
  while (i < text.size() && compact.size() < wanted) {
    if (is_alnum(text[i])) {
      compact += to_upper(text[i]);
      ++i;
      end = i;
    } else if (text[i] == ' ' && i + 1 < text.size() && is_alnum(text[i + 1]) && text[i - 1] != ' ') {
      ++i;
    } else {
      break;
    }
  }
  if (compact.size() != wanted || is_word_byte(at_or_nul(text, end)) || !iban_valid(compact)) {
    return std::nullopt;
  }
  return Span{begin, end};
}

}  // namespace weft::policies::detectors
