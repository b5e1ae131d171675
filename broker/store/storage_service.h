// Runs the store off the network threads: one writer thread (appends,
// subscriptions, positions, sweeps) and one reader thread (backlog reads),
// each with its own SQLite connection. Appends waiting together are
// committed in one transaction (group commit): one sync for many reports.
// Completions are posted to the caller's executor.
//
// Bounded: at most `queue_limit` jobs wait; beyond that, appends fail with
// OVERLOADED (retryable) instead of the broker growing.
//
// Thread safety: all public members may be called from any thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "broker/store/report_store.h"
#include "broker/store/sqlite_store.h"
#include "broker/store/wal_checkpointer.h"

namespace weft::broker::store {

struct StorageSettings {
  std::filesystem::path database_file;
  std::filesystem::path storage_key_file;
  std::uint64_t max_database_bytes = 0;
  std::size_t max_batch = 512;
  std::size_t queue_limit = 8192;
};

class StorageService {
 public:
  static Result<std::unique_ptr<StorageService>> open(const StorageSettings& settings);
  // Finishes every job already queued (so nothing acknowledged is left
  // uncommitted), then stops the threads.
  ~StorageService();
  StorageService(const StorageService&) = delete;
  StorageService& operator=(const StorageService&) = delete;

  template <class T>
  using Done = std::function<void(Result<T>)>;

  void append(AppendRequest request, boost::asio::any_io_executor executor, Done<Appended> done);
  void read_feed(std::string feed, std::uint64_t after, std::size_t limit, boost::asio::any_io_executor executor,
                 Done<std::vector<v1::Report>> done);
  void find_report(std::string id, boost::asio::any_io_executor executor, Done<std::optional<v1::Report>> done);
  void list_feeds(boost::asio::any_io_executor executor, Done<std::vector<std::string>> done);
  void open_subscription(std::string organisation, std::string name, std::string feed,
                         boost::asio::any_io_executor executor, Done<DurableSubscription> done);
  // Fire and forget; positions waiting together are written in one transaction.
  void save_cursor(CursorUpdate update);
  // Remembered with the next writes; dropped (and logged) when too many wait.
  void remember_copy(RememberedCopy copy);
  // Deletes what is older than the rules allow at `now_ms` (the caller's
  // RetentionClock, not the raw wall clock).
  void sweep(std::int64_t now_ms, std::vector<RetentionRule> rules, std::int64_t red_max_age_ms, std::size_t batch,
             boost::asio::any_io_executor executor, Done<std::size_t> done);

  bool writable() const;
  // Each feed's last sequence when the store was opened, before any append:
  // what start-up compares with the audit log (broker/store_audit_cross_check.h).
  const FeedEnds& feed_ends_at_open() const { return feed_ends_at_open_; }
  std::uint64_t committed_reports() const { return committed_.load(std::memory_order_relaxed); }

 private:
  struct WriterJob {
    std::optional<AppendRequest> append;  // else `task`
    boost::asio::any_io_executor executor;
    Done<Appended> done;
    std::function<void(SqliteStore&)> task;
  };

  StorageService(std::unique_ptr<StorageKey> key, std::unique_ptr<SqliteStore> writer,
                 std::unique_ptr<SqliteStore> reader, std::unique_ptr<WalCheckpointer> checkpointer,
                 FeedEnds feed_ends_at_open, const StorageSettings& settings);
  void run_writer();
  void run_reader();
  bool enqueue_writer(WriterJob job);

  std::unique_ptr<StorageKey> key_;
  std::unique_ptr<SqliteStore> writer_store_;
  std::unique_ptr<SqliteStore> reader_store_;
  std::unique_ptr<WalCheckpointer> checkpointer_;
  const FeedEnds feed_ends_at_open_;
  const std::size_t max_batch_;
  const std::size_t queue_limit_;

  mutable std::mutex writer_mutex_;
  std::condition_variable writer_ready_;
  std::deque<WriterJob> writer_jobs_;            // guarded by writer_mutex_
  // Latest position per (organisation, subscription): however fast acks
  // come, one entry per subscription waits. Guarded by writer_mutex_.
  std::map<std::pair<std::string, std::string>, std::uint64_t> pending_cursors_;
  // Copies recipients received under AMBER, AMBER+STRICT or RED, to be
  // remembered; at most kMaxPendingCopies wait. Guarded by writer_mutex_.
  static constexpr std::size_t kMaxPendingCopies = 4096;
  std::vector<RememberedCopy> pending_copies_;
  bool stopping_ = false;                        // guarded by writer_mutex_ and reader_mutex_

  std::mutex reader_mutex_;
  std::condition_variable reader_ready_;
  // At most one page request per durable subscription (a session reads the
  // next page only when the last one arrived) and a few report look-ups per
  // session. Guarded by reader_mutex_.
  std::deque<std::function<void(SqliteStore&)>> reader_jobs_;

  std::atomic<bool> writable_{true};
  std::atomic<std::uint64_t> committed_{0};
  std::thread writer_thread_;
  std::thread reader_thread_;
};

}  // namespace weft::broker::store
