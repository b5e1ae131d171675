#include "tests/harness/test_client.h"

#include <gtest/gtest.h>

#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>

namespace weft::testing {

namespace asio = boost::asio;

TestClient::TestClient() : work_(io_.get_executor()), thread_([this] { io_.run(); }) {}

TestClient::~TestClient() {
  close();
  work_.reset();
  io_.stop();
  thread_.join();
}

Result<void> TestClient::connect(const std::filesystem::path& profile_path, std::uint16_t port,
                                 client::Options options) {
  auto profile = client::Profile::load(profile_path);
  if (!profile) {
    return profile.error();
  }
  WEFT_TRY(profile.value().override_broker_address("127.0.0.1:" + std::to_string(port)));
  auto connection = call(client::Connection::connect(io_.get_executor(), profile.value(), std::move(options)));
  if (!connection) {
    return connection.error();
  }
  connection_ = connection.value();
  welcome_ = connection_->welcome();
  return ok();
}

Result<v1::PublishAck> TestClient::publish(const v1::Report& report) {
  return call(connection_->publish(report));
}

std::vector<Result<v1::PublishAck>> TestClient::publish_pipelined(const std::vector<v1::Report>& reports) {
  std::vector<std::future<std::optional<Result<v1::PublishAck>>>> pending;
  // Spawned on the I/O thread in order, so the frames leave in order.
  on_io_thread([&] {
    for (const auto& report : reports) {
      pending.push_back(asio::co_spawn(io_, as_optional(connection_->publish(report)), asio::use_future));
    }
    return true;
  });
  std::vector<Result<v1::PublishAck>> answers;
  for (auto& answer : pending) {
    answers.push_back(*answer.get());
  }
  return answers;
}

Result<void> TestClient::subscribe(const std::string& feed) {
  auto subscription = call(connection_->subscribe(feed));
  if (!subscription) {
    return subscription.error();
  }
  asio::co_spawn(io_, collect(subscription.value()), asio::detached);
  return ok();
}

Result<std::uint64_t> TestClient::subscribe_durable(const std::string& feed, const std::string& name) {
  auto subscription = call(connection_->subscribe(feed, name));
  if (!subscription) {
    return subscription.error();
  }
  const std::uint64_t resume_after = subscription.value()->resume_after();
  asio::co_spawn(io_, collect(subscription.value()), asio::detached);
  return resume_after;
}

Result<v1::AuditResponse> TestClient::audit(const v1::AuditRequest& request) {
  return call(connection_->audit(request));
}

Result<v1::GetReportResult> TestClient::get_report(const std::string& id) {
  return call(connection_->get_report(id));
}

void TestClient::ack(const std::string& feed, std::uint64_t sequence) {
  on_io_thread([&] {
    connection_->ack(feed, sequence);
    return 0;
  });
}

asio::awaitable<void> TestClient::collect(std::shared_ptr<client::Subscription> subscription) {
  while (true) {
    auto delivery = co_await subscription->next();
    std::lock_guard lock(mutex_);
    if (!delivery) {
      stream_end_ = delivery.error();
      arrived_.notify_all();
      co_return;
    }
    deliveries_.push_back(std::move(delivery).value());
    ++received_;
    arrived_.notify_all();
  }
}

std::optional<v1::Delivery> TestClient::next_delivery(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  if (!arrived_.wait_for(lock, timeout, [this] { return !deliveries_.empty(); })) {
    return std::nullopt;
  }
  v1::Delivery delivery = std::move(deliveries_.front());
  deliveries_.pop_front();
  return delivery;
}

std::size_t TestClient::deliveries_received() {
  std::lock_guard lock(mutex_);
  return received_;
}

std::optional<Error> TestClient::stream_end() {
  std::lock_guard lock(mutex_);
  return stream_end_;
}

bool TestClient::is_open() {
  if (!connection_) {
    return false;
  }
  return on_io_thread([this] { return connection_->is_open(); });
}

std::optional<Error> TestClient::close_error() {
  if (!connection_) {
    return std::nullopt;
  }
  return on_io_thread([this] { return connection_->close_error(); });
}

void TestClient::close() {
  if (connection_) {
    on_io_thread([this] {
      connection_->close();
      return 0;
    });
  }
}

std::unique_ptr<TestClient> connected_client(const std::filesystem::path& profile, std::uint16_t port,
                                             const std::string& who, client::Options options) {
  auto client = std::make_unique<TestClient>();
  auto connected = client->connect(profile, port, std::move(options));
  EXPECT_TRUE(connected) << who << ": " << (connected ? "" : connected.error().describe());
  return client;
}

}  // namespace weft::testing
