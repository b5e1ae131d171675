// Listening sockets and taking connections off them, for both listeners
// (the native protocol and TAXII).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "proto/error.h"

namespace weft::broker::net {

// Opens, binds and listens on HOST:PORT (port 0: the OS chooses).
// CONFIG_INVALID names `setting` ("listen", "taxii.listen") and the cause.
Result<void> listen_on(boost::asio::ip::tcp::acceptor& acceptor, const std::string& host, std::uint16_t port,
                       std::string_view setting);

struct Accepted {
  boost::asio::ip::tcp::socket socket;
  std::string address;  // the peer's IP address
};

// The next connection, on `target`'s context, with Nagle off. Out of
// descriptors or memory, waits 100 ms on `backoff` and tries again — the
// connection stays in the kernel's backlog — instead of spinning; logged
// once as "<listener>.accept_backoff" and, when an accept works again, as
// "<listener>.accept_resumed". Other failures are logged as
// "<listener>.accept_failed" and skipped. None once the acceptor is closed
// or `stopping()` is true.
boost::asio::awaitable<std::optional<Accepted>> accept_next(boost::asio::ip::tcp::acceptor& acceptor,
                                                            boost::asio::io_context& target,
                                                            boost::asio::steady_timer& backoff,
                                                            std::string_view listener,
                                                            const std::function<bool()>& stopping);

}  // namespace weft::broker::net
