#include "common/secret_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <random>

#include "common/files.h"

namespace weft::files {
namespace {

Error config_invalid(std::string message) { return make_error(v1::CONFIG_INVALID, std::move(message)); }

void sync_directory_of(const std::filesystem::path& file) {
  const std::filesystem::path dir = file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

}  // namespace

Result<std::string> read_secret_file(const std::filesystem::path& file, std::string_view what, std::size_t max_bytes) {
  const std::string named = std::string(what) + " " + file.string();
  struct stat info {};
  if (::stat(file.c_str(), &info) != 0) {
    if (errno == ENOENT) {
      return config_invalid(named + " is missing");
    }
    return config_invalid("cannot read " + named + ": " + std::strerror(errno));
  }
  if ((info.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(info.st_mode & 07777));
    return config_invalid(named + " is accessible to other users (mode " + mode + "); run: chmod 600 " +
                          file.string());
  }
  auto content = read_file(file, max_bytes);
  if (!content) {
    return config_invalid("cannot read " + named + ": " + content.error().message);
  }
  return std::move(content).value();
}

Result<SecretBytes> read_raw_key_file(const std::filesystem::path& file, std::string_view what, std::size_t size) {
  if (!std::filesystem::exists(file)) {
    return config_invalid(std::string(what) + " " + file.string() + " is missing (weft admin init creates it)");
  }
  // Read with a little room, so that a longer file is reported as the wrong
  // size rather than as too large.
  WEFT_TRY(auto content, read_secret_file(file, what, 2 * size));
  const WipeOnExit wipe_content(content);
  if (content.size() != size) {
    return config_invalid(std::string(what) + " " + file.string() + " must hold exactly " + std::to_string(size) +
                          " bytes");
  }
  return SecretBytes::copy_of(
      std::span<const unsigned char>(reinterpret_cast<const unsigned char*>(content.data()), content.size()));
}

Result<void> create_secret_file(const std::filesystem::path& file, std::string_view content, std::string_view what) {
  // Written complete under a temporary name first, then hard-linked into
  // place: link() fails with EEXIST instead of replacing, so an existing key,
  // even one another process created a moment ago, is never overwritten.
  thread_local std::mt19937_64 generator{std::random_device{}()};
  const std::filesystem::path staging =
      file.parent_path() / ("." + file.filename().string() + ".new-" + std::to_string(generator()));
  WEFT_TRY(write_file_atomic(staging, std::string(content), 0600));
  const int linked = ::link(staging.c_str(), file.c_str());
  const int link_error = errno;
  ::unlink(staging.c_str());
  if (linked != 0 && link_error == EEXIST) {
    return config_invalid(std::string(what) + " " + file.string() + " already exists; refusing to replace it");
  }
  if (linked != 0) {
    return config_invalid("cannot create " + std::string(what) + " " + file.string() + ": " +
                          std::strerror(link_error));
  }
  sync_directory_of(file);
  return ok();
}

}  // namespace weft::files
