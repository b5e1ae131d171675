// ReportStore on SQLite: one database file, WAL, synchronous=FULL, so a
// committed transaction survives a crash or power loss and an acknowledged
// report is never lost. Reports are stored encrypted (StorageKey); only the
// metadata needed to route, order and expire them is in the clear (id,
// feed, sequence, TLP, publisher organisation, receive time).
//
// Open one writer and any number of readers (WAL lets them read while the
// writer commits). See docs/storage.md.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <unordered_map>

#include "broker/store/report_store.h"
#include "broker/store/sqlite_statement.h"
#include "broker/store/storage_key.h"

struct sqlite3;
struct sqlite3_stmt;

namespace weft::broker::store {

class SqliteStore final : public ReportStore {
 public:
  struct Options {
    bool writer = true;
    // Refuse to open a database that fails PRAGMA quick_check.
    bool check_integrity = true;
    std::uint64_t max_database_bytes = 0;  // 0: no cap
    // How long a write waits for a lock another process holds before it
    // fails with STORAGE_BUSY.
    std::uint32_t busy_timeout_ms = 5000;
    // Off when a WalCheckpointer copies the WAL into the database instead,
    // so that no commit pays for a checkpoint.
    bool wal_autocheckpoint = true;
  };

  // Creates the database if missing (writer only). Refuses a corrupt
  // database, a file that is not one, or a storage key that does not match.
  static Result<std::unique_ptr<SqliteStore>> open(const std::filesystem::path& file, const StorageKey& key,
                                                   Options options);
  ~SqliteStore() override;
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  std::vector<Result<Appended>> append_batch(const std::vector<AppendRequest>& batch) override;
  Result<std::vector<v1::Report>> read_feed(const std::string& feed, std::uint64_t after, std::size_t limit) override;
  Result<std::optional<v1::Report>> find_report(const std::string& id) override;
  Result<std::vector<std::string>> list_feeds() override;
  Result<FeedEnds> feed_ends() override;
  Result<void> remember_copies(const std::vector<RememberedCopy>& copies) override;
  Result<DurableSubscription> open_subscription(const std::string& organisation, const std::string& name,
                                                const std::string& feed) override;
  Result<void> save_cursors(const std::vector<CursorUpdate>& updates) override;
  Result<std::size_t> sweep(std::int64_t now_ms, const std::vector<RetentionRule>& rules, std::int64_t red_max_age_ms,
                            std::size_t batch) override;
  Result<std::uint64_t> report_count() override;
  bool writable() const override { return !broken_; }

  // PRAGMA integrity_check: "ok" or the first problem (tests, tools).
  Result<std::string> integrity_check();

 private:
  SqliteStore(sqlite3* db, const StorageKey& key) : db_(db), key_(key) {}

  Result<void> execute(const char* sql);
  // One statement through the cache (BEGIN, COMMIT, PRAGMA on hot paths).
  Result<void> run(const char* sql);
  Error failure(const std::string& what);
  Result<std::uint64_t> feed_end(const std::string& feed);
  Result<void> write_cursors(const std::vector<CursorUpdate>& updates);

  sqlite3* db_;
  StatementCache statements_{db_};
  const StorageKey& key_;
  bool broken_ = false;
  std::unordered_map<std::string, std::uint64_t> feed_ends_;  // writer's cache of feeds.last_seq
};

}  // namespace weft::broker::store
