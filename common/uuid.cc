#include "common/uuid.h"

namespace weft::uuid {

std::string random_v4(std::mt19937_64& generator) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (int i = 0; i < 32; ++i) {
    if (i == 8 || i == 12 || i == 16 || i == 20) {
      out += '-';
    }
    char digit = kHex[generator() % 16];
    if (i == 12) {
      digit = '4';  // version 4
    } else if (i == 16) {
      digit = kHex[8 + generator() % 4];  // variant 10xx
    }
    out += digit;
  }
  return out;
}

}  // namespace weft::uuid
