// Copies committed WAL frames into the database file from a thread of its
// own, so the writer never does it inside a commit.
//
// SQLite's automatic checkpoint runs in the commit that pushes the WAL over
// 1000 pages: that commit then also writes and fsyncs the database file, and
// every publish waiting on it stalls (bench/relay.sh at 500 reports/s: p99
// 166 ms with it, 2 ms without). Here a separate connection runs PASSIVE
// checkpoints, which never take the writer's lock; the writer's connection
// turns automatic checkpoints off (SqliteStore::Options).
//
// A checkpoint still fsyncs the database file, and on one disk that flush
// delays the writer's own commit fsyncs just the same (136 ms p99 when
// checkpointing every 250 ms under steady load). So it waits for a quiet
// moment: no commit for `quiet`. CERT traffic comes in bursts, and the
// gaps between them take the checkpoints. Under load without gaps it runs
// anyway once `force_after` records are waiting, which bounds the WAL.
#pragma once

#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <thread>

#include "proto/error.h"

namespace weft::broker::store {

class WalCheckpointer {
 public:
  // Opens its own connection to an existing WAL database and starts.
  struct Timing {
    std::chrono::milliseconds poll{50};
    std::chrono::milliseconds quiet{200};
    std::uint64_t force_after = 20000;  // records (about 30 MB of 1 KiB reports)
  };
  static Result<std::unique_ptr<WalCheckpointer>> start(const std::filesystem::path& database, Timing timing);
  // Runs one last checkpoint, then stops.
  ~WalCheckpointer();
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

  // The writer committed `records` more rows; any thread.
  void note_commit(std::uint64_t records);

 private:
  using Clock = std::chrono::steady_clock;
  WalCheckpointer(sqlite3* db, Timing timing);
  void run();
  void checkpoint();

  sqlite3* db_;
  const Timing timing_;
  std::atomic<Clock::rep> last_commit_{0};
  std::atomic<std::uint64_t> uncheckpointed_{0};
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mutex_
  bool failing_ = false;   // only the thread: log a failure once, not every interval
  std::thread thread_;
};

}  // namespace weft::broker::store
