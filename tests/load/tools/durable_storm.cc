// weft-load-durable-storm: many durable subscribers of one feed in one
// process, each a client-lib DurableConsumer (its own connection, jittered
// exponential backoff on every reconnect), each acknowledging what it
// receives and keeping the report ids it saw, so that repeats after a
// reconnect are recognised by id.
//
//   weft-load-durable-storm --profile P --broker 127.0.0.1:PORT --feed storm --consumers 400
//       --expect 40 --ids-out FILE [--backoff-initial-ms 100] [--backoff-max-ms 2000] [--timeout-ms 120000]
//
// Output, one line each, flushed:
//   all-subscribed round=<r> ms=<m> at_ms=<t>   every consumer has subscribed r times; for
//                                          r = 1 <m> is the time since start, after that since
//                                          the first connection loss seen once all had
//                                          subscribed; <t> is the steady (monotonic) clock
//   progress subscribed=<n> complete=<c> distinct=<d> duplicates=<u> retries=<t>   every 250 ms on change
//   failed consumer=<i> error=<text>        a consumer gave up (fatal refusal)
//   done complete=<c> consumers=<n> duplicates=<u>   when every consumer holds --expect distinct
//                                          reports, or at the timeout / SIGTERM
// --ids-out then holds one line "<consumer> <report id>" per distinct delivery.
// Exit status 0 only when every consumer got --expect distinct reports.
#include <algorithm>
#include <chrono>
#include <csignal>
#include <fstream>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "client-lib/durable_consumer.h"
#include "tests/load/tools/tool_session.h"

namespace {

using namespace weft::load;
using Clock = std::chrono::steady_clock;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

struct Consumer {
  std::unique_ptr<weft::client::DurableConsumer> consumer;
  std::set<std::string> ids;
  int subscribes = 0;
  int duplicates = 0;
  bool failed = false;
};

struct Run {
  std::vector<Consumer> consumers;
  std::size_t expect = 0;
  Clock::time_point started = Clock::now();
  std::optional<Clock::time_point> first_loss_after_all_subscribed;
  int rounds_announced = 0;
  int retries = 0;
};

int min_subscribes(const Run& run) {
  int least = run.consumers.empty() ? 0 : run.consumers.front().subscribes;
  for (const auto& consumer : run.consumers) {
    least = std::min(least, consumer.subscribes);
  }
  return least;
}

std::size_t complete(const Run& run) {
  return static_cast<std::size_t>(std::count_if(run.consumers.begin(), run.consumers.end(),
                                                [&run](const Consumer& c) { return c.ids.size() >= run.expect; }));
}

void announce_rounds(Run& run) {
  const int round = min_subscribes(run);
  while (run.rounds_announced < round) {
    ++run.rounds_announced;
    const auto since = run.rounds_announced == 1 || !run.first_loss_after_all_subscribed
                           ? run.started
                           : *run.first_loss_after_all_subscribed;
    const auto now = Clock::now();
    say("all-subscribed round=" + std::to_string(run.rounds_announced) + " ms=" +
        std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(now - since).count()) + " at_ms=" +
        std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count()));
  }
}

asio::awaitable<void> consume(std::shared_ptr<Run> run, std::size_t index) {
  Consumer& me = run->consumers[index];
  while (true) {
    auto delivery = co_await me.consumer->next();
    if (!delivery) {
      me.failed = true;
      say("failed consumer=" + std::to_string(index) + " error=" + delivery.error().describe());
      co_return;
    }
    if (!me.ids.insert(delivery.value().report().id()).second) {
      ++me.duplicates;
    }
    me.consumer->ack(delivery.value());
  }
}

void write_ids(const Run& run, const std::filesystem::path& file) {
  std::ofstream out(file, std::ios::trunc);
  for (std::size_t i = 0; i < run.consumers.size(); ++i) {
    for (const auto& id : run.consumers[i].ids) {
      out << i << ' ' << id << '\n';
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Many durable subscribers of one feed that reconnect with jittered backoff"};
  std::filesystem::path profile_file;
  std::string broker;
  std::string feed;
  std::string name_prefix = "storm";
  int consumers = 100;
  std::size_t expect = 0;
  std::filesystem::path ids_out;
  long backoff_initial_ms = 100;
  long backoff_max_ms = 2000;
  long timeout_ms = 120000;
  app.add_option("--profile", profile_file, "Client profile")->required();
  app.add_option("--broker", broker, "HOST:PORT of weftd, instead of the profile's");
  app.add_option("--feed", feed, "Feed to subscribe to")->required();
  app.add_option("--name-prefix", name_prefix, "Durable subscription names are <prefix>-<index>");
  app.add_option("--consumers", consumers, "Durable subscribers")->check(CLI::Range(1, 5000));
  app.add_option("--expect", expect, "Distinct reports each subscriber must receive")->required();
  app.add_option("--ids-out", ids_out, "Where to write the ids each subscriber received")->required();
  app.add_option("--backoff-initial-ms", backoff_initial_ms, "First reconnect delay")->check(CLI::Range(1L, 60000L));
  app.add_option("--backoff-max-ms", backoff_max_ms, "Longest reconnect delay")->check(CLI::Range(1L, 60000L));
  app.add_option("--timeout-ms", timeout_ms, "Give up after this long")->check(CLI::Range(1L, 600000L));
  CLI11_PARSE(app, argc, argv);

  auto profile = weft::client::Profile::load(profile_file);
  if (!profile) {
    say("error " + profile.error().describe());
    return 2;
  }
  if (!broker.empty()) {
    if (auto moved = profile.value().override_broker_address(broker); !moved) {
      say("error " + moved.error().describe());
      return 2;
    }
  }

  asio::io_context io(1);
  auto shared_run = std::make_shared<Run>();
  Run& run = *shared_run;
  run.expect = expect;
  run.consumers.resize(static_cast<std::size_t>(consumers));
  const weft::client::BackoffPolicy backoff{std::chrono::milliseconds(backoff_initial_ms),
                                            std::chrono::milliseconds(backoff_max_ms), std::chrono::milliseconds(0)};
  for (std::size_t i = 0; i < run.consumers.size(); ++i) {
    Consumer& consumer = run.consumers[i];
    consumer.consumer = std::make_unique<weft::client::DurableConsumer>(
        io.get_executor(), profile.value(), feed, name_prefix + "-" + std::to_string(i), weft::client::Options{},
        backoff);
    consumer.consumer->set_resume_observer([&run, &consumer](std::uint64_t) {
      ++consumer.subscribes;
      announce_rounds(run);
    });
    consumer.consumer->set_retry_observer([&run](const weft::Error&, std::chrono::milliseconds) {
      ++run.retries;
      if (run.rounds_announced >= 1 && !run.first_loss_after_all_subscribed) {
        run.first_loss_after_all_subscribed = Clock::now();
      }
    });
    asio::co_spawn(io, consume(shared_run, i), asio::detached);
  }

  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&io](const boost::system::error_code&, int) { io.stop(); });
  const auto give_up = Clock::now() + std::chrono::milliseconds(timeout_ms);
  std::string last;
  while (!io.stopped() && Clock::now() < give_up && complete(run) < run.consumers.size()) {
    io.run_for(std::chrono::milliseconds(250));
    std::size_t distinct = 0;
    int duplicates = 0;
    int subscribed = 0;
    for (const auto& consumer : run.consumers) {
      distinct += consumer.ids.size();
      duplicates += consumer.duplicates;
      subscribed += consumer.subscribes > 0 ? 1 : 0;
    }
    if (std::string line = "progress subscribed=" + std::to_string(subscribed) +
                           " complete=" + std::to_string(complete(run)) + " distinct=" + std::to_string(distinct) +
                           " duplicates=" + std::to_string(duplicates) + " retries=" + std::to_string(run.retries);
        line != last) {
      say(line);
      last = std::move(line);
    }
  }
  int duplicates = 0;
  for (const auto& consumer : run.consumers) {
    duplicates += consumer.duplicates;
  }
  write_ids(run, ids_out);
  say("done complete=" + std::to_string(complete(run)) + " consumers=" + std::to_string(run.consumers.size()) +
      " duplicates=" + std::to_string(duplicates));
  // Sends the last acknowledgements and closes each session.
  for (auto& consumer : run.consumers) {
    consumer.consumer->close();
  }
  return complete(run) == run.consumers.size() ? 0 : 1;
}
