// CREDIT_CARD: 13-19 digits, optionally grouped, that pass Luhn and belong
// to a real issuer range with the right length. Luhn alone lets one random
// digit string in ten through (timestamps, ICCIDs, IMEIs).
#include <string>
#include <vector>

#include "policies/detectors/extractors.h"
#include "policies/detectors/text_scan.h"

namespace weft::policies::detectors {
namespace {

bool is_separator(char c) { return c == ' ' || c == '-'; }

int prefix_value(std::string_view digits, std::size_t count) {
  int value = 0;
  for (std::size_t i = 0; i < count && i < digits.size(); ++i) {
    value = value * 10 + (digits[i] - '0');
  }
  return value;
}

}  // namespace

bool luhn_valid(std::string_view digits) {
  int sum = 0;
  bool double_it = false;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    if (!is_digit(*it)) {
      return false;
    }
    int value = *it - '0';
    if (double_it) {
      value *= 2;
      if (value > 9) {
        value -= 9;
      }
    }
    sum += value;
    double_it = !double_it;
  }
  return !digits.empty() && sum % 10 == 0;
}

bool card_issuer_valid(std::string_view digits) {
  const std::size_t length = digits.size();
  const int p1 = prefix_value(digits, 1);
  const int p2 = prefix_value(digits, 2);
  const int p3 = prefix_value(digits, 3);
  const int p4 = prefix_value(digits, 4);
  const int p6 = prefix_value(digits, 6);
  if (p1 == 4) {  // Visa
    return length == 13 || length == 16 || length == 19;
  }
  if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) {  // Mastercard
    return length == 16;
  }
  if (p2 == 34 || p2 == 37) {  // American Express
    return length == 15;
  }
  if (p4 == 6011 || (p3 >= 644 && p3 <= 649) || p2 == 65 || (p6 >= 622126 && p6 <= 622925)) {  // Discover
    return length >= 16 && length <= 19;
  }
  if (p4 >= 3528 && p4 <= 3589) {  // JCB
    return length >= 16 && length <= 19;
  }
  if (p2 == 62) {  // UnionPay
    return length >= 16 && length <= 19;
  }
  if (p2 == 36 || (p3 >= 300 && p3 <= 305) || p2 == 38 || p2 == 39) {  // Diners Club
    return length >= 14 && length <= 19;
  }
  if (p2 == 50 || (p2 >= 56 && p2 <= 58) || p2 == 63 || p2 == 67) {  // Maestro
    return length >= 12 && length <= 19;
  }
  return false;
}

std::optional<Span> extract_payment_card(std::string_view text, std::size_t anchor_end) {
  // The digit run around the anchor, with single separators between groups.
  std::size_t begin = anchor_end;
  while (begin > 0 && (is_digit(text[begin - 1]) ||
                       (is_separator(text[begin - 1]) && begin >= 2 && is_digit(text[begin - 2])))) {
    --begin;
  }
  while (begin < anchor_end && is_separator(text[begin])) {
    ++begin;
  }
  if (is_word_byte(before_or_nul(text, begin)) || before_or_nul(text, begin) == '.') {
    return std::nullopt;
  }
  struct Group {
    std::size_t begin;
    std::size_t end;
  };
  std::vector<Group> groups;
  std::size_t i = begin;
  char separator = '\0';
  while (i < text.size() && is_digit(text[i])) {
    const std::size_t group_begin = i;
    while (i < text.size() && is_digit(text[i])) {
      ++i;
    }
    groups.push_back({group_begin, i});
    if (i + 1 < text.size() && is_separator(text[i]) && is_digit(text[i + 1]) &&
        (separator == '\0' || separator == text[i])) {
      separator = text[i];
      ++i;
    } else {
      break;
    }
  }
  if (groups.empty() || is_word_byte(at_or_nul(text, groups.back().end))) {
    return std::nullopt;
  }
  // Longest run of leading groups that forms a card: "4111 1111 1111 1111 12/25".
  for (std::size_t count = groups.size(); count > 0; --count) {
    std::string digits;
    for (std::size_t g = 0; g < count; ++g) {
      digits.append(text.substr(groups[g].begin, groups[g].end - groups[g].begin));
    }
    if (digits.size() < 12 || digits.size() > 19) {
      continue;
    }
    if (card_issuer_valid(digits) && luhn_valid(digits)) {
      return Span{groups.front().begin, groups[count - 1].end};
    }
  }
  return std::nullopt;
}

}  // namespace weft::policies::detectors
