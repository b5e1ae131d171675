// How the broker matches what it delivered against the publisher's parts
// (docs/provenance.md, "Disclosure"): text segments against a delivered
// text, and array elements (labels, recipients, contacts, indicators)
// against the delivered array, from which a policy may have dropped some.
//
// Both rules are deterministic and make only claims that hold: a segment is
// DISCLOSED only where its exact bytes are in the delivered text, and the
// statuses always rebuild the delivered text exactly.
//
// Pure; thread-safe.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "weft/v1/provenance.pb.h"

namespace weft::provenance {

struct OriginalSegment {
  std::string_view value;
  bool personal = false;
};

struct SegmentFate {
  v1::PartDisclosure::Status status = v1::PartDisclosure::WITHHELD;
  std::string_view delivered;  // REPLACED and MODIFIED: the bytes the recipient got instead
};

// One fate per segment, such that concatenating DISCLOSED segments' original
// values and REPLACED/MODIFIED segments' delivered bytes, in order, gives
// `delivered`. nullopt when that cannot be expressed: a delivered text where
// the original had none.
//
// Walks the segments with a position in the delivered text. A segment whose
// bytes are at the position is DISCLOSED (the last segment only if it also
// ends the text). Otherwise the next unmarked segment that occurs at or
// after the position is the anchor (its first occurrence; for the last
// segment, only as the text's suffix); the bytes before it form a gap, given
// to the first unmarked segment before the anchor as MODIFIED, or, if all
// are marked personal, to the first as REPLACED; the others are WITHHELD, as
// are all of them when the gap is empty. Without an anchor the gap runs to
// the end of the text.
std::optional<std::vector<SegmentFate>> align_text(std::span<const OriginalSegment> segments,
                                                   std::string_view delivered);

// What identifies an array element across redaction: `strong` when nothing
// the policy may change was changed (e.g. an indicator's type and value),
// `weak` what no policy changes (an indicator's type).
struct ElementIdentity {
  std::string strong;
  std::optional<std::string> weak;
};

// Whether original element i can express delivered element j: every field
// j has, i had (a part can be changed or withheld, never added).
using ElementFits = std::function<bool(std::size_t original, std::size_t delivered)>;

// For each original element, the index of the delivered element it became,
// or nullopt when it was dropped. Order is kept: original i before i' maps to
// delivered j before j'. Delivered elements are taken in order; each maps to
// the first unused original element that fits it (at or after the previous
// match, leaving enough originals for the delivered elements still to come)
// with the same strong identity, else with the same weak identity, else with
// any identity; failing all that, to the next unused original (which cannot
// express it: the caller's rebuild check refuses). nullopt overall when more
// elements were delivered than there were originally.
std::optional<std::vector<std::optional<std::size_t>>> match_elements(std::span<const ElementIdentity> original,
                                                                      std::span<const ElementIdentity> delivered,
                                                                      const ElementFits& fits = {});

}  // namespace weft::provenance
