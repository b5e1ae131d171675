#include "tests/harness/raw_tls_client.h"

#include <openssl/ssl.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/write.hpp>

#include "tls/tls_context.h"

namespace weft::testing {

namespace asio = boost::asio;
using asio::ip::tcp;

RawTlsClient::RawTlsClient(const std::filesystem::path& ca_file, std::optional<Identity> identity, int max_version)
    : tls_(asio::ssl::context::tls_client) {
  SSL_CTX* ctx = tls_.native_handle();
  if (max_version != 0) {
    SSL_CTX_set_max_proto_version(ctx, max_version);
  } else {
    SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
  }
  SSL_CTX_load_verify_locations(ctx, ca_file.c_str(), nullptr);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  if (identity) {
    SSL_CTX_use_certificate_chain_file(ctx, identity->cert.c_str());
    SSL_CTX_use_PrivateKey_file(ctx, identity->key.c_str(), SSL_FILETYPE_PEM);
  }
  stream_ = std::make_unique<asio::ssl::stream<tcp::socket>>(io_, tls_);
}

bool RawTlsClient::run_until(const bool& done, std::chrono::milliseconds timeout) {
  io_.restart();
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done && std::chrono::steady_clock::now() < deadline) {
    io_.run_one_until(deadline);
  }
  if (!done) {
    boost::system::error_code ignored;
    stream_->lowest_layer().close(ignored);
    io_.restart();
    io_.run_for(std::chrono::milliseconds(500));  // let the aborted handlers run
    last_error_ = "timed out";
    return false;
  }
  return true;
}

std::string RawTlsClient::connect_tcp_only(std::uint16_t port) {
  boost::system::error_code error;
  auto& socket = stream_->lowest_layer();
  socket.open(tcp::v4(), error);
  if (!error && receive_buffer_ > 0) {
    socket.set_option(asio::socket_base::receive_buffer_size(receive_buffer_), error);
  }
  if (!error) {
    socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), error);
  }
  return error ? error.message() : std::string();
}

bool RawTlsClient::send_raw_tcp(std::string_view bytes) {
  boost::system::error_code error;
  asio::write(stream_->next_layer(), asio::buffer(bytes.data(), bytes.size()), error);
  return !error;
}

bool RawTlsClient::session_resumable() const {
  const SSL_SESSION* session = SSL_get_session(stream_->native_handle());
  return session != nullptr && SSL_SESSION_is_resumable(session) == 1;
}

bool RawTlsClient::finish_sending() {
  boost::system::error_code error;
  stream_->next_layer().shutdown(asio::ip::tcp::socket::shutdown_send, error);
  return !error;
}

std::string RawTlsClient::connect(std::uint16_t port, std::chrono::milliseconds timeout) {
  if (auto error = connect_tcp_only(port); !error.empty()) {
    return error;
  }
  bool done = false;
  boost::system::error_code result;
  stream_->async_handshake(asio::ssl::stream_base::client, [&](const boost::system::error_code& error) {
    result = error;
    done = true;
  });
  if (!run_until(done, timeout)) {
    return "handshake timed out";
  }
  if (result) {
    last_error_ = result.message();
    return last_error_;
  }
  return {};
}

bool RawTlsClient::send_bytes(std::string_view bytes, std::chrono::milliseconds timeout) {
  bool done = false;
  boost::system::error_code result;
  asio::async_write(*stream_, asio::buffer(bytes.data(), bytes.size()),
                    [&](const boost::system::error_code& error, std::size_t) {
                      result = error;
                      done = true;
                    });
  if (!run_until(done, timeout)) {
    return false;
  }
  if (result) {
    last_error_ = result.message();
  }
  return !result;
}

bool RawTlsClient::send_frame(const v1::Frame& frame) { return send_bytes(proto::encode_frame(frame)); }

bool RawTlsClient::hello() {
  v1::Frame hello;
  hello.set_correlation_id(1);
  hello.mutable_hello()->set_version(v1::PROTOCOL_V1);
  hello.mutable_hello()->set_client_software("raw-test-client");
  if (!send_frame(hello)) {
    return false;
  }
  v1::Frame reply;
  return read_frame(reply) == ReadStatus::kFrame && reply.has_welcome();
}

RawTlsClient::ReadStatus RawTlsClient::read_frame(v1::Frame& out, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    const auto next = assembler_.next();
    if (next.status == proto::FrameAssembler::Status::kFrame) {
      return proto::decode_frame_body(next.body, out) ? ReadStatus::kFrame : ReadStatus::kBadFrame;
    }
    if (next.status != proto::FrameAssembler::Status::kNeedMore) {
      return ReadStatus::kBadFrame;
    }
    if (closed_) {
      return ReadStatus::kClosed;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      return ReadStatus::kTimeout;
    }
    auto space = assembler_.prepare();
    bool done = false;
    boost::system::error_code result;
    std::size_t bytes = 0;
    stream_->async_read_some(asio::buffer(space.data(), space.size()),
                             [&](const boost::system::error_code& error, std::size_t n) {
                               result = error;
                               bytes = n;
                               done = true;
                             });
    if (!run_until(done, left)) {
      return ReadStatus::kTimeout;
    }
    if (result) {
      last_error_ = result.message();
      closed_ = true;
      continue;  // hand out frames that arrived before the close
    }
    assembler_.commit(bytes);
  }
}

bool RawTlsClient::wait_closed(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    v1::Frame frame;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    switch (read_frame(frame, left)) {
      case ReadStatus::kFrame:
        seen_.push_back(frame);
        continue;
      case ReadStatus::kClosed:
      case ReadStatus::kBadFrame:
        return true;
      case ReadStatus::kTimeout:
        return false;
    }
  }
  return false;
}

}  // namespace weft::testing
