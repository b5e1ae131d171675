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

// cert-de publishes; acme-bank and other-bank are in group "finance";
// soc-provider passes what it receives on to its clients.
const Registry& registry() {
  static const Registry built = [] {
    v1::Registry proto;
    for (const char* name : {"cert-de", "acme-bank", "other-bank", "soc-provider"}) {
      v1::Organisation& added = *proto.add_organisations();
      added.set_name(name);
      added.add_roles(v1::SUBSCRIBER);
      added.set_jurisdiction("DE");
      added.set_sector("finance");
      if (std::string_view(name).ends_with("bank")) {
        added.add_groups("finance");
      }
      added.set_redistributes_to_clients(std::string_view(name) == "soc-provider");
      if (std::string_view(name) == "other-bank") {
        added.set_sealing_public_key("x25519:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
      }
    }
    return Registry::from_proto(proto).value();
  }();
  return built;
}

v1::Report report(v1::Tlp tlp) {
  v1::Report r;
  r.set_feed("phishing");
  r.set_tlp(tlp);
  return r;
}

TEST(Authorize, PublishNeedsRoleAndFeed) {
  EXPECT_TRUE(authorize_publish(registry(), org({v1::PUBLISHER}), report(v1::GREEN)));
  auto no_role = authorize_publish(registry(), org({v1::SUBSCRIBER}), report(v1::GREEN));
  ASSERT_FALSE(no_role);
  EXPECT_EQ(no_role.error().code, v1::FORBIDDEN);
  EXPECT_EQ(no_role.error().message, "organisation 'cert-de' does not have the publisher role");
  auto limited = org({v1::PUBLISHER});
  limited.add_publish_feeds("ransomware");
  auto wrong_feed = authorize_publish(registry(), limited, report(v1::GREEN));
  ASSERT_FALSE(wrong_feed);
  EXPECT_EQ(wrong_feed.error().message, "organisation 'cert-de' may not publish to feed 'phishing'");
}

TEST(Authorize, TlpRulesAtPublish) {
  auto amber = authorize_publish(registry(), org({v1::PUBLISHER}), report(v1::AMBER));
  ASSERT_FALSE(amber);
  EXPECT_EQ(amber.error().code, v1::VALIDATION_FAILED);
  auto named = report(v1::AMBER);
  named.add_recipients("acme-bank");
  named.add_recipients("finance");
  EXPECT_TRUE(authorize_publish(registry(), org({v1::PUBLISHER}), named));
}

TEST(Authorize, NamedRecipientsMustExist) {
  auto misspelt = report(v1::AMBER);
  misspelt.add_recipients("acme-bank");
  misspelt.add_recipients("acme-bnak");
  auto refused = authorize_publish(registry(), org({v1::PUBLISHER}), misspelt);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, v1::VALIDATION_FAILED);
  EXPECT_EQ(refused.error().message,
            "report.recipients[1]: 'acme-bnak' is neither a registered organisation nor a group, so nobody would "
            "receive it under that name");
}

TEST(Authorize, StrictAmberNamesOrganisationsNotGroups) {
  auto strict = report(v1::AMBER_STRICT);
  strict.add_recipients("acme-bank");
  EXPECT_TRUE(authorize_publish(registry(), org({v1::PUBLISHER}), strict));
  strict.add_recipients("finance");
  auto refused = authorize_publish(registry(), org({v1::PUBLISHER}), strict);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, v1::VALIDATION_FAILED);
  EXPECT_NE(refused.error().message.find("report.recipients[1]: 'finance' is a group"), std::string::npos);
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
  red.add_recipients("finance");  // groups never receive RED
  EXPECT_FALSE(tlp_allows_delivery(recipient, red));
  red.add_recipients("acme-bank");
  EXPECT_TRUE(tlp_allows_delivery(recipient, red));
}

TEST(Authorize, RedNamesOrganisationsThatCanOpenASealedCopy) {
  auto red = report(v1::RED);
  red.add_recipients("acme-bank");
  auto no_key = authorize_publish(registry(), org({v1::PUBLISHER}), red);
  ASSERT_FALSE(no_key);
  EXPECT_EQ(no_key.error().code, v1::VALIDATION_FAILED);
  EXPECT_NE(no_key.error().message.find("'acme-bank' has no sealing key registered"), std::string::npos);
  auto group = report(v1::RED);
  group.add_recipients("finance");
  auto refused = authorize_publish(registry(), org({v1::PUBLISHER}), group);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("never groups"), std::string::npos);
  auto keyed = report(v1::RED);
  keyed.add_recipients("other-bank");
  EXPECT_TRUE(authorize_publish(registry(), org({v1::PUBLISHER}), keyed));
}

TEST(Authorize, StrictAmberOnlyToNamedOrganisationsThatKeepItInHouse) {
  auto bank = org({v1::SUBSCRIBER});
  bank.set_name("acme-bank");
  bank.add_groups("finance");
  auto provider = org({v1::SUBSCRIBER});
  provider.set_name("soc-provider");
  provider.set_redistributes_to_clients(true);

  auto strict = report(v1::AMBER_STRICT);
  strict.add_recipients("finance");  // a group does not name anyone under AMBER+STRICT
  EXPECT_FALSE(tlp_allows_delivery(bank, strict));
  strict.add_recipients("acme-bank");
  strict.add_recipients("soc-provider");
  EXPECT_TRUE(tlp_allows_delivery(bank, strict));
  EXPECT_FALSE(tlp_allows_delivery(provider, strict));

  // Plain AMBER may reach a named recipient's clients.
  auto amber = report(v1::AMBER);
  amber.add_recipients("soc-provider");
  EXPECT_TRUE(tlp_allows_delivery(provider, amber));
}

TEST(Authorize, CopiesDoNotSayWhoElseReceived) {
  auto amber = report(v1::AMBER);
  amber.add_recipients("acme-bank");
  amber.add_recipients("other-bank");
  strip_distribution(amber);
  EXPECT_EQ(amber.recipients_size(), 0);
  EXPECT_EQ(amber.tlp(), v1::AMBER);
}

}  // namespace
}  // namespace weft::broker::pipeline
