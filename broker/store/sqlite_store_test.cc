#include "broker/store/sqlite_store.h"

#include <gtest/gtest.h>
#include <sodium.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>

#include "broker/report_content.h"

namespace weft::broker::store {
namespace {

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("store-" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    key_ = StorageKey::from_bytes(std::string(32, 'k'));
  }

  std::unique_ptr<SqliteStore> open(SqliteStore::Options options = {}) {
    auto store = SqliteStore::open(dir_ / "weft.db", *key_, options);
    EXPECT_TRUE(store) << store.error().describe();
    return std::move(store).value();
  }

  static AppendRequest request(const std::string& id, const std::string& feed, const std::string& title,
                               v1::Tlp tlp = v1::GREEN, std::int64_t received_s = 1'800'000'000) {
    AppendRequest out;
    out.report.set_id(id);
    out.report.set_feed(feed);
    out.report.set_tlp(tlp);
    out.report.set_title(title);
    out.report.set_description("victim contact Maria Rossi PLANTED-SECRET-4711");
    out.report.mutable_broker()->set_source_organisation("cert-nl");
    out.report.mutable_broker()->mutable_received_at()->set_seconds(received_s);
    return out;
  }

  std::filesystem::path dir_;
  std::unique_ptr<StorageKey> key_;
};

TEST_F(SqliteStoreTest, AppendsWithPerFeedSequencesAndReadsBack) {
  auto store = open();
  auto results = store->append_batch({request("a1", "phishing", "one"), request("a2", "ransomware", "two"),
                                      request("a3", "phishing", "three")});
  ASSERT_EQ(results.size(), 3U);
  EXPECT_EQ(results[0].value().sequence, 1U);
  EXPECT_EQ(results[1].value().sequence, 1U);
  EXPECT_EQ(results[2].value().sequence, 2U);
  EXPECT_EQ(results[2].value().report.broker().sequence(), 2U);
  auto feed = store->read_feed("phishing", 0, 10);
  ASSERT_TRUE(feed);
  ASSERT_EQ(feed.value().size(), 2U);
  EXPECT_EQ(feed.value()[1].title(), "three");
  EXPECT_EQ(store->read_feed("phishing", 1, 10).value().size(), 1U);
  EXPECT_EQ(store->report_count().value(), 3U);
}

TEST_F(SqliteStoreTest, SameIdSameContentIsADuplicateOtherContentIsAConflict) {
  auto store = open();
  ASSERT_TRUE(store->append_batch({request("id-1", "phishing", "title")})[0]);
  // A retry: the broker stamps a new receive time, the content is the same.
  auto retry = request("id-1", "phishing", "title", v1::GREEN, 1'800'000'999);
  auto again = store->append_batch({retry});
  ASSERT_TRUE(again[0]);
  EXPECT_TRUE(again[0].value().duplicate);
  EXPECT_EQ(again[0].value().sequence, 1U);
  auto conflict = store->append_batch({request("id-1", "phishing", "another title")});
  ASSERT_FALSE(conflict[0]);
  EXPECT_EQ(conflict[0].error().code, v1::ID_CONFLICT);
  EXPECT_EQ(store->report_count().value(), 1U);
  EXPECT_EQ(store->read_feed("phishing", 0, 10).value()[0].title(), "title");  // the original is kept
}

TEST_F(SqliteStoreTest, RestrictedContentComesBackOnlyFromItsOriginator) {
  auto store = open();
  const auto from = [](AppendRequest out, const std::string& publisher) {
    out.report.mutable_broker()->set_source_organisation(publisher);
    return out;
  };
  ASSERT_TRUE(store->append_batch({request("amber-1", "phishing", "kit", v1::AMBER, 1000)})[0]);
  ASSERT_TRUE(store->append_batch({request("green-1", "phishing", "open", v1::GREEN)})[0]);

  // A recipient publishing the same content under a new id and a wider TLP.
  auto leaked = store->append_batch({from(request("copy-1", "other-feed", "kit", v1::GREEN), "acme-bank")});
  ASSERT_FALSE(leaked[0]);
  EXPECT_EQ(leaked[0].error().code, v1::FORBIDDEN);
  EXPECT_NE(leaked[0].error().message.find("may not republish"), std::string::npos) << leaked[0].error().message;
  // The originator may, and GREEN content is anyone's to pass on.
  EXPECT_TRUE(store->append_batch({request("again-1", "phishing", "kit", v1::GREEN)})[0]);
  EXPECT_TRUE(store->append_batch({from(request("copy-2", "phishing", "open", v1::GREEN), "acme-bank")})[0]);

  // The copy a recipient received (redacted by its policy) is remembered too.
  AppendRequest redacted = request("amber-1", "phishing", "kit", v1::AMBER, 1000);
  redacted.report.set_description("victim contact [REDACTED:PERSON] PLANTED-SECRET-4711");
  AppendRequest stale = request("gone-1", "phishing", "never stored", v1::AMBER);
  ASSERT_TRUE(store->remember_copies({{"amber-1", "cert-nl", comparable_content(redacted.report)},
                                      {"gone-1", "cert-nl", comparable_content(stale.report)}}));
  redacted.report.set_id("copy-3");
  auto copied = store->append_batch({from(redacted, "acme-bank")});
  ASSERT_FALSE(copied[0]);
  EXPECT_EQ(copied[0].error().code, v1::FORBIDDEN);
  // A copy of a report the store does not hold is not remembered.
  stale.report.set_id("copy-4");
  EXPECT_TRUE(store->append_batch({from(stale, "acme-bank")})[0]);

  // Expired with its report, the content is forgotten.
  ASSERT_EQ(store->sweep(1'800'000'000'000, {{"", 30LL * 86400 * 1000}}, 7LL * 86400 * 1000, 100).value(), 1U);
  redacted.report.set_id("copy-5");
  EXPECT_TRUE(store->append_batch({from(redacted, "acme-bank")})[0]);
}

TEST_F(SqliteStoreTest, SequencesSurviveReopeningAndRetention) {
  {
    auto store = open();
    store->append_batch({request("r1", "phishing", "x", v1::GREEN, 1000), request("r2", "phishing", "y", v1::GREEN, 1000)});
    // Both are far past 30 days: swept.
    EXPECT_EQ(store->sweep(1'800'000'000'000, {{"", 30LL * 86400 * 1000}}, 7LL * 86400 * 1000, 100).value(), 2U);
  }
  auto store = open();
  auto next = store->append_batch({request("r3", "phishing", "z")});
  EXPECT_EQ(next[0].value().sequence, 3U);  // numbering continues, never reused
}

TEST_F(SqliteStoreTest, FeedEndsAreTheLastSequencesAssignedEvenAfterRetention) {
  {
    auto store = open();
    EXPECT_TRUE(store->feed_ends().value().empty());
    store->append_batch({request("r1", "phishing", "x", v1::GREEN, 1000), request("r2", "phishing", "y", v1::GREEN, 1000),
                         request("r3", "ransomware", "z", v1::GREEN, 1000)});
    EXPECT_EQ(store->sweep(1'800'000'000'000, {{"", 30LL * 86400 * 1000}}, 7LL * 86400 * 1000, 100).value(), 3U);
  }
  auto store = open();
  const FeedEnds expected{{"phishing", 2}, {"ransomware", 1}};
  EXPECT_EQ(store->feed_ends().value(), expected);
}

TEST_F(SqliteStoreTest, SweepHonoursFeedRulesTlpRedAndBatch) {
  auto store = open();
  const std::int64_t now_ms = 1'800'000'000'000;
  const std::int64_t day_s = 86400;
  store->append_batch({request("old-default", "phishing", "x", v1::GREEN, now_ms / 1000 - 31 * day_s),
                       request("new-default", "phishing", "x", v1::GREEN, now_ms / 1000 - 1 * day_s),
                       request("old-red", "phishing", "x", v1::RED, now_ms / 1000 - 8 * day_s),
                       request("short-1", "short", "x", v1::GREEN, now_ms / 1000 - 3),
                       request("short-2", "short", "x", v1::GREEN, now_ms / 1000 - 3)});
  const std::vector<RetentionRule> rules = {{"", 30 * day_s * 1000}, {"short", 2000}};
  EXPECT_EQ(store->sweep(now_ms, rules, 7 * day_s * 1000, 2).value(), 2U);  // bounded batch
  EXPECT_EQ(store->sweep(now_ms, rules, 7 * day_s * 1000, 100).value(), 2U);
  EXPECT_EQ(store->sweep(now_ms, rules, 7 * day_s * 1000, 100).value(), 0U);
  auto left = store->read_feed("phishing", 0, 10).value();
  ASSERT_EQ(left.size(), 1U);
  EXPECT_EQ(left[0].id(), "new-default");
}

TEST_F(SqliteStoreTest, DurableSubscriptionsStartAtTheEndAndKeepTheirPosition) {
  auto store = open();
  store->append_batch({request("s1", "phishing", "x"), request("s2", "phishing", "y")});
  auto created = store->open_subscription("acme-bank", "soc", "phishing");
  ASSERT_TRUE(created);
  EXPECT_EQ(created.value().acked, 2U);
  store->append_batch({request("s3", "phishing", "z")});
  ASSERT_TRUE(store->save_cursors({{"acme-bank", "soc", 3}}));
  ASSERT_TRUE(store->save_cursors({{"acme-bank", "soc", 1}}));  // never moves back
  EXPECT_EQ(store->open_subscription("acme-bank", "soc", "phishing").value().acked, 3U);
  auto wrong_feed = store->open_subscription("acme-bank", "soc", "ransomware");
  ASSERT_FALSE(wrong_feed);
  EXPECT_EQ(wrong_feed.error().code, v1::VALIDATION_FAILED);
}

TEST_F(SqliteStoreTest, NothingIsStoredInTheClear) {
  {
    auto store = open();
    ASSERT_TRUE(store->append_batch({request("secret-report", "phishing", "title")})[0]);
  }
  for (const auto& entry : std::filesystem::directory_iterator(dir_)) {
    std::ifstream in(entry.path(), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(bytes.find("PLANTED-SECRET-4711"), std::string::npos) << entry.path();
    EXPECT_EQ(bytes.find("Maria Rossi"), std::string::npos) << entry.path();
  }
}

TEST_F(SqliteStoreTest, FullDatabaseRefusesWithStorageUnavailableAndKeepsWhatItHas) {
  SqliteStore::Options capped;
  capped.max_database_bytes = 256 * 1024;
  auto store = open(capped);
  std::size_t stored = 0;
  Error last;
  for (int i = 0; i < 2000; ++i) {
    auto big = request("big-" + std::to_string(i), "phishing", "x");
    big.report.set_description(std::string(2000, 'd') + std::to_string(i));
    auto result = store->append_batch({big});
    if (!result[0]) {
      last = result[0].error();
      break;
    }
    ++stored;
  }
  ASSERT_LT(stored, 2000U);
  EXPECT_EQ(last.code, v1::STORAGE_UNAVAILABLE);
  EXPECT_NE(last.message.find("full"), std::string::npos) << last.message;
  EXPECT_EQ(store->report_count().value(), stored);
  EXPECT_EQ(store->integrity_check().value(), "ok");
  EXPECT_EQ(store->read_feed("phishing", 0, 5000).value().size(), stored);  // reads still work
}

TEST_F(SqliteStoreTest, CorruptDatabaseIsRefusedAtOpen) {
  {
    auto store = open();
    std::vector<AppendRequest> many;
    for (int i = 0; i < 200; ++i) {
      many.push_back(request("c" + std::to_string(i), "phishing", std::string(500, 't')));
    }
    store->append_batch(many);
  }
  // Scribble over the start of several pages (a media fault).
  {
    std::fstream file(dir_ / "weft.db", std::ios::in | std::ios::out | std::ios::binary);
    const std::string garbage(64, '\xA5');
    for (int page = 1; page < 12; ++page) {
      file.seekp(page * 4096);
      file.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
    }
  }
  auto reopened = SqliteStore::open(dir_ / "weft.db", *key_, {});
  ASSERT_FALSE(reopened);
  EXPECT_NE(reopened.error().message.find("refusing to start"), std::string::npos) << reopened.error().message;
}

TEST_F(SqliteStoreTest, NotADatabaseAndWrongKeyAreRefused) {
  std::ofstream(dir_ / "weft.db") << "this is a text file, not a database, and it is long enough to have a header";
  auto not_db = SqliteStore::open(dir_ / "weft.db", *key_, {});
  ASSERT_FALSE(not_db);
  EXPECT_NE(not_db.error().message.find("refusing to start"), std::string::npos) << not_db.error().message;
  std::filesystem::remove(dir_ / "weft.db");
  { open(); }
  auto other_key = StorageKey::from_bytes(std::string(32, 'x'));
  auto wrong = SqliteStore::open(dir_ / "weft.db", *other_key, {});
  ASSERT_FALSE(wrong);
  EXPECT_NE(wrong.error().message.find("another storage key"), std::string::npos) << wrong.error().message;
}

TEST_F(SqliteStoreTest, WriteLockHeldByAnotherProcessIsRetryableBusyAndLosesNothing) {
  SqliteStore::Options options;
  options.busy_timeout_ms = 100;
  auto store = open(options);
  ASSERT_TRUE(store->append_batch({request("b1", "phishing", "before the lock")})[0]);

  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open((dir_ / "weft.db").c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr), SQLITE_OK);
  auto blocked = store->append_batch({request("b2", "phishing", "while locked")});
  ASSERT_FALSE(blocked[0]);
  EXPECT_EQ(blocked[0].error().code, v1::STORAGE_BUSY) << blocked[0].error().describe();
  EXPECT_TRUE(blocked[0].error().retryable());
  EXPECT_TRUE(store->writable()) << "a lock is no reason to stop writing for good";
  // Readers are not blocked by a writer in WAL mode.
  EXPECT_EQ(store->read_feed("phishing", 0, 10).value().size(), 1U);

  ASSERT_EQ(sqlite3_exec(other, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(other);
  auto retried = store->append_batch({request("b2", "phishing", "while locked")});
  ASSERT_TRUE(retried[0]) << retried[0].error().describe();
  EXPECT_FALSE(retried[0].value().duplicate);
  EXPECT_EQ(retried[0].value().sequence, 2U);
}

}  // namespace
}  // namespace weft::broker::store
