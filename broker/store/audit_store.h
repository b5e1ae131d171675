// The audit log on disk: one SQLite file (WAL, synchronous=FULL) holding the
// exact leaf bytes, every complete Merkle tree node, and the signed
// checkpoints. The tree itself (hashing, proofs) is audit/merkle.h; this
// class only stores and reads. See docs/audit-log-format.md.
//
// One connection per instance, used from one thread: the audit writer owns a
// writer instance, the auditor-request thread a reader instance.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "audit/merkle.h"
#include "broker/store/sqlite_statement.h"
#include "proto/error.h"
#include "weft/v1/audit.pb.h"

struct sqlite3;

namespace weft::broker::store {

struct StoredCheckpoint {
  std::uint64_t size = 0;
  audit::Hash root{};
  std::string note;  // the signed note, exactly as signed
};

class AuditStore final : public audit::HashReader {
 public:
  struct Options {
    bool writer = true;
  };
  struct Leaf {
    std::uint64_t index = 0;
    std::int64_t time_ms = 0;
    audit::Hash hash{};
    std::string bytes;
  };

  // Creates the database if missing (writer only).
  static Result<std::unique_ptr<AuditStore>> open(const std::filesystem::path& file, Options options);
  ~AuditStore() override;
  AuditStore(const AuditStore&) = delete;
  AuditStore& operator=(const AuditStore&) = delete;

  Result<std::uint64_t> leaf_count();
  // One transaction: the leaves and the tree nodes they completed. Level-0
  // nodes are the leaves' own hashes and are not passed again.
  Result<void> append(const std::vector<Leaf>& leaves, const std::vector<audit::StoredNode>& nodes);
  Result<void> save_checkpoint(const StoredCheckpoint& checkpoint);
  Result<std::optional<StoredCheckpoint>> latest_checkpoint();

  // audit::HashReader: complete nodes; level 0 reads the leaves' hashes.
  Result<std::vector<audit::Hash>> read(const std::vector<audit::NodeId>& nodes) override;

  Result<std::vector<v1::AuditEntry>> entries(std::uint64_t start, std::uint32_t count);
  // Calls `visit` for leaves [start, end) in order with (index, leaf bytes,
  // stored leaf hash) until it returns false or an error.
  using LeafVisitor = std::function<Result<bool>(std::uint64_t, std::string_view, const audit::Hash&)>;
  Result<void> for_each_leaf(std::uint64_t start, std::uint64_t end, const LeafVisitor& visit);
  // Stored nodes of `level` with index in [first, last], in index order.
  Result<std::vector<std::pair<std::uint64_t, audit::Hash>>> level_range(std::uint32_t level, std::uint64_t first,
                                                                         std::uint64_t last);
  // The first leaf recorded at or after `time_ms` (leaf_count() if none).
  Result<std::uint64_t> first_index_at_or_after(std::int64_t time_ms);

 private:
  explicit AuditStore(sqlite3* db) : db_(db) {}
  Result<void> execute(const char* sql);
  Error failure(const std::string& what);

  sqlite3* db_;
  StatementCache statements_{db_};
};

}  // namespace weft::broker::store
