#include "broker/pipeline/authorize.h"

#include <gtest/gtest.h>

namespace weft::broker::pipeline {
namespace {

v1::Organisation org(std::initializer_list<v1::Role> roles) {
  v1::Organisation o;
  o.set_name("cert-de");
  for (auto role : roles) {
    o.add_roles(role);
  }
  return o;
}

v1::Report report(v1::Tlp tlp) {
  v1::Report r;
  r.set_feed("phishing");
  r.set_tlp(tlp);
  return r;
}

TEST(Authorize, PublishNeedsRoleAndFeed) {
  EXPECT_TRUE(authorize_publish(org({v1::PUBLISHER}), report(v1::GREEN)));
  auto no_role = authorize_publish(org({v1::SUBSCRIBER}), report(v1::GREEN));
  ASSERT_FALSE(no_role);
  EXPECT_EQ(no_role.error().code, v1::FORBIDDEN);
  EXPECT_EQ(no_role.error().message, "organisation 'cert-de' does not have the publisher role");
  auto limited = org({v1::PUBLISHER});
  limited.add_publish_feeds("ransomware");
  auto wrong_feed = authorize_publish(limited, report(v1::GREEN));
  ASSERT_FALSE(wrong_feed);
  EXPECT_EQ(wrong_feed.error().message, "organisation 'cert-de' may not publish to feed 'phishing'");
}

TEST(Authorize, TlpRulesAtPublish) {
  auto red = authorize_publish(org({v1::PUBLISHER}), report(v1::RED));
  ASSERT_FALSE(red);
  EXPECT_EQ(red.error().code, v1::FORBIDDEN);
  auto amber = authorize_publish(org({v1::PUBLISHER}), report(v1::AMBER));
  ASSERT_FALSE(amber);
  EXPECT_EQ(amber.error().code, v1::VALIDATION_FAILED);
  auto named = report(v1::AMBER);
  named.add_recipients("acme-bank");
  EXPECT_TRUE(authorize_publish(org({v1::PUBLISHER}), named));
}

TEST(Authorize, SubscribeNeedsRoleAndFeed) {
  EXPECT_TRUE(authorize_subscribe(org({v1::SUBSCRIBER}), "phishing"));
  EXPECT_FALSE(authorize_subscribe(org({v1::AUDITOR}), "phishing"));
  auto limited = org({v1::SUBSCRIBER});
  limited.add_read_feeds("sector.*");
  EXPECT_TRUE(authorize_subscribe(limited, "sector.finance"));
  EXPECT_FALSE(authorize_subscribe(limited, "phishing"));
  auto revoked = org({v1::SUBSCRIBER});
  revoked.set_revoked(true);
  EXPECT_EQ(authorize_subscribe(revoked, "phishing").error().code, v1::REVOKED);
}

TEST(Authorize, TlpGateOnDelivery) {
  auto recipient = org({v1::SUBSCRIBER});
  recipient.set_name("acme-bank");
  recipient.add_groups("finance");
  EXPECT_TRUE(tlp_allows_delivery(recipient, report(v1::CLEAR)));
  EXPECT_TRUE(tlp_allows_delivery(recipient, report(v1::GREEN)));
  auto amber = report(v1::AMBER);
  amber.add_recipients("other-bank");
  EXPECT_FALSE(tlp_allows_delivery(recipient, amber));
  amber.add_recipients("finance");
  EXPECT_TRUE(tlp_allows_delivery(recipient, amber));
  auto red = report(v1::RED);
  red.add_recipients("acme-bank");
  EXPECT_FALSE(tlp_allows_delivery(recipient, red));
}

}  // namespace
}  // namespace weft::broker::pipeline
