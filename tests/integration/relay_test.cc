// Live publish/subscribe through a real weftd: the CLI contract, fan-out,
// feed isolation, authorization, validation and broker-asserted fields.
#include <gtest/gtest.h>

#include <fstream>

#include <csignal>
#include <atomic>
#include <map>
#include <regex>
#include <thread>

#include "tests/harness/case_invariants.h"
#include "tests/harness/deployment.h"
#include "tests/harness/test_client.h"

namespace weft::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kContractReport =
    R"({"id":"5f0c6c1e-8d1b-4a57-9a43-0d6f4f3c2b10","feed":"phishing","tlp":"GREEN","title":"Phishing wave",)"
    R"("description":"Kit on a look-alike domain.","indicators":[{"type":"DOMAIN","value":"login-secure-bank.example"},)"
    R"({"type":"IPV4","value":"203.0.113.7"},{"type":"SHA256","value":)"
    R"("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"},)"
    R"({"type":"URL","value":"https://cdn.bad-loader.example/p.bin"}]})";

class RelayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    deployment_.add_org("cert-de", "publisher,subscriber");
    deployment_.add_org("acme-bank", "subscriber", {}, "NL", "finance");
    deployment_.add_org("beta-energy", "subscriber", {}, "FR", "energy");
    deployment_.add_org("auditor", "auditor", {}, "DE", "government");
    invariants_.prepare();
    deployment_.start_broker();
    invariants_.begin();
  }

  void TearDown() override { invariants_.verify(); }

  std::unique_ptr<TestClient> connect(const std::string& org) {
    return connected_client(deployment_.profile(org), deployment_.port(), org);
  }

  // The probe organisations subscribe too, so look for this one's line.
  bool acme_bank_subscribed_to_phishing() {
    const std::regex line("subscribe\\.accepted conn=[0-9]+ org=acme-bank feed=phishing");
    return eventually([&] { return std::regex_search(deployment_.broker_log(), line); });
  }

  TestDeployment deployment_{"relay"};
  CaseInvariants invariants_{deployment_};
};

TEST_F(RelayTest, CliPublishReachesCliSubscriber) {
  ChildProcess subscriber(deployment_.weft_argv("acme-bank", {"subscribe", "--feed", "phishing", "--count", "1",
                                                              "--timeout", "20"}),
                          deployment_.dir(), "subscriber");
  ASSERT_TRUE(acme_bank_subscribed_to_phishing()) << deployment_.broker_log();

  const auto published = deployment_.weft("cert-de", {"publish", "-"}, kContractReport);
  ASSERT_EQ(published.exit_code, 0) << published.err;
  EXPECT_NE(published.out.find(R"("id":"5f0c6c1e-8d1b-4a57-9a43-0d6f4f3c2b10")"), std::string::npos) << published.out;
  EXPECT_NE(published.out.find(R"("duplicate":false)"), std::string::npos) << published.out;

  auto status = subscriber.wait(20s);
  ASSERT_TRUE(status.has_value()) << "subscriber did not exit";
  EXPECT_EQ(*status, 0) << subscriber.stderr_text();
  const std::string line = subscriber.stdout_text();
  EXPECT_EQ(std::count(line.begin(), line.end(), '\n'), 1) << line;
  EXPECT_NE(line.find(R"("id":"5f0c6c1e-8d1b-4a57-9a43-0d6f4f3c2b10")"), std::string::npos) << line;
  EXPECT_NE(line.find(R"("source_organisation":"cert-de")"), std::string::npos) << line;
  EXPECT_NE(line.find("cdn.bad-loader.example/p.bin"), std::string::npos) << line;
}

TEST_F(RelayTest, TwoSubscribersOnAFeedBothReceiveAndAnotherFeedDoesNot) {
  auto bank = connect("acme-bank");
  auto energy = connect("beta-energy");
  auto other_feed = connect("cert-de");
  ASSERT_TRUE(bank->subscribe("phishing"));
  ASSERT_TRUE(energy->subscribe("phishing"));
  ASSERT_TRUE(other_feed->subscribe("ransomware"));

  auto publisher = connect("cert-de");
  const auto report = make_report("phishing");
  auto ack = publisher->publish(report);
  ASSERT_TRUE(ack) << ack.error().describe();
  EXPECT_EQ(ack.value().id(), report.id());
  EXPECT_EQ(ack.value().live_recipients(), 2U);

  for (auto* client : {bank.get(), energy.get()}) {
    auto delivery = client->next_delivery();
    ASSERT_TRUE(delivery.has_value());
    EXPECT_EQ(delivery->feed(), "phishing");
    EXPECT_EQ(delivery->report().id(), report.id());
    EXPECT_EQ(delivery->report().broker().source_organisation(), "cert-de");
    EXPECT_EQ(delivery->report().indicators_size(), 2);
  }
  EXPECT_FALSE(other_feed->next_delivery(300ms).has_value());

  const auto ransomware = make_report("ransomware");
  ASSERT_TRUE(publisher->publish(ransomware));
  auto delivery = other_feed->next_delivery();
  ASSERT_TRUE(delivery.has_value());
  EXPECT_EQ(delivery->report().id(), ransomware.id());
  EXPECT_FALSE(bank->next_delivery(200ms).has_value());
}

TEST_F(RelayTest, BrokerAssertedFieldsOverwriteWhatTheClientSent) {
  auto bank = connect("acme-bank");
  ASSERT_TRUE(bank->subscribe("phishing"));
  auto publisher = connect("cert-de");
  auto report = make_report("phishing");
  report.mutable_broker()->set_source_organisation("acme-bank");
  report.mutable_broker()->set_sequence(999999);
  report.mutable_broker()->mutable_received_at()->set_seconds(1);
  ASSERT_TRUE(publisher->publish(report));
  auto delivery = bank->next_delivery();
  ASSERT_TRUE(delivery.has_value());
  EXPECT_EQ(delivery->report().broker().source_organisation(), "cert-de");
  EXPECT_NE(delivery->report().broker().sequence(), 999999U);
  EXPECT_GT(delivery->report().broker().received_at().seconds(), 1700000000);
}

TEST_F(RelayTest, InvalidReportIsRefusedWithAClearErrorAndTheSessionStaysUsable) {
  auto publisher = connect("cert-de");
  auto bad = make_report("phishing");
  bad.set_id("not-a-uuid");
  auto refused = publisher->publish(bad);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, v1::VALIDATION_FAILED);
  EXPECT_EQ(refused.error().message, "report.id: not a UUID (8-4-4-4-12 hex digits)");

  auto no_tlp = make_report("phishing");
  no_tlp.clear_tlp();
  auto refused_tlp = publisher->publish(no_tlp);
  ASSERT_FALSE(refused_tlp);
  EXPECT_EQ(refused_tlp.error().code, v1::VALIDATION_FAILED);

  EXPECT_TRUE(publisher->publish(make_report("phishing")));
}

TEST_F(RelayTest, PublisherWithoutRightsOnTheFeedIsForbidden) {
  deployment_.add_org("limited-cert", "publisher", {"--publish-feeds", "ransomware"});
  auto bank = connect("acme-bank");
  ASSERT_TRUE(bank->subscribe("phishing"));
  ASSERT_TRUE(deployment_.broker_logged("revision="))
      << "the broker did not pick up the new organisation";
  auto limited = connect("limited-cert");
  auto refused = limited->publish(make_report("phishing"));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, v1::FORBIDDEN);
  EXPECT_EQ(refused.error().message, "organisation 'limited-cert' may not publish to feed 'phishing'");
  EXPECT_TRUE(limited->publish(make_report("ransomware")));

  // A subscriber-only organisation may not publish at all; the CLI says so
  // on stderr and exits 1.
  const auto cli = deployment_.weft("acme-bank", {"publish", "-"}, kContractReport);
  EXPECT_EQ(cli.exit_code, 1);
  EXPECT_TRUE(cli.out.empty()) << cli.out;
  EXPECT_NE(cli.err.find("FORBIDDEN: organisation 'acme-bank' does not have the publisher role"), std::string::npos)
      << cli.err;
  EXPECT_FALSE(bank->next_delivery(300ms).has_value());
}

TEST_F(RelayTest, SubscribingWithoutReadRightsIsForbidden) {
  auto auditor = connect("auditor");
  auto refused = auditor->subscribe("phishing");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, v1::FORBIDDEN);
  const auto cli = deployment_.weft("auditor", {"subscribe", "--feed", "phishing", "--count", "1"});
  EXPECT_EQ(cli.exit_code, 1);
  EXPECT_NE(cli.err.find("FORBIDDEN"), std::string::npos) << cli.err;
}

TEST_F(RelayTest, AmberGoesOnlyToNamedRecipientsAndUnsealedRedIsRefused) {
  auto bank = connect("acme-bank");
  auto energy = connect("beta-energy");
  ASSERT_TRUE(bank->subscribe("phishing"));
  ASSERT_TRUE(energy->subscribe("phishing"));
  auto publisher = connect("cert-de");
  auto amber = make_report("phishing", v1::AMBER_STRICT);
  amber.add_recipients("acme-bank");
  auto ack = publisher->publish(amber);
  ASSERT_TRUE(ack) << ack.error().describe();
  EXPECT_EQ(ack.value().live_recipients(), 1U);
  EXPECT_TRUE(bank->next_delivery().has_value());
  EXPECT_FALSE(energy->next_delivery(300ms).has_value());

  // RED in the clear (not sealed per recipient, see red_test.cc) never leaves the publisher's session.
  auto red = make_report("phishing", v1::RED);
  red.add_recipients("acme-bank");
  auto refused = publisher->publish(red);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, v1::VALIDATION_FAILED);
  EXPECT_FALSE(bank->next_delivery(300ms).has_value());
}

TEST_F(RelayTest, CliPublishesAFileWithOneBadReportAndNamesIt) {
  auto bank = connect("acme-bank");
  ASSERT_TRUE(bank->subscribe("phishing"));
  const auto first = make_report("phishing", v1::GREEN, "first");
  const auto third = make_report("phishing", v1::GREEN, "third");
  const std::string file = "[\n" + to_json(first) + ",\n{\"id\": \"x\", \"titel\": \"typo\"},\n" + to_json(third) + "\n]\n";
  const auto result = deployment_.weft("cert-de", {"publish", "-"}, file);
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.out.find(first.id()), std::string::npos);
  EXPECT_NE(result.out.find(third.id()), std::string::npos);
  EXPECT_NE(result.err.find("stdin:3 (report 2)"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("titel"), std::string::npos) << result.err;
  EXPECT_TRUE(bank->next_delivery().has_value());
  EXPECT_TRUE(bank->next_delivery().has_value());
}

TEST_F(RelayTest, CliSubscribeTimesOutWithExitFour) {
  const auto result = deployment_.weft("acme-bank", {"subscribe", "--feed", "quiet", "--count", "1", "--timeout", "0.5"});
  EXPECT_EQ(result.exit_code, 4) << result.err;
  EXPECT_NE(result.err.find("timed out"), std::string::npos) << result.err;
}

TEST_F(RelayTest, CliSubscribeWithoutCountRunsUntilInterruptedAndExitsZero) {
  ChildProcess subscriber(deployment_.weft_argv("acme-bank", {"subscribe", "--feed", "phishing"}), deployment_.dir(),
                          "endless");
  ASSERT_TRUE(acme_bank_subscribed_to_phishing());
  auto publisher = connect("cert-de");
  const auto report = make_report("phishing");
  ASSERT_TRUE(publisher->publish(report));
  ASSERT_TRUE(eventually([&] { return subscriber.stdout_text().find(report.id()) != std::string::npos; }));
  EXPECT_EQ(subscriber.stop(SIGINT), 0) << subscriber.stderr_text();
}

TEST_F(RelayTest, WhoamiShowsTheOrganisationFromTheCertificate) {
  const auto result = deployment_.weft("acme-bank", {"whoami"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find(R"("organisation":"acme-bank")"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find(R"("jurisdiction":"NL")"), std::string::npos) << result.out;
}

TEST_F(RelayTest, SigtermStopsGracefullyAndTellsClients) {
  invariants_.expect_broker_down("the case stops weftd with SIGTERM");
  auto bank = connect("acme-bank");
  ASSERT_TRUE(bank->subscribe("phishing"));
  EXPECT_EQ(deployment_.stop_broker(), 0);
  ASSERT_TRUE(eventually([&] { return !bank->is_open(); }));
  auto error = bank->close_error();
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->code, v1::SHUTTING_DOWN) << error->describe();
  EXPECT_TRUE(deployment_.broker_logged("broker.stopped"));
}

TEST_F(RelayTest, LosingReadRightsEndsTheSubscription) {
  auto bank = connect("acme-bank");
  ASSERT_TRUE(bank->subscribe("phishing"));
  // Rewrite the registry so acme-bank may read only "ransomware".
  const auto registry_path = deployment_.dir() / "registry.textproto";
  std::string registry = read_text(registry_path);
  const auto at = registry.find("name: \"acme-bank\"");
  ASSERT_NE(at, std::string::npos);
  registry.insert(at, "read_feeds: \"ransomware\"\n  ");
  {
    const auto temp = registry_path.string() + ".new";
    std::ofstream(temp) << registry;
    std::filesystem::rename(temp, registry_path);
  }
  ASSERT_TRUE(eventually([&] { return bank->stream_end().has_value(); }, 3s));
  EXPECT_EQ(bank->stream_end()->code, v1::FORBIDDEN) << bank->stream_end()->describe();
  EXPECT_TRUE(bank->is_open());  // the session itself stays
}

TEST(RelayThreadsTest, ConcurrentPublishersAndSubscribersAcrossNetworkThreads) {
  TestDeployment deployment("threads");
  deployment.add_org("cert-de", "publisher,subscriber");
  deployment.add_org("cert-fr", "publisher", {}, "FR", "government");
  deployment.add_org("acme-bank", "subscriber", {}, "NL", "finance");
  deployment.append_config("network_threads: 3");
  deployment.start_broker();

  std::vector<std::unique_ptr<TestClient>> subscribers;
  for (int i = 0; i < 4; ++i) {
    auto client = std::make_unique<TestClient>();
    ASSERT_TRUE(client->connect(deployment.profile(i % 2 == 0 ? "acme-bank" : "cert-de"), deployment.port()));
    ASSERT_TRUE(client->subscribe("phishing"));
    subscribers.push_back(std::move(client));
  }
  constexpr int kPerPublisher = 200;
  std::vector<std::thread> publishers;
  std::atomic<int> acked{0};
  for (const std::string org : {"cert-de", "cert-fr"}) {
    publishers.emplace_back([&deployment, &acked, org] {
      TestClient publisher;
      ASSERT_TRUE(publisher.connect(deployment.profile(org), deployment.port()));
      for (int i = 0; i < kPerPublisher; ++i) {
        if (publisher.publish(make_report("phishing"))) {
          ++acked;
        }
      }
    });
  }
  for (auto& thread : publishers) {
    thread.join();
  }
  EXPECT_EQ(acked.load(), 2 * kPerPublisher);
  for (auto& subscriber : subscribers) {
    EXPECT_TRUE(eventually([&] { return subscriber->deliveries_received() == 2U * kPerPublisher; }, 20s))
        << subscriber->deliveries_received();
  }
  // Per publisher, deliveries keep publish order.
  auto& first = *subscribers.front();
  std::map<std::string, std::uint64_t> last_sequence;
  while (auto delivery = first.next_delivery(100ms)) {
    const auto& stamp = delivery->report().broker();
    EXPECT_GT(stamp.sequence(), last_sequence[stamp.source_organisation()]);
    last_sequence[stamp.source_organisation()] = stamp.sequence();
  }
  EXPECT_EQ(deployment.stop_broker(), 0);
}

}  // namespace
}  // namespace weft::testing
