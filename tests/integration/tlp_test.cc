// TLP 2.0 as a delivery gate, against a real weftd: every level reaches
// exactly the organisations it may reach on the live path, from a durable
// backlog and when a report is fetched by id; refused publishes; nobody
// learns who else received a report; recipients cannot republish what they
// received under AMBER.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

#include "common/uuid.h"
#include "tests/harness/case_invariants.h"
#include "tests/harness/deployment.h"
#include "tests/harness/test_client.h"

namespace weft::testing {
namespace {

using namespace std::chrono_literals;
using Ids = std::set<std::string>;

const char* const kSubscribers[] = {"acme-bank", "other-bank", "soc-provider", "outsider"};

class TlpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    deployment_.add_org("cert-nl", "publisher", {}, "NL", "csirt");
    deployment_.add_org("acme-bank", "subscriber,publisher", {"--groups", "finance"}, "NL", "finance");
    deployment_.add_org("other-bank", "subscriber", {"--groups", "finance"}, "DE", "finance");
    deployment_.add_org("soc-provider", "subscriber", {"--redistributes-to-clients"}, "NL", "ict");
    deployment_.add_org("outsider", "subscriber", {}, "BE", "retail");
    deployment_.add_org("energy-co", "subscriber", {"--read-feeds", "energy"}, "DE", "energy");
    invariants_.prepare();
    deployment_.start_broker();
    invariants_.begin();
    publisher_ = connect("cert-nl");
  }

  void TearDown() override { invariants_.verify(); }

  std::unique_ptr<TestClient> connect(const std::string& org) {
    return connected_client(deployment_.profile(org), deployment_.port(), org);
  }

  v1::Report publish(v1::Tlp tlp, const std::vector<std::string>& recipients, const std::string& title) {
    v1::Report report = make_report("phishing", tlp, title);
    for (const auto& name : recipients) {
      report.add_recipients(name);
    }
    auto acked = publisher_->publish(report);
    EXPECT_TRUE(acked) << title << ": " << (acked ? "" : acked.error().describe());
    return report;
  }

  // One report of each kind, then a GREEN marker that every subscriber gets:
  // once it arrives, everything published before it has been decided.
  void publish_every_level() {
    clear_ = publish(v1::CLEAR, {}, "clear").id();
    green_ = publish(v1::GREEN, {}, "green").id();
    amber_group_ = publish(v1::AMBER, {"finance"}, "amber to the finance group").id();
    amber_provider_ = publish(v1::AMBER, {"soc-provider", "acme-bank"}, "amber to a provider and a bank").id();
    strict_ = publish(v1::AMBER_STRICT, {"acme-bank", "soc-provider"}, "amber+strict").id();
    marker_ = publish(v1::GREEN, {}, "marker").id();
  }

  std::map<std::string, Ids> expected() const {
    return {{"acme-bank", {clear_, green_, amber_group_, amber_provider_, strict_, marker_}},
            {"other-bank", {clear_, green_, amber_group_, marker_}},
            {"soc-provider", {clear_, green_, amber_provider_, marker_}},
            {"outsider", {clear_, green_, marker_}}};
  }

  // Every delivery until the marker; acknowledges durable ones.
  Ids received_until_marker(TestClient& client, const std::string& org, bool durable) {
    Ids ids;
    while (!ids.contains(marker_)) {
      auto delivery = client.next_delivery(5s);
      if (!delivery) {
        ADD_FAILURE() << org << " never got the marker; got " << ids.size() << " reports";
        break;
      }
      EXPECT_EQ(delivery->report().recipients_size(), 0)
          << org << " was told who else received " << delivery->report().title();
      EXPECT_TRUE(ids.insert(delivery->report().id()).second) << org << " got a report twice";
      if (durable) {
        client.ack("phishing", delivery->report().broker().sequence());
      }
    }
    return ids;
  }

  TestDeployment deployment_{"tlp"};
  CaseInvariants invariants_{deployment_};
  std::mt19937_64 generator_{std::random_device{}()};
  std::unique_ptr<TestClient> publisher_;
  std::string clear_, green_, amber_group_, amber_provider_, strict_, marker_;
};

TEST_F(TlpTest, EveryLevelReachesExactlyItsRecipientsLive) {
  std::map<std::string, std::unique_ptr<TestClient>> subscribers;
  for (const char* org : kSubscribers) {
    subscribers[org] = connect(org);
    ASSERT_TRUE(subscribers[org]->subscribe("phishing"));
  }
  publish_every_level();
  for (const auto& [org, ids] : expected()) {
    EXPECT_EQ(received_until_marker(*subscribers[org], org, false), ids) << org;
  }
}

TEST_F(TlpTest, EveryLevelReachesExactlyItsRecipientsFromTheBacklog) {
  for (const char* org : kSubscribers) {
    auto client = connect(org);
    ASSERT_TRUE(client->subscribe_durable("phishing", "soc"));
  }
  publish_every_level();  // nobody connected: all of it is backlog
  for (const auto& [org, ids] : expected()) {
    auto client = connect(org);
    ASSERT_TRUE(client->subscribe_durable("phishing", "soc"));
    EXPECT_EQ(received_until_marker(*client, org, true), ids) << org;
  }
}

TEST_F(TlpTest, AReportNotForYouIsNotFoundLikeOneThatDoesNotExist) {
  publish_every_level();
  // Entitled: the filtered copy, without the distribution list.
  auto bank = connect("acme-bank");
  auto strict = bank->get_report(strict_);
  ASSERT_TRUE(strict) << strict.error().describe();
  EXPECT_EQ(strict.value().report().tlp(), v1::AMBER_STRICT);
  EXPECT_EQ(strict.value().report().recipients_size(), 0);
  EXPECT_EQ(strict.value().feed(), "phishing");

  const auto expect_not_found = [&](const std::string& org, const std::string& id) {
    auto client = connect(org);
    auto answer = client->get_report(id);
    ASSERT_FALSE(answer) << org << " got " << id;
    EXPECT_EQ(answer.error().code, v1::NOT_FOUND) << org;
    EXPECT_EQ(answer.error().message, "no report " + id + " that organisation '" + org + "' may read");
    EXPECT_TRUE(client->is_open()) << "a NOT_FOUND must not end the session";
  };
  expect_not_found("outsider", strict_);              // not named
  expect_not_found("soc-provider", strict_);          // named, but passes it on to clients
  expect_not_found("other-bank", amber_provider_);    // not named, group not named
  expect_not_found("outsider", amber_group_);         // not in the group
  expect_not_found("energy-co", green_);              // may not read the feed
  expect_not_found("outsider", uuid::random_v4(generator_));  // does not exist at all

  // Entitled ones get what a subscriber would.
  auto provider = connect("soc-provider");
  EXPECT_TRUE(provider->get_report(amber_provider_));
  auto outsider = connect("outsider");
  EXPECT_TRUE(outsider->get_report(green_));

  // The CLI: JSON for what may be read, NOT_FOUND on stderr for the rest (exit 1).
  const auto cli = deployment_.weft("outsider", {"get", clear_, strict_});
  EXPECT_EQ(cli.exit_code, 1) << cli.err;
  EXPECT_NE(cli.out.find(clear_), std::string::npos) << cli.out;
  EXPECT_EQ(cli.out.find(strict_), std::string::npos) << cli.out;
  EXPECT_NE(cli.err.find("NOT_FOUND"), std::string::npos) << cli.err;
}

TEST_F(TlpTest, PublishesThatCannotBeDeliveredSafelyAreRefused) {
  const auto refused = [&](v1::Report report, v1::ErrorCode code, const std::string& says) {
    auto answer = publisher_->publish(report);
    ASSERT_FALSE(answer) << report.title();
    EXPECT_EQ(answer.error().code, code) << answer.error().describe();
    EXPECT_NE(answer.error().message.find(says), std::string::npos) << answer.error().describe();
  };
  v1::Report red = make_report("phishing", v1::RED, "red");
  red.add_recipients("acme-bank");
  refused(red, v1::VALIDATION_FAILED, "must be empty under TLP:RED");  // RED travels sealed only
  v1::Report no_tlp = make_report("phishing", v1::GREEN, "no tlp");
  no_tlp.clear_tlp();
  refused(no_tlp, v1::VALIDATION_FAILED, "report.tlp: is missing");
  v1::Report unknown_tlp = make_report("phishing", v1::GREEN, "unknown tlp");
  unknown_tlp.set_tlp(static_cast<v1::Tlp>(42));
  refused(unknown_tlp, v1::VALIDATION_FAILED, "report.tlp");
  refused(make_report("phishing", v1::AMBER, "nobody named"), v1::VALIDATION_FAILED, "must name their recipients");
  v1::Report misspelt = make_report("phishing", v1::AMBER, "misspelt");
  misspelt.add_recipients("acme-bnak");
  refused(misspelt, v1::VALIDATION_FAILED, "'acme-bnak' is neither a registered organisation nor a group");
  v1::Report strict_group = make_report("phishing", v1::AMBER_STRICT, "strict to a group");
  strict_group.add_recipients("finance");
  refused(strict_group, v1::VALIDATION_FAILED, "'finance' is a group");
  EXPECT_TRUE(publisher_->publish(make_report("phishing", v1::GREEN, "still serving")));
}

TEST_F(TlpTest, RecipientsCannotRepublishWhatTheyReceivedUnderAmber) {
  auto bank = connect("acme-bank");
  ASSERT_TRUE(bank->subscribe("phishing"));
  const v1::Report amber = publish(v1::AMBER, {"acme-bank"}, "for the bank only");
  const v1::Report green = publish(v1::GREEN, {}, "for everyone");
  auto received = bank->next_delivery(5s);
  ASSERT_TRUE(received);
  ASSERT_EQ(received->report().id(), amber.id());

  // Passed on as received (same id), with a wider TLP or as it was.
  for (v1::Tlp tlp : {v1::AMBER, v1::GREEN, v1::CLEAR}) {
    v1::Report again = received->report();
    again.clear_broker();
    again.set_tlp(tlp);
    if (tlp == v1::AMBER) {
      again.add_recipients("other-bank");  // passing it on to a peer
    }
    auto answer = bank->publish(again);
    ASSERT_FALSE(answer) << v1::Tlp_Name(tlp);
    EXPECT_EQ(answer.error().code, v1::FORBIDDEN);
    EXPECT_NE(answer.error().message.find("may not republish"), std::string::npos) << answer.error().describe();
  }
  // The same content under a new id, as the bank's own GREEN report.
  v1::Report relabelled = received->report();
  relabelled.clear_broker();
  relabelled.set_id(uuid::random_v4(generator_));
  relabelled.set_tlp(v1::GREEN);
  auto as_own = bank->publish(relabelled);
  ASSERT_FALSE(as_own);
  EXPECT_EQ(as_own.error().code, v1::FORBIDDEN);
  EXPECT_NE(as_own.error().message.find("may not republish as their own"), std::string::npos)
      << as_own.error().describe();

  // Another organisation's GREEN id: a conflict that says nothing about that report.
  v1::Report reused = make_report("phishing", v1::GREEN, "reused id");
  reused.set_id(green.id());
  auto conflict = bank->publish(reused);
  ASSERT_FALSE(conflict);
  EXPECT_EQ(conflict.error().code, v1::ID_CONFLICT);
  EXPECT_EQ(conflict.error().message.find("sequence"), std::string::npos) << conflict.error().describe();
  EXPECT_EQ(conflict.error().message.find("phishing"), std::string::npos) << conflict.error().describe();
  // The original publisher's own re-publish stays an idempotent duplicate.
  auto duplicate = publisher_->publish(amber);
  ASSERT_TRUE(duplicate) << duplicate.error().describe();
  EXPECT_TRUE(duplicate.value().duplicate());
}

TEST_F(TlpTest, ClearCarriesNoPersonalDataEvenToAPeerCertWhosePolicyKeepsIt) {
  deployment_.add_org("cert-be", "subscriber", {}, "BE", "csirt");  // cert-peer keeps contacts
  ASSERT_TRUE(eventually([&] {
    auto probe = std::make_unique<TestClient>();
    return static_cast<bool>(probe->connect(deployment_.profile("cert-be"), deployment_.port()));
  }));
  auto peer = connect("cert-be");
  ASSERT_TRUE(peer->subscribe("phishing"));
  const std::string victim = "maria.rossi@victim-corp.example";
  for (v1::Tlp tlp : {v1::GREEN, v1::CLEAR}) {
    v1::Report report = make_report("phishing", tlp, v1::Tlp_Name(tlp));
    report.set_description("Victim contact: " + victim + ".");
    ASSERT_TRUE(publisher_->publish(report));
  }
  auto green = peer->next_delivery(5s);
  auto clear = peer->next_delivery(5s);
  ASSERT_TRUE(green && clear);
  EXPECT_NE(green->report().description().find(victim), std::string::npos) << "cert-peer keeps it under GREEN";
  EXPECT_EQ(clear->report().description().find(victim), std::string::npos) << clear->report().description();
}

TEST_F(TlpTest, ARedactedCopyCannotComeBackAsTheRecipientsOwnEither) {
  // The bank's policy (eu-baseline) redacts the victim's details, so what it
  // receives differs from what was published: that copy is remembered too.
  auto bank = connect("acme-bank");
  ASSERT_TRUE(bank->subscribe("phishing"));
  v1::Report amber = make_report("phishing", v1::AMBER, "Victim data inside");
  amber.add_recipients("finance");
  amber.set_description("Victim contact: maria.rossi@victim-corp.example, +31 6 12345678.");
  ASSERT_TRUE(publisher_->publish(amber));
  auto received = bank->next_delivery(5s);
  ASSERT_TRUE(received);
  ASSERT_NE(received->report().description(), amber.description()) << "the policy did not redact anything";

  v1::Report relabelled = received->report();
  relabelled.clear_broker();
  relabelled.clear_redaction();
  relabelled.set_id(uuid::random_v4(generator_));
  relabelled.set_tlp(v1::CLEAR);
  auto as_own = bank->publish(relabelled);
  ASSERT_FALSE(as_own);
  EXPECT_EQ(as_own.error().code, v1::FORBIDDEN) << as_own.error().describe();

  // Fetched later by id, the copy is the same and stays refused after a restart.
  bank.reset();
  publisher_.reset();
  ASSERT_EQ(deployment_.stop_broker(), 0);
  deployment_.restart_broker();
  bank = connect("acme-bank");
  relabelled.set_id(uuid::random_v4(generator_));
  auto after_restart = bank->publish(relabelled);
  ASSERT_FALSE(after_restart);
  EXPECT_EQ(after_restart.error().code, v1::FORBIDDEN);
}

}  // namespace
}  // namespace weft::testing
