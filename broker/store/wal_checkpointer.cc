#include "broker/store/wal_checkpointer.h"

#include "common/log.h"

namespace weft::broker::store {

Result<std::unique_ptr<WalCheckpointer>> WalCheckpointer::start(const std::filesystem::path& database,
                                                                 Timing timing) {
  sqlite3* db = nullptr;
  const int opened = sqlite3_open_v2(database.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (opened != SQLITE_OK) {
    const std::string reason = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(opened);
    sqlite3_close_v2(db);
    return make_error(v1::STORAGE_UNAVAILABLE,
                      "cannot open " + database.string() + " for WAL checkpoints: " + reason);
  }
  // A connection learns that the database is in WAL mode when it first
  // reads it; until then a checkpoint does nothing.
  if (sqlite3_exec(db, "PRAGMA journal_mode=WAL", nullptr, nullptr, nullptr) != SQLITE_OK) {
    const std::string reason = sqlite3_errmsg(db);
    sqlite3_close_v2(db);
    return make_error(v1::STORAGE_UNAVAILABLE, "cannot read " + database.string() + " for WAL checkpoints: " + reason);
  }
  return std::unique_ptr<WalCheckpointer>(new WalCheckpointer(db, timing));
}

WalCheckpointer::WalCheckpointer(sqlite3* db, Timing timing) : db_(db), timing_(timing), thread_([this] { run(); }) {}

void WalCheckpointer::note_commit(std::uint64_t records) {
  last_commit_.store(Clock::now().time_since_epoch().count(), std::memory_order_relaxed);
  uncheckpointed_.fetch_add(records, std::memory_order_relaxed);
}

WalCheckpointer::~WalCheckpointer() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
  sqlite3_close_v2(db_);
}

void WalCheckpointer::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    wake_.wait_for(lock, timing_.poll, [this] { return stopping_; });
    const std::uint64_t waiting = uncheckpointed_.load(std::memory_order_relaxed);
    if (waiting == 0) {
      continue;
    }
    const Clock::time_point last(Clock::duration(last_commit_.load(std::memory_order_relaxed)));
    if (Clock::now() - last < timing_.quiet && waiting < timing_.force_after) {
      continue;
    }
    uncheckpointed_.fetch_sub(waiting, std::memory_order_relaxed);
    lock.unlock();
    checkpoint();
    lock.lock();
  }
}

void WalCheckpointer::checkpoint() {
  int wal_frames = 0;
  int copied = 0;
  const int result = sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, &wal_frames, &copied);
  if (result == SQLITE_OK || result == SQLITE_BUSY) {
    failing_ = false;
    return;
  }
  // The writer finds out about a failing disk on its own next commit; this
  // only says why the WAL keeps growing.
  if (!failing_) {
    log::error("storage.wal_checkpoint_failed", {{"error", sqlite3_errmsg(db_)}, {"wal_frames", wal_frames}});
    failing_ = true;
  }
}

}  // namespace weft::broker::store
