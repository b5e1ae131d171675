// EMAIL: local@domain with a real-looking domain.
#include <algorithm>
#include <array>
#include <string>

#include "policies/detectors/extractors.h"
#include "policies/detectors/text_scan.h"

namespace weft::policies::detectors {
namespace {

bool is_local_char(char c) {
  return is_alnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
}
bool is_domain_char(char c) { return is_alnum(c) || c == '.' || c == '-'; }

// "logo@2x.png", "icon@3x.svg": file names, not addresses.
constexpr std::array<std::string_view, 14> kFileExtensions = {"png", "jpg", "jpeg", "gif", "svg", "webp", "ico",
                                                              "css", "js",  "map", "json", "bmp", "tif", "tiff"};

bool valid_domain(std::string_view domain) {
  if (domain.size() > 253) {
    return false;
  }
  std::size_t labels = 0;
  std::string_view last;
  std::size_t start = 0;
  while (start <= domain.size()) {
    const std::size_t end = std::min(domain.find('.', start), domain.size());
    const std::string_view label = domain.substr(start, end - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return false;
    }
    ++labels;
    last = label;
    start = end + 1;
  }
  if (labels < 2) {
    return false;
  }
  if (last.starts_with("xn--")) {
    return true;
  }
  if (last.size() < 2 || !std::all_of(last.begin(), last.end(), is_alpha)) {
    return false;
  }
  std::string lowered;
  for (char c : last) {
    lowered += to_lower(c);
  }
  return std::find(kFileExtensions.begin(), kFileExtensions.end(), lowered) == kFileExtensions.end();
}

}  // namespace

std::optional<Span> extract_email(std::string_view text, std::size_t anchor_end) {
  if (anchor_end < 3) {
    return std::nullopt;
  }
  const std::size_t at = anchor_end - 2;
  if (text[at] != '@') {
    return std::nullopt;
  }
  std::size_t begin = at;
  while (begin > 0 && is_local_char(text[begin - 1])) {
    --begin;
  }
  // Leading dots or hyphens belong to the surrounding text, not the address.
  while (begin < at && (text[begin] == '.' || text[begin] == '-')) {
    ++begin;
  }
  if (begin == at || at - begin > 64 || text[at - 1] == '.') {
    return std::nullopt;
  }
  std::size_t end = at + 1;
  while (end < text.size() && is_domain_char(text[end])) {
    ++end;
  }
  while (end > at + 1 && (text[end - 1] == '.' || text[end - 1] == '-')) {
    --end;  // "write to jan@example.nl." ends the sentence, not the domain
  }
  if (!valid_domain(text.substr(at + 1, end - at - 1))) {
    return std::nullopt;
  }
  return Span{begin, end};
}

}  // namespace weft::policies::detectors
