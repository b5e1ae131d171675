#include "provenance/values.h"

#include <gtest/gtest.h>

namespace weft::provenance {
namespace {

google::protobuf::Timestamp at(std::int64_t seconds, std::int32_t nanos) {
  google::protobuf::Timestamp timestamp;
  timestamp.set_seconds(seconds);
  timestamp.set_nanos(nanos);
  return timestamp;
}

TEST(ProvenanceValues, TimestampsAreRfc3339UtcWithTrimmedNanos) {
  const struct {
    std::int64_t seconds;
    std::int32_t nanos;
    std::string_view text;
  } cases[] = {
      {0, 0, "1970-01-01T00:00:00Z"},
      {1795860000, 123456789, "2026-11-28T10:00:00.123456789Z"},
      {1795860000, 120000000, "2026-11-28T10:00:00.120Z"},
      {1795860000, 123456000, "2026-11-28T10:00:00.123456Z"},
      {1795860000, 5, "2026-11-28T10:00:00.000000005Z"},
      {-1, 500000000, "1969-12-31T23:59:59.500Z"},
      {-62135596800LL, 0, "0001-01-01T00:00:00Z"},
      {253402300799LL, 999999999, "9999-12-31T23:59:59.999999999Z"},
      {951782400, 0, "2000-02-29T00:00:00Z"},
  };
  for (const auto& entry : cases) {
    const auto text = format_timestamp(at(entry.seconds, entry.nanos));
    ASSERT_TRUE(text);
    EXPECT_EQ(text.value(), entry.text);
    const auto parsed = parse_timestamp(entry.text);
    ASSERT_TRUE(parsed) << entry.text;
    EXPECT_EQ(parsed.value().seconds(), entry.seconds);
    EXPECT_EQ(parsed.value().nanos(), entry.nanos);
  }
}

TEST(ProvenanceValues, TimestampsHaveOneSpelling) {
  for (const std::string_view text :
       {"2026-11-28T10:00:00.000Z", "2026-11-28T10:00:00.1Z", "2026-11-28T10:00:00.100000Z", "2026-11-28T10:00:00",
        "2026-11-28t10:00:00Z", "2026-11-28T10:00:00+00:00", "1900-02-29T00:00:00Z", "2026-02-30T00:00:00Z",
        "0000-01-01T00:00:00Z", "2026-11-28T24:00:00Z", "2026-11-28T10:00:60Z", "+026-11-28T10:00:00Z"}) {
    EXPECT_FALSE(parse_timestamp(text)) << text;
  }
  EXPECT_FALSE(format_timestamp(at(253402300800LL, 0)));
  EXPECT_FALSE(format_timestamp(at(0, -1)));
  EXPECT_FALSE(format_timestamp(at(0, 1000000000)));
}

TEST(ProvenanceValues, EnumsByNameOrUnnamedNumber) {
  EXPECT_EQ(format_tlp(v1::AMBER_STRICT), "AMBER_STRICT");
  EXPECT_EQ(format_tlp(static_cast<v1::Tlp>(42)), "42");
  EXPECT_EQ(parse_tlp("AMBER_STRICT").value(), v1::AMBER_STRICT);
  EXPECT_EQ(parse_tlp("42").value(), static_cast<v1::Tlp>(42));
  EXPECT_FALSE(parse_tlp("4"));  // has a name
  EXPECT_FALSE(parse_tlp("TLP_UNSPECIFIED"));
  EXPECT_FALSE(parse_tlp("042"));
  EXPECT_FALSE(parse_tlp("amber"));
  EXPECT_EQ(format_indicator_type(v1::Indicator::IPV4), "IPV4");
  EXPECT_EQ(parse_indicator_type("SSDEEP").value(), v1::Indicator::SSDEEP);
  EXPECT_EQ(parse_indicator_type("-3").value(), static_cast<v1::Indicator::Type>(-3));
  EXPECT_FALSE(parse_indicator_type("TYPE_UNSPECIFIED"));
}

TEST(ProvenanceValues, Confidence) {
  EXPECT_EQ(format_confidence(90), "90");
  EXPECT_EQ(parse_confidence("90").value(), 90U);
  EXPECT_EQ(parse_confidence("4294967295").value(), 4294967295U);
  for (const std::string_view text : {"0", "090", "", "4294967296", "+1", "1.0"}) {
    EXPECT_FALSE(parse_confidence(text)) << text;
  }
}

TEST(ProvenanceValues, Utf8) {
  EXPECT_TRUE(is_valid_utf8("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9D\x84\x9E"));
  EXPECT_FALSE(is_valid_utf8("\xC3"));
  EXPECT_FALSE(is_valid_utf8("\xC0\xAF"));          // overlong
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));      // surrogate
  EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // above U+10FFFF
}

}  // namespace
}  // namespace weft::provenance
