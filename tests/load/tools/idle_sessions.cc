// weft-load-idle-sessions: opens many idle authenticated sessions to weftd
// and holds them, pinging every half heartbeat interval as a quiet
// subscriber would, so that the broker's idle timeout never fires.
//
//   weft-load-idle-sessions --profile P --broker 127.0.0.1:PORT -n 2000 [--parallel 32] [--hold-ms 60000]
//
// Output, one line each, flushed:
//   progress tried=<t> opened=<o> failed=<f> lost=<l>   whenever a count changed (at most every 100 ms)
//   open sessions=<o> failed=<f> seconds=<s>            once every session was tried
//   first-failure <text>                                the first failure, if any
//   end sessions=<n> lost=<l>                           at exit (SIGTERM, SIGINT or --hold-ms passed)
// "lost" counts sessions the broker closed after they were open.
#include <array>
#include <chrono>
#include <csignal>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "tests/load/tools/tool_session.h"

namespace {

using namespace weft::load;
using Clock = std::chrono::steady_clock;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
// The broker may announce a very short heartbeat in a test; pinging faster
// than this would only measure the pinging.
constexpr std::chrono::milliseconds kShortestPingInterval{100};

struct Run {
  Target target;
  std::chrono::milliseconds open_timeout{30000};
  int tried = 0;
  int opened = 0;
  int failed = 0;
  int lost = 0;
  int opening = 0;
  std::string first_failure;
};

asio::awaitable<void> keep_alive(std::shared_ptr<TlsStream> stream, std::chrono::milliseconds interval) {
  weft::v1::Frame ping;
  ping.mutable_ping()->set_nonce(0);
  const std::string bytes = weft::proto::encode_frame(ping);
  asio::steady_timer timer(stream->get_executor());
  while (true) {
    timer.expires_after(interval);
    auto [wait_error] = co_await timer.async_wait(kTuple);
    if (wait_error || !stream->next_layer().is_open()) {
      co_return;
    }
    auto [write_error, written] = co_await asio::async_write(*stream, asio::buffer(bytes), kTuple);
    if (write_error) {
      co_return;
    }
  }
}

asio::awaitable<void> session(std::shared_ptr<Run> run) {
  auto stream = std::make_shared<TlsStream>(co_await asio::this_coro::executor, *run->target.tls);
  auto welcome = co_await open_session(*stream, run->target, run->open_timeout, "weft-load-idle/0.1.0");
  --run->opening;
  if (!welcome) {
    ++run->failed;
    if (run->first_failure.empty()) {
      run->first_failure = welcome.error().describe();
    }
    co_return;
  }
  ++run->opened;
  const auto heartbeat = std::chrono::milliseconds(welcome.value().limits().heartbeat_interval_ms());
  asio::co_spawn(stream->get_executor(), keep_alive(stream, std::max(heartbeat / 2, kShortestPingInterval)),
                 asio::detached);
  // Pongs are read and dropped: no frame buffer is kept between them.
  std::array<char, 256> sink{};
  while (true) {
    auto [read_error, read] = co_await stream->async_read_some(asio::buffer(sink), kTuple);
    if (read_error) {
      break;
    }
  }
  ++run->lost;
  boost::system::error_code ignored;
  stream->next_layer().close(ignored);
}

asio::awaitable<void> open_all(std::shared_ptr<Run> run, int count, int parallel) {
  const auto started = Clock::now();
  asio::steady_timer pause(co_await asio::this_coro::executor);
  while (run->tried < count) {
    if (run->opening >= parallel) {
      pause.expires_after(std::chrono::milliseconds(1));
      co_await pause.async_wait(kTuple);
      continue;
    }
    ++run->tried;
    ++run->opening;
    asio::co_spawn(pause.get_executor(), session(run), asio::detached);
  }
  while (run->opening > 0) {
    pause.expires_after(std::chrono::milliseconds(5));
    co_await pause.async_wait(kTuple);
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  say("open sessions=" + std::to_string(run->opened) + " failed=" + std::to_string(run->failed) +
      " seconds=" + std::to_string(seconds));
  if (!run->first_failure.empty()) {
    say("first-failure " + run->first_failure);
  }
}

asio::awaitable<void> report_progress(std::shared_ptr<Run> run) {
  asio::steady_timer tick(co_await asio::this_coro::executor);
  std::string last;
  while (true) {
    std::string line = "progress tried=" + std::to_string(run->tried) + " opened=" + std::to_string(run->opened) +
                       " failed=" + std::to_string(run->failed) + " lost=" + std::to_string(run->lost);
    if (line != last) {
      say(line);
      last = std::move(line);
    }
    tick.expires_after(std::chrono::milliseconds(100));
    co_await tick.async_wait(kTuple);
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Opens idle authenticated sessions to weftd and holds them"};
  std::filesystem::path profile;
  std::string broker;
  int count = 1000;
  int parallel = 32;
  long hold_ms = 120000;
  long open_timeout_ms = 30000;
  app.add_option("--profile", profile, "Client profile (weft admin org add writes one)")->required();
  app.add_option("--broker", broker, "HOST:PORT of weftd, instead of the profile's");
  app.add_option("-n", count, "Sessions to open")->check(CLI::Range(1, 60000));
  app.add_option("--parallel", parallel, "Sessions opening at once")->check(CLI::Range(1, 1000));
  app.add_option("--hold-ms", hold_ms, "Exit after this long")->check(CLI::Range(1L, 3600000L));
  app.add_option("--open-timeout-ms", open_timeout_ms, "Give up opening one session after this long")
      ->check(CLI::Range(100L, 600000L));
  CLI11_PARSE(app, argc, argv);

  auto target = load_target(profile, broker);
  if (!target) {
    say("error " + target.error().describe());
    return 2;
  }
  auto run = std::make_shared<Run>();
  run->target = std::move(target).value();
  run->open_timeout = std::chrono::milliseconds(open_timeout_ms);

  asio::io_context io(1);
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&io](const boost::system::error_code&, int) { io.stop(); });
  asio::steady_timer hold(io);
  hold.expires_after(std::chrono::milliseconds(hold_ms));
  hold.async_wait([&io](const boost::system::error_code& error) {
    if (!error) {
      io.stop();
    }
  });
  asio::co_spawn(io, open_all(run, count, parallel), asio::detached);
  asio::co_spawn(io, report_progress(run), asio::detached);
  io.run();
  say("end sessions=" + std::to_string(run->opened - run->lost) + " lost=" + std::to_string(run->lost));
  return run->failed == 0 && run->lost == 0 ? 0 : 1;
}
