// Classifies 64 bytes at a time into bit masks (bit i = byte i), so that the
// scanners touch individual bytes only where something can start. SSE2 on
// x86-64 (part of the baseline), plain C++ elsewhere.
#pragma once

#include <cstddef>
#include <cstdint>

namespace weft::policies::detectors {

struct ByteClasses {
  std::uint64_t digit = 0;   // 0-9
  std::uint64_t letter = 0;  // A-Z a-z
  std::uint64_t word = 0;    // letters, digits, '_' and every non-ASCII byte
  std::uint64_t colon = 0;   // ':'
};

// Classifies text[offset, offset + 64); bytes past `size` count as nothing.
ByteClasses classify_block(const char* text, std::size_t size, std::size_t offset);

// Bit mask of the bytes in text[offset, offset + 64) equal to any of `wanted`
// (at most eight values).
std::uint64_t find_bytes(const char* text, std::size_t size, std::size_t offset, const char* wanted,
                         std::size_t wanted_count);

}  // namespace weft::policies::detectors
