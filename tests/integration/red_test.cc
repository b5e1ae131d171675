// TLP:RED end to end against a real weftd: the CERT's `weft publish` fetches
// each named recipient's sealing key and policy, filters and seals a copy
// per recipient; the broker stores and relays only ciphertext (checked in
// the decrypted store itself), each named recipient opens its own
// policy-filtered copy (live, from a durable backlog, by id, and with the
// CLI), and nobody else gets anything or can open anything.
#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "broker/store/sqlite_store.h"
#include "broker/store/storage_key.h"
#include "client-lib/red_sealing.h"
#include "sealing/sealing.h"
#include "tests/harness/deployment.h"
#include "tests/harness/test_client.h"

namespace weft::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kVictimEmail = "maria.rossi@victim-corp.example";
constexpr const char* kRedId = "7d9f4c1e-2a3b-4c5d-8e6f-0a1b2c3d4e5f";

class RedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    deployment_.add_org("cert-nl", "publisher", {}, "NL", "csirt");
    deployment_.add_org("acme-bank", "subscriber", {}, "NL", "finance");  // eu-baseline
    deployment_.add_org("cert-be", "subscriber", {}, "BE", "csirt");      // cert-peer
    deployment_.add_org("us-retail", "subscriber", {}, "US", "retail");   // third-country
    deployment_.add_org("outsider", "subscriber", {}, "DE", "finance");
    deployment_.start_broker();
  }

  std::unique_ptr<TestClient> connect(const std::string& org) {
    return connected_client(deployment_.profile(org), deployment_.port(), org);
  }

  std::unique_ptr<sealing::SealingKey> key_of(const std::string& org) const {
    auto key = sealing::SealingKey::load(deployment_.org_file(org, "sealing.key"));
    EXPECT_TRUE(key) << key.error().describe();
    return std::move(key).value();
  }

  // The CERT publishes with the CLI, as an analyst would.
  void publish_red_with_cli() {
    const std::string json = std::string(R"({"id":")") + kRedId + R"(","feed":"incidents","tlp":"RED",)" +
                             R"("recipients":["acme-bank","cert-be","us-retail"],)" +
                             R"("title":"Ongoing intrusion at a water utility",)" +
                             R"("description":"Contact at the victim: )" + kVictimEmail + R"(, +31 6 12345678.",)" +
                             R"("indicators":[{"type":"DOMAIN","value":"c2-water.example"}]})";
    const auto published = deployment_.weft("cert-nl", {"publish", "-"}, json + "\n");
    ASSERT_EQ(published.exit_code, 0) << published.out << published.err;
    EXPECT_NE(published.out.find(kRedId), std::string::npos) << published.out;
  }

  v1::Report marker() {
    auto publisher = connect("cert-nl");
    v1::Report report = make_report("incidents", v1::GREEN, "marker");
    EXPECT_TRUE(publisher->publish(report));
    return report;
  }

  TestDeployment deployment_{"red"};
};

TEST_F(RedTest, EachNamedRecipientOpensItsOwnPolicyFilteredCopyAndNobodyElse) {
  std::map<std::string, std::unique_ptr<TestClient>> subscribers;
  for (const char* org : {"acme-bank", "cert-be", "us-retail", "outsider"}) {
    subscribers[org] = connect(org);
    ASSERT_TRUE(subscribers[org]->subscribe("incidents"));
  }
  publish_red_with_cli();
  const v1::Report end = marker();

  std::map<std::string, v1::Report> delivered;
  for (const char* org : {"acme-bank", "cert-be", "us-retail"}) {
    auto delivery = subscribers[org]->next_delivery(5s);
    ASSERT_TRUE(delivery) << org;
    const v1::Report& relayed = delivery->report();
    ASSERT_EQ(relayed.id(), kRedId) << org;
    // In transit: routing in the clear, one copy, no names, no content.
    EXPECT_TRUE(relayed.title().empty() && relayed.description().empty() && relayed.indicators().empty()) << org;
    EXPECT_EQ(relayed.recipients_size(), 0) << org;
    ASSERT_EQ(relayed.sealed_copies_size(), 1) << org;
    EXPECT_EQ(relayed.sealed_copies(0).recipient(), org);
    EXPECT_EQ(relayed.SerializeAsString().find("maria.rossi"), std::string::npos);
    delivered[org] = relayed;
    EXPECT_EQ(subscribers[org]->next_delivery(5s)->report().id(), end.id()) << org;
  }
  // The outsider got the marker and nothing before it.
  auto outsider_first = subscribers["outsider"]->next_delivery(5s);
  ASSERT_TRUE(outsider_first);
  EXPECT_EQ(outsider_first->report().id(), end.id());

  // Each opens its own copy, filtered by its own policy on the publisher's side.
  const auto bank_copy = client::open_red_copy(delivered["acme-bank"], *key_of("acme-bank"));
  ASSERT_TRUE(bank_copy) << bank_copy.error().describe();
  EXPECT_EQ(bank_copy.value().title(), "Ongoing intrusion at a water utility");
  EXPECT_EQ(bank_copy.value().description().find(kVictimEmail), std::string::npos) << bank_copy.value().description();
  EXPECT_NE(bank_copy.value().description().find("[REDACTED:EMAIL]"), std::string::npos)
      << bank_copy.value().description();
  EXPECT_EQ(bank_copy.value().indicators(0).value(), "c2-water.example");
  EXPECT_EQ(bank_copy.value().recipients_size(), 0) << "a copy must not say who else received it";
  EXPECT_EQ(bank_copy.value().broker().source_organisation(), "cert-nl");

  const auto peer_copy = client::open_red_copy(delivered["cert-be"], *key_of("cert-be"));
  ASSERT_TRUE(peer_copy) << peer_copy.error().describe();
  EXPECT_NE(peer_copy.value().description().find(kVictimEmail), std::string::npos)
      << "cert-peer keeps contacts for incident handling";

  const auto us_copy = client::open_red_copy(delivered["us-retail"], *key_of("us-retail"));
  ASSERT_TRUE(us_copy) << us_copy.error().describe();
  EXPECT_EQ(us_copy.value().description().find(kVictimEmail), std::string::npos);
  EXPECT_EQ(us_copy.value().description().find("12345678"), std::string::npos);

  // Nobody opens a copy that is not theirs.
  for (const char* stranger : {"outsider", "acme-bank"}) {
    auto opened = client::open_red_copy(delivered["cert-be"], *key_of(stranger));
    ASSERT_FALSE(opened) << stranger << " opened cert-be's copy";
  }
  // A copy moved onto another report is refused by the recipient.
  v1::Report moved = delivered["acme-bank"];
  moved.set_id("00000000-0000-4000-8000-000000000000");
  EXPECT_FALSE(client::open_red_copy(moved, *key_of("acme-bank")));

  // By id: the named recipient gets its copy again, the outsider NOT_FOUND.
  auto bank = connect("acme-bank");
  auto fetched = bank->get_report(kRedId);
  ASSERT_TRUE(fetched) << fetched.error().describe();
  EXPECT_TRUE(client::open_red_copy(fetched.value().report(), *key_of("acme-bank")));
  auto outsider = connect("outsider");
  auto refused = outsider->get_report(kRedId);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, v1::NOT_FOUND);

  // The CLI prints the opened copy.
  const auto cli = deployment_.weft("acme-bank", {"get", kRedId});
  ASSERT_EQ(cli.exit_code, 0) << cli.err;
  EXPECT_NE(cli.out.find("Ongoing intrusion at a water utility"), std::string::npos) << cli.out;
  EXPECT_NE(cli.out.find("[REDACTED:EMAIL]"), std::string::npos) << cli.out;
  EXPECT_EQ(cli.out.find(kVictimEmail), std::string::npos) << cli.out;

  // The broker never held the content: not in its log, and not in its
  // store even after the storage key's encryption is removed.
  subscribers.clear();
  bank.reset();
  outsider.reset();
  ASSERT_EQ(deployment_.stop_broker(), 0);
  EXPECT_EQ(deployment_.broker_log().find("maria.rossi"), std::string::npos);
  EXPECT_EQ(deployment_.broker_log().find("water utility"), std::string::npos);
  auto storage_key = broker::store::StorageKey::load(deployment_.dir() / "keys" / "storage.key");
  ASSERT_TRUE(storage_key) << storage_key.error().describe();
  auto store = broker::store::SqliteStore::open(deployment_.database_file(), *storage_key.value(), {});
  ASSERT_TRUE(store) << store.error().describe();
  auto stored = store.value()->find_report(kRedId);
  ASSERT_TRUE(stored && stored.value());
  const std::string plaintext_of_stored = stored.value()->SerializeAsString();
  EXPECT_EQ(plaintext_of_stored.find("maria.rossi"), std::string::npos);
  EXPECT_EQ(plaintext_of_stored.find("water utility"), std::string::npos);
  EXPECT_EQ(plaintext_of_stored.find("c2-water"), std::string::npos);
  EXPECT_EQ(stored.value()->sealed_copies_size(), 3);
}

TEST_F(RedTest, ADurableRecipientGetsItsCopyFromTheBacklog) {
  {
    auto peer = connect("cert-be");
    ASSERT_TRUE(peer->subscribe_durable("incidents", "soc"));
  }
  publish_red_with_cli();
  const auto printed = deployment_.weft("cert-be", {"subscribe", "--feed", "incidents", "--durable", "soc",
                                                    "--count", "1", "--timeout", "10"});
  ASSERT_EQ(printed.exit_code, 0) << printed.err;
  EXPECT_NE(printed.out.find(kVictimEmail), std::string::npos) << printed.out;
  EXPECT_NE(printed.out.find("\"tlp\":\"RED\""), std::string::npos) << printed.out;
}

TEST_F(RedTest, RedThatIsNotProperlySealedIsRefused) {
  auto publisher = connect("cert-nl");
  const auto refused = [&](const v1::Report& report, const std::string& says) {
    auto answer = publisher->publish(report);
    ASSERT_FALSE(answer) << says;
    EXPECT_EQ(answer.error().code, v1::VALIDATION_FAILED) << answer.error().describe();
    EXPECT_NE(answer.error().message.find(says), std::string::npos) << answer.error().describe();
  };
  v1::Report plain = make_report("incidents", v1::RED, "in the clear");
  plain.add_recipients("acme-bank");
  refused(plain, "report.title: must be empty under TLP:RED");

  v1::Report sealed;
  sealed.set_id("3f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0");
  sealed.set_feed("incidents");
  sealed.set_tlp(v1::RED);
  sealed.add_recipients("acme-bank");
  sealed.add_recipients("cert-be");
  v1::SealedCopy& only = *sealed.add_sealed_copies();
  only.set_recipient("acme-bank");
  only.set_sealed(sealing::seal("not a report", key_of("acme-bank")->public_key()));
  refused(sealed, "no copy for 'cert-be'");

  v1::SealedCopy& stranger = *sealed.add_sealed_copies();
  stranger.set_recipient("outsider");
  stranger.set_sealed(std::string(64, 'x'));
  refused(sealed, "'outsider' is not one of report.recipients");

  v1::Report group;
  group.set_id("4a1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0");
  group.set_feed("incidents");
  group.set_tlp(v1::RED);
  group.add_recipients("finance-sector");
  v1::SealedCopy& group_copy = *group.add_sealed_copies();
  group_copy.set_recipient("finance-sector");
  group_copy.set_sealed(std::string(64, 'x'));
  refused(group, "never groups");

  // The CLI refuses to seal for a name the broker does not know, and says which report.
  const auto cli = deployment_.weft(
      "cert-nl", {"publish", "-"},
      R"({"id":"5b0c6c1e-8d1b-4a57-9a43-0d6f4f3c2b10","feed":"incidents","tlp":"RED","recipients":["acme-bnak"],)"
      R"("title":"x"})"
      "\n");
  EXPECT_EQ(cli.exit_code, 1) << cli.out << cli.err;
  EXPECT_NE(cli.err.find("acme-bnak"), std::string::npos) << cli.err;
  EXPECT_TRUE(publisher->publish(make_report("incidents", v1::GREEN, "still serving")));
}

}  // namespace
}  // namespace weft::testing
