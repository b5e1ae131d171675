// Relay benchmark for weftd, the counterpart of the peer load generators in
// ../shared/bench/peers (mqtt_bench, nats_bench): one publisher connection,
// K subscriber connections (each its own organisation, spread over the
// deployment's policies), N reports of about S bytes, mutual TLS 1.3 on
// loopback. Prints one line in the peers' form ("What one measurement is"):
//
//   peer=weft mode=<live|durable> subs=<K> size=<S> msgs=<N> delivered_per_s=<X> p50_us=<A> p99_us=<B>
//     pub_per_s=... sent=... received=... expected=... lost=... span_s=... server_cpu_s=... [more key=value]
//
// delivered_per_s, p50_us and p99_us are computed exactly as the peers'
// bench_common.hpp does: every delivery at every subscriber counts, divided by
// (last receive anywhere - first send); percentiles over all deliveries with
// the same rank rule. The publisher runs on the main thread, the subscribers
// on one thread of their own; both read the same steady clock, and the send
// time travels in a report label the policies leave alone.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
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

// As the peers: stop waiting after this long without a delivery.
constexpr std::chrono::seconds kIdleStop{3};
// The send time is written as 16 letters 'a'..'p' (one per nibble): no digit,
// '@' or capital, so no personal-data detector of any policy touches it.
constexpr std::string_view kStampPrefix = "bench-sent-";
constexpr std::size_t kStampLetters = 16;

struct Options {
  std::string publisher_profile;
  std::vector<std::string> subscriber_profiles;
  std::string broker_address;
  std::string mode = "live";
  std::string feed = "bench.relay";
  std::string durable_name = "relay";
  unsigned subs = 1;
  std::uint64_t reports = 20000;
  unsigned window = 64;
  std::size_t report_bytes = 1024;
  double rate = 0;
  double max_seconds = 60;
  int broker_pid = 0;
};

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}

std::string encode_stamp(std::int64_t ns) {
  std::string label(kStampPrefix);
  auto bits = static_cast<std::uint64_t>(ns);
  for (std::size_t i = 0; i < kStampLetters; ++i) {
    label += static_cast<char>('a' + ((bits >> (60 - 4 * i)) & 0xF));
  }
  return label;
}

std::optional<std::int64_t> decode_stamp(const v1::Report& report) {
  for (const auto& label : report.labels()) {
    if (label.size() != kStampPrefix.size() + kStampLetters || !label.starts_with(kStampPrefix)) {
      continue;
    }
    std::uint64_t bits = 0;
    for (std::size_t i = kStampPrefix.size(); i < label.size(); ++i) {
      const char letter = label[i];
      if (letter < 'a' || letter > 'p') {
        return std::nullopt;
      }
      bits = (bits << 4) | static_cast<std::uint64_t>(letter - 'a');
    }
    return static_cast<std::int64_t>(bits);
  }
  return std::nullopt;
}

// ---- reports -------------------------------------------------------------------

// Personal data of the kinds the shipped policies treat differently
// (eu-baseline redacts them in text, cert-peer keeps contacts, third-country
// redacts everything), so each policy has real work on every report.
constexpr std::string_view kPersonalData =
    "Reported by Maria Rossi of the bank's fraud desk, e-mail maria.rossi@example-bank.eu, "
    "phone +31 20 555 0142; the victim workstation at 192.0.2.45 contacted the kit. ";

v1::Report make_relay_report(const std::string& feed, std::size_t target_bytes, std::mt19937_64& generator) {
  // Room for the stamp label added at publish time (tag, length, text).
  const std::size_t label_bytes = 2 + kStampPrefix.size() + kStampLetters;
  const std::size_t body_bytes = target_bytes > label_bytes + 300 ? target_bytes - label_bytes : 300;
  v1::Report report = weft::bench::make_report(feed, body_bytes, generator);
  std::string* description = report.mutable_description();
  // Same length, so the size stays as make_report computed it.
  const std::size_t n = std::min(description->size(), kPersonalData.size());
  description->replace(0, n, kPersonalData.substr(0, n));
  return report;
}

// ---- the run -----------------------------------------------------------------

struct SubscriberState {
  std::shared_ptr<Connection> connection;
  std::shared_ptr<weft::client::Subscription> subscription;
  // Subscriber thread only; read by main after that thread is joined.
  std::vector<std::int64_t> latencies_ns;
  std::uint64_t received = 0;
  std::uint64_t redacted = 0;
  std::uint64_t unstamped = 0;
  std::int64_t last_receive_ns = 0;
  std::optional<weft::Error> error;
};

struct Run {
  Options options;
  std::vector<v1::Report> reports;  // each moved out when published
  // Kept here, not in coroutine parameters: g++ 12 may destroy a by-value
  // coroutine parameter while Connection::connect still refers to it.
  Profile publisher_profile;
  std::vector<Profile> subscriber_profiles;

  // Publisher thread only.
  std::size_t next_to_send = 0;
  unsigned workers_running = 0;
  bool stop_publishing = false;
  std::uint64_t refused = 0;
  std::optional<weft::Error> first_refusal;
  std::int64_t last_publish_return_ns = 0;
  std::shared_ptr<Connection> publisher;

  // Shared between the threads.
  std::atomic<std::int64_t> first_send_ns{0};
  std::atomic<std::int64_t> deadline_ns{0};
  std::atomic<std::int64_t> publishing_ended_ns{0};
  std::atomic<bool> publishing_done{false};
  std::atomic<std::uint64_t> sent{0};
  std::atomic<std::uint64_t> acks{0};

  // Subscriber thread only.
  std::vector<std::unique_ptr<SubscriberState>> subscribers;
  bool idle_stop = false;
  bool timed_out = false;
};

weft::client::Options connection_options() { return bench_connection_options("weft-bench-relay/0.1.0"); }

// ---- publisher ---------------------------------------------------------------

// Takes the next report and stamps it; nullopt when there is nothing left.
std::optional<std::size_t> take_next(Run& run) {
  if (run.stop_publishing || run.next_to_send >= run.reports.size() || !run.publisher->is_open()) {
    return std::nullopt;
  }
  return run.next_to_send++;
}

void record_ack(Run& run, const weft::Result<v1::PublishAck>& ack) {
  run.last_publish_return_ns = now_ns();
  if (ack) {
    run.acks.fetch_add(1, std::memory_order_release);
  } else {
    ++run.refused;
    if (!run.first_refusal) {
      run.first_refusal = ack.error();
    }
  }
}

// One of `window` workers: each keeps one publish in flight, so at most
// `window` reports await the broker's ack. Paced runs wait until report i is due.
asio::awaitable<void> publish_worker(std::shared_ptr<Run> run, std::shared_ptr<asio::steady_timer> all_done) {
  asio::steady_timer pace(co_await asio::this_coro::executor);
  while (auto index = take_next(*run)) {
    if (run->options.rate > 0) {
      const auto due = run->first_send_ns.load(std::memory_order_relaxed) +
                       static_cast<std::int64_t>(static_cast<double>(*index) * 1e9 / run->options.rate);
      pace.expires_at(Clock::time_point(std::chrono::nanoseconds(due)));
      co_await pace.async_wait(kUseAwaitableTuple);
      if (run->stop_publishing) {
        break;
      }
    }
    v1::Report report = std::move(run->reports[*index]);
    report.add_labels(encode_stamp(now_ns()));
    run->sent.fetch_add(1, std::memory_order_release);
    record_ack(*run, co_await run->publisher->publish(std::move(report)));
  }
  if (--run->workers_running == 0) {
    all_done->cancel();
  }
}

asio::awaitable<void> drive_publisher(std::shared_ptr<Run> run, std::function<void()> on_connected) {
  auto executor = co_await asio::this_coro::executor;
  on_connected();
  const std::int64_t start = now_ns();
  run->first_send_ns.store(start, std::memory_order_release);
  const std::int64_t deadline = start + static_cast<std::int64_t>(run->options.max_seconds * 1e9);
  run->deadline_ns.store(deadline, std::memory_order_release);

  auto all_done = std::make_shared<asio::steady_timer>(executor, Clock::time_point::max());
  asio::steady_timer time_limit(executor, Clock::time_point(std::chrono::nanoseconds(deadline)));
  time_limit.async_wait([run](const boost::system::error_code& error) {
    if (!error) {
      run->stop_publishing = true;
      run->publisher->close();
    }
  });
  run->workers_running = run->options.window;
  for (unsigned slot = 0; slot < run->options.window; ++slot) {
    asio::co_spawn(executor, publish_worker(run, all_done), asio::detached);
  }
  co_await all_done->async_wait(kUseAwaitableTuple);
  time_limit.cancel();
  run->publishing_ended_ns.store(now_ns(), std::memory_order_release);
  run->publishing_done.store(true, std::memory_order_release);
  co_await run->publisher->flush_and_close(std::chrono::milliseconds(500));
}

asio::awaitable<bool> connect_publisher(std::shared_ptr<Run> run) {
  auto executor = co_await asio::this_coro::executor;
  auto connection = co_await Connection::connect(executor, run->publisher_profile, connection_options());
  if (!connection) {
    std::fprintf(stderr, "relay: publisher: %s\n", connection.error().describe().c_str());
    co_return false;
  }
  run->publisher = connection.value();
  const auto broker_window = run->publisher->welcome().limits().max_inflight_publishes();
  if (broker_window != 0 && run->options.window > broker_window) {
    std::fprintf(stderr, "relay: note: the broker reads at most %u publishes ahead per connection\n", broker_window);
  }
  co_return true;
}

// Connects, then publishes everything; false if the connection failed.
asio::awaitable<bool> publish_all(std::shared_ptr<Run> run, std::function<void()> on_connected) {
  const bool connected = co_await connect_publisher(run);
  if (!connected) {
    co_return false;
  }
  co_await drive_publisher(run, std::move(on_connected));
  co_return true;
}

// ---- subscribers ---------------------------------------------------------------

void on_delivery(const Run& run, SubscriberState& subscriber, const v1::Delivery& delivery) {
  const std::int64_t received = now_ns();
  const v1::Report& report = delivery.report();
  if (run.options.mode == "durable") {
    subscriber.connection->ack(delivery.feed(), report.broker().sequence());
  }
  ++subscriber.received;
  subscriber.last_receive_ns = received;
  if (auto sent = decode_stamp(report)) {
    subscriber.latencies_ns.push_back(received - *sent);
  } else {
    ++subscriber.unstamped;
  }
  if (report.redaction().counts_size() > 0) {
    ++subscriber.redacted;
  }
}

asio::awaitable<void> receive(std::shared_ptr<Run> run, SubscriberState* subscriber) {
  while (true) {
    auto delivery = co_await subscriber->subscription->next();
    if (!delivery) {
      subscriber->error = delivery.error();
      co_return;
    }
    on_delivery(*run, *subscriber, delivery.value());
  }
}

asio::awaitable<bool> open_subscriber(std::shared_ptr<Run> run, std::size_t number) {
  const Profile& profile = run->subscriber_profiles[number];
  auto executor = co_await asio::this_coro::executor;
  auto connection = co_await Connection::connect(executor, profile, connection_options());
  if (!connection) {
    std::fprintf(stderr, "relay: subscriber %zu (%s): %s\n", number, profile.organisation.c_str(),
                 connection.error().describe().c_str());
    co_return false;
  }
  const std::string durable = run->options.mode == "durable" ? run->options.durable_name : std::string();
  auto subscription = co_await connection.value()->subscribe(run->options.feed, durable);
  if (!subscription) {
    std::fprintf(stderr, "relay: subscribe (%s): %s\n", profile.organisation.c_str(),
                 subscription.error().describe().c_str());
    connection.value()->close();
    co_return false;
  }
  auto state = std::make_unique<SubscriberState>();
  state->connection = connection.value();
  state->subscription = subscription.value();
  state->latencies_ns.reserve(run->options.reports);
  run->subscribers.push_back(std::move(state));
  co_return true;
}

// True once the run is over for the subscribers: all arrived, or every
// acknowledged report arrived after publishing ended, or the limit or the
// idle stop passed.
bool subscribers_finished(Run& run) {
  const std::int64_t now = now_ns();
  const std::uint64_t total = run.reports.size();
  bool all = true;
  bool all_acked = true;
  std::int64_t last = 0;
  const std::uint64_t acks = run.acks.load(std::memory_order_acquire);
  for (const auto& subscriber : run.subscribers) {
    all = all && subscriber->received >= total;
    all_acked = all_acked && subscriber->received >= acks;
    last = std::max(last, subscriber->last_receive_ns);
  }
  if (all) {
    return true;
  }
  const std::int64_t deadline = run.deadline_ns.load(std::memory_order_acquire);
  if (deadline != 0 && now > deadline) {
    run.timed_out = true;
    return true;
  }
  if (!run.publishing_done.load(std::memory_order_acquire)) {
    return false;
  }
  if (all_acked && acks == total) {
    return true;
  }
  const std::int64_t quiet_since = std::max(last, run.publishing_ended_ns.load(std::memory_order_acquire));
  if (now - quiet_since > std::chrono::nanoseconds(kIdleStop).count()) {
    run.idle_stop = true;
    return true;
  }
  return false;
}

asio::awaitable<void> watch_subscribers(std::shared_ptr<Run> run) {
  asio::steady_timer tick(co_await asio::this_coro::executor);
  while (!subscribers_finished(*run)) {
    tick.expires_after(std::chrono::milliseconds(1));
    co_await tick.async_wait(kUseAwaitableTuple);
  }
  // Let the last acks reach the broker, so durable cursors end where we stopped.
  for (auto& subscriber : run->subscribers) {
    co_await subscriber->connection->flush_and_close(std::chrono::milliseconds(500));
  }
}

// The subscriber thread: connect and subscribe all, report to main
// (`subscribed`), then receive until watch_subscribers ends it.
asio::awaitable<void> run_subscribers(std::shared_ptr<Run> run, std::shared_ptr<std::promise<bool>> subscribed) {
  auto executor = co_await asio::this_coro::executor;
  for (std::size_t i = 0; i < run->subscriber_profiles.size(); ++i) {
    const bool opened = co_await open_subscriber(run, i);
    if (!opened) {
      for (auto& open : run->subscribers) {
        open->connection->close();
      }
      subscribed->set_value(false);
      co_return;
    }
  }
  subscribed->set_value(true);
  for (auto& subscriber : run->subscribers) {
    asio::co_spawn(executor, receive(run, subscriber.get()), asio::detached);
  }
  co_await watch_subscribers(run);
}

// ---- output ------------------------------------------------------------------

struct Figures {
  std::optional<double> server_cpu_s;
  double bench_cpu_s = 0;
  double steal_pct = 0;
  unsigned policies = 0;
};

// Returns the lost count.
std::int64_t print_line(Run& run, const Figures& figures) {
  const Options& o = run.options;
  std::vector<std::int64_t> latencies;
  std::uint64_t received = 0;
  std::uint64_t redacted = 0;
  std::uint64_t unstamped = 0;
  std::int64_t last_receive = 0;
  for (auto& subscriber : run.subscribers) {
    latencies.insert(latencies.end(), subscriber->latencies_ns.begin(), subscriber->latencies_ns.end());
    received += subscriber->received;
    redacted += subscriber->redacted;
    unstamped += subscriber->unstamped;
    last_receive = std::max(last_receive, subscriber->last_receive_ns);
  }
  const std::int64_t first_send = run.first_send_ns.load();
  const double span_s = static_cast<double>(last_receive - first_send) / 1e9;
  const double delivered_per_s = span_s > 0 ? static_cast<double>(received) / span_s : 0;
  const double pub_span_s = static_cast<double>(run.last_publish_return_ns - first_send) / 1e9;
  const std::uint64_t sent = run.sent.load();
  const double pub_per_s = pub_span_s > 0 ? static_cast<double>(sent) / pub_span_s : 0;
  const double p50 = percentile_us(latencies, 0.50);
  const double p99 = percentile_us(latencies, 0.99);
  const std::uint64_t expected = o.reports * o.subs;
  const auto lost = static_cast<std::int64_t>(expected) - static_cast<std::int64_t>(received);

  std::string cpu = "NA";
  if (figures.server_cpu_s) {
    char text[32];
    std::snprintf(text, sizeof text, "%.2f", *figures.server_cpu_s);
    cpu = text;
  }
  std::printf("peer=weft mode=%s subs=%u size=%zu msgs=%" PRIu64
              " delivered_per_s=%.0f p50_us=%.0f p99_us=%.0f pub_per_s=%.0f sent=%" PRIu64 " received=%" PRIu64
              " expected=%" PRIu64 " lost=%" PRId64 " span_s=%.3f server_cpu_s=%s srv_cpu_s=%s bench_cpu_s=%.2f"
              " steal_pct=%.1f acked=%" PRIu64 " refused=%" PRIu64 " redacted=%" PRIu64 " unstamped=%" PRIu64
              " policies=%u window=%u rate=%.0f idle_stop=%d timed_out=%d\n",
              o.mode.c_str(), o.subs, o.report_bytes, o.reports, delivered_per_s, p50, p99, pub_per_s, sent,
              received, expected, lost, span_s, cpu.c_str(), cpu.c_str(), figures.bench_cpu_s, figures.steal_pct,
              run.acks.load(), run.refused, redacted, unstamped, figures.policies, o.window, o.rate,
              run.idle_stop ? 1 : 0, run.timed_out ? 1 : 0);
  std::fflush(stdout);
  return lost;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  CLI::App app{"relay - publish -> weftd -> K subscribers under several policies, in the peers' line form"};
  app.add_option("--publisher-profile", options.publisher_profile, "Client profile of the publishing organisation")
      ->required();
  app.add_option("--subscriber-profile", options.subscriber_profiles,
                 "Client profiles of subscribing organisations (the first K are used); repeat the option")
      ->required();
  app.add_option("--broker", options.broker_address, "Broker address HOST:PORT (loopback), overriding the profiles'");
  app.add_option("--mode", options.mode, "live (plain subscriptions) or durable (durable subscriptions, acked)")
      ->capture_default_str()
      ->check(CLI::IsMember({"live", "durable"}));
  app.add_option("--feed", options.feed, "Feed to publish to")->capture_default_str();
  app.add_option("--durable", options.durable_name, "Name of the durable subscriptions")->capture_default_str();
  app.add_option("-k,--subs", options.subs, "Subscribers K")->capture_default_str()->check(CLI::Range(1, 100));
  app.add_option("-n,--msgs", options.reports, "Reports N")->capture_default_str()->check(CLI::Range(1, 10000000));
  app.add_option("-s,--size", options.report_bytes, "Approximate serialized report size S in bytes")
      ->capture_default_str()
      ->check(CLI::Range(400, 60000));
  app.add_option("-w,--window", options.window, "Publishes awaiting the broker's ack at once")
      ->capture_default_str()
      ->check(CLI::Range(1, 4096));
  app.add_option("-r,--rate", options.rate, "Paced publisher: reports per second (0: as fast as acks allow)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1e7));
  app.add_option("-T,--timeout", options.max_seconds, "Limit in seconds for publishing and receiving")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 600.0));
  app.add_option("--broker-pid", options.broker_pid, "weftd's PID: adds server_cpu_s (from /proc/PID/stat)");
  unsigned policies = 0;
  app.add_option("--policies", policies, "Distinct policies among the K subscribers (reported as policies=)");
  CLI11_PARSE(app, argc, argv);

  if (options.subscriber_profiles.size() < options.subs) {
    std::fprintf(stderr, "relay: -k %u needs %u subscriber profiles, got %zu\n", options.subs, options.subs,
                 options.subscriber_profiles.size());
    return 2;
  }
  // Hard stop if anything hangs: connecting, the measured part and the drain.
  std::signal(SIGALRM, SIG_DFL);
  ::alarm(static_cast<unsigned>(options.max_seconds) + 2 * static_cast<unsigned>(kConnectTimeout.count()) + 30);

  auto publisher_profile = load_loopback_profile(options.publisher_profile, options.broker_address);
  if (!publisher_profile) {
    std::fprintf(stderr, "relay: %s\n", publisher_profile.error().describe().c_str());
    return 2;
  }
  std::vector<Profile> subscriber_profiles;
  for (unsigned i = 0; i < options.subs; ++i) {
    auto loaded = load_loopback_profile(options.subscriber_profiles[i], options.broker_address);
    if (!loaded) {
      std::fprintf(stderr, "relay: %s\n", loaded.error().describe().c_str());
      return 2;
    }
    subscriber_profiles.push_back(std::move(loaded).value());
  }

  // Reports are made before the clock starts, so only relaying is measured.
  auto run = std::make_shared<Run>();
  run->options = options;
  run->publisher_profile = std::move(publisher_profile).value();
  run->subscriber_profiles = std::move(subscriber_profiles);
  std::mt19937_64 generator{std::random_device{}()};
  run->reports.reserve(options.reports);
  for (std::uint64_t i = 0; i < options.reports; ++i) {
    run->reports.push_back(make_relay_report(options.feed, options.report_bytes, generator));
  }

  // Subscriptions exist before the publisher connects, so every report is owed to each.
  asio::io_context subscriber_io(1);
  auto subscribed = std::make_shared<std::promise<bool>>();
  auto subscribed_result = subscribed->get_future();
  asio::co_spawn(subscriber_io, run_subscribers(run, subscribed), asio::detached);
  std::thread subscriber_thread([&subscriber_io] { subscriber_io.run(); });
  if (!subscribed_result.get()) {
    subscriber_thread.join();
    return 1;
  }

  std::optional<double> broker_cpu_before;
  double bench_cpu_before = 0;
  HostCpu host_before;
  // Sampled once the publisher is connected, so handshakes are not counted.
  const auto sample_before = [&] {
    broker_cpu_before = options.broker_pid > 0 ? process_cpu_seconds(options.broker_pid) : std::nullopt;
    bench_cpu_before = own_cpu_seconds();
    host_before = host_cpu();
  };
  asio::io_context publisher_io(1);
  auto published = asio::co_spawn(publisher_io, publish_all(run, sample_before),
                                  asio::use_future);
  publisher_io.run();
  if (!published.get()) {
    run->deadline_ns.store(1, std::memory_order_release);  // ends the subscribers' wait now
    subscriber_thread.join();
    return 1;
  }
  subscriber_thread.join();

  Figures figures;
  figures.policies = policies;
  if (broker_cpu_before) {
    if (auto after = process_cpu_seconds(options.broker_pid)) {
      figures.server_cpu_s = *after - *broker_cpu_before;
    }
  }
  figures.bench_cpu_s = own_cpu_seconds() - bench_cpu_before;
  const HostCpu host_after = host_cpu();
  const auto host_total = static_cast<double>(host_after.total - host_before.total);
  figures.steal_pct =
      host_total > 0 ? 100.0 * static_cast<double>(host_after.steal - host_before.steal) / host_total : 0;

  if (run->first_refusal) {
    std::fprintf(stderr, "relay: %" PRIu64 " publishes failed; first: %s\n", run->refused,
                 run->first_refusal->describe().c_str());
  }
  for (const auto& subscriber : run->subscribers) {
    if (subscriber->error && subscriber->error->code != v1::CONNECTION_LOST) {
      std::fprintf(stderr, "relay: a subscription ended: %s\n", subscriber->error->describe().c_str());
      break;
    }
  }
  const std::int64_t lost = print_line(*run, figures);
  if (lost != 0 || run->timed_out) {
    std::fprintf(stderr, "relay: %" PRId64 " of %" PRIu64 " deliveries lost%s%s\n", lost,
                 options.reports * options.subs, run->timed_out ? " (timed out)" : "",
                 run->idle_stop ? " (nothing arrived for 3 s)" : "");
    return 3;
  }
  return 0;
}
