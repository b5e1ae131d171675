// weftd's top-level object: owns the network threads, the TLS context, the
// registry (re-read when its file changes), the router and the listener.
//
// Threading: `network_threads` io_contexts, one thread each. Sessions are
// spread over them round-robin and stay on theirs; context 0 also runs the
// acceptor, the registry watcher and signal handling.
#pragma once

#include <sys/stat.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>

#include "broker/config.h"
#include "broker/net/session_table.h"
#include "broker/registry_holder.h"
#include "broker/router.h"
#include "broker/services.h"
#include "broker/taxii/taxii_server.h"

namespace weft::broker {

class Broker {
 public:
  // Loads the TLS identity and the registry; refuses to start on any error.
  static Result<std::unique_ptr<Broker>> create(Settings settings);
  ~Broker();

  Broker(const Broker&) = delete;
  Broker& operator=(const Broker&) = delete;

  // Binds the listening sockets (the TAXII one too when configured);
  // returns the weft protocol's port (useful with port 0).
  Result<std::uint16_t> listen();
  // The TAXII port once listen() bound it; none when TAXII is off.
  std::optional<std::uint16_t> taxii_port() const;
  // Serves until SIGTERM/SIGINT or stop(); SIGHUP re-reads the registry.
  void run();
  // Thread-safe: starts a graceful shutdown.
  void stop();

  const Counters& counters() const { return counters_; }

 private:
  using Context = boost::asio::io_context;
  using WorkGuard = boost::asio::executor_work_guard<Context::executor_type>;

  Broker(Settings settings, std::shared_ptr<boost::asio::ssl::context> tls, std::shared_ptr<const Registry> registry,
         std::unique_ptr<PolicyHolder> policies, std::unique_ptr<store::StorageService> storage,
         std::unique_ptr<AuditLog> audit, std::unique_ptr<provenance::SigningKey> provenance_key);

  boost::asio::awaitable<void> accept_loop();
  boost::asio::awaitable<void> watch_registry();
  boost::asio::awaitable<void> shut_down();
  boost::asio::awaitable<void> sweep_expired();
  void on_signal(const boost::system::error_code& error, int signal);
  void wait_for_signal();
  void reload_registry(const char* trigger);
  void reload_policies(const char* trigger);
  Context& next_context();

  Settings settings_;
  std::vector<std::unique_ptr<Context>> contexts_;
  std::vector<WorkGuard> work_guards_;
  std::shared_ptr<boost::asio::ssl::context> tls_;
  RegistryHolder registry_;
  std::unique_ptr<PolicyHolder> policies_;
  Router router_;
  net::SessionTable sessions_;
  Counters counters_;
  std::unique_ptr<store::StorageService> storage_;
  std::unique_ptr<AuditLog> audit_;
  std::unique_ptr<provenance::SigningKey> provenance_key_;
  std::unique_ptr<boost::asio::thread_pool> verify_pool_;  // null when verify_threads is 0
  Services services_;
  // The TAXII read side; null when not configured.
  std::unique_ptr<taxii::TaxiiServer> taxii_;
  // Optional only so the destructor can destroy them before context 0.
  std::optional<boost::asio::ip::tcp::acceptor> acceptor_;
  std::optional<boost::asio::signal_set> signals_;
  std::optional<boost::asio::steady_timer> registry_timer_;
  std::optional<boost::asio::steady_timer> sweep_timer_;
  std::atomic<bool> stopping_{false};
  std::uint64_t next_session_id_ = 0;
  std::size_t next_context_ = 0;
  struct stat registry_stat_ {};
};

}  // namespace weft::broker
