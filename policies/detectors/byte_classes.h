// Classifies 64 bytes at a time into bit masks (bit i = byte i), so that the
// scanners touch individual bytes only where something can start. SSE2 on
// x86-64 (part of the baseline), plain C++ elsewhere.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace weft::policies::detectors {

struct ByteClasses {
  std::uint64_t digit = 0;   // 0-9
  std::uint64_t letter = 0;  // A-Z a-z
  std::uint64_t word = 0;    // letters, digits, '_' and every non-ASCII byte
  std::uint64_t colon = 0;   // ':'
};

// Defined inline below, because the scanners call them once per 64 bytes and
// a call each time cost more than the classification itself:
//
// classify_block(text, size, offset) classifies text[offset, offset + 64);
// bytes past `size` count as nothing.
//
// find_bytes<'a', 'b'...>(text, size, offset) is the bit mask of the bytes in
// text[offset, offset + 64) equal to any of the values given; they are
// template arguments so that each compare is against a constant.

namespace byte_classes_detail {

// Copies a block, zero-padding past the end of the text.
inline const char* block_at(const char* text, std::size_t size, std::size_t offset, char (&scratch)[64]) {
  if (offset + 64 <= size) {
    return text + offset;
  }
  std::memset(scratch, 0, sizeof scratch);
  std::memcpy(scratch, text + offset, size - offset);
  return scratch;
}

}  // namespace byte_classes_detail

#if defined(__SSE2__)

namespace byte_classes_detail {

inline std::uint64_t movemask(__m128i bytes, int shift) {
  return static_cast<std::uint64_t>(static_cast<std::uint32_t>(_mm_movemask_epi8(bytes))) << shift;
}

inline __m128i in_range(__m128i bytes, char low, char high) {
  // Signed compares: bytes >= 0x80 are negative and never in an ASCII range.
  return _mm_and_si128(_mm_cmpgt_epi8(bytes, _mm_set1_epi8(static_cast<char>(low - 1))),
                       _mm_cmplt_epi8(bytes, _mm_set1_epi8(static_cast<char>(high + 1))));
}

}  // namespace byte_classes_detail

inline ByteClasses classify_block(const char* text, std::size_t size, std::size_t offset) {
  char scratch[64];
  const char* block = byte_classes_detail::block_at(text, size, offset, scratch);
  ByteClasses out;
  for (int part = 0; part < 4; ++part) {
    const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(block + part * 16));
    const __m128i digit = byte_classes_detail::in_range(bytes, '0', '9');
    const __m128i folded = _mm_or_si128(bytes, _mm_set1_epi8(0x20));
    const __m128i letter = byte_classes_detail::in_range(folded, 'a', 'z');
    const __m128i underscore = _mm_cmpeq_epi8(bytes, _mm_set1_epi8('_'));
    const __m128i high = _mm_cmplt_epi8(bytes, _mm_setzero_si128());
    const __m128i word = _mm_or_si128(_mm_or_si128(digit, letter), _mm_or_si128(underscore, high));
    out.digit |= byte_classes_detail::movemask(digit, part * 16);
    out.letter |= byte_classes_detail::movemask(letter, part * 16);
    out.word |= byte_classes_detail::movemask(word, part * 16);
    out.colon |= byte_classes_detail::movemask(_mm_cmpeq_epi8(bytes, _mm_set1_epi8(':')), part * 16);
  }
  if (offset + 64 > size) {
    const std::uint64_t valid = (1ULL << (size - offset)) - 1;
    out.digit &= valid;
    out.letter &= valid;
    out.word &= valid;
    out.colon &= valid;
  }
  return out;
}

template <char... Wanted>
inline std::uint64_t find_bytes(const char* text, std::size_t size, std::size_t offset) {
  static_assert(sizeof...(Wanted) >= 1, "find_bytes looks for at least one byte value");
  char scratch[64];
  const char* block = byte_classes_detail::block_at(text, size, offset, scratch);
  std::uint64_t out = 0;
  for (int part = 0; part < 4; ++part) {
    const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(block + part * 16));
    __m128i any = _mm_setzero_si128();
    ((any = _mm_or_si128(any, _mm_cmpeq_epi8(bytes, _mm_set1_epi8(Wanted)))), ...);
    out |= byte_classes_detail::movemask(any, part * 16);
  }
  if (offset + 64 > size) {
    out &= (1ULL << (size - offset)) - 1;
  }
  return out;
}

#else

inline ByteClasses classify_block(const char* text, std::size_t size, std::size_t offset) {
  ByteClasses out;
  for (std::size_t i = 0; i < 64 && offset + i < size; ++i) {
    const auto c = static_cast<unsigned char>(text[offset + i]);
    const bool digit = c >= '0' && c <= '9';
    const bool letter = (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
    const std::uint64_t bit = 1ULL << i;
    out.digit |= digit ? bit : 0;
    out.letter |= letter ? bit : 0;
    out.word |= (digit || letter || c == '_' || c >= 0x80) ? bit : 0;
    out.colon |= c == ':' ? bit : 0;
  }
  return out;
}

template <char... Wanted>
inline std::uint64_t find_bytes(const char* text, std::size_t size, std::size_t offset) {
  static_assert(sizeof...(Wanted) >= 1, "find_bytes looks for at least one byte value");
  std::uint64_t out = 0;
  for (std::size_t i = 0; i < 64 && offset + i < size; ++i) {
    if (((text[offset + i] == Wanted) || ...)) {
      out |= 1ULL << i;
    }
  }
  return out;
}

#endif

}  // namespace weft::policies::detectors
