#include "common/registry.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "common/text_proto.h"

namespace weft {
namespace {

const std::string kPinA(64, 'a');
const std::string kPinB(64, 'b');

v1::Registry two_orgs() {
  v1::Registry registry;
  registry.set_revision(3);
  auto* cert = registry.add_organisations();
  cert->set_name("cert-de");
  cert->add_roles(v1::PUBLISHER);
  cert->add_roles(v1::SUBSCRIBER);
  cert->set_jurisdiction("de");
  cert->add_spki_sha256(kPinA);
  auto* bank = registry.add_organisations();
  bank->set_name("acme-bank");
  bank->add_roles(v1::SUBSCRIBER);
  bank->set_jurisdiction("NL");
  bank->add_read_feeds("phishing");
  bank->add_read_feeds("sector.*");
  bank->add_spki_sha256(kPinB);
  return registry;
}

TEST(Registry, LooksUpByPinAndName) {
  auto registry = Registry::from_proto(two_orgs());
  ASSERT_TRUE(registry) << registry.error().describe();
  const auto* cert = registry.value().find_by_pin(kPinA);
  ASSERT_NE(cert, nullptr);
  EXPECT_EQ(cert->name(), "cert-de");
  EXPECT_EQ(cert->jurisdiction(), "DE");  // normalised
  EXPECT_EQ(registry.value().find_by_name("acme-bank")->spki_sha256(0), kPinB);
  EXPECT_EQ(registry.value().find_by_pin(std::string(64, 'c')), nullptr);
  EXPECT_EQ(registry.value().find_by_name("nobody"), nullptr);
}

TEST(Registry, FeedPermissions) {
  auto registry = Registry::from_proto(two_orgs()).value();
  const auto& cert = *registry.find_by_name("cert-de");
  const auto& bank = *registry.find_by_name("acme-bank");
  EXPECT_TRUE(may_publish(cert, "anything"));
  EXPECT_TRUE(may_read(cert, "anything"));
  EXPECT_FALSE(may_publish(bank, "phishing"));  // no publisher role
  EXPECT_TRUE(may_read(bank, "phishing"));
  EXPECT_TRUE(may_read(bank, "sector.finance"));
  EXPECT_FALSE(may_read(bank, "ransomware"));
}

TEST(Registry, RevokedOrganisationMayDoNothing) {
  auto proto = two_orgs();
  proto.mutable_organisations(0)->set_revoked(true);
  auto registry = Registry::from_proto(proto).value();
  const auto& cert = *registry.find_by_pin(kPinA);
  EXPECT_TRUE(cert.revoked());
  EXPECT_FALSE(may_publish(cert, "phishing"));
  EXPECT_FALSE(may_read(cert, "phishing"));
}

TEST(Registry, RefusesDuplicatePinsAndNames) {
  auto shared_pin = two_orgs();
  shared_pin.mutable_organisations(1)->set_spki_sha256(0, kPinA);
  auto result = Registry::from_proto(shared_pin, "reg.textproto");
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().message.find("also registered to 'cert-de'"), std::string::npos)
      << result.error().message;

  auto same_name = two_orgs();
  same_name.mutable_organisations(1)->set_name("cert-de");
  EXPECT_FALSE(Registry::from_proto(same_name));
}

TEST(Registry, RefusesBadFields) {
  auto bad_pin = two_orgs();
  bad_pin.mutable_organisations(0)->set_spki_sha256(0, "ABC");
  EXPECT_FALSE(Registry::from_proto(bad_pin));

  auto bad_country = two_orgs();
  bad_country.mutable_organisations(0)->set_jurisdiction("Atlantis");
  EXPECT_FALSE(Registry::from_proto(bad_country));

  auto bad_feed = two_orgs();
  bad_feed.mutable_organisations(1)->add_read_feeds("Bad Feed");
  EXPECT_FALSE(Registry::from_proto(bad_feed));

  auto bad_name = two_orgs();
  bad_name.mutable_organisations(1)->set_name("Acme Bank");
  EXPECT_FALSE(Registry::from_proto(bad_name));

  auto sealing = two_orgs();
  sealing.mutable_organisations(1)->set_sealing_public_key("x25519:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
  EXPECT_TRUE(Registry::from_proto(sealing));
  for (const char* bad : {"x25519:short=", "ed25519:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
                          "x25519:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA!=", "AAAA"}) {
    sealing.mutable_organisations(1)->set_sealing_public_key(bad);
    auto refused = Registry::from_proto(sealing);
    ASSERT_FALSE(refused) << bad;
    EXPECT_NE(refused.error().message.find("sealing_public_key"), std::string::npos);
  }
}

TEST(Registry, SaveAndLoadRoundTrip) {
  const auto dir = std::filesystem::path(::testing::TempDir()) / "registry_roundtrip";
  std::filesystem::create_directories(dir);
  const auto path = dir / "registry.textproto";
  ASSERT_TRUE(save_registry(path, two_orgs()));
  auto loaded = Registry::load(path);
  ASSERT_TRUE(loaded) << loaded.error().describe();
  EXPECT_EQ(loaded.value().revision(), 3U);
  EXPECT_NE(loaded.value().find_by_name("acme-bank"), nullptr);
}

TEST(Registry, ParseErrorsNameLineAndColumn) {
  const auto dir = std::filesystem::path(::testing::TempDir()) / "registry_bad";
  std::filesystem::create_directories(dir);
  const auto path = dir / "registry.textproto";
  {
    std::ofstream out(path);
    out << "revision: 1\norganisations {\n  name: \"x\"\n  rolez: PUBLISHER\n}\n";
  }
  auto loaded = Registry::load(path);
  ASSERT_FALSE(loaded);
  EXPECT_NE(loaded.error().message.find("registry.textproto:4:"), std::string::npos) << loaded.error().message;
  EXPECT_NE(loaded.error().message.find("rolez"), std::string::npos) << loaded.error().message;
}

TEST(Registry, ParseRoles) {
  auto roles = parse_roles("publisher, Subscriber,publisher");
  ASSERT_TRUE(roles);
  ASSERT_EQ(roles.value().size(), 2U);
  EXPECT_EQ(roles.value()[0], v1::PUBLISHER);
  EXPECT_EQ(roles.value()[1], v1::SUBSCRIBER);
  EXPECT_FALSE(parse_roles("publisher,overlord"));
  EXPECT_FALSE(parse_roles(""));
  EXPECT_EQ(role_name(v1::AUDITOR), "auditor");
}

}  // namespace
}  // namespace weft
