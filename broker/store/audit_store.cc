#include "broker/store/audit_store.h"

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstring>

#include "broker/store/sqlite_statement.h"

namespace weft::broker::store {
namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS leaves (
  idx INTEGER PRIMARY KEY,
  time_ms INTEGER NOT NULL,
  hash BLOB NOT NULL,
  leaf BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS leaves_by_time ON leaves (time_ms);
CREATE TABLE IF NOT EXISTS nodes (
  level INTEGER NOT NULL,
  idx INTEGER NOT NULL,
  hash BLOB NOT NULL,
  PRIMARY KEY (level, idx)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS checkpoints (
  size INTEGER PRIMARY KEY,
  root BLOB NOT NULL,
  note TEXT NOT NULL,
  signed_ms INTEGER NOT NULL
);
)sql";

std::string_view bytes_of(const audit::Hash& hash) {
  return {reinterpret_cast<const char*>(hash.data()), hash.size()};
}

Result<audit::Hash> hash_from(std::string_view bytes, const std::string& what) {
  audit::Hash hash{};
  if (bytes.size() != hash.size()) {
    return make_error(v1::AUDIT_TAMPERED, what + " is not a 32-byte hash");
  }
  std::memcpy(hash.data(), bytes.data(), hash.size());
  return hash;
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Result<std::unique_ptr<AuditStore>> AuditStore::open(const std::filesystem::path& file, Options options) {
  sqlite3* raw = nullptr;
  const int flags =
      (options.writer ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY) | SQLITE_OPEN_NOMUTEX;
  const int opened = sqlite3_open_v2(file.c_str(), &raw, flags, nullptr);
  std::unique_ptr<AuditStore> store(new AuditStore(raw));
  if (opened != SQLITE_OK) {
    return make_error(v1::CONFIG_INVALID, "cannot open the audit database " + file.string() + ": " +
                                              sqlite3_errstr(opened));
  }
  sqlite3_busy_timeout(raw, 5000);
  if (options.writer) {
    {
      Statement journal(raw, "PRAGMA journal_mode=WAL");
      if (!journal.ok() || journal.step() != SQLITE_ROW || journal.text(0) != "wal") {
        return make_error(v1::CONFIG_INVALID, "audit database " + file.string() +
                                                  " cannot switch to WAL mode: " + sqlite3_errmsg(raw));
      }
    }
    WEFT_TRY(store->execute("PRAGMA synchronous=FULL"));
    if (auto schema = store->execute(kSchema); !schema) {
      return make_error(v1::CONFIG_INVALID, "audit database " + file.string() + " has no usable schema (" +
                                                schema.error().message + ")");
    }
  }
  return store;
}

AuditStore::~AuditStore() {
  statements_.clear();
  sqlite3_close_v2(db_);
}

Result<void> AuditStore::execute(const char* sql) {
  if (auto failed = execute_sql(db_, sql)) {
    return failure(*failed);
  }
  return ok();
}

Error AuditStore::failure(const std::string& what) {
  return make_error(v1::STORAGE_UNAVAILABLE, "audit log: " + what + ": " + sqlite3_errmsg(db_));
}

Result<std::uint64_t> AuditStore::leaf_count() {
  // Leaves are dense from 0, so the count is the highest index plus one.
  Statement count(db_, "SELECT COALESCE(MAX(idx) + 1, 0), COUNT(*) FROM leaves");
  if (!count.ok() || count.step() != SQLITE_ROW) {
    return failure("cannot count leaves");
  }
  const auto next = static_cast<std::uint64_t>(count.integer(0));
  const auto rows = static_cast<std::uint64_t>(count.integer(1));
  if (next != rows) {
    return make_error(v1::AUDIT_TAMPERED, "audit log: leaves are missing inside the log (" + std::to_string(rows) +
                                              " stored, highest index " + std::to_string(next - 1) + ")");
  }
  return next;
}

Result<void> AuditStore::append(const std::vector<Leaf>& leaves, const std::vector<audit::StoredNode>& nodes) {
  if (run_cached(statements_, "BEGIN IMMEDIATE") != SQLITE_DONE) {
    return failure("cannot begin the append");
  }
  const auto roll_back = [&](const std::string& what) {
    auto error = failure(what);
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    return error;
  };
  {
    Statement insert_leaf(statements_, "INSERT INTO leaves (idx, time_ms, hash, leaf) VALUES (?, ?, ?, ?)");
    Statement insert_node(statements_, "INSERT INTO nodes (level, idx, hash) VALUES (?, ?, ?)");
    if (!insert_leaf.ok() || !insert_node.ok()) {
      return roll_back("cannot prepare the append");
    }
    for (const auto& leaf : leaves) {
      insert_leaf.reset();
      insert_leaf.bind(1, static_cast<std::int64_t>(leaf.index))
          .bind(2, leaf.time_ms)
          .bind_blob(3, bytes_of(leaf.hash))
          .bind_blob(4, leaf.bytes);
      if (insert_leaf.step() != SQLITE_DONE) {
        return roll_back("cannot store leaf " + std::to_string(leaf.index));
      }
    }
    for (const auto& node : nodes) {
      if (node.id.level == 0) {
        continue;
      }
      insert_node.reset();
      insert_node.bind(1, static_cast<std::int64_t>(node.id.level))
          .bind(2, static_cast<std::int64_t>(node.id.index))
          .bind_blob(3, bytes_of(node.hash));
      if (insert_node.step() != SQLITE_DONE) {
        return roll_back("cannot store tree node " + std::to_string(node.id.level) + "/" +
                         std::to_string(node.id.index));
      }
    }
  }
  if (run_cached(statements_, "COMMIT") != SQLITE_DONE) {
    return roll_back("cannot commit the append");
  }
  return ok();
}

Result<void> AuditStore::save_checkpoint(const StoredCheckpoint& checkpoint) {
  Statement insert(db_, "INSERT OR REPLACE INTO checkpoints (size, root, note, signed_ms) VALUES (?, ?, ?, ?)");
  insert.bind(1, static_cast<std::int64_t>(checkpoint.size))
      .bind_blob(2, bytes_of(checkpoint.root))
      .bind(3, checkpoint.note)
      .bind(4, now_ms());
  if (!insert.ok() || insert.step() != SQLITE_DONE) {
    return failure("cannot store the checkpoint of size " + std::to_string(checkpoint.size));
  }
  return ok();
}

Result<std::optional<StoredCheckpoint>> AuditStore::latest_checkpoint() {
  Statement select(db_, "SELECT size, root, note FROM checkpoints ORDER BY size DESC LIMIT 1");
  if (!select.ok()) {
    return failure("cannot read checkpoints");
  }
  const int step = select.step();
  if (step == SQLITE_DONE) {
    return std::optional<StoredCheckpoint>();
  }
  if (step != SQLITE_ROW) {
    return failure("cannot read checkpoints");
  }
  StoredCheckpoint checkpoint;
  checkpoint.size = static_cast<std::uint64_t>(select.integer(0));
  WEFT_TRY(checkpoint.root, hash_from(select.blob_view(1), "the stored checkpoint root"));
  checkpoint.note = select.text(2);
  return std::optional<StoredCheckpoint>(std::move(checkpoint));
}

Result<std::vector<audit::Hash>> AuditStore::read(const std::vector<audit::NodeId>& nodes) {
  Statement leaf(statements_, "SELECT hash FROM leaves WHERE idx = ?");
  Statement node(statements_, "SELECT hash FROM nodes WHERE level = ? AND idx = ?");
  std::vector<audit::Hash> out;
  out.reserve(nodes.size());
  for (const auto& id : nodes) {
    Statement& query = id.level == 0 ? leaf : node;
    query.reset();
    if (id.level == 0) {
      query.bind(1, static_cast<std::int64_t>(id.index));
    } else {
      query.bind(1, static_cast<std::int64_t>(id.level)).bind(2, static_cast<std::int64_t>(id.index));
    }
    const std::string what = "tree node " + std::to_string(id.level) + "/" + std::to_string(id.index);
    const int step = query.step();
    if (step == SQLITE_DONE) {
      return make_error(v1::AUDIT_TAMPERED, "audit log: " + what + " is missing");
    }
    if (step != SQLITE_ROW) {
      return failure("cannot read " + what);
    }
    WEFT_TRY(auto hash, hash_from(query.blob_view(0), what));
    out.push_back(hash);
  }
  return out;
}

Result<std::vector<v1::AuditEntry>> AuditStore::entries(std::uint64_t start, std::uint32_t count) {
  Statement select(db_, "SELECT idx, leaf FROM leaves WHERE idx >= ? ORDER BY idx LIMIT ?");
  select.bind(1, static_cast<std::int64_t>(start)).bind(2, static_cast<std::int64_t>(count));
  if (!select.ok()) {
    return failure("cannot read entries");
  }
  std::vector<v1::AuditEntry> out;
  int step = SQLITE_ROW;
  while ((step = select.step()) == SQLITE_ROW) {
    v1::AuditEntry entry;
    entry.set_index(static_cast<std::uint64_t>(select.integer(0)));
    entry.set_leaf(select.blob(1));
    out.push_back(std::move(entry));
  }
  if (step != SQLITE_DONE) {
    return failure("cannot read entries");
  }
  return out;
}

Result<void> AuditStore::for_each_leaf(std::uint64_t start, std::uint64_t end, const LeafVisitor& visit) {
  Statement select(db_, "SELECT idx, leaf, hash FROM leaves WHERE idx >= ? AND idx < ? ORDER BY idx");
  select.bind(1, static_cast<std::int64_t>(start)).bind(2, static_cast<std::int64_t>(end));
  if (!select.ok()) {
    return failure("cannot read leaves");
  }
  std::uint64_t expected = start;
  int step = SQLITE_ROW;
  while ((step = select.step()) == SQLITE_ROW) {
    const auto index = static_cast<std::uint64_t>(select.integer(0));
    if (index != expected) {
      return make_error(v1::AUDIT_TAMPERED, "audit log: leaf " + std::to_string(expected) + " is missing");
    }
    WEFT_TRY(auto stored, hash_from(select.blob_view(2), "the hash of leaf " + std::to_string(index)));
    WEFT_TRY(const bool go_on, visit(index, select.blob_view(1), stored));
    ++expected;
    if (!go_on) {
      return ok();
    }
  }
  if (step != SQLITE_DONE) {
    return failure("cannot read leaves");
  }
  if (expected != end) {
    return make_error(v1::AUDIT_TAMPERED, "audit log: leaf " + std::to_string(expected) + " is missing");
  }
  return ok();
}

Result<std::vector<std::pair<std::uint64_t, audit::Hash>>> AuditStore::level_range(std::uint32_t level,
                                                                                   std::uint64_t first,
                                                                                   std::uint64_t last) {
  Statement select(db_, "SELECT idx, hash FROM nodes WHERE level = ? AND idx >= ? AND idx <= ? ORDER BY idx");
  select.bind(1, static_cast<std::int64_t>(level))
      .bind(2, static_cast<std::int64_t>(first))
      .bind(3, static_cast<std::int64_t>(last));
  if (!select.ok()) {
    return failure("cannot read tree nodes");
  }
  std::vector<std::pair<std::uint64_t, audit::Hash>> out;
  int step = SQLITE_ROW;
  while ((step = select.step()) == SQLITE_ROW) {
    const auto index = static_cast<std::uint64_t>(select.integer(0));
    WEFT_TRY(auto hash,
             hash_from(select.blob_view(1), "tree node " + std::to_string(level) + "/" + std::to_string(index)));
    out.emplace_back(index, hash);
  }
  if (step != SQLITE_DONE) {
    return failure("cannot read tree nodes");
  }
  return out;
}

Result<std::uint64_t> AuditStore::first_index_at_or_after(std::int64_t time_ms) {
  Statement select(db_, "SELECT MIN(idx) FROM leaves WHERE time_ms >= ?");
  select.bind(1, time_ms);
  if (!select.ok() || select.step() != SQLITE_ROW) {
    return failure("cannot search leaves by time");
  }
  if (select.is_null(0)) {
    return leaf_count();
  }
  return static_cast<std::uint64_t>(select.integer(0));
}

}  // namespace weft::broker::store
