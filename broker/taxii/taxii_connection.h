// One HTTPS connection of the TAXII read side, from TLS handshake to close:
// HTTP/1.1 requests read with Beast under size limits and deadlines (the
// handshake and each request must finish within request_timeout; a kept-alive
// connection may idle for idle_timeout between requests, and serves at most
// max_requests_per_connection), each answered by taxii::answer().
//
// Lifetime: owned by the shared_ptr its coroutine holds; the table holds a
// weak_ptr so that a shutdown can close it.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "broker/config.h"
#include "broker/services.h"
#include "broker/taxii/request_handler.h"

namespace weft::broker::taxii {

class Connection;

// The open connections, for the connection limit and for shutdown.
// Thread-safe.
class ConnectionTable {
 public:
  // False when `limit` connections are open already.
  bool try_add(std::uint64_t id, std::uint32_t limit);
  void attach(std::uint64_t id, const std::weak_ptr<Connection>& connection);
  void remove(std::uint64_t id);
  std::size_t size() const;
  std::vector<std::shared_ptr<Connection>> snapshot() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::uint64_t, std::weak_ptr<Connection>> connections_;  // guarded by mutex_
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  using Stream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

  // The caller has added `id` to `table`; the connection removes it when it ends.
  Connection(boost::asio::ip::tcp::socket socket, boost::asio::ssl::context& tls, Services& services,
             const TaxiiSettings& settings, std::uint64_t id, std::string peer_address,
             std::shared_ptr<ConnectionTable> table);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  static void start(std::shared_ptr<Connection> connection);
  // Thread-safe: ends the connection at once (broker shutdown); a request
  // being answered fails its write.
  void close_async();

 private:
  static boost::asio::awaitable<void> run(std::shared_ptr<Connection> self);
  boost::asio::awaitable<bool> handshake();
  // Serves requests until the peer stops, a limit or deadline is reached,
  // or a refusal closes the connection.
  boost::asio::awaitable<void> serve();
  // Waits for the first bytes of the next request; false when none came.
  boost::asio::awaitable<bool> await_request(boost::beast::flat_buffer& buffer, bool first);
  // Reads, answers and responds to one request; false when the connection ends.
  boost::asio::awaitable<bool> serve_one(boost::beast::flat_buffer& buffer, std::uint32_t served);
  boost::asio::awaitable<bool> respond(const Answer& answered, unsigned version, bool keep_alive);
  boost::asio::awaitable<void> goodbye();
  void close_now();

  Stream stream_;
  Services& services_;
  const TaxiiSettings& settings_;
  const std::uint64_t id_;
  const std::string peer_address_;
  std::shared_ptr<ConnectionTable> table_;
  std::string pin_;
  std::atomic<bool> closing_{false};
};

}  // namespace weft::broker::taxii
