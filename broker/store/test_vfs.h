// A SQLite VFS for tests that wraps the real one to inject storage faults:
// failing fsyncs, and power loss (every write not yet fsynced is dropped).
// While installed it is the default VFS, so SqliteStore uses it unchanged.
// One at a time; tests only.
#pragma once

#include <filesystem>
#include <map>
#include <string>

namespace weft::broker::store::testing {

class TestVfs {
 public:
  TestVfs();   // registers itself as the default VFS
  ~TestVfs();  // restores the real default
  TestVfs(const TestVfs&) = delete;
  TestVfs& operator=(const TestVfs&) = delete;

  // While set, every xSync fails with SQLITE_IOERR_FSYNC.
  void fail_syncs(bool fail);
  int failed_syncs() const;
  int syncs() const;

  // What the disk would hold after a power cut now: for each file opened
  // through this VFS, its content as of its last successful fsync (files
  // never synced are absent; the -shm index is memory, not disk). Writes
  // the files into `folder`, under their own names.
  void write_power_loss_image(const std::filesystem::path& folder) const;
};

}  // namespace weft::broker::store::testing
