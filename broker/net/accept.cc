#include "broker/net/accept.h"

#include <cerrno>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "common/log.h"

namespace weft::broker::net {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
constexpr auto kUseAwaitableTuple = asio::as_tuple(asio::use_awaitable);

// How long to leave a connection in the backlog when descriptors or memory
// ran out: they come back only as other connections close.
constexpr std::chrono::milliseconds kExhaustedBackoff{100};

bool is_resource_exhaustion(const boost::system::error_code& error) {
  return error == asio::error::no_descriptors || error == asio::error::no_buffer_space ||
         error == asio::error::no_memory || error.value() == ENFILE;
}

}  // namespace

Result<void> listen_on(tcp::acceptor& acceptor, const std::string& host, std::uint16_t port,
                       std::string_view setting) {
  boost::system::error_code error;
  const auto address = asio::ip::make_address(host, error);
  if (error) {
    return make_error(v1::CONFIG_INVALID, std::string(setting) + " address '" + host + "' is not an IP address");
  }
  const tcp::endpoint endpoint(address, port);
  acceptor.open(endpoint.protocol(), error);
  if (!error) {
    acceptor.set_option(tcp::acceptor::reuse_address(true), error);
  }
  if (!error) {
    acceptor.bind(endpoint, error);
  }
  if (!error) {
    acceptor.listen(asio::socket_base::max_listen_connections, error);
  }
  if (error) {
    return make_error(v1::CONFIG_INVALID, "cannot listen on " + host + ":" + std::to_string(port) + " (" +
                                              std::string(setting) + "): " + error.message());
  }
  return ok();
}

asio::awaitable<std::optional<Accepted>> accept_next(tcp::acceptor& acceptor, asio::io_context& target,
                                                     asio::steady_timer& backoff, std::string_view listener,
                                                     const std::function<bool()>& stopping) {
  const std::string name(listener);
  // Running out lasts until enough connections close: logged when it starts
  // and when accepting works again, not on each of the retries between.
  std::uint64_t backoffs = 0;
  while (!stopping()) {
    tcp::socket socket(target);
    auto [error] = co_await acceptor.async_accept(socket, kUseAwaitableTuple);
    if (error) {
      if (stopping() || error == asio::error::operation_aborted) {
        break;
      }
      if (is_resource_exhaustion(error)) {
        if (backoffs++ == 0) {
          log::warn(name + ".accept_backoff", {{"error", error.message()}, {"retry_ms", kExhaustedBackoff.count()}});
        }
        backoff.expires_after(kExhaustedBackoff);
        co_await backoff.async_wait(kUseAwaitableTuple);
      } else {
        log::warn(name + ".accept_failed", {{"error", error.message()}});
      }
      continue;
    }
    if (backoffs > 0) {
      log::info(name + ".accept_resumed", {{"retries", backoffs}});
      backoffs = 0;
    }
    boost::system::error_code endpoint_error;
    const auto remote = socket.remote_endpoint(endpoint_error);
    if (endpoint_error) {
      continue;  // the peer is already gone
    }
    socket.set_option(tcp::no_delay(true), endpoint_error);
    co_return Accepted{std::move(socket), remote.address().to_string()};
  }
  co_return std::nullopt;
}

}  // namespace weft::broker::net
