#include "provenance/segments.h"

#include <gtest/gtest.h>

namespace weft::provenance {
namespace {

// "text|TEXT|text": personal segments in upper case brackets.
std::string render(std::string_view text, const std::vector<Segment>& segments) {
  std::string out;
  std::size_t expected_begin = 0;
  for (const Segment& segment : segments) {
    EXPECT_EQ(segment.begin, expected_begin);
    EXPECT_LT(segment.begin, segment.end);
    expected_begin = segment.end;
    out += segment.personal ? "[" : "";
    out += text.substr(segment.begin, segment.end - segment.begin);
    out += segment.personal ? "]" : "";
    out += "|";
  }
  EXPECT_EQ(expected_begin, text.size());
  return out;
}

TEST(ProvenanceSegments, CutsAtEverySpanBoundary) {
  EXPECT_EQ(render("abcdef", cut_at_spans("abcdef", {{1, 3}})), "a|[bc]|def|");
  EXPECT_EQ(render("abcdef", cut_at_spans("abcdef", {{0, 2}, {4, 6}})), "[ab]|cd|[ef]|");
  EXPECT_EQ(render("abcdef", cut_at_spans("abcdef", {{0, 6}})), "[abcdef]|");
}

TEST(ProvenanceSegments, MergesOverlapsButNotNeighbours) {
  EXPECT_EQ(render("abcdef", cut_at_spans("abcdef", {{2, 4}, {1, 3}})), "a|[bcd]|ef|");
  EXPECT_EQ(render("abcdef", cut_at_spans("abcdef", {{1, 5}, {2, 3}})), "a|[bcde]|f|");
  EXPECT_EQ(render("abcdef", cut_at_spans("abcdef", {{0, 2}, {2, 4}})), "[ab]|[cd]|ef|");
}

TEST(ProvenanceSegments, IgnoresEmptyReversedAndClipsOutOfRange) {
  EXPECT_EQ(render("abcdef", cut_at_spans("abcdef", {{3, 3}, {5, 2}, {4, 100}, {50, 60}})), "abcd|[ef]|");
  EXPECT_TRUE(cut_at_spans("", {{0, 3}}).empty());
  EXPECT_EQ(render("abc", cut_at_spans("abc", {})), "abc|");
}

TEST(ProvenanceSegments, WidensToWholeCodePoints) {
  const std::string e_acute = "\xC3\xA9";   // 2 bytes
  const std::string euro = "\xE2\x82\xAC";  // 3 bytes
  const std::string text = "a" + e_acute + euro + "b";
  EXPECT_EQ(render(text, cut_at_spans(text, {{2, 3}})), "a|[" + e_acute + "]|" + euro + "b|");
  EXPECT_EQ(render(text, cut_at_spans(text, {{4, 5}})), "a" + e_acute + "|[" + euro + "]|b|");
  // Widening can make neighbours overlap; then they merge.
  EXPECT_EQ(render(text, cut_at_spans(text, {{1, 2}, {2, 4}})), "a|[" + e_acute + euro + "]|b|");
}

}  // namespace
}  // namespace weft::provenance
