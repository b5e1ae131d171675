#include "common/base64.h"

#include <sodium.h>

namespace weft::base64 {

std::string encode(const unsigned char* data, std::size_t size) {
  std::string encoded(sodium_base64_ENCODED_LEN(size, sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(encoded.data(), encoded.size(), data, size, sodium_base64_VARIANT_ORIGINAL);
  encoded.pop_back();  // sodium writes a terminating NUL
  return encoded;
}

std::string encode(std::string_view bytes) {
  return encode(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
}

std::optional<std::vector<unsigned char>> decode(std::string_view text) {
  std::vector<unsigned char> decoded(text.size() / 4 * 3 + 3);
  std::size_t length = 0;
  if (sodium_base642bin(decoded.data(), decoded.size(), text.data(), text.size(), nullptr, &length, nullptr,
                        sodium_base64_VARIANT_ORIGINAL) != 0) {
    sodium_memzero(decoded.data(), decoded.size());
    return std::nullopt;
  }
  decoded.resize(length);
  return decoded;
}

}  // namespace weft::base64
