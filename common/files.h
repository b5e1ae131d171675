// Small file helpers for configuration, keys and state files.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

#include "proto/error.h"

namespace weft::files {

inline constexpr std::size_t kDefaultMaxFileBytes = 64U << 20;

// Reads a whole file; refuses files larger than `max_bytes`.
Result<std::string> read_file(const std::filesystem::path& path, std::size_t max_bytes = kDefaultMaxFileBytes);

// Replaces `path` atomically: writes a temporary file in the same folder with
// `mode`, syncs it, renames it over `path` and syncs the folder. Readers see
// the old or the new content, never a mix.
Result<void> write_file_atomic(const std::filesystem::path& path, std::string_view content, mode_t mode = 0644);

// Creates `path` (and parents) if missing and sets its mode.
Result<void> make_directory(const std::filesystem::path& path, mode_t mode = 0700);

// Resolves `path` against `base_dir` unless it is absolute.
std::filesystem::path resolve(const std::filesystem::path& base_dir, const std::filesystem::path& path);

// An exclusive advisory lock (flock) on a lock file, held while this lives.
class FileLock {
 public:
  static Result<FileLock> acquire(const std::filesystem::path& lock_path);
  FileLock(FileLock&& other) noexcept;
  FileLock& operator=(FileLock&& other) noexcept;
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  ~FileLock();

 private:
  explicit FileLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace weft::files
