#include "policies/detectors/byte_classes.h"

#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace weft::policies::detectors {
namespace {

// Copies a block, zero-padding past the end of the text.
const char* block_at(const char* text, std::size_t size, std::size_t offset, char (&scratch)[64]) {
  if (offset + 64 <= size) {
    return text + offset;
  }
  std::memset(scratch, 0, sizeof scratch);
  std::memcpy(scratch, text + offset, size - offset);
  return scratch;
}

}  // namespace

#if defined(__SSE2__)

namespace {

std::uint64_t movemask(__m128i bytes, int shift) {
  return static_cast<std::uint64_t>(static_cast<std::uint32_t>(_mm_movemask_epi8(bytes))) << shift;
}

__m128i in_range(__m128i bytes, char low, char high) {
  // Signed compares: bytes >= 0x80 are negative and never in an ASCII range.
  return _mm_and_si128(_mm_cmpgt_epi8(bytes, _mm_set1_epi8(static_cast<char>(low - 1))),
                       _mm_cmplt_epi8(bytes, _mm_set1_epi8(static_cast<char>(high + 1))));
}

}  // namespace

ByteClasses classify_block(const char* text, std::size_t size, std::size_t offset) {
  char scratch[64];
  const char* block = block_at(text, size, offset, scratch);
  ByteClasses out;
  for (int part = 0; part < 4; ++part) {
    const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(block + part * 16));
    const __m128i digit = in_range(bytes, '0', '9');
    const __m128i folded = _mm_or_si128(bytes, _mm_set1_epi8(0x20));
    const __m128i letter = in_range(folded, 'a', 'z');
    const __m128i underscore = _mm_cmpeq_epi8(bytes, _mm_set1_epi8('_'));
    const __m128i high = _mm_cmplt_epi8(bytes, _mm_setzero_si128());
    const __m128i word = _mm_or_si128(_mm_or_si128(digit, letter), _mm_or_si128(underscore, high));
    out.digit |= movemask(digit, part * 16);
    out.letter |= movemask(letter, part * 16);
    out.word |= movemask(word, part * 16);
    out.colon |= movemask(_mm_cmpeq_epi8(bytes, _mm_set1_epi8(':')), part * 16);
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

std::uint64_t find_bytes(const char* text, std::size_t size, std::size_t offset, const char* wanted,
                         std::size_t wanted_count) {
  char scratch[64];
  const char* block = block_at(text, size, offset, scratch);
  __m128i patterns[8];
  const std::size_t count = wanted_count < 8 ? wanted_count : 8;
  for (std::size_t w = 0; w < count; ++w) {
    patterns[w] = _mm_set1_epi8(wanted[w]);
  }
  std::uint64_t out = 0;
  for (int part = 0; part < 4; ++part) {
    const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(block + part * 16));
    __m128i any = _mm_setzero_si128();
    for (std::size_t w = 0; w < count; ++w) {
      any = _mm_or_si128(any, _mm_cmpeq_epi8(bytes, patterns[w]));
    }
    out |= movemask(any, part * 16);
  }
  if (offset + 64 > size) {
    out &= (1ULL << (size - offset)) - 1;
  }
  return out;
}

#else

ByteClasses classify_block(const char* text, std::size_t size, std::size_t offset) {
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

std::uint64_t find_bytes(const char* text, std::size_t size, std::size_t offset, const char* wanted,
                         std::size_t wanted_count) {
  std::uint64_t out = 0;
  for (std::size_t i = 0; i < 64 && offset + i < size; ++i) {
    for (std::size_t w = 0; w < wanted_count; ++w) {
      if (text[offset + i] == wanted[w]) {
        out |= 1ULL << i;
      }
    }
  }
  return out;
}

#endif

}  // namespace weft::policies::detectors
