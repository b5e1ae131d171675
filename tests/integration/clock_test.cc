// The wall clock jumps under a running weftd (matrix rows 64 and 65). weftd
// runs with tests/faults/wall_clock_shift preloaded, which adds the seconds
// in a file the test rewrites to every wall-clock reading; the steady clock
// is left alone, as a real clock step leaves it.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>
#include <thread>

#include "tests/harness/case_invariants.h"
#include "tests/harness/deployment.h"
#include "tests/harness/test_client.h"

namespace weft::testing {
namespace {

using namespace std::chrono_literals;

constexpr auto kDay = std::chrono::hours(24);
// The shim re-reads its file at most every 50 ms.
constexpr auto kShiftNoticed = 150ms;

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kSanitizerBuild = true;
#else
constexpr bool kSanitizerBuild = false;
#endif

class ClockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (kSanitizerBuild) {
      GTEST_SKIP() << "a preloaded library cannot come ahead of a sanitizer runtime";
    }
    deployment_.add_org("cert-de", "publisher");
    deployment_.add_org("acme-bank", "subscriber", {}, "NL", "finance");
    deployment_.add_org("dpo", "auditor", {}, "DE", "government");
    deployment_.append_config("retention { sweep_interval_ms: 200 }");
    invariants_.prepare();
    shift_wall_clock(std::chrono::seconds(0));
    // Only weftd gets the shifted clock: the variables are set around its start.
    ::setenv("LD_PRELOAD", WEFT_WALL_CLOCK_SHIFT_LIBRARY, 1);
    ::setenv("WEFT_WALL_CLOCK_SHIFT_FILE", shift_file().c_str(), 1);
    deployment_.start_broker();
    ::unsetenv("LD_PRELOAD");
    ::unsetenv("WEFT_WALL_CLOCK_SHIFT_FILE");
    invariants_.begin();
  }

  void TearDown() override {
    // The operator puts the clock right; then every invariant must hold.
    if (!kSanitizerBuild) {
      shift_wall_clock(std::chrono::seconds(0));
      std::this_thread::sleep_for(kShiftNoticed);
      invariants_.verify();
    }
  }

  std::filesystem::path shift_file() const { return deployment_.dir() / "wall-clock-shift"; }
  void shift_wall_clock(std::chrono::seconds shift) {
    std::ofstream(shift_file(), std::ios::trunc) << shift.count() << "\n";
  }

  std::unique_ptr<TestClient> connect(const std::string& org) {
    return connected_client(deployment_.profile(org), deployment_.port(), org);
  }

  std::vector<v1::Report> publish(TestClient& publisher, int count, const std::string& title) {
    std::vector<v1::Report> reports;
    for (int i = 0; i < count; ++i) {
      reports.push_back(make_report("phishing", v1::GREEN, title + " " + std::to_string(i)));
      const auto ack = publisher.publish(reports.back());
      EXPECT_TRUE(ack) << ack.error().describe();
    }
    return reports;
  }

  TestDeployment deployment_{"clock"};
  CaseInvariants invariants_{deployment_};
};

TEST_F(ClockTest, AYearForwardNeitherPurgesTheStoreNorStopsLiveSessions) {
  {
    auto creator = connect("acme-bank");
    ASSERT_TRUE(creator->subscribe_durable("phishing", "soc"));
  }
  auto publisher = connect("cert-de");
  auto live = connect("acme-bank");
  ASSERT_TRUE(live->subscribe("phishing"));
  const auto before = publish(*publisher, 5, "Before the jump");

  shift_wall_clock(365 * kDay);
  ASSERT_TRUE(deployment_.broker_logged("retention.clock_diverged", 10s))
      << "no alarm about the clock: " << deployment_.broker_log();
  // Sessions run on the steady clock: the live pair keeps working.
  const auto during = publish(*publisher, 2, "During the jump");
  for (std::size_t i = 0; i < before.size() + during.size(); ++i) {
    EXPECT_TRUE(live->next_delivery(5s).has_value()) << i;
  }
  // New handshakes judge certificates by the (wrong) wall clock and fail;
  // the security log says why, which is the operator's alarm.
  TestClient newcomer;
  EXPECT_FALSE(newcomer.connect(deployment_.profile("acme-bank"), deployment_.port()));
  EXPECT_TRUE(deployment_.broker_logged("certificate has expired")) << deployment_.broker_log();
  std::this_thread::sleep_for(1s);  // five sweeps against a year-old store

  shift_wall_clock(std::chrono::seconds(0));
  std::this_thread::sleep_for(kShiftNoticed);
  auto durable = connect("acme-bank");
  ASSERT_TRUE(durable->subscribe_durable("phishing", "soc"));
  for (const auto& report : before) {
    const auto delivery = durable->next_delivery(5s);
    ASSERT_TRUE(delivery.has_value()) << "reports were purged while the clock was a year ahead";
    EXPECT_EQ(delivery->report().id(), report.id());
    durable->ack("phishing", delivery->report().broker().sequence());
  }
}

TEST_F(ClockTest, ADayBackKeepsOrderAndTheAuditLogConsistent) {
  auto publisher = connect("cert-de");
  auto live = connect("acme-bank");
  ASSERT_TRUE(live->subscribe("phishing"));
  auto reports = publish(*publisher, 3, "Before");
  shift_wall_clock(-kDay);
  std::this_thread::sleep_for(kShiftNoticed);
  const auto after = publish(*publisher, 3, "After");
  reports.insert(reports.end(), after.begin(), after.end());
  std::uint64_t last_sequence = 0;
  for (const auto& report : reports) {
    const auto delivery = live->next_delivery(5s);
    ASSERT_TRUE(delivery.has_value());
    EXPECT_EQ(delivery->report().id(), report.id()) << "delivered out of publish order";
    EXPECT_GT(delivery->report().broker().sequence(), last_sequence);
    last_sequence = delivery->report().broker().sequence();
  }
  // The records now carry earlier times than those before them: the
  // operator is told, since auditors read those times.
  EXPECT_TRUE(deployment_.broker_logged("audit.time_went_back"))
      << deployment_.broker_log();
  std::this_thread::sleep_for(1500ms);  // a checkpoint signed with the earlier time
  shift_wall_clock(std::chrono::seconds(0));
  std::this_thread::sleep_for(kShiftNoticed);
  const auto verified = deployment_.weft("dpo", {"audit", "verify"});
  EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;
}

}  // namespace
}  // namespace weft::testing
