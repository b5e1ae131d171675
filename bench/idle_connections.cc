// Opens many idle, authenticated sessions to weftd and holds them, so
// connections.sh can measure the broker's memory per idle connection.
//
//   idle_connections --profile orgs/bench-sub/profile.conf --broker 127.0.0.1:PORT -n 5000 [-T 600]
//
// Each session is what a quiet subscriber keeps open: mutual TLS 1.3, Hello
// answered by Welcome, then only a Ping every half heartbeat interval so the
// broker's idle timeout never closes it. Leaner than client-lib's Connection
// on purpose: one TLS context for all sessions (Connection::connect loads
// the certificate and key for each) and no frame buffer once open, so one
// process holds thousands.
//
// Prints `open sessions=<n> failed=<f> seconds=<t>` once every session has
// been tried, then waits until killed (SIGTERM/SIGINT) or -T seconds pass,
// and prints `end sessions=<n> lost=<k>`. Exit status 1 when a session
// failed to open or was lost.
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "client-lib/profile.h"
#include "proto/frame_codec.h"
#include "tls/tls_context.h"
#include "weft/v1/frame.pb.h"

namespace {

namespace asio = boost::asio;
namespace v1 = weft::v1;
using tcp = asio::ip::tcp;
using Stream = asio::ssl::stream<tcp::socket>;
using Clock = std::chrono::steady_clock;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

struct Run {
  tcp::endpoint broker;
  std::string server_name;
  std::shared_ptr<asio::ssl::context> tls;
  std::chrono::milliseconds open_timeout{30000};
  int tried = 0;
  int opened = 0;
  int failed = 0;
  int lost = 0;
  int in_flight = 0;
  std::string first_error;
};

void note_failure(Run& run, const std::string& what) {
  ++run.failed;
  if (run.first_error.empty()) {
    run.first_error = what;
  }
}

// Connect, handshake, Hello, Welcome. Returns the broker's heartbeat
// interval, or zero when the session could not be opened.
asio::awaitable<std::chrono::milliseconds> open_session(Stream& stream, Run& run) {
  auto [connect_error] = co_await stream.next_layer().async_connect(run.broker, kTuple);
  if (connect_error) {
    note_failure(run, "connect: " + connect_error.message());
    co_return std::chrono::milliseconds{0};
  }
  stream.set_verify_callback(asio::ssl::host_name_verification(run.server_name));
  auto [handshake_error] = co_await stream.async_handshake(asio::ssl::stream_base::client, kTuple);
  if (handshake_error) {
    note_failure(run, "TLS handshake: " + handshake_error.message());
    co_return std::chrono::milliseconds{0};
  }
  v1::Frame hello;
  hello.set_correlation_id(1);
  hello.mutable_hello()->set_version(v1::PROTOCOL_V1);
  hello.mutable_hello()->set_client_software("weft-bench-idle/0.1.0");
  const std::string bytes = weft::proto::encode_frame(hello);
  auto [write_error, written] = co_await asio::async_write(stream, asio::buffer(bytes), kTuple);
  if (write_error) {
    note_failure(run, "Hello: " + write_error.message());
    co_return std::chrono::milliseconds{0};
  }
  // Scoped to the opening: its read chunk is not kept by idle sessions.
  weft::proto::FrameAssembler assembler(weft::proto::kDefaultMaxFrameBytes);
  while (true) {
    const auto next = assembler.next();
    if (next.status == weft::proto::FrameAssembler::Status::kFrame) {
      v1::Frame reply;
      if (!weft::proto::decode_frame_body(next.body, reply) || !reply.has_welcome()) {
        note_failure(run, reply.has_error() ? "refused: " + reply.error().message() : "no Welcome");
        co_return std::chrono::milliseconds{0};
      }
      co_return std::chrono::milliseconds(std::max<std::uint32_t>(reply.welcome().limits().heartbeat_interval_ms(), 200));
    }
    if (next.status != weft::proto::FrameAssembler::Status::kNeedMore) {
      note_failure(run, "bad frame");
      co_return std::chrono::milliseconds{0};
    }
    const auto space = assembler.prepare();
    auto [read_error, read] = co_await stream.async_read_some(asio::buffer(space.data(), space.size()), kTuple);
    if (read_error) {
      note_failure(run, "waiting for Welcome: " + read_error.message());
      co_return std::chrono::milliseconds{0};
    }
    assembler.commit(read);
  }
}

// Keeps the session alive: a Ping every half heartbeat interval, until a write fails.
asio::awaitable<void> heartbeat(std::shared_ptr<Stream> stream, std::chrono::milliseconds interval) {
  v1::Frame ping;
  ping.mutable_ping()->set_nonce(0);
  const std::string bytes = weft::proto::encode_frame(ping);
  asio::steady_timer timer(stream->get_executor());
  while (true) {
    timer.expires_after(interval / 2);
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

asio::awaitable<void> session(Run& run) {
  auto stream = std::make_shared<Stream>(co_await asio::this_coro::executor, *run.tls);
  // Closing the socket fails whatever step is pending, so a stuck open ends.
  asio::steady_timer deadline(stream->get_executor());
  bool open = false;
  deadline.expires_after(run.open_timeout);
  deadline.async_wait([stream, &open](const boost::system::error_code& error) {
    if (!error && !open) {
      boost::system::error_code ignored;
      stream->next_layer().close(ignored);
    }
  });
  const auto interval = co_await open_session(*stream, run);
  open = interval.count() > 0;
  deadline.cancel();
  --run.in_flight;
  if (!open) {
    co_return;
  }
  ++run.opened;
  asio::co_spawn(stream->get_executor(), heartbeat(stream, interval), asio::detached);
  // Pongs are read and dropped; a read error means the broker closed the session.
  std::array<char, 512> sink{};
  while (true) {
    auto [read_error, read] = co_await stream->async_read_some(asio::buffer(sink), kTuple);
    if (read_error) {
      break;
    }
  }
  ++run.lost;
  boost::system::error_code ignored;
  stream->next_layer().close(ignored);
}

// Starts `count` sessions, at most `parallel` opening at once so that the
// broker's per-address pre-authentication limit and handshake timeout are
// not what the benchmark measures.
asio::awaitable<void> open_all(Run& run, int count, int parallel, Clock::time_point start) {
  asio::steady_timer pause(co_await asio::this_coro::executor);
  while (run.tried < count) {
    if (run.in_flight >= parallel) {
      pause.expires_after(std::chrono::milliseconds(1));
      co_await pause.async_wait(kTuple);
      continue;
    }
    ++run.tried;
    ++run.in_flight;
    asio::co_spawn(pause.get_executor(), session(run), asio::detached);
    if (run.tried % 1000 == 0) {
      std::fprintf(stderr, "idle_connections: %d started, %d open\n", run.tried, run.opened);
    }
  }
  while (run.in_flight > 0) {
    pause.expires_after(std::chrono::milliseconds(5));
    co_await pause.async_wait(kTuple);
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf("open sessions=%d failed=%d seconds=%.1f\n", run.opened, run.failed, seconds);
  if (!run.first_error.empty()) {
    std::printf("# first failure: %s\n", run.first_error.c_str());
  }
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Opens idle authenticated sessions to weftd and holds them"};
  std::filesystem::path profile_file;
  std::string broker;
  int count = 1000;
  int parallel = 64;
  double hold_seconds = 600;
  app.add_option("--profile", profile_file, "Client profile (weft admin org add writes one)")->required();
  app.add_option("--broker", broker, "HOST:PORT of weftd, instead of the profile's");
  app.add_option("-n", count, "Sessions to open")->capture_default_str()->check(CLI::Range(1, 60000));
  app.add_option("--parallel", parallel, "Sessions opening at once")->capture_default_str()->check(CLI::Range(1, 1000));
  app.add_option("-T", hold_seconds, "Hold the sessions this long, then exit")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  auto profile = weft::client::Profile::load(profile_file);
  if (!profile) {
    std::fprintf(stderr, "idle_connections: %s\n", profile.error().describe().c_str());
    return 2;
  }
  if (!broker.empty()) {
    if (auto moved = profile.value().override_broker_address(broker); !moved) {
      std::fprintf(stderr, "idle_connections: %s\n", moved.error().describe().c_str());
      return 2;
    }
  }
  auto tls = weft::tls::make_client_context({profile.value().ca_file, profile.value().cert_file, profile.value().key_file});
  if (!tls) {
    std::fprintf(stderr, "idle_connections: %s\n", tls.error().describe().c_str());
    return 2;
  }
  boost::system::error_code not_an_address;
  const auto address = asio::ip::make_address(profile.value().host, not_an_address);
  if (not_an_address) {
    std::fprintf(stderr, "idle_connections: the broker must be given as an IP address, not %s\n",
                 profile.value().host.c_str());
    return 2;
  }

  Run run;
  run.broker = tcp::endpoint(address, profile.value().port);
  run.server_name = profile.value().server_name;
  run.tls = std::move(tls).value();

  asio::io_context io(1);
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&io](const boost::system::error_code&, int) { io.stop(); });
  asio::steady_timer hold(io);
  hold.expires_after(std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(hold_seconds)));
  hold.async_wait([&io](const boost::system::error_code& error) {
    if (!error) {
      io.stop();
    }
  });
  asio::co_spawn(io, open_all(run, count, parallel, Clock::now()), asio::detached);
  io.run();
  std::printf("end sessions=%d lost=%d\n", run.opened - run.lost, run.lost);
  std::fflush(stdout);
  return run.failed == 0 && run.lost == 0 ? 0 : 1;
}
