#include "formats/indicator_values.h"

#include <algorithm>
#include <cctype>

namespace weft::formats {

std::optional<std::string> indicator_value_problem(v1::Indicator::Type type, std::string_view value) {
  if (value.empty()) {
    return "value is empty";
  }
  if (auto bad = weft::text_problem(value, kMaxValueBytes)) {
    return "value " + *bad;
  }
  if (auto checked = check_indicator_value(type, value); !checked) {
    return "value: " + checked.error().message;
  }
  return std::nullopt;
}

std::optional<std::string> text_problem(std::string_view text, std::size_t max_bytes, bool required) {
  if (required && text.empty()) {
    return "is empty";
  }
  return weft::text_problem(text, max_bytes);
}

std::string cut_utf8(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) {
    return std::string(text);
  }
  std::size_t end = max_bytes;
  // Back off over continuation bytes (10xxxxxx) to the start of a sequence.
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) {
    --end;
  }
  return std::string(text.substr(0, end));
}

std::string indicator_type_name(v1::Indicator::Type type) {
  return to_lower_ascii(v1::Indicator::Type_Name(type));
}

std::string to_lower_ascii(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::string_view trim_ascii(std::string_view text) {
  const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!text.empty() && space(text.front())) {
    text.remove_prefix(1);
  }
  while (!text.empty() && space(text.back())) {
    text.remove_suffix(1);
  }
  return text;
}

}  // namespace weft::formats
