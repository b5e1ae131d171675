// A failed fsync, injected through a SQLite VFS that wraps the real one: the
// store must stop accepting writes (the page cache may no longer match the
// disk, so a retry could acknowledge a report that is not durable) while
// reads of what was committed go on.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <filesystem>

#include "broker/store/sqlite_store.h"

namespace weft::broker::store {
namespace {

std::atomic<bool> fail_syncs{false};
std::atomic<int> failed_syncs{0};
sqlite3_vfs* real_vfs = nullptr;
sqlite3_vfs faulty_vfs;

// Our file handle, followed in the same allocation by the real VFS's handle.
struct FaultyFile {
  sqlite3_file base;
  sqlite3_file* real() { return reinterpret_cast<sqlite3_file*>(this + 1); }
};

FaultyFile* faulty(sqlite3_file* file) { return reinterpret_cast<FaultyFile*>(file); }
sqlite3_file* real(sqlite3_file* file) { return faulty(file)->real(); }
const sqlite3_io_methods* methods(sqlite3_file* file) { return real(file)->pMethods; }

sqlite3_io_methods make_forwarding_methods() {
  sqlite3_io_methods out{};
  out.iVersion = 3;
  out.xClose = [](sqlite3_file* f) { return methods(f)->xClose(real(f)); };
  out.xRead = [](sqlite3_file* f, void* buffer, int amount, sqlite3_int64 offset) {
    return methods(f)->xRead(real(f), buffer, amount, offset);
  };
  out.xWrite = [](sqlite3_file* f, const void* buffer, int amount, sqlite3_int64 offset) {
    return methods(f)->xWrite(real(f), buffer, amount, offset);
  };
  out.xTruncate = [](sqlite3_file* f, sqlite3_int64 size) { return methods(f)->xTruncate(real(f), size); };
  out.xSync = [](sqlite3_file* f, int flags) {
    if (fail_syncs.load()) {
      failed_syncs.fetch_add(1);
      return SQLITE_IOERR_FSYNC;
    }
    return methods(f)->xSync(real(f), flags);
  };
  out.xFileSize = [](sqlite3_file* f, sqlite3_int64* size) { return methods(f)->xFileSize(real(f), size); };
  out.xLock = [](sqlite3_file* f, int level) { return methods(f)->xLock(real(f), level); };
  out.xUnlock = [](sqlite3_file* f, int level) { return methods(f)->xUnlock(real(f), level); };
  out.xCheckReservedLock = [](sqlite3_file* f, int* out_reserved) {
    return methods(f)->xCheckReservedLock(real(f), out_reserved);
  };
  out.xFileControl = [](sqlite3_file* f, int op, void* arg) { return methods(f)->xFileControl(real(f), op, arg); };
  out.xSectorSize = [](sqlite3_file* f) { return methods(f)->xSectorSize(real(f)); };
  out.xDeviceCharacteristics = [](sqlite3_file* f) { return methods(f)->xDeviceCharacteristics(real(f)); };
  out.xShmMap = [](sqlite3_file* f, int region, int size, int extend, void volatile** mapped) {
    return methods(f)->xShmMap(real(f), region, size, extend, mapped);
  };
  out.xShmLock = [](sqlite3_file* f, int offset, int n, int flags) {
    return methods(f)->xShmLock(real(f), offset, n, flags);
  };
  out.xShmBarrier = [](sqlite3_file* f) { methods(f)->xShmBarrier(real(f)); };
  out.xShmUnmap = [](sqlite3_file* f, int delete_flag) { return methods(f)->xShmUnmap(real(f), delete_flag); };
  out.xFetch = [](sqlite3_file* f, sqlite3_int64 offset, int amount, void** page) {
    return methods(f)->xFetch(real(f), offset, amount, page);
  };
  out.xUnfetch = [](sqlite3_file* f, sqlite3_int64 offset, void* page) {
    return methods(f)->xUnfetch(real(f), offset, page);
  };
  return out;
}

const sqlite3_io_methods forwarding_methods = make_forwarding_methods();

int faulty_open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* file, int flags, int* out_flags) {
  const int opened = real_vfs->xOpen(real_vfs, name, faulty(file)->real(), flags, out_flags);
  // SQLite calls xClose only when pMethods is set.
  file->pMethods = faulty(file)->real()->pMethods != nullptr ? &forwarding_methods : nullptr;
  return opened;
}

class SyncFailureTest : public ::testing::Test {
 protected:
  void SetUp() override {
    real_vfs = sqlite3_vfs_find(nullptr);
    ASSERT_NE(real_vfs, nullptr);
    ASSERT_GE(real_vfs->iVersion, 2);
    faulty_vfs = *real_vfs;
    faulty_vfs.zName = "weft-faulty-sync";
    faulty_vfs.szOsFile = static_cast<int>(sizeof(FaultyFile)) + real_vfs->szOsFile;
    faulty_vfs.xOpen = faulty_open;
    ASSERT_EQ(sqlite3_vfs_register(&faulty_vfs, 1), SQLITE_OK);
    fail_syncs = false;
    failed_syncs = 0;
    dir_ = std::filesystem::path(::testing::TempDir()) / "store-sync-failure";
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    key_ = StorageKey::from_bytes(std::string(32, 'k'));
  }

  void TearDown() override {
    fail_syncs = false;
    sqlite3_vfs_unregister(&faulty_vfs);
    sqlite3_vfs_register(real_vfs, 1);
  }

  static AppendRequest request(const std::string& id, const std::string& title) {
    AppendRequest out;
    out.report.set_id(id);
    out.report.set_feed("phishing");
    out.report.set_tlp(v1::GREEN);
    out.report.set_title(title);
    out.report.mutable_broker()->set_source_organisation("cert-nl");
    out.report.mutable_broker()->mutable_received_at()->set_seconds(1'800'000'000);
    return out;
  }

  std::filesystem::path dir_;
  std::unique_ptr<StorageKey> key_;
};

TEST_F(SyncFailureTest, FailedSyncStopsWritesUntilRestartWhileReadsGoOn) {
  auto writer = SqliteStore::open(dir_ / "weft.db", *key_, {});
  ASSERT_TRUE(writer) << writer.error().describe();
  auto committed = writer.value()->append_batch({request("r1", "before"), request("r2", "before too")});
  ASSERT_TRUE(committed[0] && committed[1]);
  auto reader = SqliteStore::open(dir_ / "weft.db", *key_, {.writer = false, .check_integrity = false});
  ASSERT_TRUE(reader) << reader.error().describe();

  fail_syncs = true;
  auto failed = writer.value()->append_batch({request("r3", "during the fault")});
  EXPECT_GT(failed_syncs.load(), 0) << "the commit did not sync: synchronous=FULL is not in force";
  ASSERT_FALSE(failed[0]);
  EXPECT_EQ(failed[0].error().code, v1::STORAGE_UNAVAILABLE) << failed[0].error().describe();
  EXPECT_FALSE(writer.value()->writable());

  // The disk recovers, but this handle cannot know what reached it.
  fail_syncs = false;
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

}  // namespace
}  // namespace weft::broker::store
