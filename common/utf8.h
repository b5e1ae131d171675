// Well-formed UTF-8 (RFC 3629), checked byte by byte where a format demands
// it (signed notes, provenance parts): no stray continuation bytes,
// truncated sequences, overlong forms, surrogates or values above U+10FFFF.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace weft::utf8 {

// Decodes the code point at `pos` and moves `pos` past it; nullopt (and
// `pos` unchanged) for bytes that are not well-formed UTF-8.
std::optional<char32_t> next_code_point(std::string_view text, std::size_t& pos);

bool is_valid(std::string_view text);

}  // namespace weft::utf8
