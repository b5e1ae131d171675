// Cutting a text field into segments at the personal data in it
// (docs/provenance.md, "Segments"). The publisher's span finder says where
// personal data is; every span becomes exactly one segment marked personal,
// and the text between spans becomes unmarked segments. Concatenating the
// segments in order gives the text back.
//
// Pure; thread-safe.
#pragma once

#include <cstddef>
#include <functional>
#include <string_view>
#include <utility>
#include <vector>

namespace weft::provenance {

// [begin, end) in bytes.
using Span = std::pair<std::size_t, std::size_t>;

// Finds personal data in a text, e.g. weft::policies::Detector::find's
// findings as (begin, end) pairs. Spans may overlap and come in any order.
using SpanFinder = std::function<std::vector<Span>(std::string_view text)>;

struct Segment {
  std::size_t begin = 0;
  std::size_t end = 0;
  bool personal = false;
};

// Spans are clipped to the text, widened to whole UTF-8 code points (a
// segment is a valid protobuf string), and merged where they overlap (not
// where they only touch: two adjacent spans stay two segments). No segment
// is empty; an empty text has none.
std::vector<Segment> cut_at_spans(std::string_view text, std::vector<Span> spans);

}  // namespace weft::provenance
