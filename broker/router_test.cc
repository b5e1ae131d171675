#include "broker/router.h"

#include <gtest/gtest.h>

#include <set>

namespace weft::broker {
namespace {

class RecordingTarget final : public DeliveryTarget {
 public:
  bool offer(const std::shared_ptr<const std::string>& frame, const DeliveryInfo&) override {
    frames.push_back(frame);
    return true;
  }
  std::vector<std::shared_ptr<const std::string>> frames;
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

// Those the report may reach; `withheld` collects those the TLP rules stop.
std::set<std::string> names_of(const std::vector<Router::Recipient>& recipients,
                               std::set<std::string>* withheld = nullptr) {
  std::set<std::string> names;
  for (const auto& recipient : recipients) {
    if (!recipient.withheld_by_tlp) {
      names.insert(recipient.organisation->name());
    } else if (withheld != nullptr) {
      withheld->insert(recipient.organisation->name());
    }
  }
  return names;
}

TEST(Router, RecipientsAreTheSubscribersOfTheFeed) {
  auto registry = registry_with({{"bank-a", {}}, {"bank-b", {}}, {"bank-c", {}}});
  Router router;
  auto a = std::make_shared<RecordingTarget>();
  auto b = std::make_shared<RecordingTarget>();
  auto c = std::make_shared<RecordingTarget>();
  router.subscribe("phishing", 1, "bank-a", a);
  router.subscribe("phishing", 2, "bank-b", b);
  router.subscribe("ransomware", 3, "bank-c", c);
  EXPECT_EQ(names_of(router.recipients(report("phishing", v1::GREEN), registry)),
            (std::set<std::string>{"bank-a", "bank-b"}));
  EXPECT_EQ(names_of(router.recipients(report("ransomware", v1::GREEN), registry)), (std::set<std::string>{"bank-c"}));
  EXPECT_TRUE(router.recipients(report("other", v1::GREEN), registry).empty());
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
  auto amber = report("phishing", v1::AMBER);
  amber.add_recipients("bank-a");
  amber.add_recipients("finance");
  std::set<std::string> withheld;
  EXPECT_EQ(names_of(router.recipients(amber, registry), &withheld), (std::set<std::string>{"bank-a", "bank-b"}));
  // Subscribers the TLP rules stop are still listed, marked, so that the
  // refusal can be recorded in the audit log.
  EXPECT_EQ(withheld, (std::set<std::string>{"bank-c"}));
  withheld.clear();
  EXPECT_TRUE(names_of(router.recipients(report("phishing", v1::RED), registry), &withheld).empty());
  EXPECT_EQ(withheld, (std::set<std::string>{"bank-a", "bank-b", "bank-c"}));
}

TEST(Router, SkipsGoneTargetsUnsubscribedAndUnregistered) {
  auto registry = registry_with({{"bank-a", {}}, {"bank-b", {}}});
  Router router;
  auto a = std::make_shared<RecordingTarget>();
  {
    auto gone = std::make_shared<RecordingTarget>();
    router.subscribe("phishing", 2, "bank-b", gone);
  }
  router.subscribe("phishing", 1, "bank-a", a);
  router.subscribe("phishing", 3, "not-registered", std::make_shared<RecordingTarget>());
  EXPECT_EQ(names_of(router.recipients(report("phishing", v1::GREEN), registry)), (std::set<std::string>{"bank-a"}));
  router.unsubscribe("phishing", 1);
  EXPECT_TRUE(router.recipients(report("phishing", v1::GREEN), registry).empty());
  router.unsubscribe_all(2, {"phishing"});
  router.unsubscribe_all(3, {"phishing"});
  EXPECT_EQ(router.subscriber_count("phishing"), 0U);
}

}  // namespace
}  // namespace weft::broker
