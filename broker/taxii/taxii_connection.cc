#include "broker/taxii/taxii_connection.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/write.hpp>

#include "broker/taxii/request_handler.h"
#include "broker/taxii/taxii_documents.h"
#include "common/log.h"
#include "tls/tls_context.h"

namespace weft::broker::taxii {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
constexpr auto kUseAwaitableTuple = asio::as_tuple(asio::use_awaitable);
// A peer that does not take our close_notify within this is cut off.
constexpr std::chrono::milliseconds kGoodbyeTimeout{1000};
// What one read takes while waiting for the first bytes of a request.
constexpr std::size_t kFirstRead = 4096;

using Response = http::response<http::string_body>;

Response to_response(const Answer& answered, unsigned version, bool keep_alive) {
  Response response{static_cast<http::status>(answered.status), version};
  response.set(http::field::server, "weftd");
  response.set(http::field::content_type, kTaxiiMediaType);
  // Each copy is filtered for its recipient: no shared cache may keep it.
  response.set(http::field::cache_control, "no-store");
  response.set("X-Content-Type-Options", "nosniff");
  for (const auto& [name, value] : answered.headers) {
    response.set(name, value);
  }
  response.keep_alive(keep_alive);
  response.body() = answered.body;
  response.prepare_payload();
  return response;
}

// A request that could not be read: the answer, or none when the peer just
// went away or was too slow (nobody is listening for one).
std::optional<Answer> refusal_for_unreadable(const boost::system::error_code& error, const TaxiiSettings& settings) {
  if (error == http::error::header_limit) {
    return error_answer(431, "Request header fields too large",
                        "the request line and headers may take at most " + std::to_string(settings.max_header_bytes) +
                            " bytes");
  }
  if (error == http::error::body_limit || error == http::error::buffer_overflow) {
    return error_answer(413, "Request too large",
                        "a request body may take at most " + std::to_string(settings.max_body_bytes) + " bytes");
  }
  if (error == http::error::end_of_stream || error == beast::error::timeout || error == asio::error::eof ||
      error == asio::ssl::error::stream_truncated || error == asio::error::operation_aborted ||
      error == asio::error::connection_reset || error == asio::error::bad_descriptor) {
    return std::nullopt;
  }
  return error_answer(400, "Bad request", "the request is not valid HTTP/1.1: " + error.message());
}

Request request_for(const http::request<http::string_body>& message, std::uint64_t id, const std::string& pin) {
  Request request;
  request.connection = id;
  request.pin = pin;
  request.is_get = message.method() == http::verb::get;
  request.method = std::string(message.method_string());
  request.target = std::string(message.target());
  request.accept = std::string(message[http::field::accept]);
  request.host = std::string(message[http::field::host]);
  return request;
}

}  // namespace

bool ConnectionTable::try_add(std::uint64_t id, std::uint32_t limit) {
  std::lock_guard lock(mutex_);
  if (connections_.size() >= limit) {
    return false;
  }
  connections_.emplace(id, std::weak_ptr<Connection>());
  return true;
}

void ConnectionTable::attach(std::uint64_t id, const std::weak_ptr<Connection>& connection) {
  std::lock_guard lock(mutex_);
  connections_[id] = connection;
}

void ConnectionTable::remove(std::uint64_t id) {
  std::lock_guard lock(mutex_);
  connections_.erase(id);
}

std::size_t ConnectionTable::size() const {
  std::lock_guard lock(mutex_);
  return connections_.size();
}

std::vector<std::shared_ptr<Connection>> ConnectionTable::snapshot() const {
  std::lock_guard lock(mutex_);
  std::vector<std::shared_ptr<Connection>> open;
  for (const auto& [id, weak] : connections_) {
    if (auto connection = weak.lock()) {
      open.push_back(std::move(connection));
    }
  }
  return open;
}

Connection::Connection(asio::ip::tcp::socket socket, asio::ssl::context& tls, Services& services,
                       const TaxiiSettings& settings, std::uint64_t id, std::string peer_address,
                       std::shared_ptr<ConnectionTable> table)
    : stream_(beast::tcp_stream(std::move(socket)), tls),
      services_(services),
      settings_(settings),
      id_(id),
      peer_address_(std::move(peer_address)),
      table_(std::move(table)) {}

Connection::~Connection() { table_->remove(id_); }

void Connection::start(std::shared_ptr<Connection> connection) {
  connection->table_->attach(connection->id_, connection);
  auto executor = connection->stream_.get_executor();
  const std::uint64_t id = connection->id_;
  asio::co_spawn(executor, run(std::move(connection)),
                 [id](std::exception_ptr failure) { log::failure("taxii.connection_crashed", failure, {{"taxii_conn", id}}); });
}

void Connection::close_async() {
  closing_ = true;
  asio::post(stream_.get_executor(), [self = shared_from_this()] { self->close_now(); });
}

void Connection::close_now() {
  boost::system::error_code ignored;
  beast::get_lowest_layer(stream_).socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  beast::get_lowest_layer(stream_).close();
}

// No co_await inside conditions here: g++ 12 miscompiles some of those.
asio::awaitable<void> Connection::run(std::shared_ptr<Connection> self) {
  const bool authenticated = co_await self->handshake();
  if (authenticated) {
    co_await self->serve();
    co_await self->goodbye();
  }
  self->close_now();
}

asio::awaitable<bool> Connection::handshake() {
  beast::get_lowest_layer(stream_).expires_after(settings_.request_timeout);
  auto [error] = co_await stream_.async_handshake(asio::ssl::stream_base::server, kUseAwaitableTuple);
  if (error) {
    // Pre-authentication failures go to the security log with the peer address.
    log::warn("security.tls_handshake_failed",
              {{"taxii_conn", id_},
               {"peer", peer_address_},
               {"reason", error == beast::error::timeout ? std::string("timeout") : error.message()}});
    co_return false;
  }
  auto pin = tls::peer_spki_sha256(stream_.native_handle());
  if (!pin) {
    log::warn("security.tls_handshake_failed", {{"taxii_conn", id_}, {"peer", peer_address_}, {"reason", "no peer key"}});
    co_return false;
  }
  pin_ = std::move(pin).value();
  co_return true;
}

asio::awaitable<void> Connection::serve() {
  // Room for one whole request; the parser's limits refuse more before this does.
  beast::flat_buffer buffer(settings_.max_header_bytes + settings_.max_body_bytes + kFirstRead);
  for (std::uint32_t served = 0; served < settings_.max_requests_per_connection && !closing_; ++served) {
    const bool started = co_await await_request(buffer, served == 0);
    if (!started) {
      co_return;
    }
    const bool keep_going = co_await serve_one(buffer, served);
    if (!keep_going) {
      co_return;
    }
  }
}

asio::awaitable<bool> Connection::await_request(beast::flat_buffer& buffer, bool first) {
  if (buffer.size() > 0) {
    co_return true;  // pipelined: the next request is here already
  }
  // Between requests the connection may idle; once a request has begun it
  // must arrive whole within request_timeout (no slow trickling).
  beast::get_lowest_layer(stream_).expires_after(first ? settings_.request_timeout : settings_.idle_timeout);
  auto [error, bytes] = co_await stream_.async_read_some(buffer.prepare(kFirstRead), kUseAwaitableTuple);
  buffer.commit(bytes);
  co_return !error;
}

asio::awaitable<bool> Connection::serve_one(beast::flat_buffer& buffer, std::uint32_t served) {
  auto parser = std::make_unique<http::request_parser<http::string_body>>();
  parser->header_limit(settings_.max_header_bytes);
  parser->body_limit(settings_.max_body_bytes);
  beast::get_lowest_layer(stream_).expires_after(settings_.request_timeout);
  auto [error, bytes] = co_await http::async_read(stream_, buffer, *parser, kUseAwaitableTuple);
  if (error) {
    if (auto refusal = refusal_for_unreadable(error, settings_)) {
      co_await respond(*refusal, 11, false);
    }
    co_return false;
  }
  const auto& message = parser->get();
  const Answer answered = co_await answer(services_, settings_, request_for(message, id_, pin_));
  const bool keep_alive = message.keep_alive() && !answered.close && !closing_ &&
                          served + 1 < settings_.max_requests_per_connection;
  const bool sent = co_await respond(answered, message.version(), keep_alive);
  co_return sent && keep_alive;
}

asio::awaitable<bool> Connection::respond(const Answer& answered, unsigned version, bool keep_alive) {
  auto response = std::make_unique<Response>(to_response(answered, version, keep_alive));
  beast::get_lowest_layer(stream_).expires_after(settings_.request_timeout);
  auto [error, written] = co_await http::async_write(stream_, *response, kUseAwaitableTuple);
  co_return !error;
}

asio::awaitable<void> Connection::goodbye() {
  if (closing_) {
    co_return;
  }
  beast::get_lowest_layer(stream_).expires_after(kGoodbyeTimeout);
  co_await stream_.async_shutdown(kUseAwaitableTuple);
}

}  // namespace weft::broker::taxii
