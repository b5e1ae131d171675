#include "client-lib/connection.h"

#include <openssl/ssl.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "proto/frame_codec.h"
#include "tls/tls_context.h"

namespace weft::client {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;
constexpr auto kUseAwaitableTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kCoalesceBytes = 64 * 1024;

Error from_wire(const v1::Error& error) { return Error{error.code(), error.message()}; }

Error describe_read_failure(const boost::system::error_code& error) {
  if (error == asio::error::eof || error == asio::ssl::error::stream_truncated) {
    return make_error(v1::CONNECTION_LOST, "the broker closed the connection");
  }
  if (error.category() == asio::error::get_ssl_category()) {
    // With TLS 1.3 the broker's verdict on our certificate arrives as an
    // alert after our side of the handshake has finished.
    return make_error(v1::TLS_FAILED, "the broker refused the TLS session: " + error.message());
  }
  return make_error(v1::CONNECTION_LOST, "connection to the broker failed: " + error.message());
}

}  // namespace

// ---- Subscription ----------------------------------------------------------

Subscription::Subscription(asio::any_io_executor executor, std::string feed, std::size_t buffer)
    : feed_(std::move(feed)), capacity_(std::max<std::size_t>(buffer, 1)), data_ready_(executor),
      space_ready_(executor) {}

asio::awaitable<Result<v1::Delivery>> Subscription::next() {
  while (items_.empty() && !ended_) {
    data_ready_.expires_at(Clock::time_point::max());
    co_await data_ready_.async_wait(kUseAwaitableTuple);
  }
  if (!items_.empty()) {
    v1::Delivery delivery = std::move(items_.front());
    items_.pop_front();
    space_ready_.cancel();
    co_return delivery;
  }
  co_return *ended_;
}

asio::awaitable<void> Subscription::push(v1::Delivery delivery) {
  while (items_.size() >= capacity_ && !ended_) {
    space_ready_.expires_at(Clock::time_point::max());
    co_await space_ready_.async_wait(kUseAwaitableTuple);
  }
  if (ended_) {
    co_return;
  }
  items_.push_back(std::move(delivery));
  data_ready_.cancel();
}

void Subscription::end(Error error) {
  if (ended_) {
    return;
  }
  ended_ = std::move(error);
  data_ready_.cancel();
  space_ready_.cancel();
}

// ---- Connection ------------------------------------------------------------

Connection::Connection(asio::any_io_executor executor, std::shared_ptr<asio::ssl::context> tls, Options options)
    : executor_(executor),
      tls_(std::move(tls)),
      options_(std::move(options)),
      stream_(executor, *tls_),
      writer_wakeup_(executor),
      heartbeat_timer_(executor),
      connect_deadline_(executor),
      flushed_(executor) {}

Connection::~Connection() {
  boost::system::error_code ignored;
  stream_.lowest_layer().close(ignored);
}

asio::awaitable<Result<std::shared_ptr<Connection>>> Connection::connect(asio::any_io_executor executor,
                                                                         const Profile& profile, Options options) {
  auto tls = tls::make_client_context({profile.ca_file, profile.cert_file, profile.key_file});
  if (!tls) {
    co_return tls.error();
  }
  auto connection = std::make_shared<Connection>(executor, std::move(tls).value(), std::move(options));
  auto opened = co_await connection->open(profile);
  if (!opened) {
    connection->close();
    co_return opened.error();
  }
  if (!profile.signing_key_file.empty()) {
    // Signed as the organisation the broker says this is.
    auto signer = ReportSigner::load(profile.signing_key_file, connection->welcome_.organisation());
    if (!signer) {
      connection->close();
      co_return signer.error();
    }
    connection->signer_ = std::move(signer).value();
  }
  co_return connection;
}

asio::awaitable<Result<void>> Connection::open(const Profile& profile) {
  const std::string where = profile.host + ":" + std::to_string(profile.port);
  // One deadline for resolve, connect, handshake and Hello: when it passes,
  // the socket is closed and whatever is pending fails.
  connect_deadline_.expires_after(options_.connect_timeout);
  connect_deadline_.async_wait([weak = weak_from_this()](const boost::system::error_code& error) {
    auto self = weak.lock();
    if (!error && self && !self->open_) {
      self->connect_timed_out_ = true;
      boost::system::error_code ignored;
      self->stream_.lowest_layer().close(ignored);
    }
  });
  const auto timeout_error = [&] {
    return make_error(v1::LOCAL_TIMEOUT, "no session with the broker at " + where + " within " +
                                             std::to_string(options_.connect_timeout.count()) + " ms");
  };

  tcp::resolver resolver(executor_);
  auto [resolve_error, endpoints] = co_await resolver.async_resolve(profile.host, std::to_string(profile.port),
                                                                    kUseAwaitableTuple);
  if (resolve_error) {
    co_return make_error(v1::CONNECT_FAILED, "cannot resolve " + profile.host + ": " + resolve_error.message());
  }
  auto [connect_error, endpoint] = co_await asio::async_connect(stream_.next_layer(), endpoints, kUseAwaitableTuple);
  if (connect_error) {
    if (connect_timed_out_) {
      co_return timeout_error();
    }
    co_return make_error(v1::CONNECT_FAILED, "cannot connect to " + where + ": " + connect_error.message());
  }
  boost::system::error_code ignored;
  stream_.next_layer().set_option(tcp::no_delay(true), ignored);

  boost::system::error_code not_an_address;
  asio::ip::make_address(profile.server_name, not_an_address);
  if (not_an_address) {
    // SSL_set_tlsext_host_name without its C-style cast.
    SSL_ctrl(stream_.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
             const_cast<char*>(profile.server_name.c_str()));
  }
  stream_.set_verify_callback(asio::ssl::host_name_verification(profile.server_name));
  auto [handshake_error] = co_await stream_.async_handshake(asio::ssl::stream_base::client, kUseAwaitableTuple);
  if (handshake_error) {
    if (connect_timed_out_) {
      co_return timeout_error();
    }
    if (handshake_error == asio::error::eof || handshake_error == asio::ssl::error::stream_truncated ||
        handshake_error == asio::error::connection_reset || handshake_error == asio::error::broken_pipe) {
      // The broker went away mid-handshake (a restart, say): worth another try,
      // unlike a certificate that did not verify.
      co_return make_error(v1::CONNECTION_LOST,
                           "the broker at " + where + " closed the connection during the TLS handshake");
    }
    std::string detail = handshake_error.message();
    const long verify = SSL_get_verify_result(stream_.native_handle());
    if (verify != X509_V_OK) {
      detail = std::string("the broker certificate did not verify: ") + X509_verify_cert_error_string(verify) +
               " (expected name '" + profile.server_name + "', CA " + profile.ca_file.string() + ")";
    }
    co_return make_error(v1::TLS_FAILED, "TLS handshake with " + where + " failed: " + detail);
  }

  last_received_ = last_sent_ = Clock::now();
  asio::co_spawn(executor_, read_loop(shared_from_this()), asio::detached);
  asio::co_spawn(executor_, write_loop(shared_from_this()), asio::detached);

  v1::Frame hello;
  hello.mutable_hello()->set_version(v1::PROTOCOL_V1);
  hello.mutable_hello()->set_client_software(options_.client_software);
  auto reply = co_await request(std::move(hello));
  connect_deadline_.cancel();
  if (!reply) {
    if (connect_timed_out_) {
      co_return timeout_error();
    }
    co_return reply.error();
  }
  if (!reply.value().has_welcome()) {
    co_return make_error(v1::PROTOCOL_VIOLATION, "the broker answered Hello with something other than Welcome");
  }
  welcome_ = reply.value().welcome();
  open_ = true;
  asio::co_spawn(executor_, heartbeat(shared_from_this()), asio::detached);
  co_return ok();
}

asio::awaitable<Result<v1::Frame>> Connection::request(v1::Frame frame) {
  if (close_error_) {
    co_return *close_error_;
  }
  const std::uint64_t id = next_correlation_++;
  frame.set_correlation_id(id);
  auto pending = std::make_shared<Pending>(executor_);
  pending_.emplace(id, pending);
  send(frame);
  pending->timer.expires_after(options_.request_timeout);
  co_await pending->timer.async_wait(kUseAwaitableTuple);
  pending_.erase(id);
  if (!pending->reply) {
    co_return make_error(v1::LOCAL_TIMEOUT, "no answer from the broker within " +
                                                std::to_string(options_.request_timeout.count()) + " ms");
  }
  if (!*pending->reply) {
    co_return pending->reply->error();
  }
  if (pending->reply->value().has_error()) {
    co_return from_wire(pending->reply->value().error());
  }
  co_return std::move(*pending->reply).value();
}

void Connection::send(const v1::Frame& frame) {
  outbound_.push_back(proto::encode_frame(frame));
  writer_wakeup_.cancel();
}

asio::awaitable<Result<v1::PublishAck>> Connection::publish(v1::Report report) {
  if (signer_) {
    if (auto signed_report = signer_->sign(report); !signed_report) {
      co_return signed_report.error();
    }
  }
  v1::Frame frame;
  *frame.mutable_publish()->mutable_report() = std::move(report);
  auto reply = co_await request(std::move(frame));
  if (!reply) {
    co_return reply.error();
  }
  if (!reply.value().has_publish_ack()) {
    co_return make_error(v1::PROTOCOL_VIOLATION, "the broker answered Publish with something other than PublishAck");
  }
  co_return reply.value().publish_ack();
}

asio::awaitable<Result<std::shared_ptr<Subscription>>> Connection::subscribe(std::string feed, std::string durable) {
  if (subscriptions_.contains(feed)) {
    co_return make_error(v1::ALREADY_SUBSCRIBED, "this connection is already subscribed to feed '" + feed + "'");
  }
  // Registered before the request so no delivery that follows the ack is missed.
  auto subscription = std::make_shared<Subscription>(executor_, feed, options_.subscription_buffer);
  subscriptions_.emplace(feed, subscription);
  v1::Frame frame;
  frame.mutable_subscribe()->set_feed(feed);
  frame.mutable_subscribe()->set_durable(durable);
  auto reply = co_await request(std::move(frame));
  if (!reply || !reply.value().has_subscribe_ack()) {
    subscriptions_.erase(feed);
    if (!reply) {
      co_return reply.error();
    }
    co_return make_error(v1::PROTOCOL_VIOLATION, "the broker answered Subscribe with something other than SubscribeAck");
  }
  subscription->resume_after_ = reply.value().subscribe_ack().resume_after();
  co_return subscription;
}

void Connection::ack(const std::string& feed, std::uint64_t sequence) {
  if (close_error_) {
    return;
  }
  v1::Frame frame;
  frame.mutable_ack()->set_feed(feed);
  frame.mutable_ack()->set_sequence(sequence);
  send(frame);
}

asio::awaitable<Result<void>> Connection::unsubscribe(const std::string& feed) {
  v1::Frame frame;
  frame.mutable_unsubscribe()->set_feed(feed);
  auto reply = co_await request(std::move(frame));
  if (auto it = subscriptions_.find(feed); it != subscriptions_.end()) {
    it->second->end(make_error(v1::NOT_FOUND, "unsubscribed from feed '" + feed + "'"));
    subscriptions_.erase(it);
  }
  if (!reply) {
    co_return reply.error();
  }
  co_return ok();
}

asio::awaitable<Result<v1::AdminResponse>> Connection::reload_policies() {
  v1::Frame frame;
  frame.mutable_admin_request()->mutable_reload_policies();
  auto reply = co_await request(std::move(frame));
  if (!reply) {
    co_return reply.error();
  }
  if (!reply.value().has_admin_response()) {
    co_return make_error(v1::PROTOCOL_VIOLATION, "the broker answered with something other than AdminResponse");
  }
  co_return reply.value().admin_response();
}

asio::awaitable<Result<v1::AuditResponse>> Connection::audit(v1::AuditRequest audit_request) {
  v1::Frame frame;
  *frame.mutable_audit_request() = std::move(audit_request);
  auto reply = co_await request(std::move(frame));
  if (!reply) {
    co_return reply.error();
  }
  if (!reply.value().has_audit_response()) {
    co_return make_error(v1::PROTOCOL_VIOLATION, "the broker answered with something other than AuditResponse");
  }
  co_return std::move(*reply.value().mutable_audit_response());
}

asio::awaitable<Result<v1::GetReportResult>> Connection::get_report(std::string id) {
  v1::Frame frame;
  frame.mutable_get_report()->set_id(std::move(id));
  auto reply = co_await request(std::move(frame));
  if (!reply) {
    co_return reply.error();
  }
  if (!reply.value().has_get_report_result()) {
    co_return make_error(v1::PROTOCOL_VIOLATION, "the broker answered with something other than GetReportResult");
  }
  co_return std::move(*reply.value().mutable_get_report_result());
}

asio::awaitable<Result<std::vector<v1::SealingRecipient>>> Connection::sealing_recipients(
    std::vector<std::string> organisations) {
  v1::Frame frame;
  for (auto& name : organisations) {
    frame.mutable_sealing_recipients_request()->add_organisations(std::move(name));
  }
  auto reply = co_await request(std::move(frame));
  if (!reply) {
    co_return reply.error();
  }
  if (!reply.value().has_sealing_recipients_response()) {
    co_return make_error(v1::PROTOCOL_VIOLATION,
                         "the broker answered with something other than SealingRecipientsResponse");
  }
  auto& recipients = *reply.value().mutable_sealing_recipients_response()->mutable_recipients();
  co_return std::vector<v1::SealingRecipient>(recipients.begin(), recipients.end());
}

asio::awaitable<Result<std::chrono::microseconds>> Connection::ping() {
  const auto start = Clock::now();
  v1::Frame frame;
  frame.mutable_ping()->set_nonce(static_cast<std::uint64_t>(start.time_since_epoch().count()));
  auto reply = co_await request(std::move(frame));
  if (!reply) {
    co_return reply.error();
  }
  co_return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start);
}

asio::awaitable<Error> Connection::consume(std::string feed, std::function<void(const v1::Delivery&)> on_delivery) {
  auto subscription = co_await subscribe(std::move(feed));
  if (!subscription) {
    co_return subscription.error();
  }
  while (true) {
    auto delivery = co_await subscription.value()->next();
    if (!delivery) {
      co_return delivery.error();
    }
    on_delivery(delivery.value());
  }
}

void Connection::close() { fail(make_error(v1::CONNECTION_LOST, "the connection was closed by this client")); }

asio::awaitable<void> Connection::flush_and_close(std::chrono::milliseconds limit) {
  const auto self = shared_from_this();
  const auto deadline = Clock::now() + limit;
  while (!close_error_ && (!outbound_.empty() || writing_) && Clock::now() < deadline) {
    flushed_.expires_at(deadline);
    co_await flushed_.async_wait(kUseAwaitableTuple);
  }
  close();
}

void Connection::fail(Error error) {
  if (close_error_) {
    return;
  }
  close_error_ = error;
  open_ = false;
  boost::system::error_code ignored;
  stream_.lowest_layer().close(ignored);
  writer_wakeup_.cancel();
  heartbeat_timer_.cancel();
  connect_deadline_.cancel();
  flushed_.cancel();
  for (auto& [id, pending] : pending_) {
    pending->reply = error;
    pending->timer.cancel();
  }
  for (auto& [feed, subscription] : subscriptions_) {
    subscription->end(error);
  }
  subscriptions_.clear();
}

asio::awaitable<void> Connection::read_loop(std::shared_ptr<Connection> self) {
  proto::FrameAssembler assembler(proto::kHardMaxFrameBytes);
  while (!self->close_error_) {
    auto next = assembler.next();
    if (next.status == proto::FrameAssembler::Status::kFrame) {
      v1::Frame frame;
      if (auto decoded = proto::decode_frame_body(next.body, frame); !decoded) {
        self->fail(make_error(v1::DECODE_ERROR, "the broker sent an undecodable frame"));
        break;
      }
      co_await self->dispatch(std::move(frame));
      continue;
    }
    if (next.status != proto::FrameAssembler::Status::kNeedMore) {
      self->fail(make_error(v1::PROTOCOL_VIOLATION, "the broker sent a frame with an invalid length"));
      break;
    }
    if (!assembler.has_partial_frame() && assembler.capacity() > 64 * 1024) {
      assembler.release_if_empty();
    }
    auto space = assembler.prepare();
    auto [error, bytes] = co_await self->stream_.async_read_some(asio::buffer(space.data(), space.size()),
                                                                 kUseAwaitableTuple);
    if (error) {
      self->fail(describe_read_failure(error));
      break;
    }
    self->last_received_ = Clock::now();
    assembler.commit(bytes);
  }
}

asio::awaitable<void> Connection::dispatch(v1::Frame frame) {
  if (frame.correlation_id() != 0) {
    if (auto it = pending_.find(frame.correlation_id()); it != pending_.end()) {
      it->second->reply = std::move(frame);
      it->second->timer.cancel();
      co_return;
    }
  }
  switch (frame.body_case()) {
    case v1::Frame::kDelivery: {
      auto it = subscriptions_.find(frame.delivery().feed());
      if (it != subscriptions_.end()) {
        auto subscription = it->second;  // keeps it alive while we wait for space
        co_await subscription->push(std::move(*frame.mutable_delivery()));
      }
      co_return;
    }
    case v1::Frame::kError: {
      const v1::Error& error = frame.error();
      if (error.closing()) {
        fail(from_wire(error));
      } else if (!error.feed().empty()) {
        if (auto it = subscriptions_.find(error.feed()); it != subscriptions_.end()) {
          it->second->end(from_wire(error));
          subscriptions_.erase(it);
        }
      }
      co_return;
    }
    default:
      co_return;  // e.g. the Pong to a heartbeat
  }
}

asio::awaitable<void> Connection::write_loop(std::shared_ptr<Connection> self) {
  std::string buffer;
  while (!self->close_error_) {
    if (self->outbound_.empty()) {
      self->writer_wakeup_.expires_at(Clock::time_point::max());
      co_await self->writer_wakeup_.async_wait(kUseAwaitableTuple);
      continue;
    }
    buffer.clear();
    while (!self->outbound_.empty() && (buffer.empty() || buffer.size() + self->outbound_.front().size() <= kCoalesceBytes)) {
      buffer += self->outbound_.front();
      self->outbound_.pop_front();
    }
    self->writing_ = true;
    auto [error, written] = co_await asio::async_write(self->stream_, asio::buffer(buffer), kUseAwaitableTuple);
    self->writing_ = false;
    if (error) {
      self->fail(describe_read_failure(error));
      break;
    }
    if (self->outbound_.empty()) {
      self->flushed_.cancel();
    }
    self->last_sent_ = Clock::now();
    if (buffer.capacity() > 4 * kCoalesceBytes) {
      std::string().swap(buffer);
    }
  }
}

asio::awaitable<void> Connection::heartbeat(std::shared_ptr<Connection> self) {
  const auto interval = std::chrono::milliseconds(std::max<std::uint32_t>(self->welcome_.limits().heartbeat_interval_ms(), 100));
  const auto idle_timeout = std::chrono::milliseconds(std::max<std::uint32_t>(self->welcome_.limits().idle_timeout_ms(), 300));
  while (!self->close_error_) {
    self->heartbeat_timer_.expires_after(interval / 2);
    auto [error] = co_await self->heartbeat_timer_.async_wait(kUseAwaitableTuple);
    if (error || self->close_error_) {
      break;
    }
    const auto now = Clock::now();
    if (now - self->last_received_ > idle_timeout) {
      self->fail(make_error(v1::CONNECTION_LOST, "nothing heard from the broker for " +
                                                     std::to_string(idle_timeout.count()) + " ms"));
      break;
    }
    if (now - self->last_sent_ >= interval / 2) {
      v1::Frame ping;
      ping.mutable_ping()->set_nonce(0);
      self->send(ping);
    }
  }
}

}  // namespace weft::client
