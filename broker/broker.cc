#include "broker/broker.h"

#include <csignal>
#include <future>
#include <optional>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "broker/net/accept.h"
#include "broker/net/session.h"
#include "broker/retention_clock.h"
#include "broker/store_audit_cross_check.h"
#include "common/files.h"
#include "common/log.h"
#include "tls/tls_context.h"

namespace weft::broker {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
constexpr auto kUseAwaitableTuple = asio::as_tuple(asio::use_awaitable);
// How far the wall clock may drift from the steady clock between two sweeps
// before the sweeper stops following it (NTP slews stay far below this).
constexpr std::chrono::minutes kClockTolerance{10};

bool same_file_state(const struct stat& a, const struct stat& b) {
  return a.st_ino == b.st_ino && a.st_dev == b.st_dev && a.st_size == b.st_size &&
         a.st_mtim.tv_sec == b.st_mtim.tv_sec && a.st_mtim.tv_nsec == b.st_mtim.tv_nsec;
}

}  // namespace

Result<std::unique_ptr<Broker>> Broker::create(Settings settings) {
  WEFT_TRY(auto tls, tls::make_server_context({settings.ca_file, settings.cert_file, settings.key_file}));
  WEFT_TRY(auto registry, Registry::load(settings.registry_file));
  WEFT_TRY(auto policies, PolicyHolder::load(settings.policy_files, settings.pseudonym_key_file));
  WEFT_TRY(files::make_directory(settings.data_dir, 0700));
  store::StorageSettings storage_settings;
  storage_settings.database_file = settings.database_file;
  storage_settings.storage_key_file = settings.storage_key_file;
  storage_settings.max_database_bytes = settings.max_database_bytes;
  storage_settings.max_batch = settings.storage_max_batch;
  storage_settings.queue_limit = settings.storage_queue_limit;
  // Both start-up checks read their whole file (the store's integrity check,
  // the audit log's re-hash against its signed checkpoint) and share nothing:
  // side by side, a start costs the longer of the two, not their sum.
  auto audit_opening = std::async(std::launch::async, [&audit_settings = settings.audit] {
    return AuditLog::open(audit_settings);
  });
  auto storage_opened = store::StorageService::open(storage_settings);
  auto audit_opened = audit_opening.get();
  WEFT_TRY(auto storage, std::move(storage_opened));
  WEFT_TRY(auto audit, std::move(audit_opened));
  WEFT_TRY(check_store_covers_audit_log(audit->feed_ends_at_open(), storage->feed_ends_at_open(),
                                        settings.database_file, settings.audit.database_file));
  log::info("storage.audit_cross_checked", {{"audited_feeds", audit->feed_ends_at_open().size()},
                                            {"stored_feeds", storage->feed_ends_at_open().size()}});
  WEFT_TRY(auto provenance_key, provenance::SigningKey::load(settings.provenance_key_file));
  auto snapshot = std::make_shared<const Registry>(std::move(registry));
  return std::unique_ptr<Broker>(new Broker(std::move(settings), std::move(tls), std::move(snapshot),
                                            std::move(policies), std::move(storage), std::move(audit),
                                            std::make_unique<provenance::SigningKey>(std::move(provenance_key))));
}

Broker::Broker(Settings settings, std::shared_ptr<asio::ssl::context> tls, std::shared_ptr<const Registry> registry,
               std::unique_ptr<PolicyHolder> policies, std::unique_ptr<store::StorageService> storage,
               std::unique_ptr<AuditLog> audit, std::unique_ptr<provenance::SigningKey> provenance_key)
    : settings_(std::move(settings)),
      contexts_([this] {
        std::vector<std::unique_ptr<Context>> contexts;
        for (std::uint32_t i = 0; i < settings_.network_threads; ++i) {
          contexts.push_back(std::make_unique<Context>(1));
        }
        return contexts;
      }()),
      tls_(std::move(tls)),
      registry_(std::move(registry)),
      policies_(std::move(policies)),
      storage_(std::move(storage)),
      audit_(std::move(audit)),
      provenance_key_(std::move(provenance_key)),
      verify_pool_(settings_.verify_threads > 0 ? std::make_unique<asio::thread_pool>(settings_.verify_threads)
                                                : nullptr),
      services_{settings_,  registry_, *policies_, router_,           sessions_,
                counters_,  *storage_,  *audit_,    *provenance_key_, verify_pool_.get()},
      acceptor_(std::in_place, *contexts_[0]),
      signals_(std::in_place, *contexts_[0]),
      registry_timer_(std::in_place, *contexts_[0]),
      sweep_timer_(std::in_place, *contexts_[0]) {
  if (settings_.taxii.enabled) {
    taxii_ = std::make_unique<taxii::TaxiiServer>(services_, tls_, *contexts_[0],
                                                  [this]() -> Context& { return next_context(); });
  }
  for (auto& context : contexts_) {
    work_guards_.emplace_back(context->get_executor());
  }
  ::stat(settings_.registry_file.c_str(), &registry_stat_);
}

Broker::~Broker() {
  // Checks still queued finish; their continuations go to the contexts,
  // which are no longer run, and are destroyed with them.
  if (verify_pool_) {
    verify_pool_->join();
  }
  // Finish every storage job first (nothing acknowledged is left uncommitted;
  // their completions are posted to the contexts, which still exist), then
  // destroy the contexts with whatever handlers they still hold, while the
  // session table and counters those handlers touch are alive.
  storage_.reset();
  // Every queued record is written and a final checkpoint signed.
  audit_.reset();
  // I/O objects of context 0 must go before their context does.
  taxii_.reset();
  sweep_timer_.reset();
  registry_timer_.reset();
  signals_.reset();
  acceptor_.reset();
  work_guards_.clear();
  for (auto& context : contexts_) {
    context.reset();
  }
}

Result<std::uint16_t> Broker::listen() {
  WEFT_TRY(net::listen_on(*acceptor_, settings_.listen_host, settings_.listen_port, "listen"));
  if (taxii_) {
    WEFT_TRY(taxii_->listen());
  }
  return acceptor_->local_endpoint().port();
}

std::optional<std::uint16_t> Broker::taxii_port() const {
  if (!taxii_) {
    return std::nullopt;
  }
  return taxii_->port();
}

void Broker::run() {
  signals_->add(SIGTERM);
  signals_->add(SIGINT);
  signals_->add(SIGHUP);
  wait_for_signal();
  asio::co_spawn(*contexts_[0], accept_loop(), [](std::exception_ptr e) { log::failure("broker.task_failed", e, {{"task", "accept"}}); });
  asio::co_spawn(*contexts_[0], watch_registry(), [](std::exception_ptr e) { log::failure("broker.task_failed", e, {{"task", "registry"}}); });
  asio::co_spawn(*contexts_[0], sweep_expired(),
                 [](std::exception_ptr e) { log::failure("broker.task_failed", e, {{"task", "retention"}}); });
  if (taxii_) {
    taxii_->start();
  }
  for (const auto& policy : policies_->current()->policies()) {
    log::info("policy.loaded", {{"trigger", "start"},
                                {"policy", policy->name()},
                                {"version", policy->version()},
                                {"sha256", policy->canonical_sha256().substr(0, 16)}});
  }
  log::info("broker.started", {{"broker_id", settings_.broker_id},
                               {"listen", settings_.listen_host + ":" + std::to_string(acceptor_->local_endpoint().port())},
                               {"taxii", taxii_ ? settings_.taxii.listen_host + ":" + std::to_string(taxii_->port())
                                                : std::string("off")},
                               {"threads", settings_.network_threads},
                               {"organisations", registry_.current()->proto().organisations_size()}});
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < contexts_.size(); ++i) {
    threads.emplace_back([context = contexts_[i].get()] { context->run(); });
  }
  contexts_[0]->run();
  for (auto& thread : threads) {
    thread.join();
  }
  log::info("broker.stopped", {{"reports_accepted", counters_.reports_accepted.load()},
                               {"reports_duplicate", counters_.reports_duplicate.load()},
                               {"reports_refused", counters_.reports_refused.load()},
                               {"deliveries_queued", counters_.deliveries_queued.load()},
                               {"deliveries_withheld", counters_.deliveries_withheld.load()},
                               {"deliveries_failed_closed", counters_.deliveries_failed_closed.load()},
                               {"deliveries_held_for_audit", counters_.deliveries_held_for_audit.load()},
                               {"taxii_reports_served", counters_.taxii_reports_served.load()},
                               {"audit_entries", audit_->size()},
                               {"sessions_opened", counters_.sessions_opened.load()}});
}

void Broker::stop() {
  asio::post(*contexts_[0], [this] {
    if (stopping_.exchange(true)) {
      return;
    }
    asio::co_spawn(*contexts_[0], shut_down(), [](std::exception_ptr e) { log::failure("broker.task_failed", e, {{"task", "shutdown"}}); });
  });
}

void Broker::wait_for_signal() {
  signals_->async_wait([this](const boost::system::error_code& error, int signal) { on_signal(error, signal); });
}

void Broker::on_signal(const boost::system::error_code& error, int signal) {
  if (error) {
    return;
  }
  if (signal == SIGHUP) {
    reload_registry("SIGHUP");
    reload_policies("SIGHUP");
    wait_for_signal();
    return;
  }
  log::info("broker.stopping", {{"signal", signal == SIGTERM ? "SIGTERM" : "SIGINT"}});
  stop();
}

asio::awaitable<void> Broker::shut_down() {
  boost::system::error_code ignored;
  acceptor_->close(ignored);
  registry_timer_->cancel();
  sweep_timer_->cancel();
  signals_->cancel(ignored);
  for (auto& session : sessions_.snapshot()) {
    session->close_async(v1::SHUTTING_DOWN, "the broker is shutting down; reconnect later", CloseReason::kShutdown);
  }
  if (taxii_) {
    taxii_->stop();
  }
  const auto open = [this] { return sessions_.size() + (taxii_ ? taxii_->open_connections() : 0); };
  // Sessions flush what they queued and send their last frame; the grace
  // period bounds how long a stuck peer can delay the exit.
  asio::steady_timer timer(*contexts_[0]);
  const auto deadline = std::chrono::steady_clock::now() + settings_.limits.shutdown_grace;
  while (open() > 0 && std::chrono::steady_clock::now() < deadline) {
    timer.expires_after(std::chrono::milliseconds(20));
    co_await timer.async_wait(kUseAwaitableTuple);
  }
  if (open() > 0) {
    log::warn("broker.shutdown_forced", {{"sessions_left", sessions_.size()},
                                         {"taxii_connections_left", taxii_ ? taxii_->open_connections() : 0}});
  }
  for (auto& guard : work_guards_) {
    guard.reset();
  }
  for (auto& context : contexts_) {
    context->stop();
  }
}

Broker::Context& Broker::next_context() {
  Context& context = *contexts_[next_context_];
  next_context_ = (next_context_ + 1) % contexts_.size();
  return context;
}

asio::awaitable<void> Broker::accept_loop() {
  asio::steady_timer backoff(*contexts_[0]);
  while (auto accepted = co_await net::accept_next(*acceptor_, next_context(), backoff, "broker",
                                                   [this] { return stopping_.load(); })) {
    const std::string& address = accepted->address;
    if (sessions_.size() >= settings_.limits.max_connections) {
      log::warn("security.connection_refused", {{"peer", address}, {"reason", "max_connections"}});
      continue;  // the socket closes when it goes out of scope
    }
    if (!sessions_.try_add_unauthenticated(address, settings_.limits.max_preauth_per_ip)) {
      log::warn("security.connection_refused", {{"peer", address}, {"reason", "max_preauth_per_ip"}});
      continue;
    }
    auto session = std::make_shared<net::Session>(net::Session::Stream(std::move(accepted->socket), *tls_),
                                                  services_, ++next_session_id_, address);
    net::Session::start(std::move(session));
  }
}

asio::awaitable<void> Broker::watch_registry() {
  while (!stopping_) {
    registry_timer_->expires_after(settings_.registry_poll);
    auto [error] = co_await registry_timer_->async_wait(kUseAwaitableTuple);
    if (error || stopping_) {
      break;
    }
    struct stat now {};
    if (::stat(settings_.registry_file.c_str(), &now) != 0) {
      continue;  // mid-replace or removed: keep the registry in force
    }
    if (!same_file_state(now, registry_stat_)) {
      registry_stat_ = now;
      reload_registry("file changed");
    }
  }
}

asio::awaitable<void> Broker::sweep_expired() {
  std::vector<store::RetentionRule> rules{{"", std::chrono::duration_cast<std::chrono::milliseconds>(
                                                  settings_.retention.default_max_age)
                                                  .count()}};
  for (const auto& [feed, age] : settings_.retention.feeds) {
    rules.push_back({feed, std::chrono::duration_cast<std::chrono::milliseconds>(age).count()});
  }
  const auto red = std::chrono::duration_cast<std::chrono::milliseconds>(settings_.retention.red_max_age).count();
  const std::size_t batch = settings_.retention.sweep_batch;
  RetentionClock clock(std::chrono::system_clock::now(), std::chrono::steady_clock::now(), kClockTolerance);
  bool reported_divergence = false;
  while (!stopping_) {
    sweep_timer_->expires_after(settings_.retention.sweep_interval);
    auto [error] = co_await sweep_timer_->async_wait(kUseAwaitableTuple);
    if (error || stopping_) {
      break;
    }
    const auto reading = clock.read(std::chrono::system_clock::now(), std::chrono::steady_clock::now());
    if (reading.diverged != reported_divergence) {
      reported_divergence = reading.diverged;
      if (reading.diverged) {
        log::error("retention.clock_diverged",
                   {{"wall_minus_steady_s", reading.divergence.count() / 1000},
                    {"action", "sweeping against the steady clock; restart weftd once the wall clock is right"}});
      } else {
        log::info("retention.clock_agrees");
      }
    }
    const std::int64_t now_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(reading.now.time_since_epoch()).count();
    // Bounded batches, one transaction each, until nothing is left to expire.
    std::size_t total = 0;
    while (!stopping_) {
      asio::steady_timer done(*contexts_[0], asio::steady_timer::time_point::max());
      std::optional<Result<std::size_t>> swept;
      storage_->sweep(now_ms, rules, red, batch, contexts_[0]->get_executor(),
                      [&swept, &done](Result<std::size_t> result) {
        swept = std::move(result);
        done.cancel();
      });
      co_await done.async_wait(kUseAwaitableTuple);
      if (!swept || !*swept) {
        log::warn("retention.sweep_failed", {{"error", swept ? swept->error().message : std::string("cancelled")}});
        break;
      }
      total += swept->value();
      if (swept->value() < batch) {
        break;
      }
    }
    if (total > 0) {
      log::info("retention.swept", {{"deleted", total}});
    }
  }
}

void Broker::reload_policies(const char* trigger) {
  auto reloaded = policies_->reload();
  if (!reloaded) {
    // The policies in force stay: a broken edit must not open a gap.
    log::error("policy.reload_refused", {{"trigger", trigger}, {"error", reloaded.error().message}});
    return;
  }
  for (const auto& policy : reloaded.value()->policies()) {
    log::info("policy.loaded", {{"trigger", trigger},
                                {"policy", policy->name()},
                                {"version", policy->version()},
                                {"sha256", policy->canonical_sha256().substr(0, 16)}});
  }
}

void Broker::reload_registry(const char* trigger) {
  auto loaded = Registry::load(settings_.registry_file);
  if (!loaded) {
    // The registry in force stays; a broken file must not open anything up.
    log::error("registry.reload_failed", {{"trigger", trigger}, {"error", loaded.error().message}});
    return;
  }
  auto snapshot = std::make_shared<const Registry>(std::move(loaded).value());
  registry_.replace(snapshot);
  log::info("registry.reloaded", {{"trigger", trigger},
                                  {"revision", snapshot->revision()},
                                  {"organisations", snapshot->proto().organisations_size()}});
  for (auto& session : sessions_.snapshot()) {
    session->registry_changed();
  }
}

}  // namespace weft::broker
