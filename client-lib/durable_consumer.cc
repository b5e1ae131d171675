#include "client-lib/durable_consumer.h"

#include <algorithm>
#include <optional>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "client-lib/reliable_publisher.h"

namespace weft::client {
namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
constexpr auto kUseAwaitableTuple = asio::as_tuple(asio::use_awaitable);

}  // namespace

struct DurableConsumer::State {
  State(asio::any_io_executor on, Profile who, std::string feed_name, std::string subscription_name,
        Options connection_options, BackoffPolicy policy)
      : executor(on), profile(std::move(who)), feed(std::move(feed_name)), name(std::move(subscription_name)),
        options(std::move(connection_options)), backoff(policy), pause(on) {}

  // Connects and subscribes, retrying with backoff until it works or cannot.
  asio::awaitable<Result<void>> open() {
    const auto failing_since = Clock::now();
    while (!closed) {
      auto attempt = co_await try_open();
      if (attempt) {
        backoff.reset();
        co_return ok();
      }
      const Error& error = attempt.error();
      // On first use another holder of the name is a mistake to report; after
      // a connection loss it is usually our own old session, which the broker
      // has not noticed is gone yet.
      const bool name_busy_after_loss = error.code == v1::ALREADY_SUBSCRIBED && ever_subscribed;
      if (is_fatal_for_session(error) && !name_busy_after_loss) {
        co_return error;
      }
      if (backoff.policy().give_up_after.count() > 0 && Clock::now() - failing_since >= backoff.policy().give_up_after) {
        co_return make_error(error.code, "gave up after retrying for " +
                                             std::to_string(backoff.policy().give_up_after.count() / 1000) +
                                             " s; last error: " + error.message);
      }
      const auto delay = backoff.next_delay();
      if (retry_observer) {
        retry_observer(error, delay);
      }
      pause.expires_after(delay);
      co_await pause.async_wait(kUseAwaitableTuple);
    }
    co_return closed_error();
  }

  asio::awaitable<Result<void>> try_open() {
    auto connected = co_await Connection::connect(executor, profile, options);
    if (!connected) {
      co_return connected.error();
    }
    auto subscribed = co_await connected.value()->subscribe(feed, name);
    if (!subscribed) {
      connected.value()->close();
      co_return subscribed.error();
    }
    if (closed) {
      connected.value()->close();
      co_return closed_error();
    }
    connection = std::move(connected).value();
    subscription = std::move(subscribed).value();
    received_here = subscription->resume_after();
    acked_here = subscription->resume_after();
    ever_subscribed = true;
    if (resume_observer) {
      resume_observer(subscription->resume_after());
    }
    co_return ok();
  }

  void drop() {
    if (connection) {
      connection->close();
    }
    connection.reset();
    subscription.reset();
  }

  // Acks on the current connection can only cover what it delivered.
  void send_ack() {
    if (!connection || !connection->is_open()) {
      return;
    }
    const std::uint64_t up_to = std::min(acked_by_application, received_here);
    if (up_to > acked_here) {
      connection->ack(feed, up_to);
      acked_here = up_to;
    }
  }

  static Error closed_error() { return make_error(v1::CONNECTION_LOST, "the durable consumer was closed"); }

  asio::any_io_executor executor;
  Profile profile;
  std::string feed;
  std::string name;
  Options options;
  Backoff backoff;
  asio::steady_timer pause;
  std::shared_ptr<Connection> connection;
  std::shared_ptr<Subscription> subscription;
  bool closed = false;
  bool ever_subscribed = false;
  std::uint64_t handed_out = 0;            // highest sequence next() returned
  std::uint64_t acked_by_application = 0;  // highest sequence ack() was given
  std::uint64_t received_here = 0;         // highest sequence the current connection delivered
  std::uint64_t acked_here = 0;            // highest ack sent on the current connection
  std::function<void(const Error&, std::chrono::milliseconds)> retry_observer;
  std::function<void(std::uint64_t)> resume_observer;
};

DurableConsumer::DurableConsumer(asio::any_io_executor executor, Profile profile, std::string feed, std::string name,
                                 Options options, BackoffPolicy backoff)
    : state_(std::make_shared<State>(executor, std::move(profile), std::move(feed), std::move(name),
                                     std::move(options), backoff)) {}

DurableConsumer::~DurableConsumer() { close(); }

void DurableConsumer::set_retry_observer(std::function<void(const Error&, std::chrono::milliseconds)> observer) {
  state_->retry_observer = std::move(observer);
}

void DurableConsumer::set_resume_observer(std::function<void(std::uint64_t)> observer) {
  state_->resume_observer = std::move(observer);
}

const std::string& DurableConsumer::feed() const { return state_->feed; }

void DurableConsumer::close() {
  state_->closed = true;
  state_->pause.cancel();
  state_->drop();
}

asio::awaitable<void> DurableConsumer::close_after_acks(std::chrono::milliseconds limit) {
  const auto state = state_;
  state->closed = true;
  state->pause.cancel();
  if (auto connection = state->connection) {
    co_await connection->flush_and_close(limit);
  }
  state->drop();
}

asio::awaitable<Result<v1::Delivery>> DurableConsumer::next() {
  const auto state = state_;
  while (!state->closed) {
    if (!state->subscription) {
      if (auto opened = co_await state->open(); !opened) {
        co_return opened.error();
      }
    }
    const auto subscription = state->subscription;
    auto delivery = co_await subscription->next();
    if (state->subscription != subscription) {
      continue;  // closed or replaced while we waited
    }
    if (!delivery) {
      if (is_fatal_for_session(delivery.error())) {
        state->drop();
        co_return delivery.error();
      }
      if (state->retry_observer) {
        state->retry_observer(delivery.error(), std::chrono::milliseconds(0));
      }
      state->drop();
      continue;
    }
    const std::uint64_t sequence = delivery.value().report().broker().sequence();
    state->received_here = std::max(state->received_here, sequence);
    if (sequence <= state->handed_out) {
      // Resent after a reconnect because it was not acknowledged in time; the
      // application has it already.
      state->send_ack();
      continue;
    }
    state->handed_out = sequence;
    co_return delivery;
  }
  co_return State::closed_error();
}

void DurableConsumer::ack(const v1::Delivery& delivery) {
  state_->acked_by_application = std::max(state_->acked_by_application, delivery.report().broker().sequence());
  state_->send_ack();
}

}  // namespace weft::client
