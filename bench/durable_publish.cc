// Durable publish load generator for weftd: publishes N reports over C
// mutual-TLS connections with W publishes in flight per connection, each
// acknowledged only after the broker's storage committed it (group commit),
// and optionally receives them on one durable subscription that acks every
// delivery. Prints one line in the format of the peer benchmarks
// (../shared/bench/peers/README.md, "What one measurement is"):
//
//   peer=weft mode=<mode> subs=<0|1> size=<S> msgs=<N> delivered_per_s=<X> p50_us=<A> p99_us=<B>
//     pub_per_s=... ack_p50_us=... ack_p99_us=... conns=<C> window=<W> lost=... [more key=value]
//
// Without a subscriber, delivered_per_s, p50_us and p99_us describe the acks.
// Publishers run on the main thread's io_context, the subscriber on its own
// thread and io_context (as the peers give each subscriber its own delivery
// thread); both take times from the same steady clock.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <future>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <CLI/CLI.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

#include "bench/bench_client.h"
#include "bench/measurements.h"
#include "bench/report_maker.h"
#include "client-lib/connection.h"
#include "client-lib/profile.h"

namespace {

using namespace weft::bench;

namespace asio = boost::asio;
namespace v1 = weft::v1;
using weft::client::Connection;
using weft::client::Profile;
using Clock = std::chrono::steady_clock;
constexpr auto kUseAwaitableTuple = asio::as_tuple(asio::use_awaitable);

// The peers stop waiting for deliveries after this long without one.
constexpr std::chrono::seconds kIdleStop{3};

struct Options {
  std::string publisher_profile;
  std::string subscriber_profile;
  std::string broker_address;
  std::string mode = "durable";
  std::string feed = "bench.durable";
  std::string durable_name = "bench";
  std::uint64_t reports = 20000;
  unsigned connections = 1;
  unsigned window = 1;
  std::size_t report_bytes = 1024;
  double max_seconds = 60;
  int broker_pid = 0;
};

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}

// ---- the run -----------------------------------------------------------------

struct Run {
  Options options;
  std::vector<v1::Report> reports;  // each moved out when published
  std::unordered_map<std::string, std::size_t> index_by_id;  // built before the run, then only read
  // Written by the publisher thread before the report is sent, read by the
  // subscriber thread after its delivery arrived.
  std::unique_ptr<std::atomic<std::int64_t>[]> send_ns;

  // Publisher thread only.
  std::size_t next_to_send = 0;
  unsigned workers_running = 0;
  bool stop_publishing = false;
  std::vector<std::int64_t> ack_latencies_ns;
  std::int64_t last_ack_ns = 0;
  std::uint64_t refused = 0;
  std::optional<weft::Error> first_refusal;
  std::vector<std::shared_ptr<Connection>> publishers;

  // Shared between the threads.
  std::atomic<std::int64_t> first_send_ns{0};
  std::atomic<std::int64_t> deadline_ns{0};
  std::atomic<std::int64_t> publishing_ended_ns{0};
  std::atomic<bool> publishing_done{false};
  std::atomic<std::uint64_t> acks{0};

  // Subscriber thread only (read by main after the thread is joined).
  std::vector<std::int64_t> delivery_latencies_ns;
  std::vector<bool> delivered;
  std::uint64_t deliveries = 0;  // distinct reports of this run
  std::uint64_t duplicate_deliveries = 0;
  std::uint64_t foreign_deliveries = 0;  // ids not published by this run
  std::uint64_t redacted_deliveries = 0;
  std::int64_t last_delivery_ns = 0;
  bool subscriber_idle_stop = false;
  bool subscriber_timed_out = false;
  std::optional<weft::Error> subscription_error;
};

weft::client::Options connection_options() { return bench_connection_options("weft-bench-durable/0.1.0"); }

// ---- publishers ----------------------------------------------------------------

asio::awaitable<void> publish_worker(std::shared_ptr<Run> run, std::shared_ptr<Connection> connection,
                                     std::shared_ptr<asio::steady_timer> all_workers_done) {
  while (!run->stop_publishing && run->next_to_send < run->reports.size() && connection->is_open()) {
    const std::size_t index = run->next_to_send++;
    const std::int64_t sent = now_ns();
    run->send_ns[index].store(sent, std::memory_order_release);
    auto ack = co_await connection->publish(std::move(run->reports[index]));
    const std::int64_t acked = now_ns();
    if (ack) {
      run->ack_latencies_ns.push_back(acked - sent);
      run->last_ack_ns = acked;
      run->acks.fetch_add(1, std::memory_order_release);
    } else {
      ++run->refused;
      if (!run->first_refusal) {
        run->first_refusal = ack.error();
      }
    }
  }
  if (--run->workers_running == 0) {
    all_workers_done->cancel();
  }
}

// Connects the publishers, publishes everything (or until the time limit),
// then closes them. Returns false if a connection could not be made.
asio::awaitable<bool> drive_publishers(std::shared_ptr<Run> run, Profile profile) {
  auto executor = co_await asio::this_coro::executor;
  for (unsigned i = 0; i < run->options.connections; ++i) {
    auto connection = co_await Connection::connect(executor, profile, connection_options());
    if (!connection) {
      std::fprintf(stderr, "durable_publish: publisher connection %u: %s\n", i, connection.error().describe().c_str());
      for (auto& open : run->publishers) {
        open->close();
      }
      co_return false;
    }
    run->publishers.push_back(connection.value());
  }
  const auto broker_window = run->publishers.front()->welcome().limits().max_inflight_publishes();
  if (broker_window != 0 && run->options.window > broker_window) {
    std::fprintf(stderr, "durable_publish: note: the broker reads at most %u publishes ahead per connection\n",
                 broker_window);
  }

  const std::int64_t start = now_ns();
  run->first_send_ns.store(start, std::memory_order_release);
  const std::int64_t deadline = start + static_cast<std::int64_t>(run->options.max_seconds * 1e9);
  run->deadline_ns.store(deadline, std::memory_order_release);

  auto all_workers_done = std::make_shared<asio::steady_timer>(executor, Clock::time_point::max());
  asio::steady_timer time_limit(executor, Clock::time_point(std::chrono::nanoseconds(deadline)));
  time_limit.async_wait([run](const boost::system::error_code& error) {
    if (!error) {
      // Pending publishes end with CONNECTION_LOST and are not counted as acks.
      run->stop_publishing = true;
      for (auto& connection : run->publishers) {
        connection->close();
      }
    }
  });
  run->workers_running = run->options.connections * run->options.window;
  for (const auto& connection : run->publishers) {
    for (unsigned slot = 0; slot < run->options.window; ++slot) {
      asio::co_spawn(executor, publish_worker(run, connection, all_workers_done), asio::detached);
    }
  }
  co_await all_workers_done->async_wait(kUseAwaitableTuple);
  time_limit.cancel();
  run->publishing_ended_ns.store(now_ns(), std::memory_order_release);
  run->publishing_done.store(true, std::memory_order_release);
  for (auto& connection : run->publishers) {
    connection->close();
  }
  co_return true;
}

// ---- subscriber ----------------------------------------------------------------

struct Subscriber {
  std::shared_ptr<Connection> connection;
  std::shared_ptr<weft::client::Subscription> subscription;
};

// Connects and opens the durable subscription; nullopt (after saying why) on failure.
asio::awaitable<std::optional<Subscriber>> open_subscriber(std::shared_ptr<Run> run, Profile profile) {
  auto connection = co_await Connection::connect(co_await asio::this_coro::executor, profile, connection_options());
  if (!connection) {
    std::fprintf(stderr, "durable_publish: subscriber: %s\n", connection.error().describe().c_str());
    co_return std::nullopt;
  }
  auto subscription = co_await connection.value()->subscribe(run->options.feed, run->options.durable_name);
  if (!subscription) {
    std::fprintf(stderr, "durable_publish: subscribe: %s\n", subscription.error().describe().c_str());
    connection.value()->close();
    co_return std::nullopt;
  }
  co_return Subscriber{connection.value(), subscription.value()};
}

asio::awaitable<void> receive_deliveries(std::shared_ptr<Run> run, Subscriber subscriber) {
  while (true) {
    auto delivery = co_await subscriber.subscription->next();
    if (!delivery) {
      run->subscription_error = delivery.error();
      co_return;
    }
    const std::int64_t received = now_ns();
    const v1::Report& report = delivery.value().report();
    // Acknowledge as a durable consumer would, once the report is handled.
    subscriber.connection->ack(run->options.feed, report.broker().sequence());
    const auto found = run->index_by_id.find(report.id());
    if (found == run->index_by_id.end()) {
      ++run->foreign_deliveries;
      continue;
    }
    if (run->delivered[found->second]) {
      ++run->duplicate_deliveries;
      continue;
    }
    run->delivered[found->second] = true;
    ++run->deliveries;
    run->last_delivery_ns = received;
    run->delivery_latencies_ns.push_back(received - run->send_ns[found->second].load(std::memory_order_acquire));
    if (report.redaction().counts_size() > 0) {
      ++run->redacted_deliveries;
    }
  }
}

// Ends the subscription once everything acknowledged has arrived, nothing
// arrived for kIdleStop after publishing ended, or the time limit passed.
asio::awaitable<void> watch_subscriber(std::shared_ptr<Run> run, std::shared_ptr<Connection> connection) {
  asio::steady_timer tick(co_await asio::this_coro::executor);
  while (connection->is_open()) {
    tick.expires_after(std::chrono::milliseconds(2));
    co_await tick.async_wait(kUseAwaitableTuple);
    const std::int64_t now = now_ns();
    const std::int64_t deadline = run->deadline_ns.load(std::memory_order_acquire);
    if (deadline != 0 && now > deadline) {
      run->subscriber_timed_out = run->deliveries < run->reports.size();
      break;
    }
    if (run->deliveries >= run->reports.size()) {
      break;
    }
    if (!run->publishing_done.load(std::memory_order_acquire)) {
      continue;
    }
    if (run->deliveries >= run->acks.load(std::memory_order_acquire)) {
      break;  // every acknowledged report arrived; the rest were never stored
    }
    const std::int64_t quiet_since =
        std::max(run->last_delivery_ns, run->publishing_ended_ns.load(std::memory_order_acquire));
    if (now - quiet_since > std::chrono::nanoseconds(kIdleStop).count()) {
      run->subscriber_idle_stop = true;
      break;
    }
  }
  // Let the last acks reach the broker, so its cursor ends where we stopped.
  co_await connection->flush_and_close(std::chrono::milliseconds(500));
}

// The subscriber thread's whole life: subscribe, tell the main thread
// (`subscribed`), then receive until watch_subscriber ends it.
asio::awaitable<void> run_subscriber(std::shared_ptr<Run> run, Profile profile,
                                     std::shared_ptr<std::promise<bool>> subscribed) {
  auto subscriber = co_await open_subscriber(run, std::move(profile));
  subscribed->set_value(subscriber.has_value());
  if (!subscriber) {
    co_return;
  }
  asio::co_spawn(co_await asio::this_coro::executor, receive_deliveries(run, *subscriber), asio::detached);
  co_await watch_subscriber(run, subscriber->connection);
}

// ---- output ------------------------------------------------------------------

void print_line(const Run& run, bool with_subscriber, std::optional<double> broker_cpu_s, double bench_cpu_s,
                double steal_pct) {
  const Options& o = run.options;
  const std::int64_t first_send = run.first_send_ns.load();
  const double ack_span_s = static_cast<double>(run.last_ack_ns - first_send) / 1e9;
  const std::uint64_t acks = run.acks.load();
  const double pub_per_s = ack_span_s > 0 ? static_cast<double>(acks) / ack_span_s : 0;
  const double ack_p50 = percentile_us(run.ack_latencies_ns, 0.50);
  const double ack_p99 = percentile_us(run.ack_latencies_ns, 0.99);

  double delivered_per_s = pub_per_s;
  double p50 = ack_p50;
  double p99 = ack_p99;
  std::uint64_t delivered = acks;
  double span_s = ack_span_s;
  if (with_subscriber) {
    delivered = run.deliveries;
    span_s = static_cast<double>(run.last_delivery_ns - first_send) / 1e9;
    delivered_per_s = span_s > 0 && delivered > 0 ? static_cast<double>(delivered) / span_s : 0;
    p50 = percentile_us(run.delivery_latencies_ns, 0.50);
    p99 = percentile_us(run.delivery_latencies_ns, 0.99);
  }
  const auto lost = static_cast<std::int64_t>(o.reports) - static_cast<std::int64_t>(delivered);

  std::string extra;
  if (broker_cpu_s) {
    char text[64];
    std::snprintf(text, sizeof text, " srv_cpu_s=%.2f", *broker_cpu_s);
    extra += text;
  }
  if (with_subscriber) {
    extra += " idle_stop=" + std::to_string(run.subscriber_idle_stop ? 1 : 0) +
             " redacted=" + std::to_string(run.redacted_deliveries);
    if (run.duplicate_deliveries > 0 || run.foreign_deliveries > 0) {
      extra += " duplicates=" + std::to_string(run.duplicate_deliveries) +
               " foreign=" + std::to_string(run.foreign_deliveries);
    }
  }
  std::printf("peer=weft mode=%s subs=%d size=%zu msgs=%" PRIu64
              " delivered_per_s=%.0f p50_us=%.0f p99_us=%.0f pub_per_s=%.0f ack_p50_us=%.0f ack_p99_us=%.0f"
              " conns=%u window=%u lost=%" PRId64 " acked=%" PRIu64 " refused=%" PRIu64
              " span_s=%.3f bench_cpu_s=%.2f steal_pct=%.1f%s\n",
              o.mode.c_str(), with_subscriber ? 1 : 0, o.report_bytes, o.reports, delivered_per_s, p50, p99,
              pub_per_s, ack_p50, ack_p99, o.connections, o.window, lost, acks, run.refused, span_s, bench_cpu_s,
              steal_pct, extra.c_str());
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  CLI::App app{"durable_publish - durable publish throughput and latency of weftd (group commit)"};
  app.add_option("--publisher-profile", options.publisher_profile, "Client profile of the publishing organisation")
      ->required();
  app.add_option("--subscriber-profile", options.subscriber_profile,
                 "Client profile of a subscribing organisation (one durable subscriber; none if omitted)");
  app.add_option("--broker", options.broker_address, "Broker address HOST:PORT (loopback), overriding the profiles'");
  app.add_option("--mode", options.mode, "Label for the mode= field")->capture_default_str();
  app.add_option("--feed", options.feed, "Feed to publish to")->capture_default_str();
  app.add_option("--durable", options.durable_name, "Name of the subscriber's durable subscription")
      ->capture_default_str();
  app.add_option("-n", options.reports, "Reports to publish")->capture_default_str()->check(CLI::Range(1, 100000000));
  app.add_option("-c", options.connections, "Publisher connections")->capture_default_str()->check(CLI::Range(1, 256));
  app.add_option("-w", options.window, "Publishes in flight per connection")
      ->capture_default_str()
      ->check(CLI::Range(1, 4096));
  app.add_option("-s", options.report_bytes, "Approximate serialized report size in bytes")
      ->capture_default_str()
      ->check(CLI::Range(256, 60000));
  app.add_option("-T", options.max_seconds, "Limit in seconds for publishing and receiving")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 3600.0));
  app.add_option("--broker-pid", options.broker_pid, "weftd's PID: adds srv_cpu_s (from /proc/PID/stat)");
  CLI11_PARSE(app, argc, argv);

  // Hard stop if anything hangs: connecting, the measured part and the drain.
  std::signal(SIGALRM, SIG_DFL);
  ::alarm(static_cast<unsigned>(options.max_seconds) + 2 * static_cast<unsigned>(kConnectTimeout.count()) + 30);

  auto publisher_profile = load_loopback_profile(options.publisher_profile, options.broker_address);
  if (!publisher_profile) {
    std::fprintf(stderr, "durable_publish: %s\n", publisher_profile.error().describe().c_str());
    return 2;
  }
  const bool with_subscriber = !options.subscriber_profile.empty();
  std::optional<Profile> subscriber_profile;
  if (with_subscriber) {
    auto loaded = load_loopback_profile(options.subscriber_profile, options.broker_address);
    if (!loaded) {
      std::fprintf(stderr, "durable_publish: %s\n", loaded.error().describe().c_str());
      return 2;
    }
    subscriber_profile = std::move(loaded).value();
  }

  // Reports are made before the clock starts, so only publishing is measured.
  auto run = std::make_shared<Run>();
  run->options = options;
  std::mt19937_64 generator{std::random_device{}()};
  run->reports.reserve(options.reports);
  run->index_by_id.reserve(options.reports);
  for (std::uint64_t i = 0; i < options.reports; ++i) {
    run->reports.push_back(weft::bench::make_report(options.feed, options.report_bytes, generator));
    run->index_by_id.emplace(run->reports.back().id(), i);
  }
  run->send_ns = std::make_unique<std::atomic<std::int64_t>[]>(options.reports);
  run->ack_latencies_ns.reserve(options.reports);
  run->delivery_latencies_ns.reserve(options.reports);
  run->delivered.assign(options.reports, false);

  // The durable subscription exists before the first publish, so every
  // report of the run is owed to it.
  asio::io_context subscriber_io(1);
  std::thread subscriber_thread;
  if (with_subscriber) {
    auto subscribed = std::make_shared<std::promise<bool>>();
    auto subscribed_result = subscribed->get_future();
    asio::co_spawn(subscriber_io, run_subscriber(run, *subscriber_profile, subscribed), asio::detached);
    subscriber_thread = std::thread([&subscriber_io] { subscriber_io.run(); });
    if (!subscribed_result.get()) {
      subscriber_thread.join();
      return 1;
    }
  }

  const auto broker_cpu_before =
      options.broker_pid > 0 ? process_cpu_seconds(options.broker_pid) : std::optional<double>();
  const double bench_cpu_before = own_cpu_seconds();
  const HostCpu host_before = host_cpu();

  asio::io_context publisher_io(1);
  auto publishing = asio::co_spawn(publisher_io, drive_publishers(run, publisher_profile.value()), asio::use_future);
  publisher_io.run();
  const bool published = publishing.get();
  if (!published) {
    run->deadline_ns.store(1, std::memory_order_release);  // lets the subscriber's watch end now
  }
  if (subscriber_thread.joinable()) {
    subscriber_thread.join();
  }
  if (!published) {
    return 1;
  }

  std::optional<double> broker_cpu_s;
  if (broker_cpu_before) {
    if (auto after = process_cpu_seconds(options.broker_pid)) {
      broker_cpu_s = *after - *broker_cpu_before;
    }
  }
  const HostCpu host_after = host_cpu();
  const auto host_total = static_cast<double>(host_after.total - host_before.total);
  const double steal_pct =
      host_total > 0 ? 100.0 * static_cast<double>(host_after.steal - host_before.steal) / host_total : 0;

  if (run->first_refusal) {
    std::fprintf(stderr, "durable_publish: %" PRIu64 " publishes failed; first: %s\n", run->refused,
                 run->first_refusal->describe().c_str());
  }
  if (with_subscriber && run->subscription_error && run->subscription_error->code != v1::CONNECTION_LOST) {
    std::fprintf(stderr, "durable_publish: subscription ended: %s\n", run->subscription_error->describe().c_str());
  }
  print_line(*run, with_subscriber, broker_cpu_s, own_cpu_seconds() - bench_cpu_before, steal_pct);
  return run->refused == 0 && !run->subscriber_idle_stop && !run->subscriber_timed_out ? 0 : 3;
}
