// A publisher that survives connection loss and broker restarts.
//
//   ReliablePublisher publisher(executor, profile);
//   auto ack = co_await publisher.publish(report);   // from many coroutines at once
//
// Retrying is safe because a report id is an idempotency key: a report the
// broker stored before the connection broke is acknowledged again with
// duplicate=true and delivered to no one twice. A publish returns only once
// the broker has committed the report, or with an error that retrying cannot
// fix (VALIDATION_FAILED, FORBIDDEN, ID_CONFLICT, a revoked certificate...)
// or after the policy's give_up_after.
//
// Order: reports waiting for a reconnect are sent again in the order publish()
// was first called, so one publisher's reports keep their order across broker
// restarts. A report refused with OVERLOADED or STORAGE_UNAVAILABLE is
// retried after a pause, and may then land after reports published behind it
// on the same connection; publish one at a time where strict order matters.
#pragma once

#include <functional>
#include <memory>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "client-lib/backoff.h"
#include "client-lib/connection.h"
#include "client-lib/profile.h"

namespace weft::client {

class ReliablePublisher {
 public:
  ReliablePublisher(boost::asio::any_io_executor executor, Profile profile, Options options = {},
                    BackoffPolicy backoff = {});
  ~ReliablePublisher();
  ReliablePublisher(const ReliablePublisher&) = delete;
  ReliablePublisher& operator=(const ReliablePublisher&) = delete;

  boost::asio::awaitable<Result<v1::PublishAck>> publish(v1::Report report);

  // Called before each wait for a retry: what failed and how long we wait.
  void set_retry_observer(std::function<void(const Error&, std::chrono::milliseconds)> observer);

  // Fails every publish still waiting and closes the connection.
  void close();

 private:
  struct State;
  std::shared_ptr<State> state_;
};

// Errors after which the same request may succeed on a new connection.
bool is_connection_failure(const Error& error);
// Errors no retry can fix: the broker will refuse this organisation again.
bool is_fatal_for_session(const Error& error);

}  // namespace weft::client
