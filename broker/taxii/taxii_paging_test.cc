#include "broker/taxii/taxii_paging.h"

#include <gtest/gtest.h>

namespace weft::broker::taxii {
namespace {

TEST(TaxiiNext, RoundTripsAndIsUrlSafe) {
  for (const PagePosition position : {PagePosition{1, 0}, PagePosition{42, 7}, PagePosition{9007199254740993ULL, 65535}}) {
    const std::string token = encode_next(position);
    EXPECT_EQ(token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
              std::string::npos)
        << token;
    EXPECT_EQ(decode_next(token), position) << token;
  }
}

TEST(TaxiiNext, RefusesGarbage) {
  const std::string good = encode_next({5, 2});
  for (const std::string& bad : std::vector<std::string>{std::string(), std::string("!!!"), std::string("abc def"), good + "A",
                                good.substr(0, good.size() - 1), std::string(100, 'A'),
                                // "1:0:0": sequences start at 1.
                                encode_next({0, 0}),
                                // Other versions, signs, leading zeros and overflow.
                                std::string("Mjo1OjI"), std::string("MTotNToy"), std::string("MTowNToy"),
                                std::string("MTo5OTk5OTk5OTk5OTk5OTk5OTk5OTow"),
                                std::string("MTo5MjIzMzcyMDM2ODU0Nzc1ODA4OjA")}) {
    EXPECT_FALSE(decode_next(bad)) << "'" << bad << "'";
  }
}

TEST(TaxiiQuery, DefaultsToMaxPageAndCapsTheLimit) {
  auto plain = parse_object_query("", 100);
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain.value().limit, 100U);
  EXPECT_FALSE(plain.value().next);
  EXPECT_FALSE(plain.value().added_after);
  EXPECT_EQ(parse_object_query("limit=5", 100).value().limit, 5U);
  EXPECT_EQ(parse_object_query("limit=100000", 100).value().limit, 100U);
}

TEST(TaxiiQuery, ParsesFiltersPercentEncodedOrNot) {
  const std::string next = encode_next({3, 1});
  auto query = parse_object_query(
      "added_after=2026-01-02T03:04:05.678Z&match%5Btype%5D=indicator,report&match[id]="
      "indicator--0b8c4a5e-6f1d-4c55-9a3e-1a2b3c4d5e6f&next=" + next + "&unknown=ignored",
      50);
  ASSERT_TRUE(query) << query.error().message;
  ASSERT_TRUE(query.value().added_after);
  EXPECT_EQ(query.value().added_after->nanos(), 678000000);
  EXPECT_EQ(query.value().types, (std::vector<std::string>{"indicator", "report"}));
  EXPECT_EQ(query.value().ids, (std::vector<std::string>{"indicator--0b8c4a5e-6f1d-4c55-9a3e-1a2b3c4d5e6f"}));
  EXPECT_EQ(query.value().next, (PagePosition{3, 1}));
}

TEST(TaxiiQuery, NamesTheBadParameter) {
  const std::pair<const char*, const char*> cases[] = {
      {"limit=0", "'limit'"},
      {"limit=-1", "'limit'"},
      {"limit=ten", "'limit'"},
      {"limit=5&limit=6", "'limit'"},
      {"added_after=yesterday", "'added_after'"},
      {"next=garbage!", "'next'"},
      {"match[type]=Indicator", "'match[type]'"},
      {"match[id]=indicator--not-a-uuid", "'match[id]'"},
      {"match[version]=latest", "'match[version]'"},
      {"match[spec_version]=2.0", "'match[spec_version]'"},
      {"limit=%zz", "percent-escape"},
  };
  for (const auto& [query, named] : cases) {
    auto parsed = parse_object_query(query, 100);
    ASSERT_FALSE(parsed) << query;
    EXPECT_EQ(parsed.error().code, v1::VALIDATION_FAILED);
    EXPECT_NE(parsed.error().message.find(named), std::string::npos) << query << ": " << parsed.error().message;
  }
}

TEST(TaxiiQuery, MatchesTypeIdAndVersion) {
  const formats::StixObject indicator{"indicator--0b8c4a5e-6f1d-4c55-9a3e-1a2b3c4d5e6f", "indicator",
                                      "2026-01-02T03:04:05.000Z", "{}"};
  const formats::StixObject identity{"identity--1b8c4a5e-6f1d-4c55-9a3e-1a2b3c4d5e6f", "identity",
                                     "2025-01-01T00:00:00.000Z", "{}"};
  auto by_type = parse_object_query("match[type]=indicator", 10).value();
  EXPECT_TRUE(by_type.matches(indicator));
  EXPECT_FALSE(by_type.matches(identity));
  auto by_id = parse_object_query("match[id]=identity--1b8c4a5e-6f1d-4c55-9a3e-1a2b3c4d5e6f", 10).value();
  EXPECT_FALSE(by_id.matches(indicator));
  EXPECT_TRUE(by_id.matches(identity));
  auto by_version = parse_object_query("match[version]=2026-01-02T03:04:05Z", 10).value();
  EXPECT_TRUE(by_version.matches(indicator));
  EXPECT_FALSE(by_version.matches(identity));
  auto every = parse_object_query("match[version]=2026-01-02T03:04:05Z,all", 10).value();
  EXPECT_TRUE(every.matches(identity));
  EXPECT_TRUE(parse_object_query("match[version]=last", 10).value().matches(identity));
}

TEST(TaxiiAccept, AdmitsTaxiiJsonAndWildcards) {
  for (const char* accept : {"", "application/taxii+json;version=2.1", "application/taxii+json",
                             "Application/TAXII+JSON; version=2.1", "*/*", "application/*",
                             "text/html, application/taxii+json;version=2.1;q=0.5",
                             "application/json, */*;q=0.1"}) {
    EXPECT_TRUE(accepts_taxii_json(accept)) << accept;
  }
  for (const char* accept : {"application/json", "text/html", "application/taxii+json;version=2.0",
                             "application/stix+json;version=2.1", "application/taxii+json;q=0",
                             "*/*;q=0"}) {
    EXPECT_FALSE(accepts_taxii_json(accept)) << accept;
  }
}

TEST(TaxiiPercentDecode, DecodesAndRefusesBrokenEscapes) {
  EXPECT_EQ(percent_decode("match%5Btype%5D"), "match[type]");
  EXPECT_EQ(percent_decode("a%2Bb+c"), "a+b+c");
  EXPECT_FALSE(percent_decode("%"));
  EXPECT_FALSE(percent_decode("%4"));
  EXPECT_FALSE(percent_decode("%G0"));
}

}  // namespace
}  // namespace weft::broker::taxii
