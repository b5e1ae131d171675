// A byte-level TLS client for tests that must misbehave: no certificate, a
// foreign CA, TLS 1.2 only, garbage after the handshake, oversized length
// prefixes, frames trickled one byte at a time, or simply not reading.
// Every operation is bounded by a timeout.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>

#include "proto/frame_codec.h"
#include "weft/v1/frame.pb.h"

namespace weft::testing {

class RawTlsClient {
 public:
  struct Identity {
    std::filesystem::path cert;
    std::filesystem::path key;
  };
  enum class ReadStatus { kFrame, kClosed, kTimeout, kBadFrame };

  // `identity` empty: no client certificate. `max_version`: e.g.
  // TLS1_2_VERSION to offer only TLS 1.2.
  RawTlsClient(const std::filesystem::path& ca_file, std::optional<Identity> identity,
               int max_version = 0 /* TLS 1.3 */);

  // TCP connect and TLS handshake. Empty string on success, else the error.
  std::string connect(std::uint16_t port, std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // Plain TCP only (for tests that never start TLS).
  std::string connect_tcp_only(std::uint16_t port);
  // Shrinks the kernel receive buffer (call before connect): a client that
  // stops reading then stops the broker's writes quickly.
  void set_receive_buffer(int bytes) { receive_buffer_ = bytes; }
  // Writes bytes to the TCP socket underneath TLS: garbage TLS records.
  bool send_raw_tcp(std::string_view bytes);

  bool send_bytes(std::string_view bytes, std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // TCP FIN with nothing more: the peer stops sending mid-stream.
  bool finish_sending();
  bool send_frame(const v1::Frame& frame);
  // Sends Hello and expects Welcome.
  bool hello();

  ReadStatus read_frame(v1::Frame& out, std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // Reads and discards until the broker closes the connection; false on timeout.
  bool wait_closed(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // Whether the broker handed out something to resume this TLS session with
  // (a TLS 1.3 ticket arrives after the handshake: read a frame first).
  bool session_resumable() const;
  // The last error seen by an operation (e.g. the TLS alert text).
  const std::string& last_error() const { return last_error_; }
  // Frames seen by wait_closed, for checking what preceded the close.
  const std::vector<v1::Frame>& frames_before_close() const { return seen_; }

 private:
  // Runs the io_context until `done` or the timeout; on timeout closes the socket.
  bool run_until(const bool& done, std::chrono::milliseconds timeout);

  boost::asio::io_context io_;
  boost::asio::ssl::context tls_;
  std::unique_ptr<boost::asio::ssl::stream<boost::asio::ip::tcp::socket>> stream_;
  proto::FrameAssembler assembler_{proto::kHardMaxFrameBytes};
  std::string last_error_;
  std::vector<v1::Frame> seen_;
  bool closed_ = false;
  int receive_buffer_ = 0;
};

}  // namespace weft::testing
