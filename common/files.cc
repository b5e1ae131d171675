#include "common/files.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>

namespace weft::files {
namespace {

Error io_error(std::string_view what, const std::filesystem::path& path, int err) {
  return make_error(v1::CONFIG_INVALID,
                    std::string(what) + " " + path.string() + ": " + std::strerror(err));
}

// Closes a file descriptor on scope exit.
class FdGuard {
 public:
  explicit FdGuard(int fd) : fd_(fd) {}
  FdGuard(const FdGuard&) = delete;
  FdGuard& operator=(const FdGuard&) = delete;
  ~FdGuard() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

}  // namespace

Result<std::string> read_file(const std::filesystem::path& path, std::size_t max_bytes) {
  FdGuard fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    return io_error("cannot open", path, errno);
  }
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0) {
    return io_error("cannot stat", path, errno);
  }
  if (!S_ISREG(info.st_mode)) {
    return make_error(v1::CONFIG_INVALID, path.string() + ": not a regular file");
  }
  if (static_cast<std::size_t>(info.st_size) > max_bytes) {
    return make_error(v1::CONFIG_INVALID,
                      path.string() + ": larger than " + std::to_string(max_bytes) + " bytes");
  }
  std::string content(static_cast<std::size_t>(info.st_size), '\0');
  std::size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::read(fd.get(), content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      return io_error("cannot read", path, errno);
    }
    if (n == 0) {
      content.resize(done);  // the file shrank while we read it
      break;
    }
    done += static_cast<std::size_t>(n);
  }
  return content;
}

Result<void> write_file_atomic(const std::filesystem::path& path, std::string_view content, mode_t mode) {
  const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  std::random_device random;
  const std::filesystem::path temp =
      dir / ("." + path.filename().string() + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(random()));
  {
    FdGuard fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode));
    if (fd.get() < 0) {
      return io_error("cannot create", temp, errno);
    }
    if (::fchmod(fd.get(), mode) != 0) {
      const int err = errno;
      ::unlink(temp.c_str());
      return io_error("cannot set the mode of", temp, err);
    }
    std::size_t done = 0;
    while (done < content.size()) {
      const ssize_t n = ::write(fd.get(), content.data() + done, content.size() - done);
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n < 0) {
        const int err = errno;
        ::unlink(temp.c_str());
        return io_error("cannot write", temp, err);
      }
      done += static_cast<std::size_t>(n);
    }
    if (::fsync(fd.get()) != 0) {
      const int err = errno;
      ::unlink(temp.c_str());
      return io_error("cannot sync", temp, err);
    }
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(temp.c_str());
    return io_error("cannot replace", path, err);
  }
  FdGuard dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir_fd.get() >= 0) {
    ::fsync(dir_fd.get());
  }
  return ok();
}

Result<void> make_directory(const std::filesystem::path& path, mode_t mode) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) {
    return make_error(v1::CONFIG_INVALID, "cannot create directory " + path.string() + ": " + ec.message());
  }
  if (::chmod(path.c_str(), mode) != 0) {
    return io_error("cannot set the mode of", path, errno);
  }
  return ok();
}

std::filesystem::path resolve(const std::filesystem::path& base_dir, const std::filesystem::path& path) {
  if (path.empty() || path.is_absolute()) {
    return path;
  }
  return base_dir / path;
}

Result<FileLock> FileLock::acquire(const std::filesystem::path& lock_path) {
  FdGuard fd(::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (fd.get() < 0) {
    return io_error("cannot open lock file", lock_path, errno);
  }
  while (::flock(fd.get(), LOCK_EX) != 0) {
    if (errno != EINTR) {
      return io_error("cannot lock", lock_path, errno);
    }
  }
  return FileLock(fd.release());
}

FileLock::FileLock(FileLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

FileLock& FileLock::operator=(FileLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) {
      ::close(fd_);
    }
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

FileLock::~FileLock() {
  if (fd_ >= 0) {
    ::close(fd_);  // closing releases the flock
  }
}

}  // namespace weft::files
