// What the load generators measure, computed as the peers' bench_common.hpp
// does so the figures compare: latency percentiles, a process's CPU time,
// and the host's steal time.
#pragma once

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace weft::bench {

inline double percentile_us(std::vector<std::int64_t> latencies_ns, double fraction) {
  if (latencies_ns.empty()) {
    return 0;
  }
  // Same rank rule as the peers' bench_common.hpp.
  auto rank = static_cast<std::size_t>(fraction * static_cast<double>(latencies_ns.size() - 1) + 0.5);
  rank = std::min(rank, latencies_ns.size() - 1);
  std::nth_element(latencies_ns.begin(), latencies_ns.begin() + static_cast<std::ptrdiff_t>(rank),
                   latencies_ns.end());
  return static_cast<double>(latencies_ns[rank]) / 1000.0;
}

// User + system CPU seconds of a process, from /proc/PID/stat; nullopt if unreadable.
inline std::optional<double> process_cpu_seconds(int pid) {
  std::ifstream file("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  // The command name (field 2) may hold spaces; count fields after its ')'.
  const auto name_end = text.rfind(')');
  if (name_end == std::string::npos) {
    return std::nullopt;
  }
  std::istringstream fields(text.substr(name_end + 2));
  std::string field;
  unsigned long long user_ticks = 0;
  unsigned long long system_ticks = 0;
  // Fields from 3 (state) on; utime and stime are fields 14 and 15.
  for (int number = 3; number <= 15 && fields >> field; ++number) {
    if (number == 14) {
      user_ticks = std::stoull(field);
    } else if (number == 15) {
      system_ticks = std::stoull(field);
    }
  }
  return static_cast<double>(user_ticks + system_ticks) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

inline double own_cpu_seconds() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  const auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// Host-wide CPU jiffies from the first line of /proc/stat: total and steal.
struct HostCpu {
  unsigned long long total = 0;
  unsigned long long steal = 0;
};

inline HostCpu host_cpu() {
  std::ifstream file("/proc/stat");
  std::string label;
  file >> label;  // "cpu"
  HostCpu cpu;
  unsigned long long value = 0;
  // user nice system idle iowait irq softirq steal (guest time is already in user)
  for (int column = 0; column < 8 && file >> value; ++column) {
    cpu.total += value;
    if (column == 7) {
      cpu.steal = value;
    }
  }
  return cpu;
}

}  // namespace weft::bench
