// Standard base64 with padding (RFC 4648 §4), as every key, hash and leaf
// weft prints is written. Decoding is strict (libsodium): the standard
// alphabet, padding, no whitespace, zero unused bits, so each byte string has
// exactly one accepted spelling.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace weft::base64 {

std::string encode(const unsigned char* data, std::size_t size);
std::string encode(std::string_view bytes);

// nullopt for anything but one strict spelling. The decoded bytes may be a
// secret: the caller wipes them (sodium_memzero) when done; a failed
// decoding leaves nothing behind.
std::optional<std::vector<unsigned char>> decode(std::string_view text);

}  // namespace weft::base64
