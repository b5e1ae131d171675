#include "provenance/segments.h"

#include <algorithm>

namespace weft::provenance {
namespace {

bool is_continuation_byte(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

}  // namespace

std::vector<Segment> cut_at_spans(std::string_view text, std::vector<Span> spans) {
  std::vector<Span> usable;
  usable.reserve(spans.size());
  for (auto [begin, end] : spans) {
    end = std::min(end, text.size());
    if (begin >= end) {
      continue;
    }
    while (begin > 0 && is_continuation_byte(text[begin])) {
      --begin;
    }
    while (end < text.size() && is_continuation_byte(text[end])) {
      ++end;
    }
    usable.emplace_back(begin, end);
  }
  std::sort(usable.begin(), usable.end());
  std::vector<Span> merged;
  for (const auto& span : usable) {
    if (!merged.empty() && span.first < merged.back().second) {
      merged.back().second = std::max(merged.back().second, span.second);
    } else {
      merged.push_back(span);
    }
  }
  std::vector<Segment> segments;
  std::size_t position = 0;
  for (const auto& [begin, end] : merged) {
    if (begin > position) {
      segments.push_back({position, begin, false});
    }
    segments.push_back({begin, end, true});
    position = end;
  }
  if (position < text.size()) {
    segments.push_back({position, text.size(), false});
  }
  return segments;
}

}  // namespace weft::provenance
