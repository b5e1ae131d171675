// IPV4 and IPV6: proper parsing, and boundaries that keep version numbers,
// OIDs, timestamps, MAC addresses and C++ scopes ("std::") out.
#include <arpa/inet.h>

#include <string>

#include "policies/detectors/extractors.h"
#include "policies/detectors/text_scan.h"

namespace weft::policies::detectors {
namespace {

bool is_ipv4_char(char c) { return is_digit(c) || c == '.'; }
bool is_ipv6_char(char c) { return is_hex(c) || c == ':' || c == '.'; }

}  // namespace

bool ipv4_valid(std::string_view text) {
  int groups = 0;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t end = std::min(text.find('.', start), text.size());
    const std::string_view group = text.substr(start, end - start);
    if (group.empty() || group.size() > 3) {
      return false;
    }
    int value = 0;
    for (char c : group) {
      if (!is_digit(c)) {
        return false;
      }
      value = value * 10 + (c - '0');
    }
    if (value > 255) {
      return false;
    }
    ++groups;
    start = end + 1;
  }
  return groups == 4;
}

bool ipv6_valid(std::string_view text) {
  if (text.size() < 3 || text.size() > 45) {
    return false;
  }
  in6_addr address{};
  return inet_pton(AF_INET6, std::string(text).c_str(), &address) == 1;
}

std::optional<Span> extract_ipv4(std::string_view text, std::size_t anchor_end) {
  std::size_t begin = anchor_end;
  while (begin > 0 && is_ipv4_char(text[begin - 1])) {
    --begin;
  }
  std::size_t end = anchor_end;
  while (end < text.size() && is_ipv4_char(text[end])) {
    ++end;
  }
  while (begin < end && text[begin] == '.') {
    ++begin;
  }
  // One dot at the end closes a sentence; more would be a longer dotted number.
  if (end > begin && text[end - 1] == '.' && !(end >= 2 && text[end - 2] == '.')) {
    --end;
  }
  const char before = before_or_nul(text, begin);
  const char after = at_or_nul(text, end);
  const bool dotted_before = before == '.' && is_digit(before_or_nul(text, begin - 1));
  const bool dotted_after = after == '.' && is_digit(at_or_nul(text, end + 1));
  if (is_word_byte(before) || is_word_byte(after) || dotted_before || dotted_after) {
    return std::nullopt;  // "v1.2.3.4", "1.2.3.4.5", "10.0.19041.1"
  }
  if (!ipv4_valid(text.substr(begin, end - begin))) {
    return std::nullopt;
  }
  return Span{begin, end};
}

std::optional<Span> extract_ipv6(std::string_view text, std::size_t anchor_end) {
  std::size_t begin = anchor_end;
  while (begin > 0 && is_ipv6_char(text[begin - 1])) {
    --begin;
  }
  std::size_t end = anchor_end;
  while (end < text.size() && is_ipv6_char(text[end])) {
    ++end;
  }
  // A trailing dot or single colon belongs to the sentence ("... at 2001:db8::1.").
  while (end > begin && (text[end - 1] == '.' || (text[end - 1] == ':' && !(end >= 2 && text[end - 2] == ':')))) {
    --end;
  }
  while (begin < end && text[begin] == '.') {
    ++begin;
  }
  if (is_word_byte(before_or_nul(text, begin)) || is_word_byte(at_or_nul(text, end))) {
    return std::nullopt;  // "std::vector", "fe80::1%eth0" is cut at '%' and still taken
  }
  const std::string_view candidate = text.substr(begin, end - begin);
  bool has_digit = false;
  for (char c : candidate) {
    has_digit = has_digit || is_hex(c);
  }
  if (!has_digit || !ipv6_valid(candidate)) {
    return std::nullopt;
  }
  return Span{begin, end};
}

}  // namespace weft::policies::detectors
