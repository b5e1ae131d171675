// What must hold after every bad-input or fault case of the matrix
// (docs/bad-input-matrix.md). While the case runs, a probe workload of its
// own organisations keeps publishing reports that carry planted personal
// data and a durable subscriber keeps receiving and acknowledging them,
// riding out broker restarts. `verify` then checks that
//   - weftd still serves a fresh, healthy client (publish, receive),
//   - its memory is back under budget,
//   - both SQLite files pass `PRAGMA integrity_check`,
//   - the end-to-end checker finds nothing lost, unexpected, duplicated or
//     leaked in the probe's history.
// Use: prepare() before the broker first starts, begin() once it runs,
// verify() at the end of the case (TearDown).
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "tests/harness/deployment.h"
#include "tests/harness/end_to_end_checker.h"

namespace weft::testing {

class TestClient;

// `PRAGMA integrity_check` on a read-only connection: "ok", or the problems
// (or why the file could not be checked).
std::string sqlite_integrity_check(const std::filesystem::path& database);

class CaseInvariants {
 public:
  explicit CaseInvariants(TestDeployment& deployment);
  ~CaseInvariants();
  CaseInvariants(const CaseInvariants&) = delete;
  CaseInvariants& operator=(const CaseInvariants&) = delete;

  // Registers the probe's organisations.
  void prepare();
  // Starts the probe workload against the running broker.
  void begin();
  // The case leaves weftd stopped on purpose (it must refuse to start, or
  // stops itself): the serving and memory checks are skipped, and probe
  // reports acknowledged after the probe's last delivery count as stranded.
  void expect_broker_down(std::string reason);
  // The case damages a database file on purpose; its integrity check is
  // skipped.
  void expect_database_damaged(std::string reason);
  // Runs the checks; failures are gtest failures. Does nothing unless
  // begin() ran.
  void verify();

  const EndToEndHistory& history() const { return history_; }

 private:
  void publish_until_stopped(std::unique_ptr<TestClient> client);
  std::unique_ptr<TestClient> connect_durable_subscriber();
  void receive_until_stopped(std::unique_ptr<TestClient> client);
  void expect_healthy_client();
  void expect_memory_back_under_budget();
  void expect_databases_intact();
  void stop_workload();

  TestDeployment& deployment_;
  EndToEndHistory history_;
  bool begun_ = false;
  // Restarts keep the port, and the workload threads must not read the
  // deployment's while a restart writes it.
  std::uint16_t port_ = 0;
  std::optional<std::string> broker_down_reason_;
  std::optional<std::string> database_damaged_reason_;
  long baseline_rss_kib_ = 0;
  std::atomic<bool> stop_publishing_{false};
  std::atomic<bool> stop_receiving_{false};
  std::thread publisher_;
  std::thread subscriber_;
};

}  // namespace weft::testing
