// Storage faults below SQLite, injected through a VFS that wraps the real
// one (test_vfs.h): a failed fsync, and a power cut that loses every write
// not yet fsynced. Rows 56 and 59 of the fault matrix.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <random>

#include "broker/store/sqlite_store.h"
#include "broker/store/test_vfs.h"

namespace weft::broker::store {
namespace {

class StorageFaultsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("store-faults-" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    key_ = StorageKey::from_bytes(std::string(32, 'k'));
  }

  static AppendRequest request(const std::string& id, const std::string& title) {
    AppendRequest out;
    out.report.set_id(id);
    out.report.set_feed("phishing");
    out.report.set_tlp(v1::GREEN);
    out.report.set_title(title);
    out.report.set_description(std::string(300, 'd'));
    out.report.mutable_broker()->set_source_organisation("cert-nl");
    out.report.mutable_broker()->mutable_received_at()->set_seconds(1'800'000'000);
    return out;
  }

  std::filesystem::path dir_;
  std::unique_ptr<StorageKey> key_;
};

TEST_F(StorageFaultsTest, FailedSyncStopsWritesUntilRestartWhileReadsGoOn) {
  testing::TestVfs vfs;
  auto writer = SqliteStore::open(dir_ / "weft.db", *key_, {});
  ASSERT_TRUE(writer) << writer.error().describe();
  auto committed = writer.value()->append_batch({request("r1", "before"), request("r2", "before too")});
  ASSERT_TRUE(committed[0] && committed[1]);
  auto reader = SqliteStore::open(dir_ / "weft.db", *key_, {.writer = false, .check_integrity = false});
  ASSERT_TRUE(reader) << reader.error().describe();

  vfs.fail_syncs(true);
  auto failed = writer.value()->append_batch({request("r3", "during the fault")});
  EXPECT_GT(vfs.failed_syncs(), 0) << "the commit did not sync: synchronous=FULL is not in force";
  ASSERT_FALSE(failed[0]);
  EXPECT_EQ(failed[0].error().code, v1::STORAGE_UNAVAILABLE) << failed[0].error().describe();
  EXPECT_FALSE(writer.value()->writable());

  // The disk recovers, but this handle cannot know what reached it.
  vfs.fail_syncs(false);
  auto after = writer.value()->append_batch({request("r4", "after the fault")});
  ASSERT_FALSE(after[0]);
  EXPECT_EQ(after[0].error().code, v1::STORAGE_UNAVAILABLE);

  // What was committed is still served.
  auto backlog = reader.value()->read_feed("phishing", 0, 10);
  ASSERT_TRUE(backlog) << backlog.error().describe();
  ASSERT_GE(backlog.value().size(), 2U);
  EXPECT_EQ(backlog.value()[0].title(), "before");
  EXPECT_EQ(backlog.value()[1].title(), "before too");

  // A restart (a new handle) writes again, and nothing committed is lost.
  reader.value().reset();
  writer.value().reset();
  auto restarted = SqliteStore::open(dir_ / "weft.db", *key_, {});
  ASSERT_TRUE(restarted) << restarted.error().describe();
  EXPECT_TRUE(restarted.value()->writable());
  auto again = restarted.value()->append_batch({request("r4", "after the restart")});
  ASSERT_TRUE(again[0]) << again[0].error().describe();
  auto all = restarted.value()->read_feed("phishing", 0, 10);
  ASSERT_TRUE(all);
  EXPECT_EQ(all.value().front().title(), "before");
  EXPECT_EQ(all.value().back().title(), "after the restart");
  EXPECT_EQ(restarted.value()->integrity_check().value(), "ok");
}

TEST_F(StorageFaultsTest, PowerCutAtAnyMomentKeepsEveryAcknowledgedReport) {
  struct Cut {
    std::filesystem::path folder;
    std::size_t acknowledged;
  };
  std::vector<std::string> acknowledged;
  std::vector<Cut> cuts;
  {
    testing::TestVfs vfs;
    auto store = SqliteStore::open(dir_ / "weft.db", *key_, {});
    ASSERT_TRUE(store) << store.error().describe();
    ASSERT_TRUE(store.value()->open_subscription("acme-bank", "soc", "phishing"));
    std::mt19937 random(4711);
    // Batches of varying size, enough to cross WAL checkpoints (every 1000
    // pages), with unsynced cursor saves in between.
    for (int batch = 0; batch < 150; ++batch) {
      std::vector<AppendRequest> requests;
      const std::size_t size = 1 + random() % 40;
      for (std::size_t i = 0; i < size; ++i) {
        const std::string id = "id-" + std::to_string(acknowledged.size() + i);
        requests.push_back(request(id, "report " + id));
      }
      for (const auto& result : store.value()->append_batch(requests)) {
        ASSERT_TRUE(result) << result.error().describe();
        acknowledged.push_back(result.value().report.id());
      }
      ASSERT_TRUE(store.value()->save_cursors({{"acme-bank", "soc", acknowledged.size() / 2}}));
      // The power goes now: the disk holds what was fsynced, nothing else.
      // Everything acknowledged so far must be in it.
      if (random() % 8 == 0) {
        cuts.push_back({dir_ / ("cut-" + std::to_string(cuts.size())), acknowledged.size()});
        vfs.write_power_loss_image(cuts.back().folder);
      }
    }
    EXPECT_GT(vfs.syncs(), 150) << "commits are not synced";
  }
  ASSERT_GE(cuts.size(), 8U);

  for (const Cut& cut : cuts) {
    SCOPED_TRACE(cut.folder.string());
    auto reopened = SqliteStore::open(cut.folder / "weft.db", *key_, {});
    ASSERT_TRUE(reopened) << reopened.error().describe();
    EXPECT_EQ(reopened.value()->integrity_check().value(), "ok");
    std::vector<std::string> found;
    while (true) {
      auto page = reopened.value()->read_feed("phishing", found.size(), 500);
      ASSERT_TRUE(page) << page.error().describe();
      if (page.value().empty()) {
        break;
      }
      for (const auto& report : page.value()) {
        found.push_back(report.id());
      }
    }
    ASSERT_EQ(found.size(), cut.acknowledged) << "acknowledged reports lost in the power cut";
    EXPECT_TRUE(std::equal(found.begin(), found.end(), acknowledged.begin()));
    // Positions are saved without their own fsync: after a cut they may lag
    // (redelivery), never run ahead of what was stored.
    auto subscription = reopened.value()->open_subscription("acme-bank", "soc", "phishing");
    ASSERT_TRUE(subscription);
    EXPECT_LE(subscription.value().acked, cut.acknowledged / 2);
  }
}

}  // namespace
}  // namespace weft::broker::store
