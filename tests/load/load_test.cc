// Load and soak tests against a real weftd: thousands of idle sessions,
// handshakes that never finish, a reconnect storm after a crash, a
// publisher that never waits, subscribers that never acknowledge, exhausted
// file descriptors and a peer that vanishes without a FIN (section C rows
// 67-74 of shared/research/reliability-security-law.md). The load comes
// from the generators in tools/, run as child processes.
//
// After every case the broker must still serve a fresh client (publish and
// delivery), its resident memory must be back within a budget of where it
// was before the load, and every report it acknowledged must be in its
// database exactly once and reach a durable subscriber created before the
// case began.
//
// Sizes are bounded for CI on two shared cores (bench/connections.sh opens
// 10,000 sessions for the published figure); every wait polls a condition
// against a deadline.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/resource.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "tests/harness/deployment.h"
#include "tests/harness/test_client.h"
#include "tests/load/load_support.h"

namespace weft::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
// The sanitizers' allocators keep freed memory and add shadow memory, so
// resident sizes say nothing about the broker's own.
constexpr bool kMemoryFiguresMeaningful = false;
#else
constexpr bool kMemoryFiguresMeaningful = true;
#endif

const std::string kLoadFeed = "load";      // what each case publishes under load
const std::string kHealthFeed = "health";  // the fresh clients' probe

// A fresh subscriber and publisher must connect, publish and see the
// delivery within this, load or not. Generous: two cores shared with other
// builds, and a TLS handshake each.
constexpr auto kServedWithin = 10s;
// Resident memory allowed above the pre-load baseline once a case is over
// (measured: 4 to 7 MiB once settled): SQLite's page caches (two
// connections, 2 MiB each) fill up as the database grows, the allocator
// keeps some pages, TLS keeps per-thread state. Keeping what a case put
// through would exceed it: 2,000 idle sessions hold 60 MB, the flood
// offers 32 MB.
constexpr long kRssBudgetAfterCaseKib = 16 * 1024;
// How long the allocator may take to hand freed memory back (weftd's
// jemalloc purges from a background thread over about ten seconds).
constexpr auto kRssSettleTime = 30s;

std::string millis(std::chrono::steady_clock::duration duration) {
  return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(duration).count()) + " ms";
}

// Printed with the test output, so a run shows the measured figures.
void report_figure(const std::string& text) { std::cout << "[ figure   ] " << text << std::endl; }

std::chrono::milliseconds median(std::vector<std::chrono::milliseconds> values) {
  if (values.empty()) {
    return std::chrono::milliseconds::max();
  }
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

// How many rows of the reports table hold each of `ids`.
std::map<std::string, int> stored_rows(const std::filesystem::path& database, const std::vector<std::string>& ids) {
  std::map<std::string, int> rows;
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(database.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    ADD_FAILURE() << "cannot open " << database << ": " << sqlite3_errmsg(db);
    sqlite3_close(db);
    return rows;
  }
  sqlite3_busy_timeout(db, 5000);
  sqlite3_stmt* count = nullptr;
  sqlite3_prepare_v2(db, "SELECT count(*) FROM reports WHERE id = ?1", -1, &count, nullptr);
  for (const auto& id : ids) {
    sqlite3_bind_text(count, 1, id.c_str(), static_cast<int>(id.size()), SQLITE_TRANSIENT);
    rows[id] = sqlite3_step(count) == SQLITE_ROW ? sqlite3_column_int(count, 0) : -1;
    sqlite3_reset(count);
  }
  sqlite3_finalize(count);
  sqlite3_close(db);
  return rows;
}

std::string first_of(const std::vector<std::string>& items, std::size_t n = 5) {
  std::string out;
  for (std::size_t i = 0; i < items.size() && i < n; ++i) {
    out += (i > 0 ? ", " : "") + items[i];
  }
  return items.size() > n ? out + ", ..." : out;
}

class LoadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    deployment_.add_org("cert-de", "publisher,subscriber");
    deployment_.add_org("acme-bank", "subscriber", {}, "NL", "finance");
  }

  // Starts weftd with `limits` (BrokerLimits fields), creates the ledger
  // subscriptions and takes the baseline readings.
  void start(const std::string& limits) {
    if (!limits.empty()) {
      deployment_.append_config("limits { " + limits + " }");
    }
    ASSERT_NO_FATAL_FAILURE(deployment_.start_broker());
    // Created before anything is published, so each holds every report of
    // its feed: the check that nothing acknowledged went missing.
    for (const auto& [feed, name] : ledgers()) {
      auto ledger = connected_client(deployment_.profile("acme-bank"), deployment_.port(), "ledger");
      ASSERT_TRUE(ledger->subscribe_durable(feed, name));
      ledger->close();
    }
    // One round trip first: what the broker builds lazily (TLS and SQLite
    // state, allocator arenas, thread stacks) belongs to the baseline.
    expect_served("warm-up");
    baseline_rss_kib_ = resident_kib(broker_pid());
    baseline_descriptors_ = open_descriptors(broker_pid());
  }

  static std::vector<std::pair<std::string, std::string>> ledgers() {
    return {{kLoadFeed, "ledger-load"}, {kHealthFeed, "ledger-health"}};
  }

  pid_t broker_pid() { return deployment_.broker().pid(); }
  std::string address() const { return deployment_.broker_address(); }
  std::string profile(const std::string& org) const { return deployment_.profile(org).string(); }

  // A session for `org`, retried until `deadline` (a broker at a limit may
  // refuse or not answer for a while).
  std::unique_ptr<TestClient> connect_by(const std::string& org, Clock::time_point deadline,
                                         std::uint16_t port = 0) {
    while (true) {
      auto client = std::make_unique<TestClient>();
      client::Options options;
      options.connect_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(
          std::clamp<Clock::duration>(deadline - Clock::now(), 100ms, 5s));
      if (client->connect(deployment_.profile(org), port == 0 ? deployment_.port() : port, options)) {
        return client;
      }
      if (Clock::now() >= deadline) {
        return nullptr;
      }
      std::this_thread::sleep_for(100ms);  // pause between attempts
    }
  }

  // Publishes `report`, retrying refusals the broker marks retryable
  // (OVERLOADED) until `deadline`; records the acknowledged id.
  bool publish_acked(TestClient& publisher, const v1::Report& report, Clock::time_point deadline) {
    while (true) {
      auto ack = publisher.publish(report);
      if (ack) {
        acked_[report.feed()].push_back(report.id());
        return true;
      }
      if (!ack.error().retryable() || Clock::now() >= deadline) {
        ADD_FAILURE() << "publish of " << report.id() << " refused: " << ack.error().describe();
        return false;
      }
      std::this_thread::sleep_for(50ms);
    }
  }

  // A fresh subscriber and publisher: connect, publish one report, see it
  // delivered, all within `bound`. Returns how long that took.
  std::chrono::milliseconds expect_served(const std::string& when, std::chrono::milliseconds bound = kServedWithin) {
    const auto started = Clock::now();
    const auto deadline = started + bound;
    auto subscriber = connect_by("acme-bank", deadline);
    auto publisher = connect_by("cert-de", deadline);
    if (!subscriber || !publisher) {
      ADD_FAILURE() << when << ": no session with the broker within " << bound.count() << " ms";
      return bound;
    }
    EXPECT_TRUE(subscriber->subscribe(kHealthFeed)) << when;
    const v1::Report report = make_report(kHealthFeed, v1::GREEN, "Health probe");
    if (!publish_acked(*publisher, report, deadline)) {
      return bound;
    }
    while (Clock::now() < deadline) {
      auto delivery = subscriber->next_delivery(
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()) + 1ms);
      if (delivery && delivery->report().id() == report.id()) {
        return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
      }
    }
    ADD_FAILURE() << when << ": the probe report was not delivered within " << bound.count() << " ms";
    return bound;
  }

  void expect_rss_within(long budget_kib, const std::string& what) {
    long rss = 0;
    const bool within = eventually(
        [&] {
          rss = resident_kib(broker_pid());
          return rss - baseline_rss_kib_ <= budget_kib;
        },
        kRssSettleTime);
    report_figure(what + ": broker RSS " + std::to_string(rss) + " KiB, baseline " +
                  std::to_string(baseline_rss_kib_) + " KiB, budget +" + std::to_string(budget_kib) + " KiB");
    if (kMemoryFiguresMeaningful) {
      EXPECT_TRUE(within) << what << ": RSS " << rss << " KiB is more than " << budget_kib << " KiB above the "
                          << baseline_rss_kib_ << " KiB baseline";
    }
  }

  // Every acknowledged report is in the database exactly once and reaches
  // the ledger subscription of its feed.
  void expect_nothing_acknowledged_lost() {
    for (const auto& [feed, ids] : acked_) {
      std::vector<std::string> not_once;
      for (const auto& [id, rows] : stored_rows(deployment_.database_file(), ids)) {
        if (rows != 1) {
          not_once.push_back(id + " (" + std::to_string(rows) + " rows)");
        }
      }
      EXPECT_TRUE(not_once.empty()) << not_once.size() << " acknowledged reports of feed '" << feed
                                    << "' are not stored exactly once: " << first_of(not_once);
    }
    for (const auto& [feed, name] : ledgers()) {
      const auto& ids = acked_[feed];
      std::set<std::string> missing(ids.begin(), ids.end());
      auto ledger = connect_by("acme-bank", Clock::now() + kServedWithin);
      ASSERT_TRUE(ledger) << "ledger " << name;
      ASSERT_TRUE(ledger->subscribe_durable(feed, name));
      while (!missing.empty()) {
        auto delivery = ledger->next_delivery(10s);
        if (!delivery) {
          break;
        }
        missing.erase(delivery->report().id());
        ledger->ack(feed, delivery->report().broker().sequence());
      }
      EXPECT_TRUE(missing.empty()) << missing.size() << " of " << ids.size() << " acknowledged reports of feed '"
                                   << feed << "' never reached the durable subscriber, e.g. "
                                   << first_of(std::vector<std::string>(missing.begin(), missing.end()));
      report_figure("ledger '" + feed + "': " + std::to_string(ids.size() - missing.size()) + " of " +
                    std::to_string(ids.size()) + " acknowledged reports delivered");
    }
  }

  // What is asked after every case.
  void expect_broker_recovered(long rss_budget_kib = kRssBudgetAfterCaseKib) {
    ASSERT_TRUE(deployment_.broker().running()) << deployment_.broker_log();
    const auto served = expect_served("after the load");
    report_figure("fresh client served after the load in " + std::to_string(served.count()) + " ms");
    expect_rss_within(rss_budget_kib, "after the load");
    expect_nothing_acknowledged_lost();
  }

  // Publishes `count` reports on the load feed, all acknowledged.
  std::vector<std::string> publish_load_reports(TestClient& publisher, int count, const std::string& title,
                                                std::size_t description_bytes = 0) {
    std::vector<std::string> ids;
    const auto deadline = Clock::now() + 60s;
    for (int i = 0; i < count; ++i) {
      v1::Report report = make_report(kLoadFeed, v1::GREEN, title + " " + std::to_string(i));
      if (description_bytes > 0) {
        report.set_description(std::string(description_bytes, 'x'));
      }
      if (!publish_acked(publisher, report, deadline)) {
        break;
      }
      ids.push_back(report.id());
    }
    return ids;
  }

  std::size_t count_in_log(const std::string& needle) {
    const std::string log = deployment_.broker_log();
    std::size_t count = 0;
    for (auto at = log.find(needle); at != std::string::npos; at = log.find(needle, at + needle.size())) {
      ++count;
    }
    return count;
  }

  TestDeployment deployment_{"load"};
  std::map<std::string, std::vector<std::string>> acked_;  // by feed
  long baseline_rss_kib_ = 0;
  long baseline_descriptors_ = 0;
};

// ---- row 69: idle authenticated connections ---------------------------------

TEST_F(LoadTest, ThousandsOfIdleSessionsCostLittleStayAliveOnHeartbeatsAndDoNotSlowRealClients) {
  constexpr int kIdleSessions = 2000;
  // Issue 8's target for one idle authenticated connection.
  constexpr long kMaxRssPerIdleSessionKib = 64;
  constexpr auto kHeartbeatInterval = 1000ms;
  constexpr auto kIdleTimeout = 3000ms;
  // A publish-to-delivery time no real subscriber would call slow, on a
  // loaded two-core machine; unloaded it is a few milliseconds.
  constexpr auto kNormalMedianLatency = 500ms;
  ASSERT_NO_FATAL_FAILURE(start("max_connections: 2500 max_connections_per_org: 2500 heartbeat_interval_ms: " +
                                std::to_string(kHeartbeatInterval.count()) +
                                " idle_timeout_ms: " + std::to_string(kIdleTimeout.count())));

  // A real pair that stays connected through the whole case.
  auto subscriber = connected_client(deployment_.profile("acme-bank"), deployment_.port(), "subscriber");
  auto publisher = connected_client(deployment_.profile("cert-de"), deployment_.port(), "publisher");
  ASSERT_TRUE(subscriber->subscribe(kLoadFeed));
  const auto round_trip = [&] {
    const v1::Report report = make_report(kLoadFeed, v1::GREEN, "Latency probe");
    const auto started = Clock::now();
    EXPECT_TRUE(publish_acked(*publisher, report, started + kServedWithin));
    while (auto delivery = subscriber->next_delivery(kServedWithin)) {
      if (delivery->report().id() == report.id()) {
        return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
      }
    }
    ADD_FAILURE() << "the latency probe was not delivered within " << kServedWithin.count() << " ms";
    return std::chrono::duration_cast<std::chrono::milliseconds>(kServedWithin);
  };
  std::vector<std::chrono::milliseconds> unloaded;
  for (int i = 0; i < 10; ++i) {
    unloaded.push_back(round_trip());
    std::this_thread::sleep_for(20ms);
  }
  const long rss_before = resident_kib(broker_pid());

  LoadTool idle("weft-load-idle-sessions",
                {"--profile", profile("acme-bank"), "--broker", address(), "-n", std::to_string(kIdleSessions),
                 "--parallel", "32", "--hold-ms", "300000"},
                deployment_.dir(), "idle-sessions");
  const auto opened = idle.wait_for_line("open ", 120s);
  ASSERT_TRUE(opened) << idle.output();
  ASSERT_EQ(field(*opened, "sessions"), kIdleSessions) << *opened << "\n" << idle.output();
  ASSERT_GE(open_descriptors(broker_pid()), baseline_descriptors_ + kIdleSessions);
  const long rss_with_sessions = resident_kib(broker_pid());
  const double per_session_kib = static_cast<double>(rss_with_sessions - rss_before) / kIdleSessions;
  report_figure(std::to_string(kIdleSessions) + " idle sessions opened in " +
                std::to_string(field(*opened, "seconds")) + " s; broker RSS " + std::to_string(rss_before) + " -> " +
                std::to_string(rss_with_sessions) + " KiB = " + std::to_string(per_session_kib) +
                " KiB per idle session (target < " + std::to_string(kMaxRssPerIdleSessionKib) + ")");
  if (kMemoryFiguresMeaningful) {
    EXPECT_LT(per_session_kib, kMaxRssPerIdleSessionKib);
  }

  // Two idle timeouts: had the heartbeats not counted, every session would
  // have been closed by now. The real pair keeps measuring meanwhile.
  std::vector<std::chrono::milliseconds> loaded;
  const auto observe_until = Clock::now() + 2 * kIdleTimeout;
  while (Clock::now() < observe_until) {
    loaded.push_back(round_trip());
    std::this_thread::sleep_for(20ms);  // a probe stream, not a flood
  }
  const auto progress = idle.last_line("progress ");
  ASSERT_TRUE(progress) << idle.output();
  EXPECT_EQ(field(*progress, "lost"), 0) << "the broker closed idle sessions that kept up their heartbeats: "
                                         << *progress;
  EXPECT_EQ(count_in_log("reason=idle_timeout"), 0U);
  ASSERT_TRUE(idle.process().running()) << idle.output();
  report_figure("publish-to-delivery median " + std::to_string(median(unloaded).count()) + " ms unloaded, " +
                std::to_string(median(loaded).count()) + " ms with " + std::to_string(kIdleSessions) +
                " idle sessions (" + std::to_string(loaded.size()) + " probes, max " +
                std::to_string(std::max_element(loaded.begin(), loaded.end())->count()) + " ms)");
  EXPECT_LT(median(loaded), kNormalMedianLatency);

  idle.process().stop(SIGTERM);
  const auto end = idle.wait_for_line("end ", 10s);
  ASSERT_TRUE(end) << idle.output();
  EXPECT_EQ(field(*end, "lost"), 0) << *end;
  EXPECT_TRUE(eventually([&] { return open_descriptors(broker_pid()) <= baseline_descriptors_ + 4; }, 30s))
      << "the broker still holds " << open_descriptors(broker_pid()) << " descriptors (baseline "
      << baseline_descriptors_ << ")";
  subscriber.reset();
  publisher.reset();
  expect_broker_recovered();
}

// ---- row 74: clients that vanish in bulk ------------------------------------

TEST_F(LoadTest, ClientsKilledInBulkWhileOpeningSessionsDoNotTakeTheBrokerDown) {
  // Found by this suite: OpenSSL writes the sessions' sockets with write(2),
  // and writing to a connection its peer had reset raised SIGPIPE, which
  // ended weftd (status 141) within a round or two of this. Killing a
  // client process with hundreds of sessions half open (mid-handshake,
  // mid-Hello, pongs unread) gets those writes reliably.
  constexpr int kRounds = 6;
  constexpr int kSessionsPerRound = 600;
  constexpr int kOpenedBeforeTheKill = 150;
  ASSERT_NO_FATAL_FAILURE(
      start("max_connections: 2000 max_connections_per_org: 2000 heartbeat_interval_ms: 1000 idle_timeout_ms: 3000"));
  std::string killed_while;
  for (int round = 1; round <= kRounds; ++round) {
    LoadTool opener("weft-load-idle-sessions",
                    {"--profile", profile("acme-bank"), "--broker", address(), "-n",
                     std::to_string(kSessionsPerRound), "--parallel", "64", "--hold-ms", "120000"},
                    deployment_.dir(), "vanishing-" + std::to_string(round));
    eventually(
        [&] {
          const auto progress = opener.last_line("progress ");
          return (progress && field(*progress, "opened") >= kOpenedBeforeTheKill) || !deployment_.broker().running();
        },
        60s);
    ASSERT_TRUE(deployment_.broker().running())
        << "weftd ended in round " << round << " (status " << deployment_.broker().stop(SIGKILL) << ")";
    const auto progress = opener.last_line("progress ").value_or("");
    ASSERT_GE(field(progress, "opened"), kOpenedBeforeTheKill) << opener.output();
    opener.process().stop(SIGKILL);
    killed_while += (round > 1 ? "; " : "") + progress.substr(progress.find(' ') + 1);
    // Every one of its connections is gone; the broker must have let go of
    // each and still be there.
    eventually([&] { return open_descriptors(broker_pid()) <= baseline_descriptors_ + 4; }, 30s);
    ASSERT_TRUE(deployment_.broker().running())
        << "weftd ended in round " << round << " (status " << deployment_.broker().stop(SIGKILL) << ")\n"
        << deployment_.broker_log().substr(0, 2000);
    EXPECT_LE(open_descriptors(broker_pid()), baseline_descriptors_ + 4) << "round " << round;
  }
  report_figure(std::to_string(kRounds) + " client processes killed with " + std::to_string(kSessionsPerRound) +
                " sessions each partly open (" + killed_while + "); weftd still running");
  expect_broker_recovered();
}

// ---- rows 21, 70: handshakes that never finish -------------------------------

TEST_F(LoadTest, HandshakeFloodFromManySourcesIsCappedPerSourceAndCutAtTheDeadline) {
  constexpr int kPreauthPerSource = 50;
  // Long enough that the probe below surely finishes while the flood's
  // accepted connections are still held.
  constexpr auto kHandshakeDeadline = 3000ms;
  // How late the watchdog may close an expired handshake on a busy machine.
  constexpr auto kDeadlineSlack = 3000ms;
  constexpr int kSources = 8;
  constexpr int kFloodConnections = 6000;
  // Descriptors beyond the capped flood: the probe's two sessions, a
  // refused connection between accept and close, SQLite's transient ones.
  constexpr long kDescriptorSlack = 16;
  ASSERT_NO_FATAL_FAILURE(start("max_preauth_per_ip: " + std::to_string(kPreauthPerSource) +
                                " handshake_timeout_ms: " + std::to_string(kHandshakeDeadline.count())));

  std::string sources;
  for (int i = 0; i < kSources; ++i) {
    sources += (i > 0 ? "," : "") + std::string("127.0.0.") + std::to_string(i + 2);
  }
  std::optional<PeakSampler> peaks(std::in_place, broker_pid());
  LoadTool flood("weft-load-handshake-flood",
                 {"--port", std::to_string(deployment_.port()), "--sources", sources, "--per-source", "250",
                  "--total", std::to_string(kFloodConnections), "--duration-ms", "8000", "--drain-ms", "15000",
                  "--quick-ms", "300"},
                 deployment_.dir(), "handshake-flood");
  // Under full pressure: every source holds its cap of unauthenticated
  // connections and is being refused more.
  ASSERT_TRUE(eventually(
      [&] {
        return open_descriptors(broker_pid()) >= baseline_descriptors_ + kSources * kPreauthPerSource &&
               count_in_log("reason=max_preauth_per_ip") >= kSources;
      },
      20s))
      << open_descriptors(broker_pid()) << " descriptors\n" << flood.output();
  const auto served = expect_served("during the handshake flood");
  const long descriptors_then = open_descriptors(broker_pid());
  report_figure("a client from 127.0.0.1 connected, published and received in " + std::to_string(served.count()) +
                " ms during the flood (broker descriptors then: " + std::to_string(descriptors_then) + ")");
  EXPECT_FALSE(flood.last_line("done ").has_value()) << "the flood was over before the probe: it proved nothing";

  const auto done = flood.wait_for_line("done ", 60s);
  ASSERT_TRUE(done) << flood.output();
  const long peak_descriptors = peaks->peak_descriptors();
  const long peak_rss_kib = peaks->peak_rss_kib();
  peaks.reset();
  const long flood_descriptors_allowed = baseline_descriptors_ + kSources * kPreauthPerSource + kDescriptorSlack;
  report_figure("handshake flood: " + *done + "; broker descriptors peaked at " + std::to_string(peak_descriptors) +
                " (baseline " + std::to_string(baseline_descriptors_) + ", at most " +
                std::to_string(flood_descriptors_allowed) + " allowed), RSS at " + std::to_string(peak_rss_kib) +
                " KiB (baseline " + std::to_string(baseline_rss_kib_) + ")");
  EXPECT_LE(peak_descriptors, flood_descriptors_allowed)
      << "the broker held more than " << kPreauthPerSource << " unauthenticated connections per source";
  EXPECT_GE(field(*done, "connected"), 2000) << "not much of a flood: " << *done;
  EXPECT_EQ(field(*done, "never_closed"), 0) << *done;
  EXPECT_LE(field(*done, "longest_held_ms"), (kHandshakeDeadline + kDeadlineSlack).count())
      << "a connection outlived the handshake deadline: " << *done;
  EXPECT_GT(field(*done, "closed_quickly"), 0) << "the per-source cap never refused anything: " << *done;
  EXPECT_GT(field(*done, "closed_late"), 0) << "no connection waited for the deadline: " << *done;
  EXPECT_GT(count_in_log("reason=timeout"), 0U) << "no handshake deadline was logged";
  ASSERT_TRUE(eventually([&] { return open_descriptors(broker_pid()) <= baseline_descriptors_ + 4; }, 30s))
      << "the broker still holds " << open_descriptors(broker_pid()) << " descriptors (baseline "
      << baseline_descriptors_ << ")";
  expect_broker_recovered();
}

// ---- row 72: reconnect storm after a crash ---------------------------------

TEST_F(LoadTest, DurableSubscribersAllReconnectAfterAKilledBrokerRestartsAndMissNothing) {
  constexpr int kSubscribers = 400;
  constexpr int kReportsPerPhase = 20;
  // From the restarted broker being ready to every subscriber subscribed
  // again, with backoff capped at kBackoffMax: a few rounds of it.
  constexpr auto kFullReconnectBound = 60s;
  constexpr auto kBackoffInitial = 100ms;
  constexpr auto kBackoffMax = 2000ms;
  deployment_.add_org("soc-fleet", "subscriber", {}, "DE", "energy");
  // The default per-address cap (256 unauthenticated) is below the storm:
  // every subscriber is on 127.0.0.1, so part of each wave is refused and
  // must come back through its backoff.
  ASSERT_NO_FATAL_FAILURE(start(""));
  const auto ids_file = deployment_.dir() / "storm-ids.txt";
  LoadTool storm("weft-load-durable-storm",
                 {"--profile", profile("soc-fleet"), "--broker", address(), "--feed", kLoadFeed, "--consumers",
                  std::to_string(kSubscribers), "--expect", std::to_string(2 * kReportsPerPhase), "--ids-out",
                  ids_file.string(), "--backoff-initial-ms", std::to_string(kBackoffInitial.count()),
                  "--backoff-max-ms", std::to_string(kBackoffMax.count()), "--timeout-ms", "150000"},
                 deployment_.dir(), "durable-storm");
  const auto first = storm.wait_for_line("all-subscribed round=1", 90s);
  ASSERT_TRUE(first) << storm.output();
  report_figure(std::to_string(kSubscribers) + " durable subscribers connected in " +
                std::to_string(field(*first, "ms")) + " ms");

  std::vector<std::string> before;
  {
    auto publisher = connected_client(deployment_.profile("cert-de"), deployment_.port(), "publisher");
    before = publish_load_reports(*publisher, kReportsPerPhase, "Before the crash");
  }
  ASSERT_EQ(before.size(), static_cast<std::size_t>(kReportsPerPhase));
  // Killed right after the last acknowledgement, while deliveries of those
  // reports and the subscribers' acknowledgements may still be under way.
  deployment_.kill_broker();
  ASSERT_NO_FATAL_FAILURE(deployment_.restart_broker());
  const auto restarted = Clock::now();

  std::vector<std::string> after;
  {
    // The storm fills 127.0.0.1's unauthenticated slots too: retried.
    auto publisher = connect_by("cert-de", Clock::now() + kFullReconnectBound);
    ASSERT_TRUE(publisher) << "no publisher session during the reconnect storm";
    after = publish_load_reports(*publisher, kReportsPerPhase, "After the restart");
  }
  ASSERT_EQ(after.size(), static_cast<std::size_t>(kReportsPerPhase));
  const auto again = storm.wait_for_line("all-subscribed round=2", kFullReconnectBound);
  ASSERT_TRUE(again) << storm.output();
  // Both processes read the same monotonic clock.
  const auto all_back_at = Clock::time_point(std::chrono::milliseconds(field(*again, "at_ms")));
  const auto reconnected_in = all_back_at - restarted;
  report_figure("all " + std::to_string(kSubscribers) + " subscribers subscribed again " + millis(reconnected_in) +
                " after the restarted broker was ready, " + std::to_string(field(*again, "ms")) +
                " ms after the first lost connection");
  EXPECT_LE(reconnected_in, kFullReconnectBound);

  const auto done = storm.wait_for_line("done ", 90s);
  ASSERT_TRUE(done) << storm.output();
  report_figure("reconnect storm: " + *done + "; " + storm.last_line("progress ").value_or(""));
  EXPECT_EQ(field(*done, "complete"), kSubscribers) << storm.output();
  EXPECT_EQ(storm.process().wait(10s), std::optional<int>(0));

  // Every subscriber holds exactly the reports of both phases, by id.
  std::set<std::string> expected(before.begin(), before.end());
  expected.insert(after.begin(), after.end());
  std::map<int, std::set<std::string>> received;
  std::ifstream lines(ids_file);
  int subscriber = 0;
  for (std::string id; lines >> subscriber >> id;) {
    received[subscriber].insert(id);
  }
  ASSERT_EQ(received.size(), static_cast<std::size_t>(kSubscribers));
  int wrong = 0;
  for (const auto& [index, ids] : received) {
    if (ids != expected && ++wrong <= 3) {
      ADD_FAILURE() << "subscriber " << index << " got " << ids.size() << " distinct reports, expected exactly the "
                    << expected.size() << " published";
    }
  }
  EXPECT_EQ(wrong, 0);
  expect_broker_recovered();
}

// ---- row 68: a publisher that never waits ----------------------------------

TEST_F(LoadTest, FloodingPublisherMeetsBackPressureNotBufferingAndEveryAckIsStoredOnce) {
  constexpr int kMaxInflightPublishes = 32;
  constexpr int kFloodSessions = 2;
  constexpr int kFloodReports = 16000;
  constexpr auto kFloodDuration = 6000ms;
  constexpr std::size_t kDescriptionBytes = 2000;  // ~32 MB offered in all
  // The broker's memory all through the flood, above the baseline: its
  // windows (2 x 32 publishes being stored) and read buffers, the storage
  // and audit queues, SQLite's caches. Buffering what was offered would
  // take the ~32 MB the publisher tried to write.
  constexpr long kRssBudgetDuringFloodKib = 48 * 1024;
  ASSERT_NO_FATAL_FAILURE(start("max_inflight_publishes: " + std::to_string(kMaxInflightPublishes)));
  std::optional<PeakSampler> peaks(std::in_place, broker_pid());
  const auto answers_file = deployment_.dir() / "flood-answers.txt";
  LoadTool flood("weft-load-publish-flood",
                 {"--profile", profile("cert-de"), "--broker", address(), "--feed", kLoadFeed, "--sessions",
                  std::to_string(kFloodSessions), "--reports", std::to_string(kFloodReports), "--duration-ms",
                  std::to_string(kFloodDuration.count()), "--description-bytes", std::to_string(kDescriptionBytes),
                  "--answers-out", answers_file.string()},
                 deployment_.dir(), "publish-flood");
  ASSERT_TRUE(flood.wait_for_line("flooding ", 120s)) << flood.output();
  // Other clients while the flood goes on.
  std::vector<std::chrono::milliseconds> served;
  while (flood.process().running() && !flood.last_line("done ")) {
    served.push_back(expect_served("during the publish flood"));
  }
  const auto done = flood.wait_for_line("done ", 120s);
  ASSERT_TRUE(done) << flood.output();
  const long peak_rss_kib = peaks->peak_rss_kib();
  peaks.reset();
  report_figure("publish flood: " + *done);
  report_figure("broker RSS peaked at " + std::to_string(peak_rss_kib) + " KiB during the flood (baseline " +
                std::to_string(baseline_rss_kib_) + ", budget +" + std::to_string(kRssBudgetDuringFloodKib) + ")");
  if (!served.empty()) {
    report_figure(std::to_string(served.size()) + " fresh clients served during the flood, slowest in " +
                  std::to_string(std::max_element(served.begin(), served.end())->count()) + " ms");
  }
  EXPECT_FALSE(served.empty()) << "the flood was over before another client could be served";
  if (kMemoryFiguresMeaningful) {
    EXPECT_LE(peak_rss_kib - baseline_rss_kib_, kRssBudgetDuringFloodKib);
  }
  EXPECT_GT(field(*done, "max_unanswered"), 10 * kMaxInflightPublishes)
      << "the publisher never got far ahead of the broker, so nothing was tested";
  EXPECT_GT(field(*done, "writer_blocked_ms"), 0) << "the broker read everything at once";
  EXPECT_EQ(field(*done, "unanswered"), 0) << "publishes were neither acknowledged nor refused";
  EXPECT_EQ(field(*done, "non_retryable"), 0);
  EXPECT_EQ(field(*done, "closed_by_broker"), 0) << flood.output();
  EXPECT_EQ(field(*done, "duplicates"), 0);

  std::vector<std::string> refused;
  std::set<long> sequences;
  std::ifstream answers(answers_file);
  for (std::string line; std::getline(answers, line);) {
    std::istringstream parts(line);
    std::string id;
    std::string outcome;
    std::string detail;
    parts >> id >> outcome >> detail;
    if (outcome == "acked") {
      acked_[kLoadFeed].push_back(id);
      EXPECT_TRUE(sequences.insert(std::stol(detail)).second) << "sequence " << detail << " acknowledged twice";
    } else if (outcome == "refused") {
      EXPECT_TRUE(detail == "OVERLOADED" || detail == "RATE_LIMITED") << line;
      refused.push_back(id);
    }
  }
  EXPECT_GT(acked_[kLoadFeed].size(), static_cast<std::size_t>(10 * kMaxInflightPublishes));
  // A refusal means "not stored, send it again": had it been stored, the
  // retry would be the second copy of something the publisher was told failed.
  std::vector<std::string> stored_after_refusal;
  for (const auto& [id, rows] : stored_rows(deployment_.database_file(), refused)) {
    if (rows != 0) {
      stored_after_refusal.push_back(id);
    }
  }
  EXPECT_TRUE(stored_after_refusal.empty()) << first_of(stored_after_refusal);
  expect_broker_recovered();
}

// ---- row 67: subscribers that never acknowledge ------------------------------

TEST_F(LoadTest, SubscribersThatNeverAcknowledgeStopAtTheirWindowAndGetItAllAfterReconnecting) {
  constexpr int kWindow = 32;
  constexpr int kSilentSubscribers = 3;
  constexpr int kReports = 400;
  constexpr std::size_t kDescriptionBytes = 32000;
  // How long the silent subscribers are watched for deliveries past their
  // window; the window fills in milliseconds.
  constexpr auto kQuietPeriod = 2s;
  // 400 reports of 32 kB are 12.8 MB: held for each of the three silent
  // subscribers that is 38 MB, well past this; their windows hold 3 x 32
  // reports, about 3 MB.
  constexpr long kRssBudgetWithSilentSubscribersKib = 24 * 1024;
  ASSERT_NO_FATAL_FAILURE(start("max_unacked: " + std::to_string(kWindow)));
  std::vector<std::unique_ptr<TestClient>> silent;
  for (int i = 0; i < kSilentSubscribers; ++i) {
    silent.push_back(connected_client(deployment_.profile("acme-bank"), deployment_.port(), "silent"));
    ASSERT_TRUE(silent.back()->subscribe_durable(kLoadFeed, "silent-" + std::to_string(i)));
  }
  auto diligent = connected_client(deployment_.profile("acme-bank"), deployment_.port(), "diligent");
  ASSERT_TRUE(diligent->subscribe_durable(kLoadFeed, "diligent"));
  auto live = connected_client(deployment_.profile("cert-de"), deployment_.port(), "live");
  ASSERT_TRUE(live->subscribe(kLoadFeed));

  std::vector<std::string> published;
  {
    auto publisher = connected_client(deployment_.profile("cert-de"), deployment_.port(), "publisher");
    published = publish_load_reports(*publisher, kReports, "Never acknowledged", kDescriptionBytes);
  }
  ASSERT_EQ(published.size(), static_cast<std::size_t>(kReports));

  for (auto& client : silent) {
    EXPECT_TRUE(eventually([&] { return client->deliveries_received() >= kWindow; }, 10s))
        << client->deliveries_received();
  }
  const auto quiet_until = Clock::now() + kQuietPeriod;
  while (Clock::now() < quiet_until) {
    for (auto& client : silent) {
      ASSERT_LE(client->deliveries_received(), static_cast<std::size_t>(kWindow)) << "delivered past the window";
    }
    std::this_thread::sleep_for(50ms);
  }
  // The others are not held up by them.
  EXPECT_TRUE(eventually([&] { return live->deliveries_received() == static_cast<std::size_t>(kReports); }, 20s))
      << live->deliveries_received();
  std::vector<std::string> diligent_ids;
  while (diligent_ids.size() < published.size()) {
    auto delivery = diligent->next_delivery(10s);
    ASSERT_TRUE(delivery.has_value()) << "the acknowledging subscriber got " << diligent_ids.size();
    diligent_ids.push_back(delivery->report().id());
    diligent->ack(kLoadFeed, delivery->report().broker().sequence());
  }
  EXPECT_EQ(diligent_ids, published);
  const long rss_with_silent = resident_kib(broker_pid());
  report_figure("with " + std::to_string(kSilentSubscribers) + " subscribers never acknowledging: each holds " +
                std::to_string(silent.front()->deliveries_received()) + " deliveries (window " +
                std::to_string(kWindow) + "), broker RSS " + std::to_string(rss_with_silent) + " KiB (baseline " +
                std::to_string(baseline_rss_kib_) + ")");
  if (kMemoryFiguresMeaningful) {
    EXPECT_LE(rss_with_silent - baseline_rss_kib_, kRssBudgetWithSilentSubscribersKib);
  }

  // Reconnected, each gets the window again and, acknowledging now, the rest.
  for (int i = 0; i < kSilentSubscribers; ++i) {
    std::vector<std::string> first_session;
    while (auto delivery = silent[i]->next_delivery(0ms)) {
      first_session.push_back(delivery->report().id());
    }
    silent[i].reset();
    auto back = connect_by("acme-bank", Clock::now() + kServedWithin);
    ASSERT_TRUE(back);
    // The name is free again as soon as the broker has seen the old session close.
    std::optional<Result<std::uint64_t>> resumed;
    ASSERT_TRUE(eventually(
        [&] {
          resumed = back->subscribe_durable(kLoadFeed, "silent-" + std::to_string(i));
          return resumed->has_value() || resumed->error().code != v1::ALREADY_SUBSCRIBED;
        },
        10s));
    ASSERT_TRUE(*resumed) << resumed->error().describe();
    std::vector<std::string> second_session;
    while (second_session.size() < published.size()) {
      auto delivery = back->next_delivery(10s);
      ASSERT_TRUE(delivery.has_value()) << "subscriber " << i << " got " << second_session.size() << " again";
      second_session.push_back(delivery->report().id());
      back->ack(kLoadFeed, delivery->report().broker().sequence());
    }
    EXPECT_EQ(second_session, published) << "subscriber " << i;
    EXPECT_TRUE(std::equal(first_session.begin(), first_session.end(), second_session.begin()))
        << "the unacknowledged window was not what came again first";
  }
  expect_broker_recovered();
}

// ---- row 71: file descriptors exhausted --------------------------------------

TEST_F(LoadTest, AcceptLoopBacksOffWithoutSpinningWhenDescriptorsRunOut) {
  // Sessions that fit under the lowered limit; the idle tool asks for more.
  constexpr int kSessionsUnderTheLimit = 24;
  constexpr int kSessionsAsked = 64;
  constexpr auto kCpuWindow = 2s;
  // Share of one core weftd may use while connections wait at the limit.
  // A loop retrying accept() without pause takes a whole core; retrying
  // every 100 ms, and the few heartbeats, take almost nothing.
  constexpr double kMaxCpuShareAtTheLimit = 0.25;
  ASSERT_NO_FATAL_FAILURE(start(""));
  // An established pair, to see it keep working at the limit.
  auto subscriber = connected_client(deployment_.profile("acme-bank"), deployment_.port(), "subscriber");
  auto publisher = connected_client(deployment_.profile("cert-de"), deployment_.port(), "publisher");
  ASSERT_TRUE(subscriber->subscribe(kLoadFeed));

  const long limit = open_descriptors(broker_pid()) + kSessionsUnderTheLimit;
  const rlimit lowered{static_cast<rlim_t>(limit), static_cast<rlim_t>(limit)};
  ASSERT_EQ(::prlimit(broker_pid(), RLIMIT_NOFILE, &lowered, nullptr), 0) << std::strerror(errno);
  LoadTool idle("weft-load-idle-sessions",
                {"--profile", profile("acme-bank"), "--broker", address(), "-n", std::to_string(kSessionsAsked),
                 "--parallel", std::to_string(kSessionsAsked), "--open-timeout-ms", "120000", "--hold-ms",
                 "300000"},
                deployment_.dir(), "idle-at-the-limit");
  ASSERT_TRUE(eventually([&] { return count_in_log("accept_backoff") > 0; }, 30s))
      << "weftd never ran out of descriptors: " << open_descriptors(broker_pid()) << " open, limit " << limit;
  ASSERT_TRUE(eventually([&] { return open_descriptors(broker_pid()) >= limit - 1; }, 30s));

  // What is already open keeps working. The publish also grows the audit
  // log, so a checkpoint falls due (every second) while no descriptor is
  // left to write its file with: inside the CPU window below.
  const v1::Report report = make_report(kLoadFeed, v1::GREEN, "At the descriptor limit");
  ASSERT_TRUE(publish_acked(*publisher, report, Clock::now() + kServedWithin));
  std::optional<v1::Delivery> delivery;
  do {
    delivery = subscriber->next_delivery(kServedWithin);
  } while (delivery && delivery->report().id() != report.id());
  EXPECT_TRUE(delivery.has_value()) << "an established subscriber stopped receiving at the descriptor limit";

  const std::size_t backoffs_before = count_in_log("accept_backoff");
  const auto cpu_before = cpu_time(broker_pid());
  const auto threads_before = cpu_time_by_thread(broker_pid());
  const auto window_start = Clock::now();
  std::this_thread::sleep_for(kCpuWindow);  // the measurement window
  const auto cpu_used = cpu_time(broker_pid()) - cpu_before;
  const auto window = Clock::now() - window_start;
  const double share = std::chrono::duration<double>(cpu_used) / window;
  std::string busy_threads;
  for (const auto& [thread, used] : cpu_time_by_thread(broker_pid())) {
    const auto before = threads_before.find(thread);
    const auto delta = used - (before == threads_before.end() ? 0ms : before->second);
    if (delta > 0ms) {
      busy_threads += " " + thread + "=" + std::to_string(delta.count()) + "ms";
    }
  }
  report_figure("at the descriptor limit (" + std::to_string(limit) + "): weftd used " +
                std::to_string(cpu_used.count()) + " ms CPU in " + millis(window) + " = " +
                std::to_string(share * 100) + "% of a core; " +
                std::to_string(count_in_log("accept_backoff") - backoffs_before) +
                " accept_backoff log lines in that time; busy threads:" + busy_threads + "; " +
                idle.last_line("progress ").value_or(""));
  EXPECT_LT(share, kMaxCpuShareAtTheLimit);
  EXPECT_LE(count_in_log("accept_backoff"), 1U) << "the backoff is logged on every retry";
  const std::size_t checkpoint_failures = count_in_log("audit.checkpoint_failed");
  EXPECT_GE(checkpoint_failures, 1U) << "no audit checkpoint fell due at the limit: the case lost its point";
  EXPECT_LE(checkpoint_failures, 1U) << "the failing audit checkpoint is retried in a loop";
  ASSERT_TRUE(deployment_.broker().running()) << deployment_.broker_log();

  // Once descriptors are free again, new clients get in.
  idle.process().stop(SIGTERM);
  subscriber.reset();
  publisher.reset();
  const auto served = expect_served("after descriptors were freed", 30s);
  report_figure("a new client was served " + std::to_string(served.count()) + " ms after the sessions closed");
  expect_broker_recovered();
}

// ---- rows 73, 74: a peer that vanished without a FIN --------------------------

TEST_F(LoadTest, SubscriberBehindAVanishedLinkIsDroppedAtTheIdleTimeoutAndCatchesUpOnReconnect) {
  constexpr auto kHeartbeatInterval = 500ms;
  constexpr auto kIdleTimeout = 2000ms;
  // How late the watchdog may act on a busy machine, on top of the timeout
  // and the 2 s the goodbye frame may take to be written.
  constexpr auto kDetectionSlack = 5000ms;
  constexpr int kBeforeThePartition = 20;
  constexpr int kAcknowledgedBefore = 10;
  constexpr int kDuringThePartition = 100;
  constexpr std::size_t kDescriptionBytes = 8000;
  ASSERT_NO_FATAL_FAILURE(start("heartbeat_interval_ms: " + std::to_string(kHeartbeatInterval.count()) +
                                " idle_timeout_ms: " + std::to_string(kIdleTimeout.count())));
  TcpRelay relay(deployment_.port());
  auto behind = connect_by("acme-bank", Clock::now() + kServedWithin, relay.port());
  ASSERT_TRUE(behind);
  ASSERT_TRUE(behind->subscribe_durable(kLoadFeed, "behind-relay"));
  const std::string session = behind->welcome().session_id();
  auto publisher = connected_client(deployment_.profile("cert-de"), deployment_.port(), "publisher");

  const auto before = publish_load_reports(*publisher, kBeforeThePartition, "Before the partition");
  std::set<std::string> seen;
  std::uint64_t acked_sequence = 0;
  for (int i = 0; i < kBeforeThePartition; ++i) {
    auto delivery = behind->next_delivery(kServedWithin);
    ASSERT_TRUE(delivery.has_value()) << i;
    seen.insert(delivery->report().id());
    if (i + 1 == kAcknowledgedBefore) {
      acked_sequence = delivery->report().broker().sequence();
    }
  }
  behind->ack(kLoadFeed, acked_sequence);
  ASSERT_TRUE(behind->subscribe(kHealthFeed));  // a round trip: the ack was read before it
  const long descriptors_with_relay = open_descriptors(broker_pid());

  relay.freeze();
  const auto frozen_at = Clock::now();
  // Sent into the void: the broker writes them into kernel buffers that
  // nobody drains, and hears nothing more from the subscriber.
  const auto during =
      publish_load_reports(*publisher, kDuringThePartition, "During the partition", kDescriptionBytes);
  ASSERT_EQ(during.size(), static_cast<std::size_t>(kDuringThePartition));

  const std::string closed_line = "session.closed conn=" + session + " ";
  ASSERT_TRUE(eventually([&] { return count_in_log(closed_line) > 0; },
                         kIdleTimeout + kDetectionSlack + std::chrono::milliseconds(2000)))
      << "the broker never dropped the session behind the dead link";
  const auto detected_in = Clock::now() - frozen_at;
  const std::string log = deployment_.broker_log();
  const std::string closing = log.substr(log.find(closed_line), log.find('\n', log.find(closed_line)) -
                                                                     log.find(closed_line));
  report_figure("session behind the frozen relay dropped " + millis(detected_in) + " after the freeze: " + closing);
  EXPECT_LE(detected_in, kIdleTimeout + kDetectionSlack);
  EXPECT_TRUE(closing.find("reason=idle_timeout") != std::string::npos ||
              closing.find("reason=slow_consumer") != std::string::npos)
      << closing;
  // Its socket (and with it the session's queue) is gone; the relay still
  // holds its own end open.
  EXPECT_TRUE(eventually([&] { return open_descriptors(broker_pid()) < descriptors_with_relay; }, 10s));
  // The client notices too: nothing has come from the broker for an idle timeout.
  EXPECT_TRUE(eventually([&] { return !behind->is_open(); }, kIdleTimeout + kDetectionSlack));

  // Straight to the broker now, same subscription: what was not acknowledged comes again.
  auto direct = connect_by("acme-bank", Clock::now() + kServedWithin);
  ASSERT_TRUE(direct);
  auto resumed = direct->subscribe_durable(kLoadFeed, "behind-relay");
  ASSERT_TRUE(resumed) << resumed.error().describe();
  EXPECT_EQ(resumed.value(), acked_sequence);
  std::set<std::string> expected(before.begin(), before.end());
  expected.insert(during.begin(), during.end());
  int repeats = 0;
  for (std::size_t i = kAcknowledgedBefore; i < expected.size(); ++i) {
    auto delivery = direct->next_delivery(kServedWithin);
    ASSERT_TRUE(delivery.has_value()) << "after reconnecting got " << i - kAcknowledgedBefore;
    repeats += seen.insert(delivery->report().id()).second ? 0 : 1;
    direct->ack(kLoadFeed, delivery->report().broker().sequence());
  }
  EXPECT_EQ(seen, expected);
  EXPECT_EQ(repeats, kBeforeThePartition - kAcknowledgedBefore) << "only what was not acknowledged comes again";
  report_figure("after reconnecting: " + std::to_string(repeats) + " unacknowledged reports redelivered, " +
                std::to_string(kDuringThePartition) + " from the partition delivered");
  behind.reset();
  direct.reset();
  publisher.reset();
  expect_broker_recovered();
}

}  // namespace
}  // namespace weft::testing
