// A durable subscription that survives connection loss and broker restarts.
//
//   DurableConsumer consumer(executor, profile, "phishing", "soc-feed");
//   while (true) {
//     auto delivery = co_await consumer.next();
//     if (!delivery) break;                  // fatal, gave up, or closed
//     handle(delivery.value());
//     consumer.ack(delivery.value());        // the broker will not send it again
//   }
//
// The broker keeps the subscription's cursor. After a reconnect it resends
// everything after the last acknowledged report, in feed order; reports this
// consumer already handed out are not handed out again, so within one
// process each report is seen once. A process that stops between next() and
// ack() sees the report again on its next start (at-least-once): recognise
// such repeats by report id.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "client-lib/backoff.h"
#include "client-lib/connection.h"
#include "client-lib/profile.h"

namespace weft::client {

class DurableConsumer {
 public:
  // `name` identifies the subscription within the organisation; its first
  // use creates it at the current end of `feed`.
  DurableConsumer(boost::asio::any_io_executor executor, Profile profile, std::string feed, std::string name,
                  Options options = {}, BackoffPolicy backoff = {});
  ~DurableConsumer();
  DurableConsumer(const DurableConsumer&) = delete;
  DurableConsumer& operator=(const DurableConsumer&) = delete;

  // The next report of the feed. Connection loss, broker restarts and
  // retryable refusals are handled inside; an error means the subscription
  // cannot go on: the broker refuses it for good (FORBIDDEN, NOT_FOUND,
  // REVOKED, another session holds the name...), the policy's give_up_after
  // passed, or close() was called.
  boost::asio::awaitable<Result<v1::Delivery>> next();
  // Acknowledges `delivery` and every report before it.
  void ack(const v1::Delivery& delivery);

  // Called before each wait for a reconnect: what failed and how long we wait.
  void set_retry_observer(std::function<void(const Error&, std::chrono::milliseconds)> observer);
  // Called after each successful (re)subscribe with the broker's cursor.
  void set_resume_observer(std::function<void(std::uint64_t resume_after)> observer);

  void close();
  // Sends the acknowledgements still queued (for at most `limit`), then closes.
  boost::asio::awaitable<void> close_after_acks(std::chrono::milliseconds limit = std::chrono::seconds(5));
  const std::string& feed() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace weft::client
