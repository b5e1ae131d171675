#include "provenance/alignment.h"

#include <algorithm>
#include <unordered_map>

namespace weft::provenance {
namespace {

using Status = v1::PartDisclosure::Status;

bool at(std::string_view text, std::size_t position, std::string_view expected) {
  return text.size() - position >= expected.size() && text.compare(position, expected.size(), expected) == 0;
}

struct Anchor {
  std::size_t segment;   // the anchor's index, or the segment count without one
  std::size_t position;  // where it starts in the delivered text, or its size
};

Anchor find_anchor(std::span<const OriginalSegment> segments, std::size_t from_segment, std::string_view delivered,
                   std::size_t position) {
  for (std::size_t j = from_segment; j < segments.size(); ++j) {
    const OriginalSegment& candidate = segments[j];
    if (candidate.personal) {
      continue;
    }
    if (j + 1 == segments.size()) {
      // The last segment can only end the text.
      if (delivered.size() - position >= candidate.value.size() && delivered.ends_with(candidate.value)) {
        return {j, delivered.size() - candidate.value.size()};
      }
      continue;
    }
    const std::size_t found = delivered.find(candidate.value, position);
    if (found != std::string_view::npos) {
      return {j, found};
    }
  }
  return {segments.size(), delivered.size()};
}

// Positions of each identity among the originals, ascending.
using Index = std::unordered_map<std::string, std::vector<std::size_t>>;

// The first original with this identity within [first, last] that fits
// delivered element j.
std::optional<std::size_t> first_fitting(const Index& index, const std::string& key, std::size_t first,
                                         std::size_t last, std::size_t j, const ElementFits& fits) {
  const auto entry = index.find(key);
  if (entry == index.end()) {
    return std::nullopt;
  }
  for (auto i = std::lower_bound(entry->second.begin(), entry->second.end(), first);
       i != entry->second.end() && *i <= last; ++i) {
    if (!fits || fits(*i, j)) {
      return *i;
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::vector<SegmentFate>> align_text(std::span<const OriginalSegment> segments,
                                                   std::string_view delivered) {
  if (segments.empty()) {
    if (!delivered.empty()) {
      return std::nullopt;
    }
    return std::vector<SegmentFate>{};
  }
  std::vector<SegmentFate> fates(segments.size());
  std::size_t position = 0;
  std::size_t i = 0;
  while (i < segments.size()) {
    const std::string_view original = segments[i].value;
    const bool last = i + 1 == segments.size();
    if (at(delivered, position, original) && (!last || position + original.size() == delivered.size())) {
      fates[i].status = v1::PartDisclosure::DISCLOSED;
      position += original.size();
      ++i;
      continue;
    }
    const Anchor anchor = find_anchor(segments, i + 1, delivered, position);
    const std::string_view gap = delivered.substr(position, anchor.position - position);
    for (std::size_t k = i; k < anchor.segment; ++k) {
      fates[k].status = v1::PartDisclosure::WITHHELD;
    }
    if (!gap.empty()) {
      std::size_t receiver = i;
      while (receiver < anchor.segment && segments[receiver].personal) {
        ++receiver;
      }
      if (receiver == anchor.segment) {
        fates[i] = {v1::PartDisclosure::REPLACED, gap};
      } else {
        fates[receiver] = {v1::PartDisclosure::MODIFIED, gap};
      }
    }
    position = anchor.position;
    i = anchor.segment;
  }
  return fates;
}

std::optional<std::vector<std::optional<std::size_t>>> match_elements(std::span<const ElementIdentity> original,
                                                                      std::span<const ElementIdentity> delivered,
                                                                      const ElementFits& fits) {
  if (delivered.size() > original.size()) {
    return std::nullopt;
  }
  Index strong;
  Index weak;
  for (std::size_t i = 0; i < original.size(); ++i) {
    strong[original[i].strong].push_back(i);
    if (original[i].weak) {
      weak[*original[i].weak].push_back(i);
    }
  }
  std::vector<std::optional<std::size_t>> mapping(original.size());
  std::size_t next = 0;  // the first original still unused
  for (std::size_t j = 0; j < delivered.size(); ++j) {
    // The highest original index that leaves one original for each of the
    // delivered elements after j.
    const std::size_t last = original.size() - (delivered.size() - j);
    auto chosen = first_fitting(strong, delivered[j].strong, next, last, j, fits);
    if (!chosen && delivered[j].weak) {
      chosen = first_fitting(weak, *delivered[j].weak, next, last, j, fits);
    }
    for (std::size_t i = next; !chosen && i <= last; ++i) {
      if (!fits || fits(i, j)) {
        chosen = i;
      }
    }
    const std::size_t i = chosen.value_or(next);
    mapping[i] = j;
    next = i + 1;
  }
  return mapping;
}

}  // namespace weft::provenance
