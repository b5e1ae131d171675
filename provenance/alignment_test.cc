#include "provenance/alignment.h"

#include <gtest/gtest.h>

#include <random>

namespace weft::provenance {
namespace {

using Status = v1::PartDisclosure::Status;
constexpr Status D = v1::PartDisclosure::DISCLOSED;
constexpr Status R = v1::PartDisclosure::REPLACED;
constexpr Status W = v1::PartDisclosure::WITHHELD;
constexpr Status M = v1::PartDisclosure::MODIFIED;

// What the fates rebuild: the guarantee align_text makes.
std::string rebuilt(const std::vector<OriginalSegment>& segments, const std::vector<SegmentFate>& fates) {
  std::string text;
  for (std::size_t k = 0; k < segments.size(); ++k) {
    if (fates[k].status == D) {
      text += segments[k].value;
    } else if (fates[k].status == R || fates[k].status == M) {
      EXPECT_FALSE(fates[k].delivered.empty());
      text += fates[k].delivered;
    }
  }
  return text;
}

std::vector<Status> statuses(const std::vector<SegmentFate>& fates) {
  std::vector<Status> out;
  for (const auto& fate : fates) {
    out.push_back(fate.status);
  }
  return out;
}

const std::vector<OriginalSegment> kMail = {
    {"Call ", false}, {"jan@victim.example", true}, {" or ", false}, {"+31 6 12345678", true}, {".", false}};

TEST(ProvenanceAlignText, UnchangedTextIsDisclosed) {
  const auto fates = align_text(kMail, "Call jan@victim.example or +31 6 12345678.");
  ASSERT_TRUE(fates);
  EXPECT_EQ(statuses(*fates), (std::vector<Status>{D, D, D, D, D}));
}

TEST(ProvenanceAlignText, PersonalSegmentsReplacedOrRemoved) {
  const std::string delivered = "Call [REDACTED:EMAIL] or .";
  const auto fates = align_text(kMail, delivered);
  ASSERT_TRUE(fates);
  EXPECT_EQ(statuses(*fates), (std::vector<Status>{D, R, D, W, D}));
  EXPECT_EQ((*fates)[1].delivered, "[REDACTED:EMAIL]");
  EXPECT_EQ(rebuilt(kMail, *fates), delivered);
}

TEST(ProvenanceAlignText, LastSegmentOnlyAsSuffix) {
  // A replacement that contains the last segment's text: "." inside it
  // must not be taken for the original full stop.
  const std::string delivered = "Call j***@victim.example or +31 6 ****5678.";
  const auto fates = align_text(kMail, delivered);
  ASSERT_TRUE(fates);
  EXPECT_EQ(statuses(*fates), (std::vector<Status>{D, R, D, R, D}));
  EXPECT_EQ((*fates)[3].delivered, "+31 6 ****5678");
  EXPECT_EQ(rebuilt(kMail, *fates), delivered);
}

TEST(ProvenanceAlignText, ChangedUnmarkedTextIsModified) {
  const std::string delivered = "Ring [REDACTED:EMAIL] or +31 6 12345678.";
  const auto fates = align_text(kMail, delivered);
  ASSERT_TRUE(fates);
  // "Call " is gone; the gap up to " or " goes to it (unmarked: MODIFIED).
  EXPECT_EQ(statuses(*fates), (std::vector<Status>{M, W, D, D, D}));
  EXPECT_EQ((*fates)[0].delivered, "Ring [REDACTED:EMAIL]");
  EXPECT_EQ(rebuilt(kMail, *fates), delivered);
}

TEST(ProvenanceAlignText, TextAppendedAfterTheLastSegment) {
  const std::string delivered = "Call jan@victim.example or +31 6 12345678. P.S.";
  const auto fates = align_text(kMail, delivered);
  ASSERT_TRUE(fates);
  EXPECT_EQ(statuses(*fates), (std::vector<Status>{D, D, D, D, M}));
  EXPECT_EQ(rebuilt(kMail, *fates), delivered);
}

TEST(ProvenanceAlignText, EmptyAndNothingToExpress) {
  const auto cleared = align_text(kMail, "");
  ASSERT_TRUE(cleared);
  EXPECT_EQ(statuses(*cleared), (std::vector<Status>{W, W, W, W, W}));
  EXPECT_FALSE(align_text({}, "new text"));
  EXPECT_TRUE(align_text({}, ""));
}

TEST(ProvenanceAlignTextProperty, AlwaysRebuildsAndDisclosesOnlyExactBytes) {
  std::mt19937_64 random(99);
  const std::vector<std::string> pieces = {"a", "b", " ", ".", "é", "ab", "[X]", "ba"};
  for (int round = 0; round < 3000; ++round) {
    std::vector<std::string> values(random() % 7);
    std::vector<OriginalSegment> segments;
    for (auto& value : values) {
      for (std::size_t n = 1 + random() % 3; n > 0; --n) {
        value += pieces[random() % pieces.size()];
      }
    }
    for (const auto& value : values) {
      segments.push_back({value, random() % 2 == 0});
    }
    // A delivered text: each segment kept, dropped or replaced, plus noise.
    std::string delivered;
    for (const auto& value : values) {
      switch (random() % 4) {
        case 0:
          break;
        case 1:
          delivered += pieces[random() % pieces.size()];
          break;
        default:
          delivered += value;
      }
      if (random() % 8 == 0) {
        delivered += pieces[random() % pieces.size()];
      }
    }
    const auto fates = align_text(segments, delivered);
    if (segments.empty()) {
      EXPECT_EQ(fates.has_value(), delivered.empty());
      continue;
    }
    ASSERT_TRUE(fates);
    ASSERT_EQ(rebuilt(segments, *fates), delivered) << "round " << round;
    // DISCLOSED only for exact bytes at the place they rebuild to.
    std::size_t position = 0;
    for (std::size_t k = 0; k < segments.size(); ++k) {
      const auto& fate = (*fates)[k];
      if (fate.status == D) {
        ASSERT_EQ(delivered.compare(position, segments[k].value.size(), segments[k].value), 0);
        position += segments[k].value.size();
      } else if (fate.status != W) {
        ASSERT_EQ(fate.status == R, segments[k].personal);
        position += fate.delivered.size();
      }
    }
  }
}

TEST(ProvenanceMatchElements, DroppedElementsAndChangedValues) {
  // Original: EMAIL a, IPV4 b, EMAIL c, IPV4 d; delivered: IPV4 b', IPV4 d
  // (e-mail indicators dropped, b generalised).
  const std::vector<ElementIdentity> original = {
      {"EMAIL a", "EMAIL"}, {"IPV4 b", "IPV4"}, {"EMAIL c", "EMAIL"}, {"IPV4 d", "IPV4"}};
  const std::vector<ElementIdentity> delivered = {{"IPV4 b'", "IPV4"}, {"IPV4 d", "IPV4"}};
  const auto mapping = match_elements(original, delivered);
  ASSERT_TRUE(mapping);
  EXPECT_EQ(*mapping, (std::vector<std::optional<std::size_t>>{std::nullopt, 0, std::nullopt, 1}));
}

TEST(ProvenanceMatchElements, StrongBeforeWeakAndRoomForTheRest) {
  // IPV4 a was dropped, IPV4 b kept as it was: b maps to b, not to a.
  const std::vector<ElementIdentity> original = {{"IPV4 a", "IPV4"}, {"IPV4 b", "IPV4"}};
  EXPECT_EQ(*match_elements(original, std::vector<ElementIdentity>{{"IPV4 b", "IPV4"}}),
            (std::vector<std::optional<std::size_t>>{std::nullopt, 0}));
  // Two delivered from two originals: no room to skip, whatever the identities.
  EXPECT_EQ(*match_elements(original, std::vector<ElementIdentity>{{"x", std::nullopt}, {"IPV4 a", "IPV4"}}),
            (std::vector<std::optional<std::size_t>>{0, 1}));
  EXPECT_FALSE(match_elements(original, std::vector<ElementIdentity>(3)));
}

}  // namespace
}  // namespace weft::provenance
