#include "tests/harness/case_invariants.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>

#include "client-lib/reliable_publisher.h"
#include "tests/harness/test_client.h"

namespace weft::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kPublisherOrg = "probe-cert";
constexpr const char* kSubscriberOrg = "probe-soc";  // NL finance: the eu-baseline policy
constexpr const char* kFeed = "e2e-probe";
constexpr const char* kHealthFeed = "e2e-health";
constexpr const char* kDurableName = "probe";
// Planted in every probe report; eu-baseline redacts both.
constexpr const char* kVictimIban = "NL91 ABNA 0417 1643 00";
constexpr auto kPublishInterval = 40ms;
// Bounds the probe's history, whatever the case's length.
constexpr int kMaxProbeReports = 400;
// What a case may leave behind in weftd's heap once it is over: caches and
// allocator slack, not the case's buffers (a 1 MiB frame limit, a 16 MiB
// subscriber queue at most).
constexpr long kMemoryAllowanceKib = 64 * 1024;
constexpr auto kReconnectPause = 200ms;

client::Options probe_options() {
  client::Options options;
  options.connect_timeout = 2s;
  // Longer than the store's 5 s busy timeout, so a locked database gives
  // the broker's answer rather than a local timeout.
  options.request_timeout = 15s;
  return options;
}

std::string victim_email(int n) { return "victim-" + std::to_string(n) + "-" + random_uuid().substr(0, 8) + "@probe.example"; }

v1::Report probe_report(const std::string& feed, int n, const std::string& email) {
  v1::Report report = make_report(feed, v1::GREEN, "Probe report " + std::to_string(n));
  report.set_description("Credentials of " + email + " were phished; money went to IBAN " + kVictimIban + ".");
  return report;
}

}  // namespace

std::string sqlite_integrity_check(const std::filesystem::path& file) {
  sqlite3* handle = nullptr;
  if (sqlite3_open_v2(file.c_str(), &handle, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    const std::string message = handle ? sqlite3_errmsg(handle) : "out of memory";
    sqlite3_close(handle);
    return "cannot open: " + message;
  }
  sqlite3_busy_timeout(handle, 5000);
  std::string result;
  sqlite3_stmt* statement = nullptr;
  if (sqlite3_prepare_v2(handle, "PRAGMA integrity_check", -1, &statement, nullptr) == SQLITE_OK) {
    while (sqlite3_step(statement) == SQLITE_ROW) {
      result += (result.empty() ? "" : "; ") + std::string(reinterpret_cast<const char*>(sqlite3_column_text(statement, 0)));
    }
  } else {
    result = std::string("cannot check: ") + sqlite3_errmsg(handle);
  }
  sqlite3_finalize(statement);
  sqlite3_close(handle);
  return result;
}

CaseInvariants::CaseInvariants(TestDeployment& deployment) : deployment_(deployment) {}

CaseInvariants::~CaseInvariants() { stop_workload(); }

void CaseInvariants::prepare() {
  deployment_.add_org(kPublisherOrg, "publisher", {}, "DE", "csirt");
  deployment_.add_org(kSubscriberOrg, "subscriber", {}, "NL", "finance");
}

void CaseInvariants::begin() {
  ASSERT_FALSE(begun_) << "CaseInvariants::begin() called twice";
  begun_ = true;
  port_ = deployment_.port();
  baseline_rss_kib_ = deployment_.broker().rss_kib();
  history_.subscribed(kSubscriberOrg);
  // The durable subscription must exist before the first publish, or the
  // broker rightly has nothing to deliver from before it.
  auto first_session = connect_durable_subscriber();
  ASSERT_TRUE(first_session) << "the probe subscriber cannot connect";
  subscriber_ = std::thread([this, client = std::move(first_session)]() mutable {
    receive_until_stopped(std::move(client));
  });
  // Connected before the case starts too: a case may fill the pre-auth
  // slots or stop the broker at once.
  auto publisher = std::make_unique<TestClient>();
  auto connected = publisher->connect(deployment_.profile(kPublisherOrg), port_, probe_options());
  ASSERT_TRUE(connected) << "the probe publisher cannot connect: " << connected.error().describe();
  publisher_ = std::thread([this, client = std::move(publisher)]() mutable { publish_until_stopped(std::move(client)); });
}

void CaseInvariants::expect_broker_down(std::string reason) { broker_down_reason_ = std::move(reason); }

void CaseInvariants::expect_database_damaged(std::string reason) { database_damaged_reason_ = std::move(reason); }

void CaseInvariants::publish_until_stopped(std::unique_ptr<TestClient> client) {
  for (int n = 0; n < kMaxProbeReports && !stop_publishing_; ++n) {
    const std::string email = victim_email(n);
    const v1::Report report = probe_report(kFeed, n, email);
    history_.attempted(report.id(), {email, kVictimIban});
    // The same report (same id) until it is answered: a retry after a lost
    // answer must be acknowledged as a duplicate, never stored twice.
    while (!stop_publishing_) {
      if (!client || !client->is_open()) {
        client = std::make_unique<TestClient>();
        if (!client->connect(deployment_.profile(kPublisherOrg), port_, probe_options())) {
          client.reset();
          std::this_thread::sleep_for(kReconnectPause);
          continue;
        }
      }
      const auto ack = client->publish(report);
      if (ack) {
        history_.acknowledged(report.id());
        break;
      }
      // The connection ended before an answer (lost, timed out, broken TLS, or the
      // broker closing it, e.g. SHUTTING_DOWN, which fails every pending
      // request): only the broker knows whether it stored the report, and the
      // retry will tell.
      if (ack.error().code == v1::TLS_FAILED || client::is_connection_failure(ack.error())) {
        history_.indeterminate(report.id());
        client.reset();
      } else {
        history_.refused(report.id());
        if (!ack.error().retryable()) {
          ADD_FAILURE() << "probe publish refused for good: " << ack.error().describe();
          break;
        }
      }
      std::this_thread::sleep_for(kReconnectPause);
    }
    std::this_thread::sleep_for(kPublishInterval);
  }
}

std::unique_ptr<TestClient> CaseInvariants::connect_durable_subscriber() {
  auto client = std::make_unique<TestClient>();
  if (!client->connect(deployment_.profile(kSubscriberOrg), port_, probe_options()) ||
      !client->subscribe_durable(kFeed, kDurableName)) {
    return nullptr;
  }
  history_.new_session(kSubscriberOrg);
  return client;
}

void CaseInvariants::receive_until_stopped(std::unique_ptr<TestClient> client) {
  while (!stop_receiving_) {
    if (!client) {
      client = connect_durable_subscriber();
      if (!client) {
        std::this_thread::sleep_for(kReconnectPause);
      }
      continue;
    }
    if (auto delivery = client->next_delivery(100ms)) {
      history_.delivered(kSubscriberOrg, delivery->report());
      client->ack(kFeed, delivery->report().broker().sequence());
    } else if (client->stream_end() || !client->is_open()) {
      client.reset();
    }
  }
}

void CaseInvariants::stop_workload() {
  stop_publishing_ = true;
  if (publisher_.joinable()) {
    publisher_.join();
  }
  stop_receiving_ = true;
  if (subscriber_.joinable()) {
    subscriber_.join();
  }
}

void CaseInvariants::verify() {
  if (!begun_) {
    return;
  }
  if (!broker_down_reason_) {
    // A case may restart weftd right before it ends: give the probe the
    // chance to be answered once, so the checker has something to judge.
    eventually([&] { return history_.acknowledged_count() > 0; }, 15s);
  }
  stop_publishing_ = true;
  if (publisher_.joinable()) {
    publisher_.join();
  }
  if (!broker_down_reason_) {
    ASSERT_TRUE(deployment_.broker().running()) << "weftd is not running after the case:\n" << deployment_.broker_log();
    expect_healthy_client();
    const bool drained = eventually([&] { return history_.all_acknowledged_delivered(); }, 30s);
    EXPECT_TRUE(drained) << "the probe subscriber did not get every acknowledged report in time";
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
    // Budgets are for the normal build: ASan's quarantine keeps freed memory
    // resident, and TSan's shadow memory grows with the heap.
    expect_memory_back_under_budget();
#endif
  }
  stop_workload();
  if (broker_down_reason_) {
    history_.broker_stopped_for_good();
  }
  const EndToEndVerdict verdict = history_.check();
  EXPECT_TRUE(verdict.ok()) << verdict.describe();
  if (!broker_down_reason_) {
    EXPECT_GT(verdict.acknowledged, 0U) << "the probe published nothing, so the end-to-end check proves nothing";
  }
  if (!database_damaged_reason_) {
    expect_databases_intact();
  }
}

void CaseInvariants::expect_healthy_client() {
  TestClient subscriber;
  auto connected = subscriber.connect(deployment_.profile(kSubscriberOrg), deployment_.port(), probe_options());
  ASSERT_TRUE(connected) << "healthy subscriber cannot connect: " << connected.error().describe();
  ASSERT_TRUE(subscriber.subscribe(kHealthFeed));
  TestClient publisher;
  connected = publisher.connect(deployment_.profile(kPublisherOrg), deployment_.port(), probe_options());
  ASSERT_TRUE(connected) << "healthy publisher cannot connect: " << connected.error().describe();
  const std::string email = victim_email(-1);
  const v1::Report report = probe_report(kHealthFeed, -1, email);
  const auto ack = publisher.publish(report);
  ASSERT_TRUE(ack) << "healthy publish failed: " << ack.error().describe();
  const auto delivery = subscriber.next_delivery(10s);
  ASSERT_TRUE(delivery.has_value()) << "healthy subscriber received nothing";
  EXPECT_EQ(delivery->report().id(), report.id());
  EXPECT_EQ(delivery->report().SerializeAsString().find(email), std::string::npos) << "planted e-mail delivered";
}

void CaseInvariants::expect_memory_back_under_budget() {
  const long budget = baseline_rss_kib_ + kMemoryAllowanceKib;
  long rss = 0;
  const bool under = eventually(
      [&] {
        rss = deployment_.broker().rss_kib();
        return rss > 0 && rss <= budget;
      },
      10s);
  EXPECT_TRUE(under) << "weftd RSS " << rss << " KiB stays above its budget " << budget << " KiB (baseline "
                     << baseline_rss_kib_ << " KiB)";
}

void CaseInvariants::expect_databases_intact() {
  for (const auto& file : {deployment_.database_file(), deployment_.dir() / "data" / "audit.db"}) {
    if (!std::filesystem::exists(file)) {
      continue;  // a case may remove it on purpose; the broker must then refuse to start
    }
    EXPECT_EQ(sqlite_integrity_check(file), "ok") << file;
  }
}

}  // namespace weft::testing
