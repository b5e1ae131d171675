#include "broker/store/test_vfs.h"

#include <sqlite3.h>

#include <atomic>
#include <fstream>
#include <mutex>
#include <stdexcept>

namespace weft::broker::store::testing {
namespace {

std::atomic<bool> failing{false};
std::atomic<int> failed_count{0};
std::atomic<int> sync_count{0};
sqlite3_vfs* real_vfs = nullptr;
sqlite3_vfs test_vfs;

std::mutex images_mutex;
// File name -> content as of its last successful sync.
std::map<std::string, std::string> synced_images;

// Our handle, followed in the same allocation by the real VFS's handle.
// SQLite allocates it raw, so it holds only trivially destructible members.
struct TestFile {
  sqlite3_file base;
  const char* name;  // owned by SQLite, valid until xClose
  sqlite3_file* real() { return reinterpret_cast<sqlite3_file*>(this + 1); }
};

TestFile* test_file(sqlite3_file* file) { return reinterpret_cast<TestFile*>(file); }
sqlite3_file* real(sqlite3_file* file) { return test_file(file)->real(); }
const sqlite3_io_methods* methods(sqlite3_file* file) { return real(file)->pMethods; }

// Reads the whole file through the real VFS.
std::string current_content(sqlite3_file* file) {
  sqlite3_int64 size = 0;
  if (methods(file)->xFileSize(real(file), &size) != SQLITE_OK || size <= 0) {
    return {};
  }
  std::string content(static_cast<std::size_t>(size), '\0');
  methods(file)->xRead(real(file), content.data(), static_cast<int>(size), 0);
  return content;
}

sqlite3_io_methods make_methods() {
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
    if (failing.load()) {
      failed_count.fetch_add(1);
      return SQLITE_IOERR_FSYNC;
    }
    const int synced = methods(f)->xSync(real(f), flags);
    if (synced == SQLITE_OK && test_file(f)->name != nullptr) {
      sync_count.fetch_add(1);
      std::lock_guard lock(images_mutex);
      synced_images[test_file(f)->name] = current_content(f);
    }
    return synced;
  };
  out.xFileSize = [](sqlite3_file* f, sqlite3_int64* size) { return methods(f)->xFileSize(real(f), size); };
  out.xLock = [](sqlite3_file* f, int level) { return methods(f)->xLock(real(f), level); };
  out.xUnlock = [](sqlite3_file* f, int level) { return methods(f)->xUnlock(real(f), level); };
  out.xCheckReservedLock = [](sqlite3_file* f, int* reserved) {
    return methods(f)->xCheckReservedLock(real(f), reserved);
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

const sqlite3_io_methods test_methods = make_methods();

int test_open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* file, int flags, int* out_flags) {
  test_file(file)->name = name;
  const int opened = real_vfs->xOpen(real_vfs, name, test_file(file)->real(), flags, out_flags);
  // SQLite calls xClose only when pMethods is set.
  file->pMethods = test_file(file)->real()->pMethods != nullptr ? &test_methods : nullptr;
  return opened;
}

// A file SQLite deletes (a WAL after a checkpoint) is gone from the disk too.
int test_delete(sqlite3_vfs*, const char* name, int sync_directory) {
  {
    std::lock_guard lock(images_mutex);
    synced_images.erase(name);
  }
  return real_vfs->xDelete(real_vfs, name, sync_directory);
}

}  // namespace

TestVfs::TestVfs() {
  if (real_vfs != nullptr) {
    throw std::logic_error("one TestVfs at a time");
  }
  real_vfs = sqlite3_vfs_find(nullptr);
  test_vfs = *real_vfs;
  test_vfs.zName = "weft-test-vfs";
  test_vfs.szOsFile = static_cast<int>(sizeof(TestFile)) + real_vfs->szOsFile;
  test_vfs.xOpen = test_open;
  test_vfs.xDelete = test_delete;
  failing = false;
  failed_count = 0;
  sync_count = 0;
  {
    std::lock_guard lock(images_mutex);
    synced_images.clear();
  }
  sqlite3_vfs_register(&test_vfs, 1);
}

TestVfs::~TestVfs() {
  sqlite3_vfs_unregister(&test_vfs);
  sqlite3_vfs_register(real_vfs, 1);
  real_vfs = nullptr;
}

void TestVfs::fail_syncs(bool fail) { failing = fail; }
int TestVfs::failed_syncs() const { return failed_count.load(); }
int TestVfs::syncs() const { return sync_count.load(); }

void TestVfs::write_power_loss_image(const std::filesystem::path& folder) const {
  std::filesystem::create_directories(folder);
  std::lock_guard lock(images_mutex);
  for (const auto& [name, content] : synced_images) {
    std::ofstream(folder / std::filesystem::path(name).filename(), std::ios::binary | std::ios::trunc)
        .write(content.data(), static_cast<std::streamsize>(content.size()));
  }
}

}  // namespace weft::broker::store::testing
