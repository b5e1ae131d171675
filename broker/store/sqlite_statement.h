// A prepared SQLite statement, finalized on scope exit. Shared by the report
// store and the audit store; both run on their own threads, one connection
// each.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace weft::broker::store {

// Statements prepared once for the life of a connection, so the per-batch
// paths (appends, cursors, audit leaves) do not parse their SQL again on
// every transaction. Clear it before the connection closes.
class StatementCache {
 public:
  explicit StatementCache(sqlite3* db) : db_(db) {}
  ~StatementCache() { clear(); }
  StatementCache(const StatementCache&) = delete;
  StatementCache& operator=(const StatementCache&) = delete;

  // The prepared statement for `sql`, or nullptr when it does not prepare
  // (the connection then holds SQLite's message). Keyed by text.
  sqlite3_stmt* get(const char* sql) {
    const auto found = statements_.find(sql);
    if (found != statements_.end()) {
      return found->second;
    }
    sqlite3_stmt* prepared = nullptr;
    if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &prepared, nullptr) != SQLITE_OK) {
      sqlite3_finalize(prepared);
      return nullptr;
    }
    statements_.emplace(sql, prepared);
    return prepared;
  }
  void clear() {
    for (auto& [sql, statement] : statements_) {
      sqlite3_finalize(statement);
    }
    statements_.clear();
  }

 private:
  sqlite3* db_;
  std::unordered_map<std::string_view, sqlite3_stmt*> statements_;
};

class Statement {
 public:
  Statement(sqlite3* db, const char* sql) { status_ = sqlite3_prepare_v2(db, sql, -1, &statement_, nullptr); }
  // Borrows the cache's statement; on scope exit it is reset, not finalized.
  Statement(StatementCache& cache, const char* sql) : statement_(cache.get(sql)), borrowed_(true) {
    status_ = statement_ != nullptr ? SQLITE_OK : SQLITE_ERROR;
  }
  ~Statement() {
    if (borrowed_) {
      sqlite3_reset(statement_);
      sqlite3_clear_bindings(statement_);
    } else {
      sqlite3_finalize(statement_);
    }
  }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  bool ok() const { return status_ == SQLITE_OK; }
  // Ready for the next execution with new bindings.
  void reset() {
    sqlite3_reset(statement_);
    sqlite3_clear_bindings(statement_);
  }
  Statement& bind(int index, std::string_view text) {
    sqlite3_bind_text(statement_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement& bind_blob(int index, std::string_view bytes) {
    sqlite3_bind_blob(statement_, index, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement& bind(int index, std::int64_t value) {
    sqlite3_bind_int64(statement_, index, value);
    return *this;
  }
  // SQLITE_ROW, SQLITE_DONE or an error code.
  int step() { return sqlite3_step(statement_); }
  std::int64_t integer(int column) const { return sqlite3_column_int64(statement_, column); }
  bool is_null(int column) const { return sqlite3_column_type(statement_, column) == SQLITE_NULL; }
  std::string text(int column) const {
    const auto* data = sqlite3_column_text(statement_, column);
    return data == nullptr ? std::string()
                           : std::string(reinterpret_cast<const char*>(data),
                                         static_cast<std::size_t>(sqlite3_column_bytes(statement_, column)));
  }
  std::string blob(int column) const {
    const auto* data = sqlite3_column_blob(statement_, column);
    return data == nullptr ? std::string()
                           : std::string(static_cast<const char*>(data),
                                         static_cast<std::size_t>(sqlite3_column_bytes(statement_, column)));
  }
  // The column's bytes without a copy; valid until the next step or reset.
  std::string_view blob_view(int column) const {
    const auto* data = sqlite3_column_blob(statement_, column);
    return data == nullptr ? std::string_view()
                           : std::string_view(static_cast<const char*>(data),
                                              static_cast<std::size_t>(sqlite3_column_bytes(statement_, column)));
  }

 private:
  sqlite3_stmt* statement_ = nullptr;
  bool borrowed_ = false;
  int status_ = SQLITE_ERROR;
};

// Runs one cached statement without results (BEGIN, COMMIT): SQLITE_DONE on success.
inline int run_cached(StatementCache& cache, const char* sql) {
  Statement statement(cache, sql);
  return statement.ok() ? statement.step() : SQLITE_ERROR;
}

// Runs SQL without results (schema, pragmas, BEGIN/COMMIT): nothing when it
// succeeded, else "'<sql>' failed (<SQLite's message>)".
inline std::optional<std::string> execute_sql(sqlite3* db, const char* sql) {
  char* message = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &message) == SQLITE_OK) {
    return std::nullopt;
  }
  const std::string text = message != nullptr ? message : "unknown error";
  sqlite3_free(message);
  return std::string("'") + sql + "' failed (" + text + ")";
}

}  // namespace weft::broker::store
