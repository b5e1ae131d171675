#include "broker/store/sqlite_store.h"

#include "broker/report_content.h"
#include "broker/store/sqlite_statement.h"
#include "proto/deterministic.h"

#include <sqlite3.h>

#include <chrono>
#include <utility>

namespace weft::broker::store {
namespace {

constexpr int kSchemaVersion = 1;
constexpr std::string_view kKeyCheckPlaintext = "weft storage key check v1";

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta (
  key TEXT PRIMARY KEY,
  value BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS feeds (
  feed TEXT PRIMARY KEY,
  last_seq INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS reports (
  feed TEXT NOT NULL,
  seq INTEGER NOT NULL,
  id TEXT NOT NULL UNIQUE,
  tlp INTEGER NOT NULL,
  publisher TEXT NOT NULL,
  received_ms INTEGER NOT NULL,
  fingerprint BLOB NOT NULL,
  sealed BLOB NOT NULL,
  UNIQUE (feed, seq)
);
CREATE INDEX IF NOT EXISTS reports_by_age ON reports (received_ms);
-- Keyed fingerprints of the content of AMBER, AMBER+STRICT and RED reports, as
-- published and as each recipient received them: that content may come back
-- only from its originator.
CREATE TABLE IF NOT EXISTS restricted_content (
  fingerprint BLOB PRIMARY KEY,
  report_id TEXT NOT NULL,
  originator TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS restricted_content_by_report ON restricted_content (report_id);
CREATE TRIGGER IF NOT EXISTS restricted_content_expires AFTER DELETE ON reports BEGIN
  DELETE FROM restricted_content WHERE report_id = old.id;
END;
CREATE TABLE IF NOT EXISTS subscriptions (
  organisation TEXT NOT NULL,
  name TEXT NOT NULL,
  feed TEXT NOT NULL,
  acked INTEGER NOT NULL,
  created_ms INTEGER NOT NULL,
  PRIMARY KEY (organisation, name)
);
)sql";

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Binds a stored report to its row: a ciphertext moved to another row fails.
std::string associated_data(const std::string& id, const std::string& feed, std::uint64_t seq) {
  return id + "\n" + feed + "\n" + std::to_string(seq);
}

// The publisher's content, independent of what the broker stamped on it, in
// a canonical byte form: what "the same report" means for idempotency.
std::string publisher_content(const v1::Report& report) {
  v1::Report copy = report;
  copy.clear_broker();
  copy.clear_provenance();  // a retry is signed again, with new salts
  return proto::deterministic_bytes(copy);
}

std::string tlp_label(v1::Tlp tlp) { return tlp == v1::AMBER_STRICT ? "AMBER+STRICT" : v1::Tlp_Name(tlp); }

// A report id already used by another organisation. For a report shared
// under AMBER, AMBER+STRICT or RED this is a recipient passing it on.
Error refuse_foreign_id(const std::string& id, v1::Tlp stored_tlp) {
  if (stored_tlp == v1::AMBER || stored_tlp == v1::AMBER_STRICT || stored_tlp == v1::RED) {
    return make_error(v1::FORBIDDEN, "report " + id + " is another organisation's report under TLP:" +
                                         tlp_label(stored_tlp) +
                                         ", which its recipients may not republish");
  }
  return make_error(v1::ID_CONFLICT,
                    "report id " + id + " is already taken by another organisation's report; give a new report a "
                                        "new id");
}

}  // namespace

Error SqliteStore::failure(const std::string& what) {
  const int code = sqlite3_extended_errcode(db_);
  std::string message = what + ": " + sqlite3_errmsg(db_);
  if ((code & 0xFF) == SQLITE_FULL) {
    message = what + ": the database is full (disk full or storage.max_database_bytes reached)";
  }
  if ((code & 0xFF) == SQLITE_BUSY) {
    // Another process holds the write lock (a backup tool, say): nothing is
    // wrong with the data, so try again later.
    return make_error(v1::STORAGE_BUSY, what + ": the database is locked by another process");
  }
  if ((code & 0xFF) == SQLITE_IOERR || (code & 0xFF) == SQLITE_CORRUPT) {
    // After a failed write or sync the file may not hold what we think
    // (fsyncgate): no further writes on this handle.
    broken_ = true;
  }
  return make_error(v1::STORAGE_UNAVAILABLE, message);
}

Result<void> SqliteStore::execute(const char* sql) {
  if (auto failed = execute_sql(db_, sql)) {
    return failure(*failed);
  }
  return ok();
}

Result<void> SqliteStore::run(const char* sql) {
  if (run_cached(statements_, sql) != SQLITE_DONE) {
    return failure(std::string("'") + sql + "' failed (" + sqlite3_errmsg(db_) + ")");
  }
  return ok();
}

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const std::filesystem::path& file, const StorageKey& key,
                                                       Options options) {
  const bool existed = std::filesystem::exists(file);
  if (!existed && !options.writer) {
    return make_error(v1::CONFIG_INVALID, "database " + file.string() + " does not exist");
  }
  sqlite3* raw = nullptr;
  const int flags = (options.writer ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY) |
                    SQLITE_OPEN_NOMUTEX;
  const int opened = sqlite3_open_v2(file.c_str(), &raw, flags, nullptr);
  std::unique_ptr<SqliteStore> store(new SqliteStore(raw, key));
  if (opened != SQLITE_OK) {
    return make_error(v1::CONFIG_INVALID, "cannot open database " + file.string() + ": " + sqlite3_errstr(opened));
  }
  const auto refuse = [&file](const std::string& problem) {
    return make_error(v1::CONFIG_INVALID, "database " + file.string() + " " + problem +
                                              "; refusing to start rather than lose or misread data (restore it "
                                              "from a backup; an empty database would be behind the audit log, "
                                              "see docs/storage.md)");
  };
  sqlite3_busy_timeout(raw, static_cast<int>(options.busy_timeout_ms));
  if (existed && options.check_integrity) {
    // Statements are scoped: one left mid-result would block COMMIT.
    Statement check(raw, "PRAGMA quick_check");
    if (!check.ok()) {
      return refuse(std::string("cannot be read: ") + sqlite3_errmsg(raw));
    }
    const int step = check.step();
    if (step != SQLITE_ROW) {
      return refuse(std::string("cannot be read: ") + sqlite3_errmsg(raw));
    }
    const std::string verdict = check.text(0);
    if (verdict != "ok") {
      return refuse("is corrupt (" + verdict + ")");
    }
  }
  if (options.writer) {
    {
      Statement journal(raw, "PRAGMA journal_mode=WAL");
      if (!journal.ok() || journal.step() != SQLITE_ROW || journal.text(0) != "wal") {
        return refuse(std::string("cannot switch to WAL mode: ") + sqlite3_errmsg(raw));
      }
    }
    WEFT_TRY(store->execute("PRAGMA synchronous=FULL"));
    if (!options.wal_autocheckpoint) {
      WEFT_TRY(store->execute("PRAGMA wal_autocheckpoint=0"));
    }
    if (options.max_database_bytes > 0) {
      const std::string cap =
          "PRAGMA max_page_count=" + std::to_string(std::max<std::uint64_t>(options.max_database_bytes / 4096, 16));
      WEFT_TRY(store->execute(cap.c_str()));
    }
    WEFT_TRY(store->execute("BEGIN IMMEDIATE"));
    auto schema = store->execute(kSchema);
    if (!schema) {
      sqlite3_exec(raw, "ROLLBACK", nullptr, nullptr, nullptr);
      return refuse("has no usable schema (" + schema.error().message + ")");
    }
    std::int64_t found_version = 0;
    {
      Statement version(raw, "SELECT value FROM meta WHERE key = 'schema_version'");
      if (version.ok() && version.step() == SQLITE_ROW) {
        found_version = version.integer(0);
      }
    }
    if (found_version != 0 && found_version != kSchemaVersion) {
      sqlite3_exec(raw, "ROLLBACK", nullptr, nullptr, nullptr);
      return refuse("has schema version " + std::to_string(found_version) + ", this broker reads version " +
                    std::to_string(kSchemaVersion));
    }
    if (found_version == 0) {
      Statement insert(raw, "INSERT INTO meta (key, value) VALUES ('schema_version', ?), ('key_check', ?)");
      insert.bind(1, std::int64_t{kSchemaVersion}).bind_blob(2, key.seal(kKeyCheckPlaintext, "key-check"));
      if (insert.step() != SQLITE_DONE) {
        sqlite3_exec(raw, "ROLLBACK", nullptr, nullptr, nullptr);
        return refuse(std::string("cannot be initialised: ") + sqlite3_errmsg(raw));
      }
    }
    WEFT_TRY(store->execute("COMMIT"));
  }
  Statement check_key(raw, "SELECT value FROM meta WHERE key = 'key_check'");
  if (!check_key.ok() || check_key.step() != SQLITE_ROW) {
    return refuse(std::string("is not a weft database (") + sqlite3_errmsg(raw) + ")");
  }
  auto opened_check = key.open(check_key.blob(0), "key-check");
  if (!opened_check || opened_check.value() != kKeyCheckPlaintext) {
    return refuse("was written with another storage key (keys/storage.key does not match)");
  }
  return store;
}

SqliteStore::~SqliteStore() {
  statements_.clear();
  sqlite3_close_v2(db_);
}

Result<std::uint64_t> SqliteStore::feed_end(const std::string& feed) {
  auto cached = feed_ends_.find(feed);
  if (cached != feed_ends_.end()) {
    return cached->second;
  }
  Statement select(statements_, "SELECT last_seq FROM feeds WHERE feed = ?");
  select.bind(1, feed);
  const int step = select.step();
  if (step != SQLITE_ROW && step != SQLITE_DONE) {
    return failure("cannot read the end of feed '" + feed + "'");
  }
  const std::uint64_t end = step == SQLITE_ROW ? static_cast<std::uint64_t>(select.integer(0)) : 0;
  feed_ends_[feed] = end;
  return end;
}

std::vector<Result<Appended>> SqliteStore::append_batch(const std::vector<AppendRequest>& batch) {
  std::vector<Result<Appended>> results;
  results.reserve(batch.size());
  const auto fail_all = [&](const Error& error) {
    results.clear();
    for (std::size_t i = 0; i < batch.size(); ++i) {
      results.emplace_back(error);
    }
    return results;
  };
  if (broken_) {
    return fail_all(make_error(v1::STORAGE_UNAVAILABLE,
                               "storage failed earlier and accepts no writes until the broker is restarted"));
  }
  if (auto begun = run("BEGIN IMMEDIATE"); !begun) {
    return fail_all(begun.error());
  }
  const auto saved_ends = feed_ends_;
  const auto roll_back = [&](const Error& error) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    feed_ends_ = saved_ends;
    return fail_all(error);
  };
  {
  Statement find(statements_, "SELECT feed, seq, fingerprint, sealed, publisher, tlp FROM reports WHERE id = ?");
  Statement insert(statements_,
                   "INSERT INTO reports (feed, seq, id, tlp, publisher, received_ms, fingerprint, sealed) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  Statement advance(statements_,
                    "INSERT INTO feeds (feed, last_seq) VALUES (?, ?) "
                    "ON CONFLICT (feed) DO UPDATE SET last_seq = excluded.last_seq");
  Statement find_content(statements_, "SELECT originator FROM restricted_content WHERE fingerprint = ?");
  Statement remember_content(statements_,
                             "INSERT OR IGNORE INTO restricted_content (fingerprint, report_id, originator) "
                             "VALUES (?, ?, ?)");
  if (!find.ok() || !insert.ok() || !advance.ok() || !find_content.ok() || !remember_content.ok()) {
    return roll_back(failure("cannot prepare the append statements"));
  }
  for (const AppendRequest& request : batch) {
    const v1::Report& report = request.report;
    const std::string fingerprint = key_.fingerprint(publisher_content(report));
    find.reset();
    find.bind(1, report.id());
    const int found = find.step();
    if (found == SQLITE_ROW) {
      const std::string feed = find.text(0);
      const auto seq = static_cast<std::uint64_t>(find.integer(1));
      if (find.text(4) != report.broker().source_organisation()) {
        // Another organisation's report: neither acknowledged as a duplicate
        // nor described (its feed and position are not this publisher's business).
        results.emplace_back(refuse_foreign_id(report.id(), static_cast<v1::Tlp>(find.integer(5))));
        continue;
      }
      if (find.blob(2) != fingerprint) {
        results.emplace_back(make_error(v1::ID_CONFLICT, "report id " + report.id() +
                                                             " is already taken by a different report (sequence " +
                                                             std::to_string(seq) + " of feed '" + feed +
                                                             "'); give a new report a new id"));
        continue;
      }
      Appended appended{seq, true, {}};
      auto plaintext = key_.open(find.blob(3), associated_data(report.id(), feed, seq));
      if (!plaintext || !appended.report.ParseFromString(plaintext.value())) {
        results.emplace_back(make_error(v1::STORAGE_UNAVAILABLE, "stored report " + report.id() + " is unreadable"));
      } else {
        results.emplace_back(std::move(appended));
      }
      continue;
    }
    if (found != SQLITE_DONE) {
      return roll_back(failure("cannot look up report id " + report.id()));
    }
    const std::string content_fingerprint = key_.fingerprint(comparable_content(report));
    find_content.reset();
    find_content.bind_blob(1, content_fingerprint);
    const int content_found = find_content.step();
    if (content_found == SQLITE_ROW && find_content.text(0) != report.broker().source_organisation()) {
      results.emplace_back(make_error(v1::FORBIDDEN,
                                      "report " + report.id() +
                                          " has the content of a report another organisation shared under TLP:AMBER, "
                                          "AMBER+STRICT or RED, which its recipients may not republish as their own"));
      continue;
    }
    if (content_found != SQLITE_ROW && content_found != SQLITE_DONE) {
      return roll_back(failure("cannot look up the content of report " + report.id()));
    }
    auto end = feed_end(report.feed());
    if (!end) {
      return roll_back(end.error());
    }
    const std::uint64_t seq = end.value() + 1;
    Appended appended{seq, false, report};
    appended.report.mutable_broker()->set_sequence(seq);
    const auto& stamp = appended.report.broker();
    const std::int64_t received_ms = stamp.received_at().seconds() * 1000 + stamp.received_at().nanos() / 1000000;
    insert.reset();
    insert.bind(1, report.feed())
        .bind(2, static_cast<std::int64_t>(seq))
        .bind(3, report.id())
        .bind(4, static_cast<std::int64_t>(report.tlp()))
        .bind(5, stamp.source_organisation())
        .bind(6, received_ms)
        .bind_blob(7, fingerprint)
        .bind_blob(8, key_.seal(appended.report.SerializeAsString(), associated_data(report.id(), report.feed(), seq)));
    if (insert.step() != SQLITE_DONE) {
      return roll_back(failure("cannot store report " + report.id()));
    }
    advance.reset();
    advance.bind(1, report.feed()).bind(2, static_cast<std::int64_t>(seq));
    if (advance.step() != SQLITE_DONE) {
      return roll_back(failure("cannot advance feed '" + report.feed() + "'"));
    }
    if (is_restricted(report.tlp())) {
      remember_content.reset();
      remember_content.bind_blob(1, content_fingerprint).bind(2, report.id()).bind(3, stamp.source_organisation());
      if (remember_content.step() != SQLITE_DONE) {
        return roll_back(failure("cannot remember the content of report " + report.id()));
      }
    }
    feed_ends_[report.feed()] = seq;
    results.emplace_back(std::move(appended));
  }
  }  // statements reset before COMMIT
  if (run_cached(statements_, "COMMIT") != SQLITE_DONE) {
    return roll_back(failure("cannot commit"));
  }
  return results;
}

Result<std::vector<v1::Report>> SqliteStore::read_feed(const std::string& feed, std::uint64_t after,
                                                       std::size_t limit) {
  Statement select(db_, "SELECT id, seq, sealed FROM reports WHERE feed = ? AND seq > ? ORDER BY seq LIMIT ?");
  if (!select.ok()) {
    return failure("cannot prepare the feed read");
  }
  select.bind(1, feed).bind(2, static_cast<std::int64_t>(after)).bind(3, static_cast<std::int64_t>(limit));
  std::vector<v1::Report> reports;
  while (true) {
    const int step = select.step();
    if (step == SQLITE_DONE) {
      break;
    }
    if (step != SQLITE_ROW) {
      return failure("cannot read feed '" + feed + "'");
    }
    const std::string id = select.text(0);
    const auto seq = static_cast<std::uint64_t>(select.integer(1));
    auto plaintext = key_.open(select.blob(2), associated_data(id, feed, seq));
    if (!plaintext) {
      return make_error(v1::STORAGE_UNAVAILABLE, "report " + id + " of feed '" + feed + "': " + plaintext.error().message);
    }
    v1::Report& report = reports.emplace_back();
    if (!report.ParseFromString(plaintext.value())) {
      return make_error(v1::STORAGE_UNAVAILABLE, "report " + id + " of feed '" + feed + "' is unreadable");
    }
  }
  return reports;
}

Result<void> SqliteStore::remember_copies(const std::vector<RememberedCopy>& copies) {
  if (copies.empty()) {
    return ok();
  }
  if (broken_) {
    return make_error(v1::STORAGE_UNAVAILABLE, "storage failed earlier: copies not remembered");
  }
  // Like cursor positions, not worth an fsync of their own: they become
  // durable with the next report commit.
  WEFT_TRY(execute("PRAGMA synchronous=NORMAL"));
  WEFT_TRY(execute("BEGIN IMMEDIATE"));
  Result<void> outcome = ok();
  {
    Statement remember(db_,
                       "INSERT OR IGNORE INTO restricted_content (fingerprint, report_id, originator) "
                       "SELECT ?, ?, ? WHERE EXISTS (SELECT 1 FROM reports WHERE id = ?)");
    for (const auto& copy : copies) {
      remember.reset();
      remember.bind_blob(1, key_.fingerprint(copy.content))
          .bind(2, copy.report_id)
          .bind(3, copy.originator)
          .bind(4, copy.report_id);
      if (remember.step() != SQLITE_DONE) {
        outcome = failure("cannot remember a copy of report " + copy.report_id);
        break;
      }
    }
  }
  if (!outcome || sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    if (outcome) {
      outcome = failure("cannot commit remembered copies");
    }
  }
  if (auto restored = execute("PRAGMA synchronous=FULL"); !restored) {
    broken_ = true;  // never acknowledge a report without a full sync
    return restored.error();
  }
  return outcome;
}

Result<std::optional<v1::Report>> SqliteStore::find_report(const std::string& id) {
  Statement select(db_, "SELECT feed, seq, sealed FROM reports WHERE id = ?");
  if (!select.ok()) {
    return failure("cannot prepare the report look-up");
  }
  select.bind(1, id);
  const int step = select.step();
  if (step == SQLITE_DONE) {
    return std::optional<v1::Report>();
  }
  if (step != SQLITE_ROW) {
    return failure("cannot look up report " + id);
  }
  const std::string feed = select.text(0);
  const auto seq = static_cast<std::uint64_t>(select.integer(1));
  auto plaintext = key_.open(select.blob(2), associated_data(id, feed, seq));
  std::optional<v1::Report> report(std::in_place);
  if (!plaintext || !report->ParseFromString(plaintext.value())) {
    return make_error(v1::STORAGE_UNAVAILABLE, "stored report " + id + " is unreadable");
  }
  return report;
}

Result<DurableSubscription> SqliteStore::open_subscription(const std::string& organisation, const std::string& name,
                                                           const std::string& feed) {
  Statement select(db_, "SELECT feed, acked FROM subscriptions WHERE organisation = ? AND name = ?");
  select.bind(1, organisation).bind(2, name);
  const int step = select.step();
  if (step == SQLITE_ROW) {
    DurableSubscription found{organisation, name, select.text(0), static_cast<std::uint64_t>(select.integer(1))};
    if (found.feed != feed) {
      return make_error(v1::VALIDATION_FAILED, "durable subscription '" + name + "' follows feed '" + found.feed +
                                                   "', not '" + feed + "'; use another name for another feed");
    }
    return found;
  }
  if (step != SQLITE_DONE) {
    return failure("cannot read durable subscription '" + name + "'");
  }
  if (broken_) {
    return make_error(v1::STORAGE_UNAVAILABLE, "storage failed earlier: cannot create durable subscriptions");
  }
  auto end = feed_end(feed);
  if (!end) {
    return end.error();
  }
  Statement insert(db_,
                   "INSERT INTO subscriptions (organisation, name, feed, acked, created_ms) VALUES (?, ?, ?, ?, ?)");
  insert.bind(1, organisation).bind(2, name).bind(3, feed).bind(4, static_cast<std::int64_t>(end.value())).bind(5, now_ms());
  if (insert.step() != SQLITE_DONE) {
    return failure("cannot create durable subscription '" + name + "'");
  }
  return DurableSubscription{organisation, name, feed, end.value()};
}

Result<void> SqliteStore::save_cursors(const std::vector<CursorUpdate>& updates) {
  if (updates.empty()) {
    return ok();
  }
  if (broken_) {
    return make_error(v1::STORAGE_UNAVAILABLE, "storage failed earlier: positions not saved");
  }
  // A lost position only means a few redeliveries (at-least-once), so
  // positions do not pay for an fsync of their own: with synchronous=NORMAL
  // in WAL mode they become durable with the next report commit (FULL) or
  // checkpoint.
  WEFT_TRY(run("PRAGMA synchronous=NORMAL"));
  auto saved = write_cursors(updates);
  if (auto restored = run("PRAGMA synchronous=FULL"); !restored) {
    // Never acknowledge a report without a full sync.
    broken_ = true;
    return restored.error();
  }
  return saved;
}

Result<void> SqliteStore::write_cursors(const std::vector<CursorUpdate>& updates) {
  WEFT_TRY(run("BEGIN IMMEDIATE"));
  Statement update(statements_,
                   "UPDATE subscriptions SET acked = MAX(acked, ?) WHERE organisation = ? AND name = ?");
  for (const auto& cursor : updates) {
    update.reset();
    update.bind(1, static_cast<std::int64_t>(cursor.acked)).bind(2, cursor.organisation).bind(3, cursor.name);
    if (update.step() != SQLITE_DONE) {
      auto error = failure("cannot save the position of '" + cursor.name + "'");
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      return error;
    }
  }
  if (run_cached(statements_, "COMMIT") != SQLITE_DONE) {
    auto error = failure("cannot commit positions");
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    return error;
  }
  return ok();
}

Result<std::size_t> SqliteStore::sweep(std::int64_t now, const std::vector<RetentionRule>& rules,
                                       std::int64_t red_max_age_ms, std::size_t batch) {
  if (broken_) {
    return make_error(v1::STORAGE_UNAVAILABLE, "storage failed earlier: not sweeping");
  }
  std::size_t deleted = 0;
  const auto delete_where = [&](const std::string& where, const std::vector<std::string>& texts,
                                std::int64_t before) -> Result<void> {
    if (deleted >= batch) {
      return ok();
    }
    const std::string sql = "DELETE FROM reports WHERE rowid IN (SELECT rowid FROM reports WHERE received_ms < ?" +
                            where + " LIMIT ?)";
    Statement statement(db_, sql.c_str());
    int index = 1;
    statement.bind(index++, before);
    for (const auto& text : texts) {
      statement.bind(index++, text);
    }
    statement.bind(index, static_cast<std::int64_t>(batch - deleted));
    if (statement.step() != SQLITE_DONE) {
      return failure("cannot delete expired reports");
    }
    deleted += static_cast<std::size_t>(sqlite3_changes(db_));
    return ok();
  };
  WEFT_TRY(execute("BEGIN IMMEDIATE"));
  Result<void> outcome = delete_where(" AND tlp = 5", {}, now - red_max_age_ms);
  std::vector<std::string> own_rules;
  std::int64_t default_age = 0;
  for (const auto& rule : rules) {
    if (rule.feed.empty()) {
      default_age = rule.max_age_ms;
      continue;
    }
    own_rules.push_back(rule.feed);
    if (outcome) {
      outcome = delete_where(" AND feed = ?", {rule.feed}, now - rule.max_age_ms);
    }
  }
  if (outcome && default_age > 0) {
    std::string excluded;
    for (std::size_t i = 0; i < own_rules.size(); ++i) {
      excluded += i == 0 ? " AND feed NOT IN (?" : ", ?";
    }
    if (!own_rules.empty()) {
      excluded += ")";
    }
    outcome = delete_where(excluded, own_rules, now - default_age);
  }
  if (!outcome || sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
    auto error = outcome ? failure("cannot commit the sweep") : outcome.error();
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    return error;
  }
  return deleted;
}

Result<std::vector<std::string>> SqliteStore::list_feeds() {
  Statement select(db_, "SELECT feed FROM feeds ORDER BY feed");
  if (!select.ok()) {
    return failure("cannot prepare the feed list");
  }
  std::vector<std::string> feeds;
  while (true) {
    const int step = select.step();
    if (step == SQLITE_DONE) {
      return feeds;
    }
    if (step != SQLITE_ROW) {
      return failure("cannot list feeds");
    }
    feeds.push_back(select.text(0));
  }
}

Result<FeedEnds> SqliteStore::feed_ends() {
  Statement select(db_, "SELECT feed, last_seq FROM feeds");
  if (!select.ok()) {
    return failure("cannot prepare the feed ends");
  }
  FeedEnds ends;
  while (true) {
    const int step = select.step();
    if (step == SQLITE_DONE) {
      return ends;
    }
    if (step != SQLITE_ROW) {
      return failure("cannot read the feed ends");
    }
    ends[select.text(0)] = static_cast<std::uint64_t>(select.integer(1));
  }
}

Result<std::uint64_t> SqliteStore::report_count() {
  Statement count(db_, "SELECT COUNT(*) FROM reports");
  if (!count.ok() || count.step() != SQLITE_ROW) {
    return failure("cannot count reports");
  }
  return static_cast<std::uint64_t>(count.integer(0));
}

Result<std::string> SqliteStore::integrity_check() {
  Statement check(db_, "PRAGMA integrity_check");
  if (!check.ok() || check.step() != SQLITE_ROW) {
    return failure("cannot run integrity_check");
  }
  return check.text(0);
}

}  // namespace weft::broker::store
