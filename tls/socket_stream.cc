#include "tls/socket_stream.h"

#include <openssl/err.h>

#include <cerrno>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/system_error.hpp>

namespace weft::tls {
namespace {

namespace asio = boost::asio;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

}  // namespace

SocketStream::SocketStream(asio::ip::tcp::socket socket, asio::ssl::context& context)
    : socket_(std::move(socket)), ssl_(SSL_new(context.native_handle())) {
  if (!ssl_) {
    throw boost::system::system_error(static_cast<int>(ERR_get_error()), asio::error::get_ssl_category(),
                                      "SSL_new");
  }
  boost::system::error_code error;
  socket_.non_blocking(true, error);
  if (error || SSL_set_fd(ssl_.get(), static_cast<int>(socket_.native_handle())) != 1) {
    throw boost::system::system_error(error ? error : asio::error::bad_descriptor, "SocketStream");
  }
  // A write cut short by a full socket resumes from a buffer that may have
  // moved (the writer's coalescing string), and partial progress is reported.
  SSL_set_mode(ssl_.get(), SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
}

SocketStream::Next SocketStream::after_failure(int result, boost::system::error_code& error) const {
  const int reason = SSL_get_error(ssl_.get(), result);
  switch (reason) {
    case SSL_ERROR_WANT_READ:
      return Next::kWaitRead;
    case SSL_ERROR_WANT_WRITE:
      return Next::kWaitWrite;
    case SSL_ERROR_ZERO_RETURN:
      error = asio::error::eof;
      return Next::kFail;
    case SSL_ERROR_SYSCALL:
      // errno 0: the peer closed the connection without close_notify.
      error = errno != 0 ? boost::system::error_code(errno, boost::system::system_category())
                         : boost::system::error_code(asio::ssl::error::stream_truncated);
      return Next::kFail;
    default: {
      const unsigned long queued = ERR_get_error();
      if (ERR_GET_REASON(queued) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
        error = asio::ssl::error::stream_truncated;
      } else if (queued != 0) {
        error = boost::system::error_code(static_cast<int>(queued), asio::error::get_ssl_category());
      } else {
        error = asio::error::connection_aborted;
      }
      return Next::kFail;
    }
  }
}

asio::awaitable<boost::system::error_code> SocketStream::wait(Next next) {
  const auto type = next == Next::kWaitRead ? asio::ip::tcp::socket::wait_read : asio::ip::tcp::socket::wait_write;
  auto [error] = co_await socket_.async_wait(type, kTuple);
  co_return error;
}

asio::awaitable<boost::system::error_code> SocketStream::handshake(Role role) {
  if (role == Role::kServer) {
    SSL_set_accept_state(ssl_.get());
  } else {
    SSL_set_connect_state(ssl_.get());
  }
  while (true) {
    ERR_clear_error();
    errno = 0;
    const int result = SSL_do_handshake(ssl_.get());
    if (result == 1) {
      co_return boost::system::error_code();
    }
    boost::system::error_code error;
    const Next next = after_failure(result, error);
    if (next == Next::kFail) {
      co_return error;
    }
    if (auto waited = co_await wait(next)) {
      co_return waited;
    }
  }
}

asio::awaitable<std::tuple<boost::system::error_code, std::size_t>> SocketStream::read_some(
    asio::mutable_buffer buffer) {
  while (true) {
    ERR_clear_error();
    errno = 0;
    std::size_t read = 0;
    const int result = SSL_read_ex(ssl_.get(), buffer.data(), buffer.size(), &read);
    if (result == 1) {
      co_return std::tuple(boost::system::error_code(), read);
    }
    boost::system::error_code error;
    const Next next = after_failure(result, error);
    if (next == Next::kFail) {
      co_return std::tuple(error, std::size_t{0});
    }
    if (auto waited = co_await wait(next)) {
      co_return std::tuple(waited, std::size_t{0});
    }
  }
}

asio::awaitable<std::tuple<boost::system::error_code, std::size_t>> SocketStream::write(
    asio::const_buffer buffer) {
  std::size_t total = 0;
  while (total < buffer.size()) {
    ERR_clear_error();
    errno = 0;
    std::size_t written = 0;
    const int result = SSL_write_ex(ssl_.get(), static_cast<const char*>(buffer.data()) + total,
                                    buffer.size() - total, &written);
    if (result == 1) {
      total += written;
      continue;
    }
    boost::system::error_code error;
    const Next next = after_failure(result, error);
    if (next == Next::kFail) {
      co_return std::tuple(error, total);
    }
    if (auto waited = co_await wait(next)) {
      co_return std::tuple(waited, total);
    }
  }
  co_return std::tuple(boost::system::error_code(), total);
}

}  // namespace weft::tls
