#include "broker/router.h"

#include <gtest/gtest.h>

#include "proto/frame_codec.h"

namespace weft::broker {
namespace {

class RecordingTarget final : public DeliveryTarget {
 public:
  bool offer(const std::shared_ptr<const std::string>& frame) override {
    if (refuse) {
      return false;
    }
    frames.push_back(frame);
    return true;
  }
  std::vector<std::shared_ptr<const std::string>> frames;
  bool refuse = false;
};

Registry registry_with(std::initializer_list<std::pair<std::string, std::vector<std::string>>> orgs) {
  v1::Registry proto;
  int pin = 0;
  for (const auto& [name, groups] : orgs) {
    auto* org = proto.add_organisations();
    org->set_name(name);
    org->add_roles(v1::SUBSCRIBER);
    org->add_spki_sha256(std::string(63, 'a') + static_cast<char>('0' + pin++));
    for (const auto& group : groups) {
      org->add_groups(group);
    }
  }
  return Registry::from_proto(proto).value();
}

v1::Report report(const std::string& feed, v1::Tlp tlp) {
  v1::Report r;
  r.set_id("5f0c6c1e-8d1b-4a57-9a43-0d6f4f3c2b10");
  r.set_feed(feed);
  r.set_tlp(tlp);
  r.set_title("t");
  return r;
}

TEST(Router, DeliversToSubscribersOfTheFeedOnlyAndEncodesOnce) {
  auto registry = registry_with({{"bank-a", {}}, {"bank-b", {}}, {"bank-c", {}}});
  Router router;
  auto a = std::make_shared<RecordingTarget>();
  auto b = std::make_shared<RecordingTarget>();
  auto c = std::make_shared<RecordingTarget>();
  router.subscribe("phishing", 1, "bank-a", a);
  router.subscribe("phishing", 2, "bank-b", b);
  router.subscribe("ransomware", 3, "bank-c", c);
  EXPECT_EQ(router.publish(report("phishing", v1::GREEN), registry), 2U);
  ASSERT_EQ(a->frames.size(), 1U);
  ASSERT_EQ(b->frames.size(), 1U);
  EXPECT_TRUE(c->frames.empty());
  EXPECT_EQ(a->frames[0].get(), b->frames[0].get());  // one encoding, shared
  v1::Frame decoded;
  ASSERT_TRUE(proto::decode_frame_body(std::string_view(*a->frames[0]).substr(4), decoded));
  EXPECT_EQ(decoded.delivery().feed(), "phishing");
  EXPECT_EQ(decoded.delivery().report().id(), "5f0c6c1e-8d1b-4a57-9a43-0d6f4f3c2b10");
}

TEST(Router, AmberGoesOnlyToNamedOrganisationsOrGroups) {
  auto registry = registry_with({{"bank-a", {}}, {"bank-b", {"finance"}}, {"bank-c", {}}});
  Router router;
  auto a = std::make_shared<RecordingTarget>();
  auto b = std::make_shared<RecordingTarget>();
  auto c = std::make_shared<RecordingTarget>();
  router.subscribe("phishing", 1, "bank-a", a);
  router.subscribe("phishing", 2, "bank-b", b);
  router.subscribe("phishing", 3, "bank-c", c);
  auto amber = report("phishing", v1::AMBER_STRICT);
  amber.add_recipients("bank-a");
  amber.add_recipients("finance");
  EXPECT_EQ(router.publish(amber, registry), 2U);
  EXPECT_EQ(a->frames.size(), 1U);
  EXPECT_EQ(b->frames.size(), 1U);
  EXPECT_TRUE(c->frames.empty());
  EXPECT_EQ(router.publish(report("phishing", v1::RED), registry), 0U);
}

TEST(Router, SkipsGoneAndRefusingTargetsAndUnsubscribed) {
  auto registry = registry_with({{"bank-a", {}}, {"bank-b", {}}});
  Router router;
  auto a = std::make_shared<RecordingTarget>();
  {
    auto gone = std::make_shared<RecordingTarget>();
    router.subscribe("phishing", 2, "bank-b", gone);
  }
  router.subscribe("phishing", 1, "bank-a", a);
  a->refuse = true;
  EXPECT_EQ(router.publish(report("phishing", v1::GREEN), registry), 0U);
  a->refuse = false;
  EXPECT_EQ(router.publish(report("phishing", v1::GREEN), registry), 1U);
  router.unsubscribe("phishing", 1);
  EXPECT_EQ(router.publish(report("phishing", v1::GREEN), registry), 0U);
  router.unsubscribe_all(2, {"phishing"});
  EXPECT_EQ(router.subscriber_count("phishing"), 0U);
}

TEST(Router, RecipientRemovedFromRegistryGetsNothing) {
  auto registry = registry_with({{"bank-a", {}}});
  Router router;
  auto stranger = std::make_shared<RecordingTarget>();
  router.subscribe("phishing", 1, "not-registered", stranger);
  EXPECT_EQ(router.publish(report("phishing", v1::CLEAR), registry), 0U);
  EXPECT_TRUE(stranger->frames.empty());
}

}  // namespace
}  // namespace weft::broker
