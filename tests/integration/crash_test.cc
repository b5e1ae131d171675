// The promise behind durable delivery, tested the hard way: a publisher
// streams thousands of reports while weftd is SIGKILLed at random moments
// and restarted; every report it acknowledged must reach a durable
// subscriber (who reconnects through the same crashes), in publish order,
// and the database must pass PRAGMA integrity_check. The matrix's probe
// workload (CaseInvariants) runs through the same crashes.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <regex>
#include <set>
#include <thread>

#include "tests/harness/case_invariants.h"
#include "tests/harness/deployment.h"
#include "tests/harness/test_client.h"

namespace weft::testing {
namespace {

using namespace std::chrono_literals;

constexpr int kReports = 5000;
constexpr int kKills = 4;

std::string field(const std::string& line, const std::regex& pattern) {
  std::smatch match;
  return std::regex_search(line, match, pattern) ? match[1].str() : std::string();
}

TEST(CrashTest, EveryAcknowledgedReportSurvivesRepeatedSigkill) {
  TestDeployment deployment("crash");
  deployment.add_org("cert-de", "publisher");
  deployment.add_org("acme-bank", "subscriber", {}, "NL", "finance");
  CaseInvariants invariants(deployment);
  invariants.prepare();
  deployment.start_broker();
  invariants.begin();
  {
    TestClient creator;
    ASSERT_TRUE(creator.connect(deployment.profile("acme-bank"), deployment.port()));
    ASSERT_TRUE(creator.subscribe_durable("crash", "soc"));
    creator.close();
  }

  std::map<std::string, int> position_of;  // report id -> index in the publish stream
  {
    std::ofstream input(deployment.dir() / "stream.jsonl");
    for (int i = 0; i < kReports; ++i) {
      const v1::Report report = make_report("crash", v1::GREEN, "Crash stream " + std::to_string(i));
      position_of[report.id()] = i;
      input << to_json(report) << "\n";
    }
  }

  ChildProcess subscriber(
      deployment.weft_argv("acme-bank", {"subscribe", "--feed", "crash", "--durable", "soc", "--count",
                                         std::to_string(kReports), "--timeout", "240", "--retry-for", "120"}),
      deployment.dir(), "subscriber");
  ChildProcess publisher(deployment.weft_argv("cert-de", {"publish", "--window", "32", "--retry-for", "120",
                                                          (deployment.dir() / "stream.jsonl").string()}),
                         deployment.dir(), "publisher");

  // Kill points chosen by how far the publisher has got, so each kill lands
  // mid-stream, plus a random delay so it lands mid-commit as often as not.
  std::mt19937 random(std::random_device{}());
  // One random point in each of kKills stretches of the stream, so a quick
  // stretch after a restart cannot swallow the next point.
  std::vector<int> kill_after_acks;
  const int stretch = kReports / (kKills + 1);
  for (int i = 0; i < kKills; ++i) {
    std::uniform_int_distribution<int> pick_point(stretch * i + stretch / 2, stretch * (i + 1) + stretch / 2);
    kill_after_acks.push_back(pick_point(random));
  }
  std::uniform_int_distribution<int> pick_delay_ms(0, 40);
  int kills = 0;
  for (const int point : kill_after_acks) {
    const bool reached = eventually(
        [&] { return static_cast<int>(complete_lines(publisher.stdout_text()).size()) >= point || !publisher.running(); },
        60s);
    ASSERT_TRUE(reached) << "the publisher stalled before " << point << " acks: " << publisher.stderr_text();
    if (!publisher.running()) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(pick_delay_ms(random)));
    deployment.kill_broker();
    ++kills;
    deployment.restart_broker();
  }

  const auto published = publisher.wait(180s);
  ASSERT_TRUE(published.has_value()) << "the publisher did not finish: " << publisher.stderr_text();
  EXPECT_EQ(*published, 0) << publisher.stderr_text();
  // The subscriber exits after kReports reports; if some were lost it
  // never will, so stop waiting once it has been idle for a while.
  std::size_t seen = 0;
  auto last_progress = std::chrono::steady_clock::now();
  while (subscriber.running() && std::chrono::steady_clock::now() - last_progress < 10s) {
    const std::size_t now_seen = complete_lines(subscriber.stdout_text()).size();
    if (now_seen != seen) {
      seen = now_seen;
      last_progress = std::chrono::steady_clock::now();
    }
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_FALSE(subscriber.running()) << "the subscriber stalled with " << seen << " reports";
  if (subscriber.running()) {
    subscriber.stop(SIGTERM);
  }

  static const std::regex id_pattern(R"re("id":"([0-9a-f-]{36})")re");
  std::set<std::string> acked;
  int acked_as_duplicate = 0;  // stored before a crash, acknowledged after it
  for (const auto& line : complete_lines(publisher.stdout_text())) {
    acked.insert(field(line, id_pattern));
    acked_as_duplicate += line.find(R"("duplicate":true)") != std::string::npos ? 1 : 0;
  }
  const auto count_of = [](const std::string& text, const std::string& what) {
    int n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) {
      ++n;
    }
    return n;
  };
  std::set<std::string> delivered;
  int duplicated = 0;
  int out_of_order = 0;
  int last_position = -1;
  for (const auto& line : complete_lines(subscriber.stdout_text())) {
    const std::string id = field(line, id_pattern);
    if (!delivered.insert(id).second) {
      ++duplicated;
      continue;
    }
    const int position = position_of.count(id) ? position_of[id] : -1;
    if (position <= last_position) {
      ++out_of_order;
    }
    last_position = position;
  }
  int lost = 0;
  for (const auto& id : acked) {
    lost += delivered.count(id) ? 0 : 1;
  }

  invariants.verify();
  ASSERT_EQ(deployment.stop_broker(), 0) << deployment.broker_log();
  const std::string integrity = sqlite_integrity_check(deployment.database_file());

  std::cout << "crash test: kills=" << kills << " acked=" << acked.size() << " delivered=" << delivered.size()
            << " lost=" << lost << " duplicated=" << duplicated << " out_of_order=" << out_of_order
            << " integrity_check=" << integrity << " | publisher retries=" << count_of(publisher.stderr_text(), "retrying in")
            << " acked_as_duplicate=" << acked_as_duplicate
            << " subscriber resumes=" << count_of(subscriber.stderr_text(), "resumes after") << "\n";
  EXPECT_EQ(kills, kKills);
  EXPECT_EQ(acked.size(), static_cast<std::size_t>(kReports));
  EXPECT_EQ(lost, 0);
  EXPECT_EQ(out_of_order, 0);
  EXPECT_EQ(delivered.size(), acked.size()) << "delivered reports nobody acknowledged";
  EXPECT_EQ(integrity, "ok");
}

}  // namespace
}  // namespace weft::testing
