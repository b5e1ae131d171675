#include "policies/normalized_text.h"

#include <sodium.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>

#include "policies/detectors/byte_classes.h"
#include "policies/detectors/ipv4_notation.h"
#include "policies/detectors/text_scan.h"

namespace weft::policies {
namespace {

// How one code point appears in the scan form.
struct Fold {
  enum Kind : std::uint8_t { kIdentity, kReplace, kDrop };
  Kind kind = kIdentity;
  std::uint8_t length = 0;
  std::array<char, 14> bytes{};
};

// Cyrillic and Greek letters that look like Latin ones, as attackers use them
// to dodge patterns ("аlice@example.com" with a Cyrillic а). NFKC leaves them
// alone; UTS #39 skeletons would map them too, this is the common subset.
constexpr std::pair<char32_t, char> kLookAlikes[] = {
    {U'а', 'a'}, {U'в', 'b'}, {U'е', 'e'}, {U'к', 'k'}, {U'м', 'm'}, {U'н', 'h'}, {U'о', 'o'}, {U'р', 'p'},
    {U'с', 'c'}, {U'т', 't'}, {U'у', 'y'}, {U'х', 'x'}, {U'і', 'i'}, {U'ј', 'j'}, {U'ѕ', 's'}, {U'ԁ', 'd'},
    {U'ԛ', 'q'}, {U'ԝ', 'w'}, {U'А', 'A'}, {U'В', 'B'}, {U'Е', 'E'}, {U'К', 'K'}, {U'М', 'M'}, {U'Н', 'H'},
    {U'О', 'O'}, {U'Р', 'P'}, {U'С', 'C'}, {U'Т', 'T'}, {U'У', 'Y'}, {U'Х', 'X'}, {U'І', 'I'}, {U'Ј', 'J'},
    {U'Ѕ', 'S'}, {U'ο', 'o'}, {U'ν', 'v'}, {U'α', 'a'}, {U'ι', 'i'}, {U'κ', 'k'}, {U'τ', 't'}, {U'υ', 'u'},
    {U'ρ', 'p'}, {U'Α', 'A'}, {U'Β', 'B'}, {U'Ε', 'E'}, {U'Ζ', 'Z'}, {U'Η', 'H'}, {U'Ι', 'I'}, {U'Κ', 'K'},
    {U'Μ', 'M'}, {U'Ν', 'N'}, {U'Ο', 'O'}, {U'Ρ', 'P'}, {U'Τ', 'T'}, {U'Υ', 'Y'}, {U'Χ', 'X'},
};

Fold compute_fold(char32_t c) {
  Fold fold;
  const auto code = static_cast<UChar32>(c);
  if (u_hasBinaryProperty(code, UCHAR_DEFAULT_IGNORABLE_CODE_POINT)) {
    fold.kind = Fold::kDrop;
    return fold;
  }
  if (u_charType(code) == U_DECIMAL_DIGIT_NUMBER) {
    fold.kind = Fold::kReplace;
    fold.length = 1;
    fold.bytes[0] = static_cast<char>('0' + u_charDigitValue(code));
    return fold;
  }
  for (const auto& [look_alike, latin] : kLookAlikes) {
    if (look_alike == c) {
      fold.kind = Fold::kReplace;
      fold.length = 1;
      fold.bytes[0] = latin;
      return fold;
    }
  }
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* nfkc = icu::Normalizer2::getNFKCInstance(status);
  if (U_FAILURE(status)) {
    return fold;
  }
  const icu::UnicodeString source(code);
  icu::UnicodeString normalized = nfkc->normalize(source, status);
  if (U_FAILURE(status) || normalized == source) {
    return fold;
  }
  std::string utf8;
  normalized.toUTF8String(utf8);
  if (utf8.size() > fold.bytes.size()) {
    return fold;  // long expansions (rare ligature-like symbols) do not matter for detection
  }
  // Digits produced by NFKC (e.g. circled or fullwidth ones) are ASCII already.
  fold.kind = Fold::kReplace;
  fold.length = static_cast<std::uint8_t>(utf8.size());
  std::memcpy(fold.bytes.data(), utf8.data(), utf8.size());
  return fold;
}

// Folds for the Basic Multilingual Plane, computed once.
const std::vector<Fold>& bmp_folds() {
  static const std::vector<Fold> table = [] {
    std::vector<Fold> folds(0x10000);
    for (char32_t c = 0x80; c < 0x10000; ++c) {
      if (c >= 0xD800 && c <= 0xDFFF) {
        continue;  // surrogates never appear in valid UTF-8
      }
      folds[c] = compute_fold(c);
    }
    return folds;
  }();
  return table;
}

Fold fold_of(char32_t c) { return c < 0x10000 ? bmp_folds()[c] : compute_fold(c); }

bool has_non_ascii(std::string_view text) {
  std::size_t i = 0;
  for (; i + 8 <= text.size(); i += 8) {
    std::uint64_t word = 0;
    std::memcpy(&word, text.data() + i, sizeof word);
    if ((word & 0x8080808080808080ULL) != 0) {
      return true;
    }
  }
  for (; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0x80) != 0) {
      return true;
    }
  }
  return false;
}

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool starts_with_caseless(std::string_view text, std::size_t at, std::string_view prefix) {
  if (at + prefix.size() > text.size()) {
    return false;
  }
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (lower(text[at + i]) != prefix[i]) {
      return false;
    }
  }
  return true;
}

struct Refang {
  std::size_t length = 0;  // source bytes consumed; 0 = no match
  std::string_view replacement;
};

// A bracketed defang token at `at` ("[.]", "(dot)", "{@}", "[at]", "[:]", "[://]").
Refang bracketed(std::string_view text, std::size_t at) {
  const char open = text[at];
  const char close = open == '[' ? ']' : open == '(' ? ')' : '}';
  // Tokens are 1-3 characters long: find the closing bracket first.
  std::size_t length = 0;
  for (std::size_t i = 1; i <= 4 && at + i < text.size(); ++i) {
    if (text[at + i] == close) {
      length = i - 1;
      break;
    }
  }
  if (length == 0) {
    return {};
  }
  static constexpr std::pair<std::string_view, std::string_view> kTokens[] = {
      {".", "."}, {"dot", "."}, {"@", "@"}, {"at", "@"}, {"://", "://"}, {":", ":"}, {"/", "/"}};
  for (const auto& [token, replacement] : kTokens) {
    if (token.size() == length && starts_with_caseless(text, at + 1, token)) {
      return {length + 2, replacement};
    }
  }
  return {};
}

// A defanged form around the trigger at `at`: where it starts and what replaces it.
struct Match {
  std::size_t begin = 0;
  Refang refang;
};

Match refang_at(std::string_view text, std::size_t at) {
  switch (text[at]) {
    case '[':
    case '(':
    case '{': {
      const Refang inner = bracketed(text, at);
      if (inner.length == 0) {
        return {};
      }
      // " [at] " and " (dot) ": the spelled-out forms usually come with spaces.
      const char replaced = inner.replacement.size() == 1 ? inner.replacement[0] : '\0';
      if (at > 0 && text[at - 1] == ' ' && (replaced == '@' || replaced == '.') && inner.length > 3) {
        const std::size_t after = at + inner.length;
        return {at - 1, {inner.length + 1 + (after < text.size() && text[after] == ' ' ? 1 : 0), inner.replacement}};
      }
      return {at, inner};
    }
    case '%':
      if (starts_with_caseless(text, at, "%40")) {
        return {at, {3, "@"}};
      }
      if (starts_with_caseless(text, at, "%2e")) {
        return {at, {3, "."}};
      }
      if (starts_with_caseless(text, at, "%2b")) {
        return {at, {3, "+"}};
      }
      return {};
    case 'x':
    case 'X': {
      if (at == 0) {
        return {};
      }
      const char previous = lower(text[at - 1]);
      if (previous == 'h' &&
          (starts_with_caseless(text, at - 1, "hxxp") || starts_with_caseless(text, at - 1, "hxtp"))) {
        return {at - 1, {4, "http"}};
      }
      if (previous == 'f' && starts_with_caseless(text, at - 1, "fxp://")) {
        return {at - 1, {3, "ftp"}};
      }
      return {};
    }
    default:
      return {};
  }
}

// ---- Base64 query values ----------------------------------------------------
// "reset?u=Y2Fyb2xAdmljdGltLmV4YW1wbGU=" hides "carol@victim.example". One
// level is decoded, for detection only. Values shorter than this are ids and
// words more often than encoded text; longer ones are payloads (files,
// tokens), not a parameter a person's data hides in, and the cap bounds the
// memory one value can take.
constexpr std::size_t kMinBase64Value = 8;
constexpr std::size_t kMaxBase64Value = 4096;
constexpr std::size_t kMaxParameterName = 64;

bool is_parameter_name_byte(char c) {
  return detectors::is_alnum(c) || c == '_' || c == '-' || c == '.' || c == '[' || c == ']';
}

bool is_base64_byte(char c) { return detectors::is_alnum(c) || c == '+' || c == '/' || c == '-' || c == '_'; }

// Where the value of a query parameter starts when `at` ('?', '&' or ';')
// starts "name="; 0 when it does not.
std::size_t query_value_begin(std::string_view text, std::size_t at) {
  std::size_t i = at + 1;
  while (i < text.size() && i - at <= kMaxParameterName && is_parameter_name_byte(text[i])) {
    ++i;
  }
  if (i == at + 1 || detectors::at_or_nul(text, i) != '=') {
    return 0;
  }
  return i + 1;
}

// Reads the base64 value at `begin` into `encoded` (percent-escaped '+', '/'
// and '=' unescaped, as a URL carries them); returns where it ends, or 0 when
// it is too short or too long to decode.
std::size_t read_base64_value(std::string_view text, std::size_t begin, std::string& encoded) {
  encoded.clear();
  std::size_t i = begin;
  std::size_t padding = 0;
  while (i < text.size() && encoded.size() <= kMaxBase64Value) {
    char c = text[i];
    std::size_t length = 1;
    if (c == '%' && starts_with_caseless(text, i, "%2b")) {
      c = '+';
      length = 3;
    } else if (c == '%' && starts_with_caseless(text, i, "%2f")) {
      c = '/';
      length = 3;
    } else if (c == '%' && starts_with_caseless(text, i, "%3d")) {
      c = '=';
      length = 3;
    }
    if (c == '=' && padding < 2) {
      ++padding;
    } else if (padding > 0 || !is_base64_byte(c)) {
      break;
    }
    encoded += c;
    i += length;
  }
  const std::size_t characters = encoded.size() - padding;
  if (characters < kMinBase64Value || encoded.size() > kMaxBase64Value) {
    return 0;
  }
  return i;
}

// The value is all of the parameter: what follows ends it.
bool value_ends_here(std::string_view text, std::size_t end) {
  if (end == text.size()) {
    return true;
  }
  const char next = text[end];
  if (next == '.') {  // the end of a sentence, not a file name ("?f=quarterly.pdf")
    const char after = detectors::at_or_nul(text, end + 1);
    return after == '\0' || after == ' ' || after == '\n' || after == '\r' || after == '\t';
  }
  static constexpr std::string_view kEnds = "&#; \t\r\n\"'<>()[]{},|";
  return kEnds.find(next) != std::string_view::npos;
}

// Text a person could have written: valid UTF-8, no control characters.
bool printable_utf8(std::string_view text) {
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(text.data());
  const auto length = static_cast<std::int32_t>(text.size());
  std::int32_t i = 0;
  while (i < length) {
    UChar32 code = 0;
    U8_NEXT(bytes, i, length, code);
    if (code < 0x20 || (code >= 0x7F && code <= 0x9F)) {
      return false;  // also every invalid sequence (code < 0)
    }
  }
  return true;
}

// Appends the decoding of `encoded` (standard or URL-safe alphabet, padded
// or not) to `out` when it is printable text.
bool decode_printable_base64(std::string_view encoded, std::string& out) {
  const bool url_safe = encoded.find_first_of("-_") != std::string_view::npos;
  const bool standard = encoded.find_first_of("+/") != std::string_view::npos;
  if (url_safe && standard) {
    return false;
  }
  const bool padded = encoded.back() == '=';
  const int variant = url_safe ? (padded ? sodium_base64_VARIANT_URLSAFE : sodium_base64_VARIANT_URLSAFE_NO_PADDING)
                               : (padded ? sodium_base64_VARIANT_ORIGINAL : sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
  std::array<unsigned char, kMaxBase64Value / 4 * 3 + 3> decoded{};
  std::size_t decoded_length = 0;
  // No end pointer: libsodium then refuses anything but one whole, canonical encoding.
  if (sodium_base642bin(decoded.data(), decoded.size(), encoded.data(), encoded.size(), nullptr, &decoded_length,
                        nullptr, variant) != 0) {
    return false;
  }
  const std::string_view text(reinterpret_cast<const char*>(decoded.data()), decoded_length);
  if (!printable_utf8(text)) {
    return false;
  }
  out.append(text);
  return true;
}

// ---- IPv4 in other notations ---------------------------------------------
// inet_aton(3) and browsers read "0xc6336417", "3325256727",
// "0306.063.0144.027" and "::ffff:198.51.100.23" as 198.51.100.23. They are
// rewritten to dotted decimal, so the IPv4 detector finds them and a
// pseudonym is the one the dotted form gets. Where:
//   - four dot-separated parts, any of them hex or with a leading zero
//     ("0306.063.0144.027", "0xc6.0x33.0x64.0x17", "198.051.100.23"): anywhere
//     a dotted quad would be taken. A leading zero means octal, as for
//     inet_aton: "010" is 8, even in zero-padded log columns.
//   - one to three parts ("0xc6336417", "3325256727", "198.51.25623"): only as
//     a URL host, after "://" (and any "user@"). Elsewhere a bare 32-bit
//     number is an error code (0xC0000005, 0x80070005), a key, a memory
//     address, a phone number or an id far more often than an address, and
//     turning those into IPv4 findings would redact the analysis itself.
//   - IPv4-mapped IPv6 ("::ffff:198.51.100.23", "::ffff:c633:6417"): the
//     whole form, anywhere. It is an IPv4 address on the wire, so the IPv4
//     rules apply to it and its pseudonym is the dotted form's.
constexpr std::size_t kMaxUserinfo = 64;
constexpr std::size_t kMaxDottedNotation = 4 * 10 + 3;  // "0x" and 8 hex digits, or up to 10 digits, per part

struct Ipv4Rewrite {
  std::size_t begin = 0;
  std::size_t end = 0;
  std::optional<std::uint32_t> address;  // nothing: leave the text alone
  std::size_t read_to = 0;               // no later trigger before this can start an address
};

// Where an address ends in a URL host: at the port, path, query, fragment or
// the end of the URL; not inside a longer host name ("0x1.example.com").
bool host_ends_at(std::string_view text, std::size_t end) {
  const char next = detectors::at_or_nul(text, end);
  if (next == '.') {
    return !detectors::is_word_byte(detectors::at_or_nul(text, end + 1));  // the root dot, or a full stop
  }
  return !detectors::is_word_byte(next) && next != '-' && next != '@' && next != '%';
}

Ipv4Rewrite ipv4_in_url_host(std::string_view text, std::size_t host) {
  for (std::size_t i = host; i < text.size() && i - host <= kMaxUserinfo; ++i) {
    const char c = text[i];
    if (c == '@') {
      host = i + 1;  // "http://www.bank.example@0xc6336417/" goes to the number
      break;
    }
    if (c == '/' || c == '?' || c == '#' || c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '"' ||
        c == '<' || c == '>') {
      break;
    }
  }
  Ipv4Rewrite rewrite{host, host, std::nullopt, host};
  const auto notation = detectors::read_ipv4_notation(text, host);
  if (!notation) {
    return rewrite;
  }
  rewrite.end = rewrite.read_to = notation->end;
  if (notation->valid && !notation->plain_dotted && host_ends_at(text, notation->end)) {
    rewrite.address = notation->address;
  }
  return rewrite;
}

std::optional<std::uint32_t> read_hex_group(std::string_view text, std::size_t& i) {
  std::uint32_t value = 0;
  const std::size_t begin = i;
  while (i < text.size() && i - begin < 4 && detectors::is_hex(text[i])) {
    const char c = detectors::to_lower(text[i]);
    value = value * 16 + static_cast<std::uint32_t>(detectors::is_digit(c) ? c - '0' : c - 'a' + 10);
    ++i;
  }
  if (i == begin || detectors::is_hex(detectors::at_or_nul(text, i))) {
    return std::nullopt;
  }
  return value;
}

// "::ffff:" at `at`, then a dotted quad or two hex groups.
Ipv4Rewrite ipv4_mapped(std::string_view text, std::size_t at) {
  Ipv4Rewrite rewrite{at, at, std::nullopt, at + 2};
  const char before = detectors::before_or_nul(text, at);
  if (before == ':' || before == '.' || detectors::is_word_byte(before)) {
    return rewrite;  // "fe80::ffff:..." or "0:0:0:0:0:ffff:...": another IPv6 address
  }
  const std::size_t mapped = at + 7;
  if (const auto notation = detectors::read_ipv4_notation(text, mapped)) {
    rewrite.read_to = notation->end;
    const char next = detectors::at_or_nul(text, notation->end);
    if (notation->valid && notation->parts == 4 && !detectors::is_word_byte(next) && next != '.') {
      rewrite.end = notation->end;
      rewrite.address = notation->address;
    }
    if (notation->parts != 1 || detectors::at_or_nul(text, notation->end) != ':') {
      return rewrite;  // "::ffff:1234:5678" starts with digits too: read it as hex groups below
    }
  }
  std::size_t i = mapped;
  const auto high = read_hex_group(text, i);
  if (!high || detectors::at_or_nul(text, i) != ':') {
    return rewrite;
  }
  ++i;
  const auto low = read_hex_group(text, i);
  rewrite.read_to = std::max(rewrite.read_to, i);
  const char next = detectors::at_or_nul(text, i);
  if (!low || detectors::is_word_byte(next) || next == ':' || next == '.') {
    return rewrite;
  }
  rewrite.end = i;
  rewrite.address = (*high << 16) | *low;
  return rewrite;
}

Ipv4Rewrite ipv4_after_colon(std::string_view text, std::size_t at) {
  if (detectors::at_or_nul(text, at + 1) == '/' && detectors::at_or_nul(text, at + 2) == '/') {
    return ipv4_in_url_host(text, at + 3);
  }
  if (detectors::at_or_nul(text, at + 1) == ':' && starts_with_caseless(text, at + 2, "ffff:")) {
    return ipv4_mapped(text, at);
  }
  return {at, at, std::nullopt, at + 1};
}

// A '0' at `at` inside a dotted number: the number is an address when it has
// four parts and is not in plain dotted decimal already.
Ipv4Rewrite ipv4_dotted_around(std::string_view text, std::size_t at) {
  Ipv4Rewrite rewrite{at, at, std::nullopt, at + 1};
  if (detectors::is_word_byte(detectors::before_or_nul(text, at))) {
    return rewrite;  // inside a number or word: "10", "a0"
  }
  std::size_t begin = at;
  while (begin > 0 && (detectors::is_alnum(text[begin - 1]) || text[begin - 1] == '.')) {
    if (at - begin >= kMaxDottedNotation) {
      return rewrite;
    }
    --begin;
  }
  while (begin < at && text[begin] == '.') {
    ++begin;
  }
  if (detectors::is_word_byte(detectors::before_or_nul(text, begin))) {
    return rewrite;
  }
  // "v1.02.03.04" starts with a letter; a version, not an address.
  const auto notation = detectors::read_ipv4_notation(text, begin);
  if (!notation || notation->end <= at) {
    return rewrite;
  }
  rewrite.read_to = notation->end;
  const char next = detectors::at_or_nul(text, notation->end);
  if (notation->valid && notation->parts == 4 && !notation->plain_dotted && !detectors::is_word_byte(next)) {
    rewrite.begin = begin;
    rewrite.end = notation->end;
    rewrite.address = notation->address;
  }
  return rewrite;
}

}  // namespace

std::size_t NormalizedText::Layer::map_begin(std::size_t out) const {
  auto it = std::upper_bound(edits.begin(), edits.end(), out,
                             [](std::size_t value, const Edit& edit) { return value < edit.out_begin; });
  if (it == edits.begin()) {
    return out;
  }
  --it;
  if (out < it->out_end) {
    return it->source_begin;
  }
  return it->source_end + (out - it->out_end);
}

std::size_t NormalizedText::Layer::map_end(std::size_t out_end) const {
  if (out_end == 0) {
    return 0;
  }
  const std::size_t last = out_end - 1;
  auto it = std::upper_bound(edits.begin(), edits.end(), last,
                             [](std::size_t value, const Edit& edit) { return value < edit.out_begin; });
  if (it == edits.begin()) {
    return out_end;
  }
  --it;
  if (last < it->out_end) {
    return it->source_end;
  }
  return it->source_end + (last - it->out_end) + 1;
}

bool NormalizedText::fold_unicode(std::string_view source, Layer& out) {
  out.text.reserve(source.size());
  std::size_t i = 0;
  while (i < source.size()) {
    const auto byte = static_cast<unsigned char>(source[i]);
    if (byte < 0x80) {
      out.text += static_cast<char>(byte);
      ++i;
      continue;
    }
    UChar32 code = 0;
    std::int32_t next = static_cast<std::int32_t>(i);
    U8_NEXT(reinterpret_cast<const std::uint8_t*>(source.data()), next, static_cast<std::int32_t>(source.size()), code);
    const auto end = static_cast<std::size_t>(next);
    if (code < 0) {
      out.text.append(source.substr(i, end - i));  // not UTF-8: keep the bytes
      i = end;
      continue;
    }
    const Fold fold = fold_of(static_cast<char32_t>(code));
    if (fold.kind == Fold::kIdentity) {
      out.text.append(source.substr(i, end - i));
    } else {
      const auto out_begin = static_cast<std::uint32_t>(out.text.size());
      out.text.append(fold.bytes.data(), fold.kind == Fold::kDrop ? 0 : fold.length);
      out.edits.push_back({out_begin, static_cast<std::uint32_t>(out.text.size()), static_cast<std::uint32_t>(i),
                           static_cast<std::uint32_t>(end)});
    }
    i = end;
  }
  return !out.edits.empty();
}

bool NormalizedText::refang(std::string_view source, Layer& out) {
  // Nothing is copied until the first defanged form turns up: most text has none.
  const std::size_t n = source.size();
  std::size_t copied_to = 0;
  for (std::size_t offset = 0; offset < n; offset += 64) {
    std::uint64_t triggers = detectors::find_bytes<'[', '(', '{', '%', 'x', 'X'>(source.data(), n, offset);
    while (triggers != 0) {
      const std::size_t at = offset + static_cast<std::size_t>(__builtin_ctzll(triggers));
      triggers &= triggers - 1;
      if (at < copied_to) {
        continue;
      }
      const Match match = refang_at(source, at);
      if (match.refang.length == 0 || match.begin < copied_to) {
        continue;
      }
      out.replace(source, copied_to, match.begin, match.begin + match.refang.length, match.refang.replacement);
    }
  }
  return out.finish(source, copied_to);
}

bool NormalizedText::decode_query_base64(std::string_view source, Layer& out) {
  // Every query value follows "name=": most report text has no '=' at all,
  // and memchr rules that out far faster than the sweep below.
  if (source.find('=') == std::string_view::npos) {
    return false;
  }
  const std::size_t n = source.size();
  std::size_t copied_to = 0;
  std::string encoded;
  std::string addition;
  for (std::size_t offset = 0; offset < n; offset += 64) {
    std::uint64_t triggers = detectors::find_bytes<'?', '&', ';'>(source.data(), n, offset);
    while (triggers != 0) {
      const std::size_t at = offset + static_cast<std::size_t>(__builtin_ctzll(triggers));
      triggers &= triggers - 1;
      const std::size_t value_begin = query_value_begin(source, at);
      if (value_begin == 0) {
        continue;
      }
      const std::size_t value_end = read_base64_value(source, value_begin, encoded);
      if (value_end == 0 || !value_ends_here(source, value_end)) {
        continue;
      }
      addition.assign(1, '\n');
      if (!decode_printable_base64(encoded, addition)) {
        continue;
      }
      addition += '\n';
      out.add_after(source, copied_to, value_begin, value_end, addition);
    }
  }
  return out.finish(source, copied_to);
}

bool NormalizedText::canonicalise_ipv4(std::string_view source, Layer& out) {
  // Every notation worth rewriting has a number that starts with '0' and goes
  // on ("010", "0x"), or follows "://" or "::ffff:". Dates, times and counts
  // are full of other '0's and ':'s, so the masks keep those out of the loop;
  // they only narrow what the readers below look at, the readers decide.
  constexpr std::uint64_t kNextBlockUnknown = 1ULL << 63;
  const std::size_t n = source.size();
  std::size_t copied_to = 0;
  std::size_t resume = 0;          // every trigger before this was part of a number already read
  std::uint64_t word_before = 0;   // bit 0: the byte before this block is a word byte
  for (std::size_t offset = 0; offset < n; offset += 64) {
    const detectors::ByteClasses classes = detectors::classify_block(source.data(), n, offset);
    const std::uint64_t zeros = detectors::find_bytes<'0'>(source.data(), n, offset);
    const std::uint64_t hex_marks = detectors::find_bytes<'x', 'X'>(source.data(), n, offset);
    const std::uint64_t slashes_or_colons = detectors::find_bytes<'/', ':'>(source.data(), n, offset);
    const std::uint64_t next_goes_on = ((classes.digit | hex_marks) >> 1) | kNextBlockUnknown;
    const std::uint64_t next_is_slash_or_colon = (slashes_or_colons >> 1) | kNextBlockUnknown;
    const std::uint64_t after_word = (classes.word << 1) | word_before;
    word_before = classes.word >> 63;
    std::uint64_t triggers = (zeros & next_goes_on & ~after_word) | (classes.colon & next_is_slash_or_colon);
    while (triggers != 0) {
      const std::size_t at = offset + static_cast<std::size_t>(__builtin_ctzll(triggers));
      triggers &= triggers - 1;
      if (at < resume) {
        continue;
      }
      const Ipv4Rewrite rewrite = source[at] == ':' ? ipv4_after_colon(source, at) : ipv4_dotted_around(source, at);
      resume = std::max(resume, rewrite.read_to);
      if (!rewrite.address || rewrite.begin < copied_to) {
        continue;
      }
      out.replace(source, copied_to, rewrite.begin, rewrite.end, detectors::dotted_decimal(*rewrite.address));
    }
  }
  return out.finish(source, copied_to);
}

void NormalizedText::Layer::replace(std::string_view source, std::size_t& copied_to, std::size_t begin,
                                    std::size_t end, std::string_view replacement) {
  if (edits.empty()) {
    text.reserve(source.size());
  }
  text.append(source, copied_to, begin - copied_to);
  const auto out_begin = static_cast<std::uint32_t>(text.size());
  text.append(replacement);
  edits.push_back({out_begin, static_cast<std::uint32_t>(text.size()), static_cast<std::uint32_t>(begin),
                   static_cast<std::uint32_t>(end)});
  copied_to = end;
}

void NormalizedText::Layer::add_after(std::string_view source, std::size_t& copied_to, std::size_t begin,
                                      std::size_t end, std::string_view addition) {
  if (edits.empty()) {
    text.reserve(source.size() + addition.size());
  }
  text.append(source, copied_to, end - copied_to);
  const auto out_begin = static_cast<std::uint32_t>(text.size());
  text.append(addition);
  edits.push_back({out_begin, static_cast<std::uint32_t>(text.size()), static_cast<std::uint32_t>(begin),
                   static_cast<std::uint32_t>(end)});
  copied_to = end;
}

bool NormalizedText::Layer::finish(std::string_view source, std::size_t copied_to) {
  if (edits.empty()) {
    return false;
  }
  text.append(source, copied_to, source.size() - copied_to);
  return true;
}

NormalizedText::NormalizedText(std::string_view original) : original_(original) {
  if (has_non_ascii(original_)) {
    Layer folded;
    if (fold_unicode(original_, folded)) {
      layers_.push_back(std::move(folded));
    }
  }
  Layer decoded;
  if (decode_query_base64(scan(), decoded)) {
    layers_.push_back(std::move(decoded));
    // Decoded text is folded like the rest (a base64 value may hide "＠").
    Layer folded;
    if (has_non_ascii(scan()) && fold_unicode(scan(), folded)) {
      layers_.push_back(std::move(folded));
    }
  }
  Layer refanged;
  if (refang(scan(), refanged)) {
    layers_.push_back(std::move(refanged));
  }
  Layer canonical;
  if (canonicalise_ipv4(scan(), canonical)) {
    layers_.push_back(std::move(canonical));
  }
}

std::pair<std::size_t, std::size_t> NormalizedText::to_original(std::size_t scan_begin, std::size_t scan_end) const {
  std::size_t begin = scan_begin;
  std::size_t end = scan_end;
  for (auto layer = layers_.rbegin(); layer != layers_.rend(); ++layer) {
    const std::size_t mapped_begin = layer->map_begin(begin);
    end = end <= begin ? mapped_begin : layer->map_end(end);
    begin = mapped_begin;
  }
  return {begin, end};
}

}  // namespace weft::policies
