#include "policies/transforms.h"

#include <arpa/inet.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>

#include <array>

#include "policies/category.h"
#include "policies/detectors/ipv4_notation.h"
#include "policies/detectors/text_scan.h"
#include "policies/normalized_text.h"

namespace weft::policies {
namespace {

using detectors::is_alnum;
using detectors::is_digit;

std::string scan_form(std::string_view original) { return std::string(NormalizedText(original).scan()); }

// Masks every digit except the last `keep_last`, leaving separators in place.
std::string mask_digits(std::string_view text, std::size_t keep_last) {
  std::size_t digits = 0;
  for (char c : text) {
    digits += is_digit(c) ? 1 : 0;
  }
  std::string out;
  std::size_t seen = 0;
  for (char c : text) {
    if (is_digit(c)) {
      ++seen;
      out += seen + keep_last > digits ? c : '*';
    } else {
      out += c;
    }
  }
  return out;
}

std::string mask_email(const std::string& value, bool defanged) {
  const auto at = value.find('@');
  if (at == std::string::npos || at == 0) {
    return "***";
  }
  std::string domain = value.substr(at + 1);
  if (defanged) {
    std::string refanged;
    for (char c : domain) {
      refanged += c == '.' ? std::string("[.]") : std::string(1, c);
    }
    domain = refanged;
  }
  return value.substr(0, 1) + "***@" + domain;
}

std::string mask_phone(const std::string& value) {
  // Keep the international prefix and first group ("+31 6 "), or the area
  // code of a national number ("030 "); hide all digits but the last four.
  std::size_t keep = 0;
  const bool international = !value.empty() && (value[0] == '+' || value.rfind("00", 0) == 0);
  int groups_to_keep = international ? 2 : 1;
  std::size_t i = 0;
  while (i < value.size() && groups_to_keep > 0) {
    while (i < value.size() && !is_digit(value[i])) {
      ++i;
    }
    while (i < value.size() && is_digit(value[i])) {
      ++i;
    }
    --groups_to_keep;
    while (i < value.size() && !is_digit(value[i])) {
      ++i;
    }
    keep = i;
  }
  if (keep >= value.size()) {
    keep = std::min<std::size_t>(2, value.size());  // one group only: keep two digits
  }
  return value.substr(0, keep) + mask_digits(value.substr(keep), 4);
}

std::string mask_iban(const std::string& value) {
  std::size_t alnum = 0;
  for (char c : value) {
    alnum += is_alnum(c) ? 1 : 0;
  }
  std::string out;
  std::size_t seen = 0;
  for (char c : value) {
    if (is_alnum(c)) {
      ++seen;
      out += (seen <= 4 || seen + 4 > alnum) ? c : '*';
    } else {
      out += c;
    }
  }
  return out;
}

// First character of each word kept, the rest of its letters hidden.
std::string mask_words(const std::string& value) {
  std::string out;
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(value.data());
  const auto length = static_cast<std::int32_t>(value.size());
  std::int32_t i = 0;
  bool at_word_start = true;
  while (i < length) {
    const std::int32_t start = i;
    UChar32 c = 0;
    U8_NEXT(bytes, i, length, c);
    const bool separator = c == ' ' || c == '-' || c == '\'' || c == '\t';
    if (separator) {
      out.append(value, static_cast<std::size_t>(start), static_cast<std::size_t>(i - start));
      at_word_start = true;
    } else if (at_word_start) {
      out.append(value, static_cast<std::size_t>(start), static_cast<std::size_t>(i - start));
      at_word_start = false;
    } else {
      out += '*';
    }
  }
  // A one-letter value cannot keep its shape without showing itself.
  return out == value ? std::string("*") : out;
}

std::optional<std::array<unsigned char, 16>> parse_ip(std::string_view category, const std::string& value, int& family) {
  std::array<unsigned char, 16> bytes{};
  family = category == kIpv4 ? AF_INET : AF_INET6;
  if (inet_pton(family, value.c_str(), bytes.data()) == 1) {
    return bytes;
  }
  // A URL host such as "0xc6336417" keeps its notation in a value's scan
  // form: only "://" before it made it an address (NormalizedText).
  if (family == AF_INET) {
    if (const auto address = detectors::parse_ipv4_notation(value)) {
      for (std::size_t i = 0; i < 4; ++i) {
        bytes[i] = static_cast<unsigned char>(*address >> (8 * (3 - i)));
      }
      return bytes;
    }
  }
  return std::nullopt;
}

std::string ip_text(int family, const std::array<unsigned char, 16>& bytes) {
  char text[INET6_ADDRSTRLEN] = {};
  inet_ntop(family, bytes.data(), text, sizeof text);
  return text;
}

}  // namespace

std::string mask_value(std::string_view category, std::string_view original) {
  const std::string value = scan_form(original);
  if (category == kEmail) {
    return mask_email(value, original.find('[') != std::string_view::npos ||
                                 original.find('(') != std::string_view::npos);
  }
  if (category == kPhone) {
    return mask_phone(value);
  }
  if (category == kIban) {
    return mask_iban(value);
  }
  if (category == kCreditCard) {
    return mask_digits(value, 4);
  }
  if (category == kIpv4 || category == kIpv6) {
    int family = 0;
    if (auto bytes = parse_ip(category, value, family)) {
      const std::string canonical = ip_text(family, *bytes);
      if (family == AF_INET) {
        return canonical.substr(0, canonical.rfind('.') + 1) + "*";
      }
      // Keep the first three groups of the canonical text.
      std::size_t colons = 0;
      std::size_t cut = canonical.size();
      for (std::size_t i = 0; i < canonical.size(); ++i) {
        if (canonical[i] == ':' && ++colons == 3) {
          cut = i;
          break;
        }
      }
      return canonical.substr(0, cut) + ":*";
    }
    return "[MASKED:" + std::string(category) + "]";
  }
  return mask_words(value);
}

std::optional<std::string> generalise_value(std::string_view category, std::string_view original) {
  if (category != kIpv4 && category != kIpv6) {
    return std::nullopt;
  }
  int family = 0;
  auto bytes = parse_ip(category, scan_form(original), family);
  if (!bytes) {
    return std::nullopt;
  }
  if (family == AF_INET) {
    (*bytes)[3] = 0;
    return ip_text(family, *bytes) + "/24";
  }
  for (std::size_t i = 6; i < 16; ++i) {
    (*bytes)[i] = 0;
  }
  return ip_text(family, *bytes) + "/48";
}

std::string canonical_value(std::string_view category, std::string_view original) {
  const std::string value = scan_form(original);
  if (category == kIpv4 || category == kIpv6) {
    int family = 0;
    if (auto bytes = parse_ip(category, value, family)) {
      return ip_text(family, *bytes);
    }
  }
  if (category == kPhone || category == kCreditCard) {
    std::string number = value;
    for (auto at = number.find("(0)"); at != std::string::npos; at = number.find("(0)")) {
      number.erase(at, 3);  // "+31 (0)6 ..." is written for locals; the 0 is not dialled
    }
    const bool international = number.rfind("00", 0) == 0 || number.rfind('+', 0) == 0;
    std::string digits = international ? "+" : "";
    for (std::size_t i = number.rfind("00", 0) == 0 ? 2 : 0; i < number.size(); ++i) {
      if (is_digit(number[i])) {
        digits += number[i];
      }
    }
    return digits;
  }
  if (category == kIban) {
    std::string compact;
    for (char c : value) {
      if (is_alnum(c)) {
        compact += detectors::to_upper(c);
      }
    }
    return compact;
  }
  // E-mail, names and custom values: case-folded, single spaces.
  icu::UnicodeString unicode = icu::UnicodeString::fromUTF8(value);
  unicode.foldCase();
  std::string folded;
  unicode.toUTF8String(folded);
  std::string out;
  for (char c : folded) {
    if (c == ' ' || c == '\t' || c == '\n') {
      if (!out.empty() && out.back() != ' ') {
        out += ' ';
      }
    } else {
      out += c;
    }
  }
  while (!out.empty() && out.back() == ' ') {
    out.pop_back();
  }
  return out;
}

}  // namespace weft::policies
