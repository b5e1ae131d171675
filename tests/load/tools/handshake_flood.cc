// weft-load-handshake-flood: TCP connections to weftd that never finish a
// TLS handshake, from several loopback source addresses. Every other one
// sends the first half of a real ClientHello, the rest send nothing. Each
// source keeps up to --per-source connections open; when the broker closes
// one, another takes its place, until --total were made or --duration-ms
// passed. Then it waits (at most --drain-ms) for the broker to close what is
// still open.
//
//   weft-load-handshake-flood --port P --sources 127.0.0.2,127.0.0.3 --per-source 250 --total 4000 --duration-ms 8000
//
// Output, one line each, flushed:
//   progress attempts=<a> open=<o> closed=<c>              every 200 ms while a count changes
//   done attempts=<a> connected=<c> connect_failed=<f> closed_quickly=<q> closed_late=<l>
//        never_closed=<n> longest_held_ms=<m>
// "quickly" is within --quick-ms of connecting (the broker refused the
// connection at once); "late" is after that (a deadline closed it);
// "never_closed" were still open when the drain time ran out.
#include <openssl/bio.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <memory>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include <CLI/CLI.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "tests/load/tools/tool_session.h"

namespace {

using namespace weft::load;
using Clock = std::chrono::steady_clock;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

struct Run {
  std::uint16_t port = 0;
  std::string half_client_hello;
  int per_source = 0;
  int total = 0;
  Clock::time_point stop_starting;
  std::chrono::milliseconds quick{300};
  int attempts = 0;
  int connected = 0;
  int connect_failed = 0;
  int connecting = 0;
  int open = 0;
  int closed_quickly = 0;
  int closed_late = 0;
  std::chrono::milliseconds longest_held{0};
  std::vector<std::shared_ptr<tcp::socket>> live;  // to close whatever the broker never closed
};

// The bytes a TLS 1.3 client sends first, from OpenSSL talking into memory.
std::string first_half_of_a_client_hello() {
  const std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> context(SSL_CTX_new(TLS_client_method()), &SSL_CTX_free);
  const std::unique_ptr<SSL, decltype(&SSL_free)> ssl(SSL_new(context.get()), &SSL_free);
  BIO* into_ssl = BIO_new(BIO_s_mem());
  BIO* out_of_ssl = BIO_new(BIO_s_mem());
  SSL_set_bio(ssl.get(), into_ssl, out_of_ssl);  // the SSL owns both from here
  SSL_set_connect_state(ssl.get());
  SSL_do_handshake(ssl.get());  // stops wanting to read the ServerHello
  std::string hello(static_cast<std::size_t>(BIO_pending(out_of_ssl)), '\0');
  const int read = BIO_read(out_of_ssl, hello.data(), static_cast<int>(hello.size()));
  hello.resize(static_cast<std::size_t>(std::max(read, 0)));
  return hello.substr(0, hello.size() / 2);
}

// One connection from `source`, held until the broker closes it; counted
// in `open_from_source` while it lasts.
asio::awaitable<void> one_connection(std::shared_ptr<Run> run, asio::ip::address source, bool send_half_hello,
                                     std::shared_ptr<int> open_from_source) {
  auto socket = std::make_shared<tcp::socket>(co_await asio::this_coro::executor);
  boost::system::error_code error;
  socket->open(tcp::v4(), error);
  if (!error) {
    socket->bind(tcp::endpoint(source, 0), error);
  }
  if (!error) {
    ++run->connecting;
    std::tie(error) =
        co_await socket->async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), run->port), kTuple);
    --run->connecting;
  }
  if (error) {
    ++run->connect_failed;
    --*open_from_source;
    co_return;
  }
  ++run->connected;
  ++run->open;
  run->live.push_back(socket);
  const auto connected_at = Clock::now();
  if (send_half_hello) {
    co_await asio::async_write(*socket, asio::buffer(run->half_client_hello), kTuple);
  }
  // Whatever the broker sends (an alert at most) is dropped; the read ends
  // when it closes the connection.
  std::array<char, 512> sink{};
  while (true) {
    auto [read_error, read] = co_await socket->async_read_some(asio::buffer(sink), kTuple);
    if (read_error) {
      break;
    }
  }
  --run->open;
  --*open_from_source;
  const auto held = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - connected_at);
  if (socket->is_open()) {  // closed by the broker, not by us at the end of the drain
    run->longest_held = std::max(run->longest_held, held);
    (held < run->quick ? run->closed_quickly : run->closed_late) += 1;
  }
  std::erase(run->live, socket);
  socket->close(error);
}

// Keeps up to `per_source` connections from `source` open until the run stops starting new ones.
asio::awaitable<void> flood_from(std::shared_ptr<Run> run, asio::ip::address source) {
  asio::steady_timer pause(co_await asio::this_coro::executor);
  auto open_here = std::make_shared<int>(0);
  int started_here = 0;
  while (Clock::now() < run->stop_starting && run->attempts < run->total) {
    if (*open_here >= run->per_source) {
      pause.expires_after(std::chrono::milliseconds(2));
      co_await pause.async_wait(kTuple);
      continue;
    }
    ++run->attempts;
    ++*open_here;
    const bool half_hello = (started_here++ % 2) == 1;
    asio::co_spawn(pause.get_executor(), one_connection(run, source, half_hello, open_here), asio::detached);
  }
}

std::string counts(const Run& run) {
  return "attempts=" + std::to_string(run.attempts) + " open=" + std::to_string(run.open) +
         " closed=" + std::to_string(run.closed_quickly + run.closed_late);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"TCP connections to weftd that never finish the TLS handshake"};
  int port = 0;
  std::string sources_text;
  int per_source = 250;
  int total = 2000;
  long duration_ms = 8000;
  long drain_ms = 20000;
  long quick_ms = 300;
  app.add_option("--port", port, "weftd's port on 127.0.0.1")->required()->check(CLI::Range(1, 65535));
  app.add_option("--sources", sources_text, "Comma-separated loopback source addresses")->required();
  app.add_option("--per-source", per_source, "Connections open at once per source")->check(CLI::Range(1, 5000));
  app.add_option("--total", total, "Connections made at most")->check(CLI::Range(1, 50000));
  app.add_option("--duration-ms", duration_ms, "Stop making new connections after this long")
      ->check(CLI::Range(1L, 120000L));
  app.add_option("--drain-ms", drain_ms, "Then wait at most this long for the broker to close the rest")
      ->check(CLI::Range(1L, 120000L));
  app.add_option("--quick-ms", quick_ms, "A close within this time of connecting counts as an immediate refusal")
      ->check(CLI::Range(1L, 60000L));
  CLI11_PARSE(app, argc, argv);

  std::vector<asio::ip::address> sources;
  std::stringstream list(sources_text);
  for (std::string item; std::getline(list, item, ',');) {
    boost::system::error_code error;
    const auto address = asio::ip::make_address(item, error);
    if (error || !address.is_loopback()) {
      say("error --sources: '" + item + "' is not a loopback address");
      return 2;
    }
    sources.push_back(address);
  }

  auto shared_run = std::make_shared<Run>();
  Run& run = *shared_run;
  run.port = static_cast<std::uint16_t>(port);
  run.half_client_hello = first_half_of_a_client_hello();
  run.per_source = per_source;
  run.total = total;
  run.quick = std::chrono::milliseconds(quick_ms);
  run.stop_starting = Clock::now() + std::chrono::milliseconds(duration_ms);
  const auto give_up = run.stop_starting + std::chrono::milliseconds(drain_ms);

  asio::io_context io(1);
  for (const auto& source : sources) {
    asio::co_spawn(io, flood_from(shared_run, source), asio::detached);
  }
  std::string last;
  bool flooding = true;
  while (Clock::now() < give_up && (flooding || run.connecting > 0 || run.open > 0)) {
    io.run_for(std::chrono::milliseconds(200));
    flooding = Clock::now() < run.stop_starting && run.attempts < run.total;
    if (std::string line = "progress " + counts(run); line != last) {
      say(line);
      last = std::move(line);
    }
  }
  const int never_closed = run.open;
  for (const auto& socket : run.live) {
    boost::system::error_code ignored;
    socket->close(ignored);
  }
  io.restart();
  io.run_for(std::chrono::milliseconds(500));  // the aborted reads finish
  say("done attempts=" + std::to_string(run.attempts) + " connected=" + std::to_string(run.connected) +
      " connect_failed=" + std::to_string(run.connect_failed) +
      " closed_quickly=" + std::to_string(run.closed_quickly) + " closed_late=" + std::to_string(run.closed_late) +
      " never_closed=" + std::to_string(never_closed) +
      " longest_held_ms=" + std::to_string(run.longest_held.count()));
  return 0;
}
