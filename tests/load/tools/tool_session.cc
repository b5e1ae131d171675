#include "tests/load/tools/tool_session.h"

#include <cstdio>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "client-lib/profile.h"
#include "tls/tls_context.h"

namespace weft::load {
namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

}  // namespace

void say(const std::string& line) {
  std::fputs(line.c_str(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

Result<Target> load_target(const std::filesystem::path& profile_file, const std::string& broker_override) {
  WEFT_TRY(auto profile, client::Profile::load(profile_file));
  if (!broker_override.empty()) {
    WEFT_TRY(profile.override_broker_address(broker_override));
  }
  boost::system::error_code not_an_address;
  const auto address = asio::ip::make_address(profile.host, not_an_address);
  if (not_an_address) {
    return make_error(v1::CONFIG_INVALID, "the broker must be given as an IP address, not " + profile.host);
  }
  WEFT_TRY(auto tls, tls::make_client_context({profile.ca_file, profile.cert_file, profile.key_file}));
  return Target{tcp::endpoint(address, profile.port), profile.server_name, std::move(tls), profile.signing_key_file};
}

asio::awaitable<Result<v1::Welcome>> open_session(TlsStream& stream, const Target& target,
                                                  std::chrono::milliseconds deadline, const std::string& software) {
  // Closing the socket fails whatever step is pending, so one timer bounds
  // the whole opening. The flag outlives this frame if the timer fires late.
  auto finished = std::make_shared<bool>(false);
  asio::steady_timer timer(stream.get_executor());
  timer.expires_after(deadline);
  timer.async_wait([finished, &socket = stream.next_layer()](const boost::system::error_code& error) {
    if (!error && !*finished) {
      boost::system::error_code ignored;
      socket.close(ignored);
    }
  });
  struct Finish {
    std::shared_ptr<bool> finished;
    asio::steady_timer& timer;
    ~Finish() {
      *finished = true;
      timer.cancel();
    }
  } finish{finished, timer};

  auto [connect_error] = co_await stream.next_layer().async_connect(target.broker, kTuple);
  if (connect_error) {
    co_return make_error(v1::CONNECT_FAILED, "connect: " + connect_error.message());
  }
  boost::system::error_code ignored;
  stream.next_layer().set_option(tcp::no_delay(true), ignored);
  stream.set_verify_callback(asio::ssl::host_name_verification(target.server_name));
  auto [handshake_error] = co_await stream.async_handshake(asio::ssl::stream_base::client, kTuple);
  if (handshake_error) {
    co_return make_error(v1::TLS_FAILED, "TLS handshake: " + handshake_error.message());
  }
  v1::Frame hello;
  hello.set_correlation_id(1);
  hello.mutable_hello()->set_version(v1::PROTOCOL_V1);
  hello.mutable_hello()->set_client_software(software);
  const std::string bytes = proto::encode_frame(hello);
  auto [write_error, written] = co_await asio::async_write(stream, asio::buffer(bytes), kTuple);
  if (write_error) {
    co_return make_error(v1::CONNECTION_LOST, "Hello: " + write_error.message());
  }
  // Scoped to the opening, so a session that then idles keeps no read chunk.
  proto::FrameAssembler assembler(proto::kDefaultMaxFrameBytes);
  v1::Frame reply;
  auto read = co_await read_frame(stream, assembler, reply);
  if (!read) {
    co_return make_error(read.error().code, "waiting for Welcome: " + read.error().message);
  }
  if (!reply.has_welcome()) {
    co_return make_error(v1::PROTOCOL_VIOLATION,
                         reply.has_error() ? "refused: " + reply.error().message() : "no Welcome after Hello");
  }
  co_return reply.welcome();
}

asio::awaitable<Result<void>> read_frame(TlsStream& stream, proto::FrameAssembler& assembler, v1::Frame& frame) {
  while (true) {
    const auto next = assembler.next();
    if (next.status == proto::FrameAssembler::Status::kFrame) {
      co_return proto::decode_frame_body(next.body, frame);
    }
    if (next.status != proto::FrameAssembler::Status::kNeedMore) {
      co_return make_error(v1::PROTOCOL_VIOLATION, "the broker sent something that is not a frame");
    }
    const auto space = assembler.prepare();
    auto [error, bytes] = co_await stream.async_read_some(asio::buffer(space.data(), space.size()), kTuple);
    if (error) {
      co_return make_error(v1::CONNECTION_LOST, error.message());
    }
    assembler.commit(bytes);
  }
}

}  // namespace weft::load
