// TLS run by OpenSSL directly on a connected, non-blocking TCP socket; the
// stream only waits for readiness with Asio.
//
// Why not asio::ssl::stream: it keeps two 17 KiB buffers of its own and a
// BIO pair per connection for as long as the connection lives (about 52 KiB
// by heaptrack), which is most of the broker's memory on an idle
// connection. Here OpenSSL reads and writes the descriptor itself, and with
// SSL_MODE_RELEASE_BUFFERS (set on weft's contexts) it frees its record
// buffers whenever nothing is buffered.
//
// OpenSSL writes with write(2), which raises SIGPIPE on a connection the
// peer has reset: a process using this stream must ignore SIGPIPE (weftd's
// main does), or one vanishing client ends it.
//
// Use from the socket's executor only. At most one read and one write may
// be outstanding at a time (the reader and writer coroutines of a session),
// as with asio::ssl::stream. Errors are reported in Asio's terms: eof for a
// close_notify, asio::ssl::error::stream_truncated for a connection cut
// without one, OpenSSL's reason in the ssl category otherwise.
#pragma once

#include <openssl/ssl.h>

#include <cstddef>
#include <memory>
#include <tuple>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/system/error_code.hpp>

namespace weft::tls {

class SocketStream {
 public:
  enum class Role { kClient, kServer };

  SocketStream(boost::asio::ip::tcp::socket socket, boost::asio::ssl::context& context);
  SocketStream(SocketStream&&) noexcept = default;
  SocketStream& operator=(SocketStream&&) noexcept = default;

  boost::asio::any_io_executor get_executor() { return socket_.get_executor(); }
  boost::asio::ip::tcp::socket& lowest_layer() { return socket_; }
  SSL* native_handle() { return ssl_.get(); }

  boost::asio::awaitable<boost::system::error_code> handshake(Role role);
  // Some bytes (at least one) or an error.
  boost::asio::awaitable<std::tuple<boost::system::error_code, std::size_t>> read_some(
      boost::asio::mutable_buffer buffer);
  // All of `buffer`, or an error with how much was written.
  boost::asio::awaitable<std::tuple<boost::system::error_code, std::size_t>> write(boost::asio::const_buffer buffer);

 private:
  struct SslFree {
    void operator()(SSL* ssl) const { SSL_free(ssl); }
  };
  // What a failed OpenSSL call (its return value `result`) means: wait for
  // the socket to be readable or writable, or a final error.
  enum class Next { kWaitRead, kWaitWrite, kFail };
  Next after_failure(int result, boost::system::error_code& error) const;
  boost::asio::awaitable<boost::system::error_code> wait(Next next);

  boost::asio::ip::tcp::socket socket_;
  std::unique_ptr<SSL, SslFree> ssl_;
};

}  // namespace weft::tls
