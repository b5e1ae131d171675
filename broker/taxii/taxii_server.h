// The TAXII 2.1 read side of weftd (docs/taxii.md): a listener on its own
// port, with the broker's TLS context (client certificates required), whose
// connections are spread over the broker's network threads.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include "broker/services.h"
#include "broker/taxii/taxii_connection.h"

namespace weft::broker::taxii {

class TaxiiServer {
 public:
  // Called on `home`'s thread only: the context a new connection runs on.
  using ContextPicker = std::function<boost::asio::io_context&()>;

  TaxiiServer(Services& services, std::shared_ptr<boost::asio::ssl::context> tls, boost::asio::io_context& home,
              ContextPicker pick_context);
  ~TaxiiServer();
  TaxiiServer(const TaxiiServer&) = delete;
  TaxiiServer& operator=(const TaxiiServer&) = delete;

  // Binds settings.taxii.listen; returns the port (useful with port 0).
  Result<std::uint16_t> listen();
  std::uint16_t port() const;
  // Accepts connections on `home` until stop().
  void start();
  // On `home`'s thread: stops accepting and closes every connection.
  void stop();
  std::size_t open_connections() const { return table_->size(); }

 private:
  boost::asio::awaitable<void> accept_loop();

  Services& services_;
  std::shared_ptr<boost::asio::ssl::context> tls_;
  boost::asio::io_context& home_;
  ContextPicker pick_context_;
  std::shared_ptr<ConnectionTable> table_ = std::make_shared<ConnectionTable>();
  // Optional only so the destructor can close it before the context goes.
  std::optional<boost::asio::ip::tcp::acceptor> acceptor_;
  bool stopping_ = false;
  std::uint64_t next_id_ = 0;
};

}  // namespace weft::broker::taxii
