// What the load tests need beyond the integration harness: readings of a
// process from /proc (descriptors, CPU time), the load generators in
// tests/load/tools run as child processes whose output lines are read as
// they come, and a TCP relay that can stop forwarding without closing
// anything (a peer that vanished, a partition).
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "tests/harness/process.h"

namespace weft::testing {

// Open file descriptors of `pid`; -1 when it cannot be read.
long open_descriptors(pid_t pid);
// User plus system CPU time `pid` has used so far.
std::chrono::milliseconds cpu_time(pid_t pid);
// The same per thread, keyed "<tid> <name>": which thread used it.
std::map<std::string, std::chrono::milliseconds> cpu_time_by_thread(pid_t pid);

// Reads a process's resident memory and descriptors every 20 ms on its own
// thread and keeps the highest of each, for limits that must hold all
// through a flood rather than only once it is over.
class PeakSampler {
 public:
  explicit PeakSampler(pid_t pid);
  ~PeakSampler();
  PeakSampler(const PeakSampler&) = delete;
  PeakSampler& operator=(const PeakSampler&) = delete;

  long peak_rss_kib() const { return peak_rss_kib_.load(); }
  long peak_descriptors() const { return peak_descriptors_.load(); }

 private:
  std::atomic<long> peak_rss_kib_{0};
  std::atomic<long> peak_descriptors_{0};
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

// A load generator from tests/load/tools (built next to the test program),
// with its output lines parsed into key=value fields.
class LoadTool {
 public:
  LoadTool(const std::string& program, const std::vector<std::string>& args, const std::filesystem::path& log_dir,
           const std::string& name);

  ChildProcess& process() { return process_; }
  // The last line that starts with `prefix` (e.g. "progress "), once there is one.
  std::optional<std::string> last_line(const std::string& prefix) const;
  // Waits until a line starting with `prefix` appears, the tool exits, or
  // `timeout` passes.
  std::optional<std::string> wait_for_line(const std::string& prefix, std::chrono::milliseconds timeout);
  // Everything it printed, for failure messages.
  std::string output() const;

 private:
  ChildProcess process_;
};

// The value of `key` in a line of "key=value" fields; -1 when absent or not
// a number that fits.
long field(const std::string& line, const std::string& key);

// A TCP relay on 127.0.0.1: every connection to port() is forwarded to
// `target_port` on 127.0.0.1, both ways, on its own thread. freeze() stops
// it forwarding and reading in both directions while every socket stays
// open, as if the network between client and broker had gone: neither side
// sees a FIN or RST, the bytes in flight are held, and the broker's writes
// pile up until the kernel buffers are full.
class TcpRelay {
 public:
  explicit TcpRelay(std::uint16_t target_port);
  ~TcpRelay();
  TcpRelay(const TcpRelay&) = delete;
  TcpRelay& operator=(const TcpRelay&) = delete;

  std::uint16_t port() const { return port_; }
  void freeze();
  // Connections accepted so far.
  int connections() const { return connections_.load(); }

 private:
  struct Pair;
  void accept_next();
  void pump(std::shared_ptr<Pair> pair, bool client_to_broker);

  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::uint16_t target_port_;
  std::uint16_t port_ = 0;
  std::atomic<bool> frozen_{false};
  std::atomic<int> connections_{0};
  std::mutex mutex_;
  std::vector<std::shared_ptr<Pair>> pairs_;  // guarded by mutex_; kept open until the relay goes
  std::thread thread_;
};

}  // namespace weft::testing
