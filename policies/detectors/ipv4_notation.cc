#include "policies/detectors/ipv4_notation.h"

#include <algorithm>
#include <array>

#include "policies/detectors/text_scan.h"

namespace weft::policies::detectors {
namespace {

constexpr std::uint64_t kTooLarge = std::uint64_t{1} << 32;

unsigned digit_value(char c) {
  if (is_digit(c)) {
    return static_cast<unsigned>(c - '0');
  }
  return static_cast<unsigned>(to_lower(c) - 'a') + 10;
}

}  // namespace

std::optional<Ipv4Notation> read_ipv4_notation(std::string_view text, std::size_t begin) {
  if (!is_digit(at_or_nul(text, begin))) {
    return std::nullopt;
  }
  Ipv4Notation notation;
  notation.valid = true;
  notation.plain_dotted = true;
  std::array<std::uint64_t, 4> values{};
  std::size_t i = begin;
  while (true) {
    unsigned base = 10;
    if (text[i] == '0' && to_lower(at_or_nul(text, i + 1)) == 'x' && is_hex(at_or_nul(text, i + 2))) {
      base = 16;
      i += 2;
    } else if (text[i] == '0' && is_digit(at_or_nul(text, i + 1))) {
      base = 8;
    }
    notation.plain_dotted = notation.plain_dotted && base == 10;
    std::uint64_t value = 0;
    while (i < text.size() && (base == 16 ? is_hex(text[i]) : is_digit(text[i]))) {
      const unsigned digit = digit_value(text[i]);
      notation.valid = notation.valid && digit < base;  // "09" is no octal number: inet_aton refuses it
      value = std::min(value * base + digit, kTooLarge);
      ++i;
    }
    if (notation.parts < values.size()) {
      values[notation.parts] = value;
    }
    ++notation.parts;
    if (at_or_nul(text, i) == '.' && is_digit(at_or_nul(text, i + 1))) {
      ++i;
      continue;
    }
    break;
  }
  notation.end = i;
  // The last part fills the bytes the parts before it leave: a.b.c.d, a.b.cd, a.bcd, abcd.
  const std::size_t parts = notation.parts;
  if (parts > 4) {
    notation.valid = false;
    return notation;
  }
  const std::uint64_t last_limit = kTooLarge >> (8 * (parts - 1));
  std::uint64_t address = 0;
  for (std::size_t part = 0; part + 1 < parts; ++part) {
    notation.valid = notation.valid && values[part] <= 0xFF;
    address |= values[part] << (8 * (3 - part));
  }
  notation.valid = notation.valid && values[parts - 1] < last_limit;
  notation.plain_dotted = notation.plain_dotted && parts == 4;
  if (notation.valid) {
    notation.address = static_cast<std::uint32_t>(address | values[parts - 1]);
  }
  return notation;
}

std::optional<std::uint32_t> parse_ipv4_notation(std::string_view text) {
  const auto notation = read_ipv4_notation(text, 0);
  if (!notation || !notation->valid || notation->end != text.size()) {
    return std::nullopt;
  }
  return notation->address;
}

std::string dotted_decimal(std::uint32_t address) {
  std::string out;
  for (int shift = 24; shift >= 0; shift -= 8) {
    out += std::to_string((address >> shift) & 0xFFU);
    if (shift > 0) {
      out += '.';
    }
  }
  return out;
}

}  // namespace weft::policies::detectors
