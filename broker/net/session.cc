#include "broker/net/session.h"

#include <algorithm>
#include <vector>

#include <google/protobuf/text_format.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "broker/net/peer_identity.h"
#include "broker/pipeline/authorize.h"
#include "broker/pipeline/audit_records.h"
#include "broker/pipeline/fan_out.h"
#include "broker/pipeline/validate.h"
#include "broker/report_content.h"
#include "common/log.h"
#include "common/names.h"
#include "common/registry.h"
#include "tls/tls_context.h"

namespace weft::broker::net {
namespace {

namespace asio = boost::asio;
constexpr auto kUseAwaitableTuple = asio::as_tuple(asio::use_awaitable);
// Writes are coalesced up to this size: fewer TLS records and syscalls.
constexpr std::size_t kCoalesceBytes = 64 * 1024;
// How long a closing session may take to deliver its final error frame.
constexpr std::chrono::milliseconds kGoodbyeTimeout{2000};
constexpr const char* kBrokerVersion = "weftd/0.1.0";

std::string millis_text(std::chrono::milliseconds ms) { return std::to_string(ms.count()) + " ms"; }

}  // namespace

Session::Session(Stream stream, Services& services, std::uint64_t id, std::string peer_address)
    : stream_(std::move(stream)),
      services_(services),
      id_(id),
      peer_address_(std::move(peer_address)),
      queue_(services.settings.limits.subscriber_queue_frames, services.settings.limits.subscriber_queue_bytes),
      watchdog_timer_(stream_.get_executor()),
      writer_wakeup_(stream_.get_executor()),
      writer_exited_(stream_.get_executor()),
      publish_slot_(stream_.get_executor()) {}

Session::~Session() {
  // finish() normally released these; this covers a session that never ran.
  if (counted_unauthenticated_) {
    services_.sessions.remove_unauthenticated(peer_address_);
  }
  if (counted_for_organisation_) {
    services_.sessions.remove_for_organisation(organisation_);
  }
}

void Session::start(std::shared_ptr<Session> session) {
  session->services_.sessions.add(session->id_, session);
  session->services_.counters.sessions_opened.fetch_add(1, std::memory_order_relaxed);
  auto executor = session->stream_.get_executor();
  const std::uint64_t id = session->id_;
  asio::co_spawn(executor, run(std::move(session)),
                 [id](std::exception_ptr failure) { log::failure("session.crashed", failure, {{"conn", id}}); });
}

asio::awaitable<void> Session::run(std::shared_ptr<Session> self) {
  const auto& limits = self->services_.settings.limits;
  self->set_read_deadline(Clock::now() + limits.handshake_timeout);
  asio::co_spawn(self->stream_.get_executor(), watchdog(self), asio::detached);

  const auto handshake_error = co_await self->stream_.handshake(tls::SocketStream::Role::kServer);
  if (handshake_error) {
    if (!self->close_reason_set_) {
      self->close_reason_ = CloseReason::kHandshakeFailed;
      self->close_reason_set_ = true;
    }
    // Pre-authentication failures go to the security log with the peer
    // address and, for a refused certificate, why (expired, not yet valid,
    // unknown CA...), so an operator can tell a stale client from an attack.
    std::string reason = "timeout";
    if (self->close_reason_ != CloseReason::kHandshakeTimeout) {
      const std::string verify = tls::describe_handshake_failure(self->stream_.native_handle());
      reason = verify.empty() ? handshake_error.message() : verify;
    }
    log::warn("security.tls_handshake_failed",
              {{"conn", self->id_}, {"peer", self->peer_address_}, {"reason", reason}});
    self->finish();
    co_return;
  }

  self->phase_ = Phase::kHello;
  self->set_read_deadline(Clock::now() + limits.hello_timeout);
  self->writer_running_ = true;
  asio::co_spawn(self->stream_.get_executor(), write_loop(self), asio::detached);

  if (self->identify()) {
    co_await self->read_loop();
  }
  if (self->phase_ != Phase::kClosing) {
    // The peer went away (or the socket failed): nobody is left to read
    // what is queued.
    self->phase_ = Phase::kClosing;
    self->refusing_deliveries_ = true;
    self->queue_.close();
    self->queue_.drop_all();
  }
  self->wake_writer();
  while (self->writer_running_) {
    self->writer_exited_.expires_at(Clock::time_point::max());
    co_await self->writer_exited_.async_wait(kUseAwaitableTuple);
  }
  self->finish();
}

bool Session::identify() {
  const auto registry = services_.registry.current();
  const PeerIdentity peer = identify_peer(stream_.native_handle(), *registry);
  if (peer.status == PeerIdentity::Status::kUnknown) {
    const std::string shown = peer.shown_pin();
    log::warn("security.unknown_identity", {{"conn", id_}, {"peer", peer_address_}, {"spki_prefix", shown}});
    close(v1::UNKNOWN_IDENTITY,
          "the key of this client certificate (SPKI sha256:" + shown +
              "...) is not registered with this broker; ask the operator to register your organisation",
          CloseReason::kUnknownIdentity);
    return false;
  }
  pin_ = peer.pin;
  organisation_ = peer.org->name();
  if (peer.status == PeerIdentity::Status::kRevoked) {
    log::warn("security.revoked_identity", {{"conn", id_}, {"org", organisation_}});
    close(v1::REVOKED, "organisation '" + organisation_ + "' has been revoked by the broker operator",
          CloseReason::kRevoked);
    return false;
  }
  if (!services_.sessions.try_add_for_organisation(organisation_,
                                                   services_.settings.limits.max_connections_per_org)) {
    close(v1::TOO_MANY_CONNECTIONS,
          "organisation '" + organisation_ + "' already has " +
              std::to_string(services_.settings.limits.max_connections_per_org) + " connections",
          CloseReason::kTooManyConnections);
    return false;
  }
  counted_for_organisation_ = true;
  return true;
}

asio::awaitable<void> Session::read_loop() {
  const auto& limits = services_.settings.limits;
  proto::FrameAssembler assembler(limits.max_frame_bytes);
  bool frame_started = false;
  while (phase_ != Phase::kClosing) {
    const auto next = assembler.next();
    if (next.status == proto::FrameAssembler::Status::kFrame) {
      frame_started = false;
      // Back-pressure: with enough publishes being stored, read no further.
      while (publishes_in_flight_ >= limits.max_inflight_publishes && phase_ != Phase::kClosing) {
        publish_slot_.expires_at(Clock::time_point::max());
        co_await publish_slot_.async_wait(kUseAwaitableTuple);
      }
      if (phase_ == Phase::kClosing) {
        break;
      }
      handle_frame(next.body);
      continue;
    }
    if (next.status == proto::FrameAssembler::Status::kEmptyFrame) {
      close(v1::EMPTY_FRAME, "a frame of length 0 is not allowed", CloseReason::kProtocolError);
      break;
    }
    if (next.status == proto::FrameAssembler::Status::kFrameTooLarge) {
      close(v1::FRAME_TOO_LARGE,
            "declared frame length " + std::to_string(next.declared_length) + " exceeds the limit of " +
                std::to_string(limits.max_frame_bytes) + " bytes",
            CloseReason::kProtocolError);
      break;
    }
    if (assembler.has_partial_frame()) {
      // One deadline for the whole frame, so a peer trickling bytes cannot
      // hold the connection open (slowloris).
      if (!frame_started) {
        frame_started = true;
        set_read_deadline(std::min(read_deadline_, Clock::now() + limits.frame_timeout));
      }
    } else {
      if (phase_ == Phase::kOpen) {
        set_read_deadline(Clock::now() + limits.idle_timeout);
      }
    }
    // Between frames the next read may wait for minutes: read into a small
    // buffer then, so idle sessions hold no 16 KiB chunk each.
    const auto space = assembler.has_partial_frame() ? assembler.prepare() : assembler.prepare_idle();
    auto [error, bytes] = co_await stream_.read_some(asio::buffer(space.data(), space.size()));
    if (error) {
      if (!close_reason_set_) {
        close_reason_ = (error == asio::error::eof || error == asio::ssl::error::stream_truncated)
                            ? CloseReason::kPeerClosed
                            : CloseReason::kIoError;
        close_reason_set_ = true;
        close_detail_ = error.message();
      }
      break;
    }
    assembler.commit(bytes);
  }
}

void Session::handle_frame(std::string_view body) {
  v1::Frame frame;
  std::size_t unknown_fields = 0;
  auto decoded = proto::decode_frame_body(body, frame, &unknown_fields);
  if (!decoded) {
    if (phase_ == Phase::kHello) {
      close(v1::DECODE_ERROR, "the first frame is not a valid Hello: " + decoded.error().message,
            CloseReason::kProtocolError);
      return;
    }
    if (++decode_errors_in_row_ >= services_.settings.limits.max_decode_errors) {
      close(v1::DECODE_ERROR, std::to_string(decode_errors_in_row_) + " undecodable frames in a row",
            CloseReason::kProtocolError);
    } else {
      send_error(0, decoded.error());
    }
    return;
  }
  decode_errors_in_row_ = 0;
  if (unknown_fields > 0) {
    services_.counters.unknown_fields_dropped.fetch_add(unknown_fields, std::memory_order_relaxed);
  }

  if (phase_ == Phase::kHello) {
    if (frame.has_hello()) {
      on_hello(frame);
    } else {
      close(v1::UNEXPECTED_MESSAGE, "the first frame must be Hello", CloseReason::kProtocolError);
    }
    return;
  }
  switch (frame.body_case()) {
    case v1::Frame::kHello:
      close(v1::PROTOCOL_VIOLATION, "Hello was already received on this session", CloseReason::kProtocolError);
      return;
    case v1::Frame::kPublish:
      on_publish(frame);
      return;
    case v1::Frame::kSubscribe:
      on_subscribe(frame);
      return;
    case v1::Frame::kUnsubscribe:
      on_unsubscribe(frame);
      return;
    case v1::Frame::kAdminRequest:
      on_admin(frame);
      return;
    case v1::Frame::kAck:
      on_ack(frame);
      return;
    case v1::Frame::kAuditRequest:
      on_audit_request(frame);
      return;
    case v1::Frame::kGetReport:
      on_get_report(frame);
      return;
    case v1::Frame::kSealingRecipientsRequest:
      on_sealing_recipients(frame);
      return;
    case v1::Frame::kPing: {
      v1::Frame pong;
      pong.set_correlation_id(frame.correlation_id());
      pong.mutable_pong()->set_nonce(frame.ping().nonce());
      send(pong);
      return;
    }
    case v1::Frame::BODY_NOT_SET:
      send_error(frame.correlation_id(), make_error(v1::UNEXPECTED_MESSAGE, "frame has no body"));
      return;
    default:
      send_error(frame.correlation_id(),
                 make_error(v1::UNEXPECTED_MESSAGE,
                            "frame type '" + frame.GetDescriptor()->FindFieldByNumber(frame.body_case())->name() +
                                "' is sent by the broker, not by clients"));
      return;
  }
}

void Session::on_hello(const v1::Frame& frame) {
  if (frame.hello().version() != v1::PROTOCOL_V1) {
    close(v1::UNSUPPORTED_VERSION,
          "this broker speaks protocol version 1; the client asked for version " +
              std::to_string(static_cast<int>(frame.hello().version())),
          CloseReason::kProtocolError);
    return;
  }
  const auto [registry, org] = current_organisation();
  if (org == nullptr) {
    return;
  }
  phase_ = Phase::kOpen;
  if (counted_unauthenticated_) {
    services_.sessions.remove_unauthenticated(peer_address_);
    counted_unauthenticated_ = false;
  }
  const auto& limits = services_.settings.limits;
  v1::Frame reply;
  reply.set_correlation_id(frame.correlation_id());
  v1::Welcome& welcome = *reply.mutable_welcome();
  welcome.set_organisation(org->name());
  for (int role : org->roles()) {
    welcome.add_roles(static_cast<v1::Role>(role));
  }
  welcome.set_jurisdiction(org->jurisdiction());
  welcome.set_sector(org->sector());
  welcome.set_broker_id(services_.settings.broker_id);
  welcome.set_broker_version(kBrokerVersion);
  welcome.set_session_id(std::to_string(id_));
  v1::SessionLimits& session_limits = *welcome.mutable_limits();
  session_limits.set_max_frame_bytes(limits.max_frame_bytes);
  session_limits.set_heartbeat_interval_ms(static_cast<std::uint32_t>(limits.heartbeat_interval.count()));
  session_limits.set_idle_timeout_ms(static_cast<std::uint32_t>(limits.idle_timeout.count()));
  session_limits.set_max_subscriptions(limits.max_subscriptions);
  session_limits.set_subscriber_queue_frames(limits.subscriber_queue_frames);
  session_limits.set_subscriber_queue_bytes(limits.subscriber_queue_bytes);
  session_limits.set_max_unacked(limits.max_unacked);
  session_limits.set_max_inflight_publishes(limits.max_inflight_publishes);
  send(reply);
  log::info("session.opened", {{"conn", id_}, {"org", organisation_}, {"client", frame.hello().client_software()}});
}

void Session::refuse_publish(std::uint64_t correlation_id, const Error& error, const v1::Report& report) {
  services_.counters.reports_refused.fetch_add(1, std::memory_order_relaxed);
  log::info("report.refused", {{"conn", id_}, {"org", organisation_}, {"code", error_code_name(error.code)}});
  services_.audit.record(pipeline::refused_record(report, organisation_, error.code));
  send_error(correlation_id, error);
}

void Session::on_publish(v1::Frame& frame) {
  const std::uint64_t correlation = frame.correlation_id();
  if (!frame.publish().has_report()) {
    refuse_publish(correlation, make_error(v1::VALIDATION_FAILED, "publish.report is missing"), v1::Report());
    return;
  }
  v1::Report& report = *frame.mutable_publish()->mutable_report();
  const bool client_set_broker_fields = report.has_broker();
  if (auto valid = pipeline::validate_report(report); !valid) {
    refuse_publish(correlation, valid.error(), report);
    return;
  }
  auto current = current_organisation();
  const v1::Organisation* org = current.org;
  if (org == nullptr) {
    return;
  }
  if (auto allowed = pipeline::authorize_publish(*current.registry, *org, report); !allowed) {
    refuse_publish(correlation, allowed.error(), report);
    return;
  }
  // Signature checks dominate a signed publish, so they run on the verify
  // pool. Once one is there, later reports of this session follow it, so
  // reports are stored in the order they were published.
  if (services_.verify_pool != nullptr && (report.provenance().has_from_publisher() || verifications_pending_ > 0)) {
    if (!verify_strand_) {
      verify_strand_.emplace(boost::asio::make_strand(*services_.verify_pool));
    }
    ++publishes_in_flight_;  // back-pressure covers reports being checked
    ++verifications_pending_;
    boost::asio::post(*verify_strand_, [self = shared_from_this(), correlation, client_set_broker_fields,
                                        registry = std::move(current.registry), org,
                                        report = std::move(report)]() mutable {
      auto checked = pipeline::check_publisher_signature(*org, report);
      auto executor = self->stream_.get_executor();
      boost::asio::post(executor, [self = std::move(self), correlation, client_set_broker_fields,
                                   registry = std::move(registry), org, report = std::move(report),
                                   checked = std::move(checked)]() mutable {
        --self->verifications_pending_;
        --self->publishes_in_flight_;
        self->publish_slot_.cancel();
        self->store_publish(correlation, *org, report, checked, client_set_broker_fields);
      });
    });
    return;
  }
  store_publish(correlation, *org, report, pipeline::check_publisher_signature(*org, report), client_set_broker_fields);
}

void Session::store_publish(std::uint64_t correlation, const v1::Organisation& org, v1::Report& report,
                            const Result<void>& signed_by, bool client_set_broker_fields) {
  if (!signed_by) {
    log::warn("security.bad_signature", {{"conn", id_}, {"org", organisation_}, {"reason", signed_by.error().message}});
    refuse_publish(correlation, signed_by.error(), report);
    return;
  }
  if (phase_ == Phase::kClosing) {
    // Not acknowledged, so the publisher sends it again on its next session.
    return;
  }
  if (!services_.storage.writable()) {
    refuse_publish(correlation,
                   make_error(v1::STORAGE_UNAVAILABLE,
                              "the broker's storage failed; publishes are refused until it is restarted "
                              "(deliveries continue)"),
                   report);
    return;
  }
  if (client_set_broker_fields) {
    services_.counters.broker_fields_overwritten.fetch_add(1, std::memory_order_relaxed);
  }
  v1::BrokerStamp& stamp = *report.mutable_broker();
  stamp.set_source_organisation(organisation_);
  const auto since_epoch = std::chrono::system_clock::now().time_since_epoch();
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(since_epoch);
  stamp.mutable_received_at()->set_seconds(seconds.count());
  stamp.mutable_received_at()->set_nanos(
      static_cast<std::int32_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(since_epoch - seconds).count()));
  stamp.set_broker_id(services_.settings.broker_id);
  if (report.provenance().has_from_publisher()) {
    stamp.set_source_signing_key(org.signing_public_key());
  }

  // Acknowledged only once the transaction holding it has committed. What a
  // refusal record needs is kept: the report itself goes to the store.
  ++publishes_in_flight_;
  v1::Report identity;
  identity.set_id(report.id());
  identity.set_feed(report.feed());
  identity.set_tlp(report.tlp());
  services_.storage.append({std::move(report)}, stream_.get_executor(),
                           [self = shared_from_this(), correlation, identity](Result<store::Appended> stored) {
                             self->on_stored(correlation, std::move(stored), identity);
                           });
}

void Session::on_stored(std::uint64_t correlation, Result<store::Appended> stored, const v1::Report& identity) {
  --publishes_in_flight_;
  publish_slot_.cancel();
  if (!stored) {
    if (stored.error().code == v1::ID_CONFLICT) {
      // A reused id with other content is a bug at best and an attempt to
      // rewrite a shared report at worst: the operator should see it.
      log::warn("security.id_conflict", {{"conn", id_}, {"org", organisation_}});
    }
    refuse_publish(correlation, stored.error(), identity);
    return;
  }
  const store::Appended& appended = stored.value();
  const v1::Report& report = appended.report;
  std::uint32_t recipients = 0;
  if (appended.duplicate) {
    services_.counters.reports_duplicate.fetch_add(1, std::memory_order_relaxed);
  } else {
    const auto registry = services_.registry.current();
    const pipeline::Attester attester = this->attester();
    const auto fanned_out =
        pipeline::fan_out(report, services_.router.recipients(report, *registry), *services_.policies.current(),
                          services_.policies.pseudonymizer(), services_.audit,
                          &attester);
    recipients = fanned_out.delivered;
    for (const auto& content : fanned_out.restricted_copies) {
      services_.storage.remember_copy({report.id(), report.broker().source_organisation(), content});
    }
    services_.counters.reports_accepted.fetch_add(1, std::memory_order_relaxed);
    services_.counters.deliveries_queued.fetch_add(fanned_out.delivered, std::memory_order_relaxed);
    services_.counters.deliveries_withheld.fetch_add(fanned_out.withheld, std::memory_order_relaxed);
    services_.counters.deliveries_failed_closed.fetch_add(fanned_out.failed_closed, std::memory_order_relaxed);
  }
  v1::Frame reply;
  reply.set_correlation_id(correlation);
  v1::PublishAck& ack = *reply.mutable_publish_ack();
  ack.set_id(report.id());
  ack.set_feed(report.feed());
  ack.set_duplicate(appended.duplicate);
  ack.set_sequence(appended.sequence);
  ack.set_live_recipients(recipients);
  send(reply);
  log::info(appended.duplicate ? "report.duplicate" : "report.accepted",
            {{"conn", id_},
             {"org", organisation_},
             {"id", report.id()},
             {"feed", report.feed()},
             {"tlp", v1::Tlp_Name(report.tlp())},
             {"seq", appended.sequence},
             {"live_recipients", recipients}});
}

void Session::on_subscribe(const v1::Frame& frame) {
  const std::string& feed = frame.subscribe().feed();
  if (auto checked = names::check_feed(feed); !checked) {
    send_error(frame.correlation_id(), make_error(v1::VALIDATION_FAILED, "subscribe.feed: " + checked.error().message));
    return;
  }
  const auto [registry, org] = current_organisation();
  if (org == nullptr) {
    return;
  }
  if (auto allowed = pipeline::authorize_subscribe(*org, feed); !allowed) {
    log::info("subscribe.refused", {{"conn", id_}, {"org", organisation_}, {"feed", feed}});
    send_error(frame.correlation_id(), allowed.error());
    return;
  }
  if (feeds_.contains(feed)) {
    send_error(frame.correlation_id(),
               make_error(v1::ALREADY_SUBSCRIBED, "this session is already subscribed to feed '" + feed + "'"));
    return;
  }
  if (!frame.subscribe().durable().empty()) {
    if (auto checked = names::check_feed(frame.subscribe().durable()); !checked) {
      send_error(frame.correlation_id(),
                 make_error(v1::VALIDATION_FAILED, "subscribe.durable: a subscription name may hold only lower-case "
                                                   "letters, digits, '.', '_' and '-'"));
      return;
    }
    if (feeds_.size() >= services_.settings.limits.max_subscriptions) {
      send_error(frame.correlation_id(), make_error(v1::LIMIT_EXCEEDED, "too many subscriptions on this session"));
      return;
    }
    subscribe_durable(frame.correlation_id(), feed, frame.subscribe().durable());
    return;
  }
  if (feeds_.size() >= services_.settings.limits.max_subscriptions) {
    send_error(frame.correlation_id(),
               make_error(v1::LIMIT_EXCEEDED, "a session may hold at most " +
                                                  std::to_string(services_.settings.limits.max_subscriptions) +
                                                  " subscriptions"));
    return;
  }
  services_.router.subscribe(feed, id_, organisation_, weak_from_this(), false);
  feeds_.insert(feed);
  v1::Frame reply;
  reply.set_correlation_id(frame.correlation_id());
  reply.mutable_subscribe_ack()->set_feed(feed);
  send(reply);
  log::info("subscribe.accepted", {{"conn", id_}, {"org", organisation_}, {"feed", feed}});
}

void Session::on_unsubscribe(const v1::Frame& frame) {
  const std::string& feed = frame.unsubscribe().feed();
  if (!feeds_.contains(feed)) {
    send_error(frame.correlation_id(), make_error(v1::NOT_FOUND, "this session is not subscribed to that feed"));
    return;
  }
  end_subscription(feed);
  v1::Frame reply;
  reply.set_correlation_id(frame.correlation_id());
  reply.mutable_unsubscribe_ack()->set_feed(feed);
  send(reply);
}

void Session::end_subscription(const std::string& feed) {
  services_.router.unsubscribe(feed, id_);
  feeds_.erase(feed);
  if (auto it = durables_.find(feed); it != durables_.end()) {
    services_.sessions.release_durable(organisation_, it->second.name);
    durables_.erase(it);
  }
}

void Session::subscribe_durable(std::uint64_t correlation_id, const std::string& feed, const std::string& name) {
  if (!services_.sessions.try_claim_durable(organisation_, name)) {
    send_error(correlation_id, make_error(v1::ALREADY_SUBSCRIBED, "durable subscription '" + name +
                                                                      "' is in use by another session of '" +
                                                                      organisation_ + "'"));
    return;
  }
  feeds_.insert(feed);  // reserved while the store looks the subscription up
  services_.storage.open_subscription(
      organisation_, name, feed, stream_.get_executor(),
      [self = shared_from_this(), correlation_id, feed, name](Result<store::DurableSubscription> opened) {
        self->on_durable_opened(correlation_id, feed, name, std::move(opened));
      });
}

void Session::on_durable_opened(std::uint64_t correlation_id, const std::string& feed, const std::string& name,
                                Result<store::DurableSubscription> opened) {
  if (phase_ == Phase::kClosing || finished_ || !feeds_.contains(feed)) {
    services_.sessions.release_durable(organisation_, name);
    return;
  }
  if (!opened) {
    feeds_.erase(feed);
    services_.sessions.release_durable(organisation_, name);
    send_error(correlation_id, opened.error());
    return;
  }
  Durable& durable = durables_[feed];
  durable.name = name;
  durable.cursor = durable.delivered = opened.value().acked;
  services_.router.subscribe(feed, id_, organisation_, weak_from_this(), true);
  v1::Frame reply;
  reply.set_correlation_id(correlation_id);
  reply.mutable_subscribe_ack()->set_feed(feed);
  reply.mutable_subscribe_ack()->set_durable(name);
  reply.mutable_subscribe_ack()->set_resume_after(durable.cursor);
  send(reply);
  log::info("subscribe.accepted",
            {{"conn", id_}, {"org", organisation_}, {"feed", feed}, {"durable", name}, {"resume_after", durable.cursor}});
  pump(feed);
}

void Session::pump(const std::string& feed) {
  auto it = durables_.find(feed);
  if (it == durables_.end() || phase_ == Phase::kClosing) {
    return;
  }
  Durable& durable = it->second;
  const std::uint64_t window = services_.settings.limits.max_unacked;
  if (durable.reading || durable.caught_up || durable.unacked.size() >= window) {
    return;
  }
  durable.reading = true;
  const std::size_t limit = std::min<std::uint64_t>(64, window - durable.unacked.size());
  services_.storage.read_feed(feed, durable.delivered, limit, stream_.get_executor(),
                              [self = shared_from_this(), feed](Result<std::vector<v1::Report>> reports) {
                                self->on_backlog(feed, std::move(reports));
                              });
}

void Session::on_backlog(const std::string& feed, Result<std::vector<v1::Report>> reports) {
  auto it = durables_.find(feed);
  if (it == durables_.end() || phase_ == Phase::kClosing) {
    return;
  }
  Durable& durable = it->second;
  durable.reading = false;
  if (!reports) {
    log::error("subscribe.backlog_failed", {{"conn", id_}, {"org", organisation_}, {"feed", feed},
                                            {"error", reports.error().message}});
    end_subscription(feed);
    send_error(0, make_error(v1::STORAGE_UNAVAILABLE, "reading the backlog of feed '" + feed +
                                                          "' failed; subscribe again later"),
               feed);
    return;
  }
  if (reports.value().empty()) {
    durable.caught_up = true;
    return;
  }
  const auto [registry, org] = current_organisation();
  if (org == nullptr) {
    return;
  }
  const auto policies = services_.policies.current();
  const pipeline::Attester attester = this->attester();
  for (const v1::Report& report : reports.value()) {
    const std::uint64_t sequence = report.broker().sequence();
    if (sequence <= durable.delivered) {
      continue;
    }
    if (!may_read(*org, feed)) {
      // The registry change that took the right away ends this subscription.
      durable.delivered = sequence;
      continue;
    }
    // The backlog goes through the same gates as live deliveries, with the
    // registry and policies in force now.
    auto copy = pipeline::copy_for(report, *org, *policies, services_.policies.pseudonymizer(), services_.audit,
                                   &attester);
    if (copy.report && !services_.audit.has_room()) {
      services_.counters.deliveries_held_for_audit.fetch_add(1, std::memory_order_relaxed);
      hold_back_unrecorded(feed);
      return;
    }
    durable.delivered = sequence;
    if (!copy.report) {
      services_.audit.record(std::move(copy.record));
      continue;
    }
    durable.unacked.push_back(sequence);
    remember_if_restricted(*copy.report, report.broker().source_organisation());
    if (!queue_delivery(pipeline::encode_delivery(std::move(*copy.report)))) {
      return;
    }
    services_.audit.record(std::move(copy.record));
  }
  advance_cursor(durable);
  pump(feed);
}

void Session::on_live(const std::string& feed, std::uint64_t sequence, const std::shared_ptr<const std::string>& frame,
                      const std::optional<v1::AuditRecord>& record) {
  auto it = durables_.find(feed);
  if (it == durables_.end() || phase_ == Phase::kClosing) {
    return;
  }
  Durable& durable = it->second;
  if (sequence <= durable.delivered) {
    return;  // already handled from the store
  }
  const bool in_window = durable.unacked.size() < services_.settings.limits.max_unacked;
  if (sequence == durable.delivered + 1 && !durable.reading && in_window && record) {
    if (!frame) {
      // Withheld from this recipient: recorded, and passed in order.
      durable.delivered = sequence;
      services_.audit.record(*record);
      advance_cursor(durable);
      return;
    }
    if (!services_.audit.has_room()) {
      services_.counters.deliveries_held_for_audit.fetch_add(1, std::memory_order_relaxed);
      hold_back_unrecorded(feed);
      return;
    }
    durable.delivered = sequence;
    durable.unacked.push_back(sequence);
    if (queue_delivery(frame)) {
      services_.audit.record(*record);
    }
    return;
  }
  // A gap, a read under way or a full window: the store has it, and the
  // backlog path will decide and record.
  durable.caught_up = false;
  pump(feed);
}

void Session::on_ack(const v1::Frame& frame) {
  const std::string& feed = frame.ack().feed();
  auto it = durables_.find(feed);
  if (it == durables_.end()) {
    send_error(frame.correlation_id(),
               make_error(v1::NOT_FOUND, "this session has no durable subscription on feed '" + feed + "'"));
    return;
  }
  Durable& durable = it->second;
  const std::uint64_t sequence = frame.ack().sequence();
  if (sequence > durable.delivered) {
    send_error(frame.correlation_id(),
               make_error(v1::VALIDATION_FAILED, "ack for sequence " + std::to_string(sequence) + " of feed '" + feed +
                                                     "', which was not delivered yet"));
    return;
  }
  while (!durable.unacked.empty() && durable.unacked.front() <= sequence) {
    durable.unacked.pop_front();
  }
  advance_cursor(durable);
  pump(feed);
}

void Session::advance_cursor(Durable& durable) {
  const std::uint64_t settled = durable.settled();
  if (settled > durable.cursor) {
    durable.cursor = settled;
    services_.storage.save_cursor({organisation_, durable.name, settled});
  }
}

void Session::on_admin(const v1::Frame& frame) {
  const auto [registry, org] = current_organisation();
  if (org == nullptr) {
    return;
  }
  if (!has_role(*org, v1::ADMIN)) {
    send_error(frame.correlation_id(),
               make_error(v1::FORBIDDEN, "organisation '" + organisation_ + "' does not have the admin role"));
    return;
  }
  if (!frame.admin_request().has_reload_policies()) {
    send_error(frame.correlation_id(), make_error(v1::VALIDATION_FAILED, "admin_request: no command given"));
    return;
  }
  auto reloaded = services_.policies.reload();
  if (!reloaded) {
    log::error("policy.reload_refused", {{"trigger", "admin"}, {"org", organisation_}, {"error", reloaded.error().message}});
    send_error(frame.correlation_id(),
               make_error(v1::POLICY_INVALID, reloaded.error().message + " (the policies in force stay)"));
    return;
  }
  v1::Frame reply;
  reply.set_correlation_id(frame.correlation_id());
  for (const auto& policy : reloaded.value()->policies()) {
    auto* loaded = reply.mutable_admin_response()->add_policies();
    loaded->set_name(policy->name());
    loaded->set_version(policy->version());
    loaded->set_sha256(policy->canonical_sha256());
    loaded->set_source(policy->source());
  }
  log::info("policy.reloaded", {{"trigger", "admin"}, {"org", organisation_}, {"policies", reloaded.value()->policies().size()}});
  send(reply);
}

void Session::on_audit_request(const v1::Frame& frame) {
  const auto [registry, org] = current_organisation();
  if (org == nullptr) {
    return;
  }
  if (!has_role(*org, v1::AUDITOR)) {
    send_error(frame.correlation_id(),
               make_error(v1::FORBIDDEN, "organisation '" + organisation_ + "' does not have the auditor role"));
    return;
  }
  services_.audit.serve(frame.audit_request(), stream_.get_executor(),
                        [self = shared_from_this(), correlation = frame.correlation_id()](
                            Result<v1::AuditResponse> answered) {
                          if (!answered) {
                            self->send_error(correlation, answered.error());
                            return;
                          }
                          v1::Frame reply;
                          reply.set_correlation_id(correlation);
                          *reply.mutable_audit_response() = std::move(answered).value();
                          self->send(reply);
                        });
}

void Session::on_get_report(const v1::Frame& frame) {
  const std::uint64_t correlation = frame.correlation_id();
  const auto [registry, org] = current_organisation();
  if (org == nullptr) {
    return;
  }
  if (!has_role(*org, v1::SUBSCRIBER)) {
    send_error(correlation,
               make_error(v1::FORBIDDEN, "organisation '" + organisation_ + "' does not have the subscriber role"));
    return;
  }
  const std::string id = names::to_lower(frame.get_report().id());
  if (!names::is_uuid(id)) {
    send_error(correlation, make_error(v1::VALIDATION_FAILED, "get_report.id: not a UUID (8-4-4-4-12 hex digits)"));
    return;
  }
  // Each look-up waits on the storage reader; a client may not queue more.
  if (lookups_in_flight_ >= kMaxLookupsInFlight) {
    send_error(correlation, make_error(v1::OVERLOADED, "more than " + std::to_string(kMaxLookupsInFlight) +
                                                           " report look-ups in flight; wait for their answers"));
    return;
  }
  ++lookups_in_flight_;
  services_.storage.find_report(id, stream_.get_executor(),
                                [self = shared_from_this(), correlation, id](Result<std::optional<v1::Report>> found) {
                                  self->on_report_found(correlation, id, std::move(found));
                                });
}

void Session::on_report_found(std::uint64_t correlation, const std::string& id,
                              Result<std::optional<v1::Report>> found) {
  --lookups_in_flight_;
  if (phase_ == Phase::kClosing) {
    return;
  }
  if (!found) {
    send_error(correlation, make_error(v1::STORAGE_UNAVAILABLE, "cannot read report " + id + " now; try again later"));
    return;
  }
  const auto [registry, org] = current_organisation();
  if (org == nullptr) {
    return;
  }
  // Whether it does not exist or is not for this organisation, the answer
  // is the same: the difference would tell it that someone else got it.
  const Error not_found =
      make_error(v1::NOT_FOUND, "no report " + id + " that organisation '" + organisation_ + "' may read");
  const std::optional<v1::Report>& report = found.value();
  if (!report || !may_read(*org, report->feed())) {
    send_error(correlation, not_found);
    return;
  }
  const pipeline::Attester attester = this->attester();
  auto copy = pipeline::copy_for(*report, *org, *services_.policies.current(), services_.policies.pseudonymizer(),
                                 services_.audit, &attester);
  if (copy.report && !services_.audit.has_room()) {
    services_.counters.deliveries_held_for_audit.fetch_add(1, std::memory_order_relaxed);
    send_error(correlation, make_error(v1::STORAGE_UNAVAILABLE,
                                       "the audit log cannot record deliveries right now; try again later"));
    return;
  }
  services_.audit.record(std::move(copy.record));
  if (!copy.report) {
    send_error(correlation, not_found);
    return;
  }
  remember_if_restricted(*copy.report, report->broker().source_organisation());
  v1::Frame reply;
  reply.set_correlation_id(correlation);
  reply.mutable_get_report_result()->set_feed(copy.report->feed());
  *reply.mutable_get_report_result()->mutable_report() = std::move(*copy.report);
  send(reply);
}

void Session::on_sealing_recipients(const v1::Frame& frame) {
  const std::uint64_t correlation = frame.correlation_id();
  const auto [registry, org] = current_organisation();
  if (org == nullptr) {
    return;
  }
  if (!has_role(*org, v1::PUBLISHER)) {
    send_error(correlation,
               make_error(v1::FORBIDDEN, "organisation '" + organisation_ + "' does not have the publisher role"));
    return;
  }
  const auto& names = frame.sealing_recipients_request().organisations();
  if (names.empty() || names.size() > kMaxSealingRecipients) {
    send_error(correlation, make_error(v1::VALIDATION_FAILED, "sealing_recipients_request.organisations: name 1 to " +
                                                                  std::to_string(kMaxSealingRecipients) +
                                                                  " organisations"));
    return;
  }
  const auto policies = services_.policies.current();
  v1::Frame reply;
  reply.set_correlation_id(correlation);
  auto& answer = *reply.mutable_sealing_recipients_response();
  for (int i = 0; i < names.size(); ++i) {
    const std::string field = "sealing_recipients_request.organisations[" + std::to_string(i) + "]";
    const v1::Organisation* recipient = registry->find_by_name(names[i]);
    if (recipient == nullptr || recipient->revoked()) {
      send_error(correlation, make_error(v1::VALIDATION_FAILED, field + ": '" + names[i] +
                                                                    "' is not a registered organisation"));
      return;
    }
    if (recipient->sealing_public_key().empty()) {
      send_error(correlation, make_error(v1::VALIDATION_FAILED, field + ": organisation '" + names[i] +
                                                                    "' has no sealing key registered"));
      return;
    }
    auto policy = policies->effective_for(*recipient);
    if (!policy) {
      send_error(correlation, make_error(v1::VALIDATION_FAILED, field + ": organisation '" + names[i] +
                                                                    "' has no valid policy now, so it may receive "
                                                                    "nothing"));
      return;
    }
    auto& added = *answer.add_recipients();
    added.set_organisation(recipient->name());
    added.set_sealing_public_key(recipient->sealing_public_key());
    google::protobuf::TextFormat::PrintToString(policy.value()->proto(), added.mutable_policy_text());
    added.set_policy_name(policy.value()->name());
    added.set_policy_version(policy.value()->version());
  }
  send(reply);
}

pipeline::Attester Session::attester() const {
  return {services_.provenance_key, services_.settings.broker_id};
}

void Session::remember_if_restricted(const v1::Report& copy, const std::string& originator) {
  if (is_restricted(copy.tlp())) {
    services_.storage.remember_copy({copy.id(), originator, comparable_content(copy)});
  }
}

void Session::registry_changed() {
  asio::post(stream_.get_executor(), [self = shared_from_this()] { self->apply_registry(); });
}

Session::CurrentOrganisation Session::current_organisation() {
  CurrentOrganisation current{services_.registry.current(), nullptr};
  const PeerIdentity peer = identify_pin(pin_, *current.registry);
  const v1::Organisation* org = peer.org;
  if (peer.status != PeerIdentity::Status::kKnown || org->name() != organisation_) {
    log::warn("security.session_revoked", {{"conn", id_}, {"org", organisation_}});
    close(v1::REVOKED,
          peer.status == PeerIdentity::Status::kRevoked
              ? "organisation '" + organisation_ + "' has been revoked by the broker operator"
              : "the key of this session is no longer registered for organisation '" + organisation_ + "'",
          CloseReason::kRevoked);
    return current;
  }
  current.org = org;
  return current;
}

void Session::apply_registry() {
  if (phase_ == Phase::kClosing || organisation_.empty()) {
    return;
  }
  const auto [registry, org] = current_organisation();
  if (org == nullptr) {
    return;
  }
  for (auto it = feeds_.begin(); it != feeds_.end();) {
    auto allowed = pipeline::authorize_subscribe(*org, *it);
    if (allowed) {
      ++it;
      continue;
    }
    const std::string feed = *it;
    ++it;
    log::info("subscribe.ended", {{"conn", id_}, {"org", organisation_}, {"feed", feed}});
    end_subscription(feed);
    send_error(0, make_error(v1::FORBIDDEN, "subscription to feed '" + feed + "' ended: " + allowed.error().message),
               feed);
  }
}

bool Session::offer(const std::shared_ptr<const std::string>& frame, const DeliveryInfo& info) {
  if (refusing_deliveries_.load(std::memory_order_relaxed)) {
    return false;
  }
  if (info.durable) {
    // Ordering, the window and recording are the session's business, on its
    // own thread.
    std::optional<v1::AuditRecord> record;
    if (info.record != nullptr) {
      record = *info.record;
    }
    asio::post(stream_.get_executor(), [self = shared_from_this(), feed = std::string(info.feed),
                                        sequence = info.sequence, frame, record = std::move(record)] {
      self->on_live(feed, sequence, frame, record);
    });
    return true;
  }
  if (!frame) {
    return false;
  }
  if (!services_.audit.has_room()) {
    services_.counters.deliveries_held_for_audit.fetch_add(1, std::memory_order_relaxed);
    asio::post(stream_.get_executor(),
               [self = shared_from_this(), feed = std::string(info.feed)] { self->hold_back_unrecorded(feed); });
    return false;
  }
  if (!queue_delivery(frame)) {
    return false;
  }
  if (info.record != nullptr) {
    services_.audit.record(*info.record);
  }
  return true;
}

void Session::hold_back_unrecorded(const std::string& feed) {
  if (!feeds_.contains(feed) || phase_ == Phase::kClosing) {
    return;
  }
  log::warn("audit.delivery_held", {{"conn", id_}, {"org", organisation_}, {"feed", feed}});
  end_subscription(feed);
  send_error(0,
             make_error(v1::STORAGE_UNAVAILABLE,
                        "the audit log cannot record deliveries right now, so none are made; the subscription to "
                        "feed '" + feed + "' ended (subscribe again later: a durable subscription resumes where it "
                        "stopped)"),
             feed);
}

bool Session::queue_delivery(const std::shared_ptr<const std::string>& frame) {
  if (refusing_deliveries_.load(std::memory_order_relaxed)) {
    return false;
  }
  switch (queue_.push(frame)) {
    case OutboundQueue::PushResult::kQueuedWakeUp:
      wake_writer();
      return true;
    case OutboundQueue::PushResult::kQueued:
      return true;
    case OutboundQueue::PushResult::kFull:
      if (!refusing_deliveries_.exchange(true)) {
        close_async(v1::SLOW_CONSUMER,
                    "this subscriber fell behind: its queue exceeded " +
                        std::to_string(services_.settings.limits.subscriber_queue_frames) + " frames or " +
                        std::to_string(services_.settings.limits.subscriber_queue_bytes) + " bytes",
                    CloseReason::kSlowConsumer);
      }
      return false;
    case OutboundQueue::PushResult::kClosed:
      return false;
  }
  return false;
}

void Session::send(const v1::Frame& frame) {
  auto encoded = std::make_shared<const std::string>(proto::encode_frame(frame));
  switch (queue_.push(std::move(encoded))) {
    case OutboundQueue::PushResult::kQueuedWakeUp:
      wake_writer();
      break;
    case OutboundQueue::PushResult::kQueued:
    case OutboundQueue::PushResult::kClosed:
      break;
    case OutboundQueue::PushResult::kFull:
      refusing_deliveries_ = true;
      close(v1::SLOW_CONSUMER, "this client does not read its responses", CloseReason::kSlowConsumer);
      break;
  }
}

void Session::send_error(std::uint64_t correlation_id, const Error& error, const std::string& feed) {
  v1::Frame frame;
  frame.set_correlation_id(correlation_id);
  v1::Error& out = *frame.mutable_error();
  out.set_code(error.code);
  out.set_message(error.message);
  out.set_retryable(error.retryable());
  out.set_feed(feed);
  send(frame);
}

void Session::close_async(v1::ErrorCode code, std::string message, CloseReason reason) {
  asio::post(stream_.get_executor(), [self = shared_from_this(), code, message = std::move(message), reason] {
    self->close(code, message, reason);
  });
}

void Session::close(v1::ErrorCode code, const std::string& message, CloseReason reason) {
  if (phase_ == Phase::kClosing || finished_) {
    return;
  }
  if (!close_reason_set_) {
    close_reason_ = reason;
    close_reason_set_ = true;
    close_detail_ = message;
  }
  phase_ = Phase::kClosing;
  refusing_deliveries_ = true;
  std::vector<std::string> feeds(feeds_.begin(), feeds_.end());
  services_.router.unsubscribe_all(id_, feeds);
  if (code == v1::SLOW_CONSUMER) {
    // Live deliveries a slow reader could not take are dropped here; with
    // durable subscriptions they stay in the store for its return.
    queue_.drop_all();
  }
  v1::Frame frame;
  v1::Error& error = *frame.mutable_error();
  error.set_code(code);
  error.set_message(message);
  error.set_retryable(Error{code, {}}.retryable());
  error.set_closing(true);
  queue_.push_control(std::make_shared<const std::string>(proto::encode_frame(frame)));
  queue_.close();
  // A write already stalled on this peer gets no more than the goodbye time.
  if (write_deadline_ != Clock::time_point::max()) {
    set_write_deadline(std::min(write_deadline_, Clock::now() + kGoodbyeTimeout));
  }
  if (!writer_running_) {
    abort(reason);
    return;
  }
  wake_writer();
}

void Session::abort(CloseReason reason) {
  if (!close_reason_set_) {
    close_reason_ = reason;
    close_reason_set_ = true;
  }
  boost::system::error_code ignored;
  stream_.lowest_layer().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  stream_.lowest_layer().close(ignored);
}

void Session::wake_writer() {
  asio::post(stream_.get_executor(), [self = shared_from_this()] { self->writer_wakeup_.cancel(); });
}

void Session::set_read_deadline(Clock::time_point deadline) {
  read_deadline_ = deadline;
  if (deadline < watchdog_timer_.expiry()) {
    watchdog_timer_.cancel();
  }
}

void Session::set_write_deadline(Clock::time_point deadline) {
  write_deadline_ = deadline;
  if (deadline < watchdog_timer_.expiry()) {
    watchdog_timer_.cancel();
  }
}

asio::awaitable<void> Session::write_loop(std::shared_ptr<Session> self) {
  std::vector<SharedFrame> batch;
  std::string coalesced;
  const auto write_timeout = self->services_.settings.limits.write_timeout;
  bool failed = false;
  while (!failed) {
    batch.clear();
    self->queue_.take_all(batch);
    if (batch.empty()) {
      if (self->phase_ == Phase::kClosing) {
        break;
      }
      self->writer_wakeup_.expires_at(Clock::time_point::max());
      co_await self->writer_wakeup_.async_wait(kUseAwaitableTuple);
      continue;
    }
    std::size_t next = 0;
    while (next < batch.size() && !failed) {
      asio::const_buffer out;
      if (batch[next]->size() >= kCoalesceBytes) {
        out = asio::buffer(*batch[next]);
        ++next;
      } else {
        coalesced.clear();
        while (next < batch.size() && coalesced.size() + batch[next]->size() <= kCoalesceBytes) {
          coalesced += *batch[next];
          ++next;
        }
        out = asio::buffer(coalesced);
      }
      const auto timeout = self->phase_ == Phase::kClosing ? std::min(write_timeout, kGoodbyeTimeout) : write_timeout;
      self->set_write_deadline(Clock::now() + timeout);
      auto [error, written] = co_await self->stream_.write(out);
      self->write_deadline_ = Clock::time_point::max();
      if (error) {
        failed = true;
        if (!self->close_reason_set_) {
          self->close_reason_ = CloseReason::kIoError;
          self->close_reason_set_ = true;
          self->close_detail_ = error.message();
        }
      }
    }
    if (coalesced.capacity() > 4 * kCoalesceBytes) {
      std::string().swap(coalesced);
    }
  }
  batch.clear();
  if (failed || self->phase_ == Phase::kClosing) {
    self->abort(CloseReason::kIoError);
  }
  self->writer_running_ = false;
  self->writer_exited_.cancel();
}

asio::awaitable<void> Session::watchdog(std::shared_ptr<Session> self) {
  const auto& limits = self->services_.settings.limits;
  while (!self->finished_) {
    self->watchdog_timer_.expires_at(std::min(self->read_deadline_, self->write_deadline_));
    co_await self->watchdog_timer_.async_wait(kUseAwaitableTuple);
    if (self->finished_) {
      break;
    }
    const auto now = Clock::now();
    if (self->write_deadline_ <= now) {
      self->write_deadline_ = Clock::time_point::max();
      log::warn("session.write_stalled", {{"conn", self->id_}, {"org", self->organisation_}});
      self->abort(CloseReason::kSlowConsumer);
      continue;
    }
    if (self->read_deadline_ > now) {
      continue;
    }
    self->read_deadline_ = Clock::time_point::max();
    switch (self->phase_) {
      case Phase::kHandshake:
        self->abort(CloseReason::kHandshakeTimeout);
        break;
      case Phase::kHello:
        self->close(v1::TIMEOUT, "no Hello within " + millis_text(limits.hello_timeout), CloseReason::kHelloTimeout);
        break;
      case Phase::kOpen:
        self->close(v1::TIMEOUT, "no complete frame within the idle or frame deadline", CloseReason::kIdleTimeout);
        break;
      case Phase::kClosing:
        self->abort(CloseReason::kIoError);
        break;
    }
  }
}

void Session::finish() {
  if (finished_) {
    return;
  }
  finished_ = true;
  watchdog_timer_.cancel();
  abort(CloseReason::kIoError);
  std::vector<std::string> feeds(feeds_.begin(), feeds_.end());
  services_.router.unsubscribe_all(id_, feeds);
  feeds_.clear();
  for (const auto& [feed, durable] : durables_) {
    services_.sessions.release_durable(organisation_, durable.name);
  }
  durables_.clear();
  services_.sessions.remove(id_);
  if (counted_unauthenticated_) {
    services_.sessions.remove_unauthenticated(peer_address_);
    counted_unauthenticated_ = false;
  }
  if (counted_for_organisation_) {
    services_.sessions.remove_for_organisation(organisation_);
    counted_for_organisation_ = false;
  }
  services_.counters.closes[static_cast<std::size_t>(close_reason_)].fetch_add(1, std::memory_order_relaxed);
  const auto level = close_reason_ == CloseReason::kPeerClosed || close_reason_ == CloseReason::kShutdown
                         ? log::Level::kInfo
                         : log::Level::kWarn;
  log::write(level, "session.closed",
             {{"conn", id_},
              {"org", organisation_.empty() ? std::string("-") : organisation_},
              {"reason", close_reason_name(close_reason_)},
              {"detail", close_detail_}});
}

}  // namespace weft::broker::net
