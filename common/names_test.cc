#include "common/names.h"

#include <gtest/gtest.h>

namespace weft::names {
namespace {

TEST(Names, OrganisationNames) {
  EXPECT_TRUE(check_organisation("cert-de"));
  EXPECT_TRUE(check_organisation("acme-bank2"));
  EXPECT_FALSE(check_organisation(""));
  EXPECT_FALSE(check_organisation("-leading"));
  EXPECT_FALSE(check_organisation("Upper"));
  EXPECT_FALSE(check_organisation("has space"));
  EXPECT_FALSE(check_organisation("dot.name"));
  EXPECT_FALSE(check_organisation(std::string(64, 'a')));
  EXPECT_TRUE(check_organisation(std::string(63, 'a')));
}

TEST(Names, FeedNamesAndPatterns) {
  EXPECT_TRUE(check_feed("phishing"));
  EXPECT_TRUE(check_feed("sector.finance_eu-1"));
  EXPECT_FALSE(check_feed("a..b"));
  EXPECT_FALSE(check_feed("trailing."));
  EXPECT_FALSE(check_feed(".leading"));
  EXPECT_FALSE(check_feed("Phishing"));
  EXPECT_FALSE(check_feed("a/b"));
  EXPECT_TRUE(check_feed_pattern("*"));
  EXPECT_TRUE(check_feed_pattern("sector.*"));
  EXPECT_FALSE(check_feed_pattern("sector*"));
  EXPECT_FALSE(check_feed_pattern(".*"));
}

TEST(Names, FeedMatching) {
  EXPECT_TRUE(feed_matches("*", "anything"));
  EXPECT_TRUE(feed_matches("phishing", "phishing"));
  EXPECT_FALSE(feed_matches("phishing", "phishing2"));
  EXPECT_TRUE(feed_matches("sector.*", "sector.finance"));
  EXPECT_TRUE(feed_matches("sector.*", "sector.finance.eu"));
  EXPECT_FALSE(feed_matches("sector.*", "sector"));
  EXPECT_FALSE(feed_matches("sector.*", "sectorx.finance"));
}

TEST(Names, Uuids) {
  EXPECT_TRUE(is_uuid("5f0c6c1e-8d1b-4a57-9a43-0d6f4f3c2b10"));
  EXPECT_TRUE(is_uuid("5F0C6C1E-8D1B-4A57-9A43-0D6F4F3C2B10"));
  EXPECT_FALSE(is_uuid("5f0c6c1e8d1b4a579a430d6f4f3c2b10"));
  EXPECT_FALSE(is_uuid("5f0c6c1e-8d1b-4a57-9a43-0d6f4f3c2b1"));
  EXPECT_FALSE(is_uuid("5f0c6c1e-8d1b-4a57-9a43-0d6f4f3c2b1g"));
  EXPECT_FALSE(is_uuid(""));
}

TEST(Names, Jurisdictions) {
  EXPECT_EQ(normalise_jurisdiction("de").value(), "DE");
  EXPECT_EQ(normalise_jurisdiction("UK").value(), "GB");
  EXPECT_EQ(normalise_jurisdiction("eu").value(), "EU");
  EXPECT_FALSE(normalise_jurisdiction("XX"));
  EXPECT_FALSE(normalise_jurisdiction("DEU"));
  EXPECT_TRUE(in_eea("DE"));
  EXPECT_TRUE(in_eea("NO"));
  EXPECT_FALSE(in_eea("CH"));
  EXPECT_FALSE(in_eea("US"));
}

}  // namespace
}  // namespace weft::names
