// One client connection, from TLS handshake to close.
//
// A session runs three coroutines on its own single-threaded executor:
//   reader   - cuts frames, decodes and handles requests (publish, subscribe...)
//   writer   - drains the bounded outbound queue into the TLS stream
//   watchdog - enforces the handshake, Hello, idle, whole-frame and write
//              deadlines by closing the socket
// Other threads reach a session only through offer(), close_async() and
// registry_changed(), which are thread-safe.
//
// Lifetime: owned by shared_ptrs held by its own coroutines; the router and
// session table hold weak_ptrs. It ends when the reader and writer are done.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <map>
#include <set>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>

#include "broker/net/outbound_queue.h"
#include "broker/router.h"
#include "broker/pipeline/fan_out.h"
#include "broker/services.h"
#include "proto/error.h"
#include "proto/frame_codec.h"
#include "tls/socket_stream.h"
#include "weft/v1/frame.pb.h"

namespace weft::broker::net {

class Session final : public DeliveryTarget, public std::enable_shared_from_this<Session> {
 public:
  using Stream = tls::SocketStream;

  // `peer_address` counts against the per-address limit on unauthenticated
  // connections until Hello; the caller has already added it.
  Session(Stream stream, Services& services, std::uint64_t id, std::string peer_address);
  ~Session() override;

  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  static void start(std::shared_ptr<Session> session);

  bool offer(const std::shared_ptr<const std::string>& frame, const DeliveryInfo& info) override;
  // Sends `code` with `message` as the last frame, then closes.
  void close_async(v1::ErrorCode code, std::string message, CloseReason reason);
  // Re-checks this session against the registry in force (revocation, lost
  // read rights).
  void registry_changed();

  std::uint64_t id() const { return id_; }

 private:
  using Clock = std::chrono::steady_clock;
  enum class Phase { kHandshake, kHello, kOpen, kClosing };

  static boost::asio::awaitable<void> run(std::shared_ptr<Session> self);
  static boost::asio::awaitable<void> write_loop(std::shared_ptr<Session> self);
  static boost::asio::awaitable<void> watchdog(std::shared_ptr<Session> self);
  boost::asio::awaitable<void> read_loop();

  bool identify();
  // This session's organisation in the registry in force. When its key is
  // no longer registered (revoked, removed, renewed) the session is closed
  // and `org` is null.
  struct CurrentOrganisation {
    std::shared_ptr<const Registry> registry;
    const v1::Organisation* org = nullptr;
  };
  CurrentOrganisation current_organisation();
  void handle_frame(std::string_view body);
  void on_hello(const v1::Frame& frame);
  void on_publish(v1::Frame& frame);
  // After the publisher's signature was checked: stamps the report and hands it to storage.
  void store_publish(std::uint64_t correlation_id, const v1::Organisation& org, v1::Report& report,
                     const Result<void>& signed_by, bool client_set_broker_fields);
  // `identity`: the id, feed and TLP of the report, for a refusal record.
  void on_stored(std::uint64_t correlation_id, Result<store::Appended> stored, const v1::Report& identity);
  // Refuses a publish and records the refusal (the report's id and feed only
  // when well-formed).
  void refuse_publish(std::uint64_t correlation_id, const Error& error, const v1::Report& report);
  void on_subscribe(const v1::Frame& frame);
  void on_unsubscribe(const v1::Frame& frame);
  void on_admin(const v1::Frame& frame);
  void on_ack(const v1::Frame& frame);
  void on_audit_request(const v1::Frame& frame);
  void on_get_report(const v1::Frame& frame);
  void on_sealing_recipients(const v1::Frame& frame);
  pipeline::Attester attester() const;
  // What a recipient got under AMBER, AMBER+STRICT or RED may not come back from it as its own.
  void remember_if_restricted(const v1::Report& copy, const std::string& originator);
  void on_report_found(std::uint64_t correlation, const std::string& id, Result<std::optional<v1::Report>> found);

  // A durable subscription consumed by this session: deliveries in feed
  // order, at most max_unacked unacknowledged, read from the store whenever
  // the live stream cannot be used (backlog, gaps, a full window).
  struct Durable {
    std::string name;
    std::uint64_t cursor = 0;     // stored position: everything up to it is done
    std::uint64_t delivered = 0;  // highest sequence sent or withheld
    // Sequences sent and not yet acknowledged, in order. Withheld reports
    // never enter it, so a run of reports this organisation may not see
    // cannot fill the window with sequences the client will never ack.
    std::deque<std::uint64_t> unacked;
    bool caught_up = false;  // the store had nothing after `delivered` at last look
    bool reading = false;    // a store read is under way
    // Where the cursor may move: past every acknowledged or withheld report.
    std::uint64_t settled() const { return unacked.empty() ? delivered : unacked.front() - 1; }
  };
  // Stores the cursor if it moved.
  void advance_cursor(Durable& durable);
  void subscribe_durable(std::uint64_t correlation_id, const std::string& feed, const std::string& name);
  void on_durable_opened(std::uint64_t correlation_id, const std::string& feed, const std::string& name,
                         Result<store::DurableSubscription> opened);
  void pump(const std::string& feed);
  void on_backlog(const std::string& feed, Result<std::vector<v1::Report>> reports);
  void on_live(const std::string& feed, std::uint64_t sequence, const std::shared_ptr<const std::string>& frame,
               const std::optional<v1::AuditRecord>& record);
  // The audit log cannot take more records: ends the subscription, telling
  // the client, rather than deliver anything unrecorded.
  void hold_back_unrecorded(const std::string& feed);
  // Ends a subscription (live or durable) without telling the client.
  void end_subscription(const std::string& feed);
  // Queues a delivery frame; a full queue cuts the session off as a slow consumer.
  bool queue_delivery(const std::shared_ptr<const std::string>& frame);
  void apply_registry();

  // Queues a response; a client that does not read its responses is a slow
  // consumer like any other.
  void send(const v1::Frame& frame);
  void send_error(std::uint64_t correlation_id, const Error& error, const std::string& feed = {});
  // On the session's executor: queue a final error and close after it.
  void close(v1::ErrorCode code, const std::string& message, CloseReason reason);
  // Closes the socket at once; pending reads and writes fail.
  void abort(CloseReason reason);
  void wake_writer();
  void set_read_deadline(Clock::time_point deadline);
  void set_write_deadline(Clock::time_point deadline);
  void finish();

  Stream stream_;
  Services& services_;
  const std::uint64_t id_;
  const std::string peer_address_;
  OutboundQueue queue_;
  boost::asio::steady_timer watchdog_timer_;
  boost::asio::steady_timer writer_wakeup_;
  boost::asio::steady_timer writer_exited_;
  boost::asio::steady_timer publish_slot_;
  std::uint32_t publishes_in_flight_ = 0;
  // Publishes on the verify pool; while any are, later ones queue behind them.
  std::uint32_t verifications_pending_ = 0;
  std::optional<boost::asio::strand<boost::asio::thread_pool::executor_type>> verify_strand_;
  static constexpr std::uint32_t kMaxLookupsInFlight = 8;
  static constexpr int kMaxSealingRecipients = 256;
  std::uint32_t lookups_in_flight_ = 0;
  std::map<std::string, Durable> durables_;  // by feed

  Phase phase_ = Phase::kHandshake;
  Clock::time_point read_deadline_ = Clock::time_point::max();
  Clock::time_point write_deadline_ = Clock::time_point::max();
  bool counted_unauthenticated_ = true;
  bool counted_for_organisation_ = false;
  bool writer_running_ = false;
  bool finished_ = false;
  bool close_reason_set_ = false;
  CloseReason close_reason_ = CloseReason::kPeerClosed;
  std::string close_detail_;
  std::uint32_t decode_errors_in_row_ = 0;

  std::string pin_;
  std::string organisation_;
  std::shared_ptr<const Registry> registry_;
  std::set<std::string> feeds_;
  // Set once by the slow-consumer path, possibly from another thread.
  std::atomic<bool> refusing_deliveries_{false};
};

}  // namespace weft::broker::net
