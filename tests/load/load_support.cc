#include "tests/load/load_support.h"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <boost/asio/write.hpp>

namespace weft::testing {

namespace asio = boost::asio;
using asio::ip::tcp;

long open_descriptors(pid_t pid) {
  std::error_code error;
  long count = 0;
  for (std::filesystem::directory_iterator it("/proc/" + std::to_string(pid) + "/fd", error), end;
       !error && it != end; it.increment(error)) {
    ++count;
  }
  return error ? -1 : count;
}

PeakSampler::PeakSampler(pid_t pid)
    : thread_([this, pid] {
        while (!stopping_) {
          peak_rss_kib_ = std::max(peak_rss_kib_.load(), resident_kib(pid));
          peak_descriptors_ = std::max(peak_descriptors_.load(), open_descriptors(pid));
          std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
      }) {}

PeakSampler::~PeakSampler() {
  stopping_ = true;
  thread_.join();
}

namespace {

// A /proc/.../stat line: "pid (comm) state ..." with utime and stime the
// 14th and 15th fields; comm may hold spaces, so count from the last ')'.
std::chrono::milliseconds cpu_time_in_stat(const std::string& stat) {
  const auto after_comm = stat.rfind(')');
  if (after_comm == std::string::npos) {
    return std::chrono::milliseconds(-1);
  }
  std::istringstream fields(stat.substr(after_comm + 2));
  std::string skipped;
  for (int i = 3; i < 14; ++i) {  // state (field 3) through cmajflt (field 13)
    fields >> skipped;
  }
  long long user_ticks = 0;
  long long system_ticks = 0;
  fields >> user_ticks >> system_ticks;
  const long ticks_per_second = ::sysconf(_SC_CLK_TCK);
  return std::chrono::milliseconds((user_ticks + system_ticks) * 1000 / ticks_per_second);
}

}  // namespace

std::chrono::milliseconds cpu_time(pid_t pid) {
  return cpu_time_in_stat(read_text("/proc/" + std::to_string(pid) + "/stat"));
}

std::map<std::string, std::chrono::milliseconds> cpu_time_by_thread(pid_t pid) {
  std::map<std::string, std::chrono::milliseconds> threads;
  std::error_code error;
  for (std::filesystem::directory_iterator it("/proc/" + std::to_string(pid) + "/task", error), end;
       !error && it != end; it.increment(error)) {
    std::string name = read_text(it->path() / "comm");
    if (!name.empty() && name.back() == '\n') {
      name.pop_back();
    }
    threads[it->path().filename().string() + " " + name] = cpu_time_in_stat(read_text(it->path() / "stat"));
  }
  return threads;
}

namespace {

std::filesystem::path tool_path(const std::string& program) {
  // The tools are built into the folder of the test program itself.
  return std::filesystem::canonical("/proc/self/exe").parent_path() / program;
}

std::vector<std::string> tool_argv(const std::string& program, const std::vector<std::string>& args) {
  std::vector<std::string> argv{tool_path(program).string()};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

}  // namespace

LoadTool::LoadTool(const std::string& program, const std::vector<std::string>& args,
                   const std::filesystem::path& log_dir, const std::string& name)
    : process_(tool_argv(program, args), log_dir, name) {}

std::optional<std::string> LoadTool::last_line(const std::string& prefix) const {
  const auto lines = complete_lines(process_.stdout_text());
  for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
    if (it->rfind(prefix, 0) == 0) {
      return *it;
    }
  }
  return std::nullopt;
}

std::optional<std::string> LoadTool::wait_for_line(const std::string& prefix, std::chrono::milliseconds timeout) {
  std::optional<std::string> found;
  eventually(
      [&] {
        found = last_line(prefix);
        return found.has_value() || !process_.running();
      },
      timeout);
  // The tool may have printed the line just before exiting.
  return found ? found : last_line(prefix);
}

std::string LoadTool::output() const { return process_.stdout_text() + process_.stderr_text(); }

long field(const std::string& line, const std::string& key) {
  const std::string needle = " " + key + "=";
  const auto at = (" " + line).find(needle);
  if (at == std::string::npos) {
    return -1;
  }
  try {
    return std::stol(line.substr(at + needle.size() - 1));
  } catch (const std::logic_error&) {  // not a number, or out of range
    return -1;
  }
}

struct TcpRelay::Pair {
  explicit Pair(asio::io_context& io) : client(io), broker(io) {}
  tcp::socket client;
  tcp::socket broker;
  std::array<char, 16 * 1024> to_broker{};
  std::array<char, 16 * 1024> to_client{};
};

TcpRelay::TcpRelay(std::uint16_t target_port) : acceptor_(io_), target_port_(target_port) {
  const tcp::endpoint local(asio::ip::make_address("127.0.0.1"), 0);
  acceptor_.open(local.protocol());
  acceptor_.bind(local);
  acceptor_.listen();
  port_ = acceptor_.local_endpoint().port();
  accept_next();
  thread_ = std::thread([this] { io_.run(); });
}

TcpRelay::~TcpRelay() {
  io_.stop();
  thread_.join();
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  {
    std::lock_guard lock(mutex_);
    for (const auto& pair : pairs_) {
      pair->client.close(ignored);
      pair->broker.close(ignored);
    }
  }
  // The aborted operations give back their hold on the pairs.
  io_.restart();
  io_.poll();
  std::lock_guard lock(mutex_);
  pairs_.clear();
}

void TcpRelay::freeze() { frozen_ = true; }

void TcpRelay::accept_next() {
  auto pair = std::make_shared<Pair>(io_);
  acceptor_.async_accept(pair->client, [this, pair](const boost::system::error_code& error) {
    if (error) {
      return;
    }
    ++connections_;
    {
      std::lock_guard lock(mutex_);
      pairs_.push_back(pair);
    }
    boost::system::error_code connect_error;
    pair->broker.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), target_port_), connect_error);
    if (connect_error) {
      pair->client.close(connect_error);
    } else {
      pump(pair, true);
      pump(pair, false);
    }
    accept_next();
  });
}

void TcpRelay::pump(std::shared_ptr<Pair> pair, bool client_to_broker) {
  if (frozen_) {
    return;  // neither read nor write again: the connection hangs as it is
  }
  tcp::socket& from = client_to_broker ? pair->client : pair->broker;
  auto& buffer = client_to_broker ? pair->to_broker : pair->to_client;
  from.async_read_some(asio::buffer(buffer), [this, pair, client_to_broker](const boost::system::error_code& error,
                                                                            std::size_t bytes) {
    if (frozen_) {
      return;  // what was read is held, never delivered
    }
    tcp::socket& to = client_to_broker ? pair->broker : pair->client;
    if (error) {
      // A real end of the stream is passed on, so the other side sees it.
      boost::system::error_code ignored;
      to.shutdown(tcp::socket::shutdown_send, ignored);
      return;
    }
    const auto& received = client_to_broker ? pair->to_broker : pair->to_client;
    asio::async_write(to, asio::buffer(received.data(), bytes),
                      [this, pair, client_to_broker](const boost::system::error_code& write_error, std::size_t) {
                        if (!write_error) {
                          pump(pair, client_to_broker);
                        }
                      });
  });
}

}  // namespace weft::testing
