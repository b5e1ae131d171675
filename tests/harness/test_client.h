// libweft driven from a test: the connection lives on its own io thread (so
// a subscriber keeps reading while the test thread does other things), and
// each call blocks the test until the coroutine finishes.
#pragma once

#include <condition_variable>
#include <deque>
#include <filesystem>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "client-lib/connection.h"

namespace weft::testing {

class TestClient {
 public:
  TestClient();
  ~TestClient();
  TestClient(const TestClient&) = delete;
  TestClient& operator=(const TestClient&) = delete;

  Result<void> connect(const std::filesystem::path& profile, std::uint16_t port, client::Options options = {});
  Result<v1::PublishAck> publish(const v1::Report& report);
  // Sends every report before waiting for any answer (one session, in
  // order) and returns the answers in the same order.
  std::vector<Result<v1::PublishAck>> publish_pipelined(const std::vector<v1::Report>& reports);
  // Subscribes and keeps collecting deliveries in the background.
  Result<void> subscribe(const std::string& feed);
  // A durable subscription; returns the sequence the broker resumes after.
  Result<std::uint64_t> subscribe_durable(const std::string& feed, const std::string& name);
  // Acknowledges durable deliveries of `feed` up to `sequence`.
  void ack(const std::string& feed, std::uint64_t sequence);
  Result<v1::AuditResponse> audit(const v1::AuditRequest& request);
  Result<v1::GetReportResult> get_report(const std::string& id);
  std::optional<v1::Delivery> next_delivery(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  std::size_t deliveries_received();
  // The error that ended a subscription's stream, once it has ended.
  std::optional<Error> stream_end();
  bool is_open();
  std::optional<Error> close_error();
  const v1::Welcome& welcome() const { return welcome_; }
  void close();

 private:
  boost::asio::awaitable<void> collect(std::shared_ptr<client::Subscription> subscription);
  // co_spawn needs a default-constructible result; Result<T> is not.
  template <class T>
  static boost::asio::awaitable<std::optional<T>> as_optional(boost::asio::awaitable<T> task) {
    co_return co_await std::move(task);
  }
  template <class T>
  T call(boost::asio::awaitable<T> task) {
    auto future = boost::asio::co_spawn(io_, as_optional(std::move(task)), boost::asio::use_future);
    return *future.get();
  }
  template <class F>
  auto on_io_thread(F function) {
    std::packaged_task<decltype(function())()> task(std::move(function));
    auto future = task.get_future();
    boost::asio::post(io_, [&task] { task(); });
    return future.get();
  }

  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::thread thread_;
  std::shared_ptr<client::Connection> connection_;
  v1::Welcome welcome_;
  std::mutex mutex_;
  std::condition_variable arrived_;
  std::deque<v1::Delivery> deliveries_;  // guarded by mutex_
  std::size_t received_ = 0;             // guarded by mutex_
  std::optional<Error> stream_end_;      // guarded by mutex_
};

// A client connected as the organisation of `profile`; a failed connection
// fails the test (naming `who`) and returns the unconnected client.
std::unique_ptr<TestClient> connected_client(const std::filesystem::path& profile, std::uint16_t port,
                                             const std::string& who, client::Options options = {});

}  // namespace weft::testing
