// libweft: a connection to a weft broker as one organisation.
//
//   auto conn = co_await Connection::connect(executor, profile);
//   auto ack  = co_await conn.value()->publish(report);
//   auto sub  = co_await conn.value()->subscribe("phishing");
//   while (auto delivery = co_await sub.value()->next()) { ... }
//
// Every operation returns a Result: on failure, an Error whose code is the
// broker's (FORBIDDEN, VALIDATION_FAILED, ...) or one of the client-side
// codes (CONNECT_FAILED, TLS_FAILED, CONNECTION_LOST, LOCAL_TIMEOUT).
//
// Thread safety: a Connection and its Subscriptions are used from the
// executor they were created on (one thread); many coroutines may use one
// connection at once, e.g. to pipeline publishes.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>

#include "client-lib/profile.h"
#include "client-lib/report_signer.h"
#include "proto/error.h"
#include "weft/v1/frame.pb.h"

namespace weft::client {

struct Options {
  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::milliseconds request_timeout{30000};
  std::string client_software = "libweft/0.1.0";
  // Deliveries buffered per subscription. When the application stops
  // reading, the connection stops reading too, and the broker eventually
  // cuts it off as a slow consumer.
  std::size_t subscription_buffer = 1024;
};

class Connection;

// The stream of deliveries of one feed.
class Subscription {
 public:
  Subscription(boost::asio::any_io_executor executor, std::string feed, std::size_t buffer);

  // The next delivery, or the error that ended the subscription (the broker
  // ended it, or the connection was lost or closed).
  boost::asio::awaitable<Result<v1::Delivery>> next();
  const std::string& feed() const { return feed_; }
  // For a durable subscription: the broker resumes after this sequence.
  std::uint64_t resume_after() const { return resume_after_; }

 private:
  friend class Connection;
  // Waits while the buffer is full, so an application that stops reading
  // stops the connection's reader too.
  boost::asio::awaitable<void> push(v1::Delivery delivery);
  // Deliveries already buffered are still handed out before the error.
  void end(Error error);

  std::string feed_;
  std::uint64_t resume_after_ = 0;
  std::size_t capacity_;
  std::deque<v1::Delivery> items_;
  std::optional<Error> ended_;
  boost::asio::steady_timer data_ready_;
  boost::asio::steady_timer space_ready_;
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  using Stream = boost::asio::ssl::stream<boost::asio::ip::tcp::socket>;

  // Connects, completes the TLS 1.3 handshake with the profile's
  // certificate, says Hello and waits for Welcome.
  static boost::asio::awaitable<Result<std::shared_ptr<Connection>>> connect(boost::asio::any_io_executor executor,
                                                                             const Profile& profile,
                                                                             Options options = {});

  Connection(boost::asio::any_io_executor executor, std::shared_ptr<boost::asio::ssl::context> tls, Options options);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Publishes and waits for the broker's acknowledgement.
  boost::asio::awaitable<Result<v1::PublishAck>> publish(v1::Report report);
  // With `durable` set, a durable subscription of that name: deliveries
  // resume after the last acknowledged one, so acknowledge them with ack().
  boost::asio::awaitable<Result<std::shared_ptr<Subscription>>> subscribe(std::string feed, std::string durable = {});
  // Acknowledges every delivery of `feed` up to and including `sequence`.
  void ack(const std::string& feed, std::uint64_t sequence);
  boost::asio::awaitable<Result<void>> unsubscribe(const std::string& feed);
  // Asks the broker to re-read its policy files (needs the ADMIN role). On
  // POLICY_INVALID the broker keeps the policies in force.
  boost::asio::awaitable<Result<v1::AdminResponse>> reload_policies();
  // An auditor's request to the audit log (needs the AUDITOR role).
  boost::asio::awaitable<Result<v1::AuditResponse>> audit(v1::AuditRequest audit_request);
  // One stored report by id, filtered for this organisation like a delivery.
  // NOT_FOUND when it does not exist or is not for this organisation.
  boost::asio::awaitable<Result<v1::GetReportResult>> get_report(std::string id);
  // Each named organisation's sealing key and effective policy, for sealing a
  // TLP:RED report (needs the PUBLISHER role).
  boost::asio::awaitable<Result<std::vector<v1::SealingRecipient>>> sealing_recipients(
      std::vector<std::string> organisations);
  // Round trip time of a Ping.
  boost::asio::awaitable<Result<std::chrono::microseconds>> ping();

  // Subscribes and calls `on_delivery` for each report until the
  // subscription ends; returns the error that ended it.
  boost::asio::awaitable<Error> consume(std::string feed, std::function<void(const v1::Delivery&)> on_delivery);

  const v1::Welcome& welcome() const { return welcome_; }
  bool is_open() const { return open_; }
  // The error that closed the connection, once closed.
  const std::optional<Error>& close_error() const { return close_error_; }
  void close();
  // Writes what is still queued (acks, say), for at most `limit`, then closes.
  boost::asio::awaitable<void> flush_and_close(std::chrono::milliseconds limit);

 private:
  struct Pending {
    explicit Pending(boost::asio::any_io_executor executor) : timer(std::move(executor)) {}
    boost::asio::steady_timer timer;
    std::optional<Result<v1::Frame>> reply;
  };

  boost::asio::awaitable<Result<void>> open(const Profile& profile);
  boost::asio::awaitable<Result<v1::Frame>> request(v1::Frame frame);
  void send(const v1::Frame& frame);
  static boost::asio::awaitable<void> read_loop(std::shared_ptr<Connection> self);
  static boost::asio::awaitable<void> write_loop(std::shared_ptr<Connection> self);
  static boost::asio::awaitable<void> heartbeat(std::shared_ptr<Connection> self);
  boost::asio::awaitable<void> dispatch(v1::Frame frame);
  void fail(Error error);

  boost::asio::any_io_executor executor_;
  std::shared_ptr<boost::asio::ssl::context> tls_;
  std::shared_ptr<const ReportSigner> signer_;  // set when the profile has a signing key
  Options options_;
  Stream stream_;
  boost::asio::steady_timer writer_wakeup_;
  boost::asio::steady_timer heartbeat_timer_;
  boost::asio::steady_timer connect_deadline_;
  boost::asio::steady_timer flushed_;
  bool writing_ = false;
  bool connect_timed_out_ = false;
  std::deque<std::string> outbound_;
  bool open_ = false;
  std::optional<Error> close_error_;
  std::uint64_t next_correlation_ = 1;
  std::map<std::uint64_t, std::shared_ptr<Pending>> pending_;
  std::map<std::string, std::shared_ptr<Subscription>> subscriptions_;
  v1::Welcome welcome_;
  std::chrono::steady_clock::time_point last_sent_{};
  std::chrono::steady_clock::time_point last_received_{};
};

}  // namespace weft::client
