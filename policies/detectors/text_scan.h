// Small character tests shared by the extractors.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

namespace weft::policies::detectors {

inline bool is_digit(char c) { return c >= '0' && c <= '9'; }
inline bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
inline bool is_alnum(char c) { return is_digit(c) || is_alpha(c); }
inline bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
inline char to_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
inline char to_upper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }
// Any byte of a multi-byte UTF-8 sequence: part of a (non-ASCII) word.
inline bool is_word_byte(char c) { return is_alnum(c) || c == '_' || (static_cast<unsigned char>(c) & 0x80) != 0; }

inline char at_or_nul(std::string_view text, std::size_t i) { return i < text.size() ? text[i] : '\0'; }
inline char before_or_nul(std::string_view text, std::size_t i) { return i > 0 ? text[i - 1] : '\0'; }

// True when one of `cues` occurs (case-insensitively) in the `window` bytes
// before `position`.
bool cue_before(std::string_view text, std::size_t position, std::size_t window,
                std::span<const std::string_view> cues);

}  // namespace weft::policies::detectors
