// Test-only fault injection, preloaded into weftd (LD_PRELOAD): shifts the
// wall clock (CLOCK_REALTIME, gettimeofday, time) by the number of seconds
// written in the file named by WEFT_WALL_CLOCK_SHIFT_FILE, re-read at most
// every 50 ms, as a clock step by NTP or an operator would. The monotonic
// clocks are left alone, as a real step leaves them.
//
// libfaketime does this too, but cannot initialise under jemalloc (which
// reads the clock while libfaketime is still allocating). This shim never
// allocates and reaches the kernel by syscall, so it needs no dlsym.
#include <fcntl.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>

namespace {

std::atomic<long> shift_seconds{0};
std::atomic<long> next_read_ns{0};

long monotonic_ns() {
  timespec now{};
  syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &now);
  return now.tv_sec * 1'000'000'000L + now.tv_nsec;
}

long current_shift() {
  const long now = monotonic_ns();
  if (now >= next_read_ns.load(std::memory_order_relaxed)) {
    next_read_ns.store(now + 50'000'000L, std::memory_order_relaxed);
    if (const char* path = std::getenv("WEFT_WALL_CLOCK_SHIFT_FILE")) {
      const int fd = open(path, O_RDONLY | O_CLOEXEC);
      if (fd >= 0) {
        char text[32] = {};
        const ssize_t length = read(fd, text, sizeof text - 1);
        close(fd);
        if (length > 0) {
          shift_seconds.store(std::strtol(text, nullptr, 10), std::memory_order_relaxed);
        }
      }
    }
  }
  return shift_seconds.load(std::memory_order_relaxed);
}

bool is_wall_clock(clockid_t clock) {
  return clock == CLOCK_REALTIME || clock == CLOCK_REALTIME_COARSE || clock == CLOCK_TAI;
}

}  // namespace

extern "C" {

int clock_gettime(clockid_t clock, timespec* out) {
  const int result = static_cast<int>(syscall(SYS_clock_gettime, clock, out));
  if (result == 0 && is_wall_clock(clock)) {
    out->tv_sec += current_shift();
  }
  return result;
}

int gettimeofday(timeval* out, void* zone) {
  const int result = static_cast<int>(syscall(SYS_gettimeofday, out, zone));
  if (result == 0) {  // glibc declares `out` nonnull
    out->tv_sec += current_shift();
  }
  return result;
}

time_t time(time_t* out) {
  timespec now{};
  clock_gettime(CLOCK_REALTIME, &now);
  if (out != nullptr) {
    *out = now.tv_sec;
  }
  return now.tv_sec;
}

}  // extern "C"
