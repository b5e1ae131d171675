#include "broker/taxii/taxii_server.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "broker/net/accept.h"
#include "common/log.h"

namespace weft::broker::taxii {
namespace asio = boost::asio;
using asio::ip::tcp;

TaxiiServer::TaxiiServer(Services& services, std::shared_ptr<asio::ssl::context> tls, asio::io_context& home,
                         ContextPicker pick_context)
    : services_(services),
      tls_(std::move(tls)),
      home_(home),
      pick_context_(std::move(pick_context)),
      acceptor_(std::in_place, home) {}

TaxiiServer::~TaxiiServer() { acceptor_.reset(); }

Result<std::uint16_t> TaxiiServer::listen() {
  const TaxiiSettings& settings = services_.settings.taxii;
  WEFT_TRY(net::listen_on(*acceptor_, settings.listen_host, settings.listen_port, "taxii.listen"));
  return port();
}

std::uint16_t TaxiiServer::port() const {
  boost::system::error_code error;
  const auto endpoint = acceptor_->local_endpoint(error);
  return error ? 0 : endpoint.port();
}

void TaxiiServer::start() {
  asio::co_spawn(home_, accept_loop(),
                 [](std::exception_ptr e) { log::failure("broker.task_failed", e, {{"task", "taxii_accept"}}); });
}

void TaxiiServer::stop() {
  stopping_ = true;
  boost::system::error_code ignored;
  acceptor_->close(ignored);
  for (auto& connection : table_->snapshot()) {
    connection->close_async();
  }
}

asio::awaitable<void> TaxiiServer::accept_loop() {
  const TaxiiSettings& settings = services_.settings.taxii;
  asio::steady_timer backoff(home_);
  while (auto accepted =
             co_await net::accept_next(*acceptor_, pick_context_(), backoff, "taxii", [this] { return stopping_; })) {
    const std::uint64_t id = ++next_id_;
    if (!table_->try_add(id, settings.max_connections)) {
      log::warn("security.connection_refused", {{"peer", accepted->address}, {"reason", "taxii.max_connections"}});
      continue;  // the socket closes when it goes out of scope
    }
    Connection::start(std::make_shared<Connection>(std::move(accepted->socket), *tls_, services_, settings, id,
                                                   accepted->address, table_));
  }
}

}  // namespace weft::broker::taxii
