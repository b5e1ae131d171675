#include "policies/normalized_text.h"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>
#include <mutex>

#include "policies/detectors/byte_classes.h"

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
  static constexpr char kTriggers[] = {'[', '(', '{', '%', 'x', 'X'};
  const std::size_t n = source.size();
  std::size_t copied_to = 0;
  for (std::size_t offset = 0; offset < n; offset += 64) {
    std::uint64_t triggers = detectors::find_bytes(source.data(), n, offset, kTriggers, sizeof kTriggers);
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
      if (out.edits.empty()) {
        out.text.reserve(source.size());
      }
      out.text.append(source, copied_to, match.begin - copied_to);
      const auto out_begin = static_cast<std::uint32_t>(out.text.size());
      out.text.append(match.refang.replacement);
      out.edits.push_back({out_begin, static_cast<std::uint32_t>(out.text.size()),
                           static_cast<std::uint32_t>(match.begin),
                           static_cast<std::uint32_t>(match.begin + match.refang.length)});
      copied_to = match.begin + match.refang.length;
    }
  }
  if (out.edits.empty()) {
    return false;
  }
  out.text.append(source, copied_to, n - copied_to);
  return true;
}

NormalizedText::NormalizedText(std::string_view original) : original_(original) {
  if (has_non_ascii(original_)) {
    Layer folded;
    if (fold_unicode(original_, folded)) {
      layers_.push_back(std::move(folded));
    }
  }
  Layer refanged;
  if (refang(scan(), refanged)) {
    layers_.push_back(std::move(refanged));
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
