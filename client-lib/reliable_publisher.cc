#include "client-lib/reliable_publisher.h"

#include <map>
#include <optional>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace weft::client {
namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
constexpr auto kUseAwaitableTuple = asio::as_tuple(asio::use_awaitable);

bool gave_up(const BackoffPolicy& policy, Clock::time_point failing_since) {
  return policy.give_up_after.count() > 0 && Clock::now() - failing_since >= policy.give_up_after;
}

Error giving_up(const Error& last, const BackoffPolicy& policy) {
  return make_error(last.code, "gave up after retrying for " + std::to_string(policy.give_up_after.count() / 1000) +
                                   " s; last error: " + last.message);
}

}  // namespace

bool is_connection_failure(const Error& error) {
  switch (error.code) {
    case v1::CONNECT_FAILED:
    case v1::CONNECTION_LOST:
    case v1::LOCAL_TIMEOUT:
    case v1::SHUTTING_DOWN:
    case v1::TOO_MANY_CONNECTIONS:
    case v1::TIMEOUT:
    case v1::SLOW_CONSUMER:
      return true;
    default:
      return false;
  }
}

bool is_fatal_for_session(const Error& error) { return !is_connection_failure(error) && !error.retryable(); }

struct ReliablePublisher::State : std::enable_shared_from_this<State> {
  State(asio::any_io_executor on, Profile who, Options connection_options, BackoffPolicy backoff_policy)
      : executor(on), profile(std::move(who)), options(std::move(connection_options)), policy(backoff_policy),
        reconnect_pause(on) {}

  asio::awaitable<Result<std::shared_ptr<Connection>>> usable_connection(std::uint64_t ticket) {
    while (true) {
      if (fatal) {
        co_return *fatal;
      }
      if (connection && connection->is_open()) {
        co_return connection;
      }
      if (!reconnecting) {
        reconnecting = true;
        asio::co_spawn(executor, reconnect(shared_from_this()), asio::detached);
      }
      auto wakeup = std::make_shared<asio::steady_timer>(executor, Clock::time_point::max());
      waiters.emplace(ticket, wakeup);
      co_await wakeup->async_wait(kUseAwaitableTuple);
      waiters.erase(ticket);
    }
  }

  static asio::awaitable<void> reconnect(std::shared_ptr<State> self) {
    Backoff backoff(self->policy);
    const auto failing_since = Clock::now();
    while (!self->fatal) {
      auto connected = co_await Connection::connect(self->executor, self->profile, self->options);
      if (self->fatal) {
        if (connected) {
          connected.value()->close();
        }
        break;
      }
      if (connected) {
        self->connection = std::move(connected).value();
        break;
      }
      const Error& error = connected.error();
      if (is_fatal_for_session(error)) {
        self->fatal = error;
        break;
      }
      if (gave_up(self->policy, failing_since)) {
        self->fatal = giving_up(error, self->policy);
        break;
      }
      const auto delay = backoff.next_delay();
      if (self->observer) {
        self->observer(error, delay);
      }
      self->reconnect_pause.expires_after(delay);
      co_await self->reconnect_pause.async_wait(kUseAwaitableTuple);
    }
    self->reconnecting = false;
    self->wake_waiters();
  }

  // In ticket order, so reports go out again in the order they were first
  // published.
  void wake_waiters() {
    for (auto& [ticket, wakeup] : waiters) {
      wakeup->cancel();
    }
  }

  void drop(const std::shared_ptr<Connection>& failed) {
    if (connection == failed) {
      connection->close();
      connection.reset();
    }
  }

  void close() {
    if (!fatal) {
      fatal = make_error(v1::CONNECTION_LOST, "the publisher was closed");
    }
    if (connection) {
      connection->close();
      connection.reset();
    }
    reconnect_pause.cancel();
    wake_waiters();
  }

  asio::any_io_executor executor;
  Profile profile;
  Options options;
  BackoffPolicy policy;
  asio::steady_timer reconnect_pause;
  std::shared_ptr<Connection> connection;
  bool reconnecting = false;
  std::optional<Error> fatal;
  std::uint64_t next_ticket = 1;
  std::map<std::uint64_t, std::shared_ptr<asio::steady_timer>> waiters;
  std::function<void(const Error&, std::chrono::milliseconds)> observer;
};

ReliablePublisher::ReliablePublisher(asio::any_io_executor executor, Profile profile, Options options,
                                     BackoffPolicy backoff)
    : state_(std::make_shared<State>(executor, std::move(profile), std::move(options), backoff)) {}

ReliablePublisher::~ReliablePublisher() { state_->close(); }

void ReliablePublisher::set_retry_observer(std::function<void(const Error&, std::chrono::milliseconds)> observer) {
  state_->observer = std::move(observer);
}

void ReliablePublisher::close() { state_->close(); }

asio::awaitable<Result<v1::PublishAck>> ReliablePublisher::publish(v1::Report report) {
  const auto state = state_;
  const std::uint64_t ticket = state->next_ticket++;
  // Pauses after the broker refuses for now (OVERLOADED, STORAGE_UNAVAILABLE):
  // the connection is fine, the broker needs time.
  Backoff refusals(state->policy);
  std::optional<Clock::time_point> refused_since;
  asio::steady_timer pause(state->executor);
  while (true) {
    auto connection = co_await state->usable_connection(ticket);
    if (!connection) {
      co_return connection.error();
    }
    auto ack = co_await connection.value()->publish(report);
    if (ack) {
      co_return ack;
    }
    const Error& error = ack.error();
    if (is_connection_failure(error)) {
      state->drop(connection.value());
      continue;
    }
    if (!error.retryable()) {
      co_return error;
    }
    if (!refused_since) {
      refused_since = Clock::now();
    }
    if (gave_up(state->policy, *refused_since)) {
      co_return giving_up(error, state->policy);
    }
    const auto delay = refusals.next_delay();
    if (state->observer) {
      state->observer(error, delay);
    }
    pause.expires_after(delay);
    co_await pause.async_wait(kUseAwaitableTuple);
  }
}

}  // namespace weft::client
