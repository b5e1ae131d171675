#include "cli/client_commands.h"

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <iterator>
#include <optional>
#include <set>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

#include "cli/client_session.h"
#include "cli/exit_codes.h"
#include "cli/json_text.h"
#include "cli/report_input.h"
#include "client-lib/connection.h"
#include "client-lib/durable_consumer.h"
#include "client-lib/red_sealing.h"
#include "client-lib/report_signer.h"
#include "client-lib/reliable_publisher.h"
#include "common/files.h"
#include "common/registry.h"
#include "provenance/keys.h"
#include "sealing/sealing.h"

namespace weft::cli {
namespace {

namespace asio = boost::asio;
using client::Connection;
constexpr auto kUseAwaitableTuple = asio::as_tuple(asio::use_awaitable);

// ---- publish ---------------------------------------------------------------

client::BackoffPolicy retry_policy(const ClientOptions& options) {
  client::BackoffPolicy policy;
  policy.give_up_after = std::chrono::milliseconds(static_cast<long>(options.retry_for_s * 1000));
  return policy;
}

void announce_retry(const Error& error, std::chrono::milliseconds delay) {
  std::cerr << "weft: " << error.describe() << "; retrying in " << delay.count() << " ms\n";
}

// What became of one input report, printed in input order.
struct PublishOutcome {
  bool settled = false;
  Result<v1::PublishAck> ack = make_error(v1::INTERNAL, "not published");
};

struct PublishRun {
  explicit PublishRun(asio::any_io_executor executor) : all_settled(std::move(executor)) {}
  std::vector<const InputReport*> reports;
  std::vector<PublishOutcome> outcomes;
  std::size_t next_to_send = 0;
  std::size_t next_to_print = 0;
  std::size_t workers_running = 0;
  bool any_refused = false;
  std::optional<Error> session_error;  // no retry can help: stop sending
  asio::steady_timer all_settled;

  // Acknowledgement lines come out in input order, each only once the broker
  // has committed that report.
  void print_ready() {
    while (next_to_print < outcomes.size() && outcomes[next_to_print].settled) {
      const InputReport& input = *reports[next_to_print];
      const auto& ack = outcomes[next_to_print].ack;
      if (ack) {
        const auto& a = ack.value();
        print_line("{\"id\":" + json_string(a.id()) + ",\"feed\":" + json_string(a.feed()) +
                   ",\"duplicate\":" + (a.duplicate() ? "true" : "false") +
                   ",\"sequence\":" + std::to_string(a.sequence()) +
                   ",\"live_recipients\":" + std::to_string(a.live_recipients()) + "}");
      } else if (!session_error) {
        const std::string& id = input.report.value().id();
        std::cerr << "weft: " << input.where << ": report " << (id.empty() ? "(no id)" : id)
                  << " refused: " << ack.error().describe() << "\n";
      }
      ++next_to_print;
    }
  }
};

asio::awaitable<void> publish_worker(std::shared_ptr<client::ReliablePublisher> publisher,
                                     std::shared_ptr<PublishRun> run) {
  while (!run->session_error && run->next_to_send < run->reports.size()) {
    const std::size_t index = run->next_to_send++;
    auto ack = co_await publisher->publish(run->reports[index]->report.value());
    if (!ack) {
      if (exit_code_for(ack.error()) == kExitNoSession) {
        if (!run->session_error) {
          run->session_error = ack.error();
        }
      } else {
        run->any_refused = true;
      }
    }
    run->outcomes[index].ack = std::move(ack);
    run->outcomes[index].settled = true;
    run->print_ready();
  }
  if (--run->workers_running == 0) {
    run->all_settled.cancel();
  }
}

// TLP:RED reports are filtered and sealed here, one copy per named
// recipient, before they are published; a report that cannot be sealed is
// refused on its own. Fails only when no session could be opened.
asio::awaitable<Result<void>> seal_red_inputs(const ClientOptions& options, std::vector<InputReport>& inputs) {
  std::shared_ptr<client::Connection> connection;
  for (auto& input : inputs) {
    if (!input.report || input.report.value().tlp() != v1::RED) {
      continue;
    }
    if (!connection) {
      auto opened = co_await open_session(options);
      if (!opened) {
        co_return opened.error();
      }
      connection = std::move(opened).value();
    }
    const v1::Report& report = input.report.value();
    auto recipients = co_await connection->sealing_recipients({report.recipients().begin(), report.recipients().end()});
    if (!recipients) {
      input.report = recipients.error();
      continue;
    }
    input.report = client::seal_red_report(report, recipients.value());
  }
  if (connection) {
    connection->close();
  }
  co_return ok();
}

asio::awaitable<int> publish_all(ClientOptions options, std::vector<InputReport> inputs) {
  auto executor = co_await asio::this_coro::executor;
  if (auto sealed = co_await seal_red_inputs(options, inputs); !sealed) {
    co_return report_failure("cannot seal the TLP:RED reports", sealed.error());
  }
  auto run = std::make_shared<PublishRun>(executor);
  for (const auto& input : inputs) {
    if (input.report) {
      run->reports.push_back(&input);
    } else {
      run->any_refused = true;
      std::cerr << "weft: " << input.where << ": not published: " << input.report.error().message << "\n";
    }
  }
  if (run->reports.empty()) {
    co_return kExitRefused;
  }
  auto profile = load_profile(options);
  if (!profile) {
    co_return report_failure("cannot open a session with the broker", profile.error());
  }
  auto publisher = std::make_shared<client::ReliablePublisher>(executor, std::move(profile).value(),
                                                               connection_options(options), retry_policy(options));
  publisher->set_retry_observer(announce_retry);
  run->outcomes.resize(run->reports.size());
  run->workers_running = std::min<std::size_t>(options.window, run->reports.size());
  for (std::size_t i = 0, n = run->workers_running; i < n; ++i) {
    asio::co_spawn(executor, publish_worker(publisher, run), asio::detached);
  }
  run->all_settled.expires_at(asio::steady_timer::time_point::max());
  co_await run->all_settled.async_wait(kUseAwaitableTuple);
  publisher->close();
  if (run->session_error) {
    const std::size_t unpublished = std::count_if(run->outcomes.begin(), run->outcomes.end(),
                                                  [](const PublishOutcome& o) { return !o.settled || !o.ack; });
    co_return report_failure(std::to_string(unpublished) + " of " + std::to_string(run->reports.size()) +
                                 " reports not published",
                             *run->session_error);
  }
  co_return run->any_refused ? kExitRefused : kExitOk;
}

// ---- subscribe -------------------------------------------------------------

class ReportPrinter;

struct SubscribeState {
  explicit SubscribeState(asio::any_io_executor executor) : done(std::move(executor)) {}
  asio::steady_timer done;
  long received = 0;
  long wanted = 0;
  bool finished = false;
  int exit_code = kExitOk;
  std::shared_ptr<const ReportPrinter> printer;
  void finish(int code) {
    if (!finished) {
      finished = true;
      exit_code = code;
      done.cancel();
    }
  }
};

// A received report as text in the chosen format, each record ending in a
// newline: a JSON line (jsonl), a STIX bundle or a MISP event on one line, or
// block-list CSV rows (the header before the first).
class ReportRenderer {
 public:
  explicit ReportRenderer(formats::Format format, v1::Indicator::Type only = v1::Indicator::TYPE_UNSPECIFIED)
      : format_(format), only_(only) {}

  std::string render(const v1::Report& report) {
    switch (format_) {
      case formats::Format::kStix:
        return formats::stix_bundle(report) + "\n";
      case formats::Format::kMisp:
        return formats::misp_event(report) + "\n";
      case formats::Format::kCsv: {
        std::string text = header_written_ ? "" : formats::csv_header();
        header_written_ = true;
        return text + formats::csv_rows(report);
      }
      case formats::Format::kValues:
        return formats::value_lines(report, only_);
      case formats::Format::kJsonl:
        break;
    }
    return json_line(report) + "\n";
  }

 private:
  formats::Format format_;
  v1::Indicator::Type only_;
  bool header_written_ = false;
};

// Prints received reports: one JSON line each on stdout (or the chosen format), without the
// provenance blobs; on stderr what the provenance check says ("verified:
// signed by cert-nl; 2 parts withheld or replaced by policy eu-baseline v1",
// or a warning). TLP:RED copies are opened first with the organisation's key.
class ReportPrinter {
 public:
  static std::shared_ptr<const ReportPrinter> for_profile(const ClientOptions& options,
                                                          const OutputFormat& output = {}) {
    auto printer = std::make_shared<ReportPrinter>();
    printer->set_output(output);
    auto profile = load_profile(options);
    if (!profile) {
      return printer;
    }
    if (!profile.value().sealing_key_file.empty()) {
      auto key = sealing::SealingKey::load(profile.value().sealing_key_file);
      if (key) {
        printer->sealing_key_ = std::move(key).value();
      } else {
        std::cerr << "weft: TLP:RED reports cannot be opened: " << key.error().message << "\n";
      }
    }
    if (!profile.value().broker_provenance_key.empty()) {
      auto key = provenance::VerifyingKey::parse(profile.value().broker_provenance_key);
      if (key) {
        printer->broker_key_ = key.value();
      } else {
        std::cerr << "weft: provenance cannot be checked: broker_provenance_key: " << key.error().message << "\n";
      }
    }
    return printer;
  }

  void print(const v1::Report& received) const {
    if (auto shown = readable(received)) {
      std::fputs(renderer_->render(*shown).c_str(), stdout);
      std::fflush(stdout);
    }
  }

  // What this organisation may read of a received report — a TLP:RED copy
  // opened, the provenance blobs left out — after saying on stderr what its
  // provenance check found; none when it cannot be opened.
  std::optional<v1::Report> readable(const v1::Report& received) const {
    if (received.tlp() == v1::RED) {
      return open_sealed(received);
    }
    report_provenance(received);
    v1::Report shown = received;
    shown.clear_provenance();
    return shown;
  }

  void set_output(const OutputFormat& output) {
    renderer_ = std::make_shared<ReportRenderer>(output.format, output.only);
  }

 private:
  std::optional<v1::Report> open_sealed(const v1::Report& received) const {
    if (!sealing_key_) {
      std::cerr << "weft: report " << received.id()
                << " is TLP:RED and this profile has no sealing key (sealing_key_file) to open it\n";
      return std::nullopt;
    }
    auto opened = client::open_red_copy(received, *sealing_key_);
    if (!opened) {
      std::cerr << "weft: " << opened.error().message << "\n";
      return std::nullopt;
    }
    std::cerr << "weft: report " << received.id() << ": TLP:RED, sealed by " << received.broker().source_organisation()
              << " for this organisation alone\n";
    return std::move(opened).value();
  }

  void report_provenance(const v1::Report& received) const {
    if (!received.provenance().has_delivered()) {
      std::cerr << "weft: report " << received.id() << ": not signed by its publisher\n";
      return;
    }
    if (!broker_key_) {
      std::cerr << "weft: report " << received.id()
                << ": signed, but this profile pins no broker_provenance_key to check it with\n";
      return;
    }
    auto verified = client::verify_delivered(received, *broker_key_);
    if (!verified) {
      std::cerr << "weft: report " << received.id() << ": WARNING: provenance does not verify: "
                << verified.error().message << "\n";
      return;
    }
    std::cerr << "weft: report " << received.id() << ": " << verified.value().describe() << "\n";
  }

  std::shared_ptr<const sealing::SealingKey> sealing_key_;
  std::optional<provenance::VerifyingKey> broker_key_;
  std::shared_ptr<ReportRenderer> renderer_ = std::make_shared<ReportRenderer>(formats::Format::kJsonl);
};

asio::awaitable<void> drain(std::shared_ptr<client::Subscription> subscription, std::shared_ptr<SubscribeState> state) {
  while (!state->finished) {
    auto delivery = co_await subscription->next();
    if (state->finished) {
      break;
    }
    if (!delivery) {
      const Error& error = delivery.error();
      std::cerr << "weft: subscription to feed '" << subscription->feed() << "' ended: " << error.describe() << "\n";
      state->finish(exit_code_for(error));
      break;
    }
    state->printer->print(delivery.value().report());
    if (state->wanted > 0 && ++state->received >= state->wanted) {
      state->finish(kExitOk);
    }
  }
}

// What ends a subscribe command besides --count: SIGINT/SIGTERM (exit 0 when
// running without --count, 130 when reports were still expected) and --timeout.
class SubscribeStops {
 public:
  SubscribeStops(asio::any_io_executor executor, std::shared_ptr<SubscribeState> state, double timeout_s)
      : signals_(executor, SIGINT, SIGTERM), timeout_(executor) {
    signals_.async_wait([state](const boost::system::error_code& error, int) {
      if (!error) {
        state->finish(state->wanted > 0 ? kExitInterrupted : kExitOk);
      }
    });
    if (timeout_s > 0) {
      timeout_.expires_after(std::chrono::milliseconds(static_cast<long>(timeout_s * 1000)));
      timeout_.async_wait([state, timeout_s](const boost::system::error_code& error) {
        if (!error && !state->finished) {
          std::cerr << "weft: timed out after " << timeout_s << " s with " << state->received << " of "
                    << state->wanted << " reports\n";
          state->finish(kExitTimeout);
        }
      });
    }
  }
  void cancel() {
    boost::system::error_code ignored;
    signals_.cancel(ignored);
    timeout_.cancel();
  }

 private:
  asio::signal_set signals_;
  asio::steady_timer timeout_;
};

asio::awaitable<int> subscribe_and_print(ClientOptions options, std::vector<std::string> feeds, long count,
                                         double timeout_s, OutputFormat output) {
  auto executor = co_await asio::this_coro::executor;
  auto state = std::make_shared<SubscribeState>(executor);
  state->printer = ReportPrinter::for_profile(options, output);
  state->wanted = count;

  SubscribeStops stops(executor, state, timeout_s);

  auto connection = co_await open_session(options);
  if (!connection) {
    stops.cancel();
    co_return report_failure("cannot open a session with the broker", connection.error());
  }
  for (const auto& feed : feeds) {
    auto subscription = co_await connection.value()->subscribe(feed);
    if (!subscription) {
      stops.cancel();
      connection.value()->close();
      co_return report_failure("cannot subscribe to feed '" + feed + "'", subscription.error());
    }
    asio::co_spawn(executor, drain(subscription.value(), state), asio::detached);
  }
  std::cerr << "weft: subscribed to " << feeds.size() << (feeds.size() == 1 ? " feed" : " feeds")
            << " as '" << connection.value()->welcome().organisation() << "'; waiting for reports\n";
  if (!state->finished) {
    state->done.expires_at(asio::steady_timer::time_point::max());
    co_await state->done.async_wait(kUseAwaitableTuple);
  }
  stops.cancel();
  connection.value()->close();
  co_return state->exit_code;
}

// One durable subscription: print, then acknowledge, so a report is never
// acknowledged before it reached stdout (at-least-once).
asio::awaitable<void> drain_durable(std::shared_ptr<client::DurableConsumer> consumer,
                                    std::shared_ptr<SubscribeState> state) {
  while (!state->finished) {
    auto delivery = co_await consumer->next();
    if (state->finished) {
      break;
    }
    if (!delivery) {
      std::cerr << "weft: durable subscription to feed '" << consumer->feed() << "' ended: "
                << delivery.error().describe() << "\n";
      state->finish(exit_code_for(delivery.error()));
      break;
    }
    state->printer->print(delivery.value().report());
    consumer->ack(delivery.value());
    if (state->wanted > 0 && ++state->received >= state->wanted) {
      state->finish(kExitOk);
    }
  }
}

// Outside the coroutine below: a plain function keeps its frame small (and
// spares g++ 12 a false -Wmismatched-new-delete on the coroutine frame).
Result<std::shared_ptr<client::DurableConsumer>> make_durable_consumer(asio::any_io_executor executor,
                                                                      const ClientOptions& options,
                                                                      const std::string& feed,
                                                                      const std::string& name) {
  WEFT_TRY(auto profile, load_profile(options));
  auto consumer = std::make_shared<client::DurableConsumer>(std::move(executor), std::move(profile), feed, name,
                                                            connection_options(options), retry_policy(options));
  consumer->set_retry_observer(announce_retry);
  consumer->set_resume_observer([feed, name](std::uint64_t resume_after) {
    std::cerr << "weft: durable subscription '" << name << "' to feed '" << feed << "' resumes after sequence "
              << resume_after << "; waiting for reports\n";
  });
  return consumer;
}

asio::awaitable<int> subscribe_durable_and_print(ClientOptions options, std::string feed, std::string name,
                                                 long count, double timeout_s, OutputFormat output) {
  auto executor = co_await asio::this_coro::executor;
  auto state = std::make_shared<SubscribeState>(executor);
  state->printer = ReportPrinter::for_profile(options, output);
  state->wanted = count;
  auto made = make_durable_consumer(executor, options, feed, name);
  if (!made) {
    co_return report_failure("cannot open a session with the broker", made.error());
  }
  auto consumer = std::move(made).value();
  SubscribeStops stops(executor, state, timeout_s);
  asio::co_spawn(executor, drain_durable(consumer, state), asio::detached);
  if (!state->finished) {
    state->done.expires_at(asio::steady_timer::time_point::max());
    co_await state->done.async_wait(kUseAwaitableTuple);
  }
  stops.cancel();
  // The last report's ack must reach the broker, or the next run would
  // print that report again.
  co_await consumer->close_after_acks();
  co_return state->exit_code;
}

// ---- export ----------------------------------------------------------------

struct ExportRun {
  explicit ExportRun(asio::any_io_executor executor) : tick(std::move(executor)) {}
  std::vector<v1::Report> reports;  // what this organisation may read, in feed order
  std::optional<v1::Delivery> newest;
  std::chrono::steady_clock::time_point last_arrival = std::chrono::steady_clock::now();
  std::optional<Error> failure;
  long received = 0;
  bool finished = false;
  asio::steady_timer tick;
};

asio::awaitable<void> collect_for_export(std::shared_ptr<client::DurableConsumer> consumer,
                                         std::shared_ptr<const ReportPrinter> printer, std::shared_ptr<ExportRun> run,
                                         long max_reports) {
  while (!run->finished) {
    auto delivery = co_await consumer->next();
    if (run->finished) {
      break;
    }
    if (!delivery) {
      run->failure = delivery.error();
      run->finished = true;
      break;
    }
    if (auto shown = printer->readable(delivery.value().report())) {
      run->reports.push_back(std::move(*shown));
    }
    run->newest = std::move(delivery).value();
    run->last_arrival = std::chrono::steady_clock::now();
    if (max_reports > 0 && ++run->received >= max_reports) {
      run->finished = true;
    }
  }
  run->tick.cancel();
}

// The whole export as one text: STIX as a single bundle (objects shared by
// several reports, such as the publisher's identity, once), the line formats
// report after report.
std::string render_export(const std::vector<v1::Report>& reports, const OutputFormat& output) {
  if (output.format == formats::Format::kStix) {
    std::vector<formats::StixObject> objects;
    std::set<std::string> seen;
    std::string identity;
    for (const auto& report : reports) {
      identity += report.id() + "/" + std::to_string(report.broker().sequence()) + ";";
      for (auto& object : formats::stix_objects(report)) {
        if (seen.insert(object.id).second) {
          objects.push_back(std::move(object));
        }
      }
    }
    return formats::stix_bundle_of(identity, objects) + "\n";
  }
  ReportRenderer renderer(output.format, output.only);
  std::string text;
  for (const auto& report : reports) {
    text += renderer.render(report);
  }
  return text;
}

Result<void> write_export(const std::string& text, const std::filesystem::path& out_path) {
  if (out_path.empty()) {
    std::fwrite(text.data(), 1, text.size(), stdout);
    if (std::fflush(stdout) != 0 || std::ferror(stdout)) {
      return make_error(v1::INVALID_INPUT, "cannot write to standard output");
    }
    return ok();
  }
  // Whole or not at all: a half-written file must not pass for an export.
  return files::write_file_atomic(out_path, text, 0640);
}

asio::awaitable<int> export_durable(ClientOptions options, ExportOptions export_options) {
  auto executor = co_await asio::this_coro::executor;
  auto made = make_durable_consumer(executor, options, export_options.feed, export_options.durable);
  if (!made) {
    co_return report_failure("cannot open a session with the broker", made.error());
  }
  auto consumer = std::move(made).value();
  auto run = std::make_shared<ExportRun>(executor);
  asio::co_spawn(executor,
                 collect_for_export(consumer, ReportPrinter::for_profile(options, export_options.output), run,
                                    export_options.max_reports),
                 asio::detached);
  const auto idle = std::chrono::milliseconds(static_cast<long>(export_options.idle_s * 1000));
  while (!run->finished && std::chrono::steady_clock::now() - run->last_arrival < idle) {
    run->tick.expires_after(std::chrono::milliseconds(50));
    co_await run->tick.async_wait(kUseAwaitableTuple);
  }
  run->finished = true;
  if (run->failure) {
    consumer->close();
    co_return report_failure("export of durable subscription '" + export_options.durable + "' failed; nothing "
                                 "was acknowledged",
                             *run->failure);
  }
  if (!run->newest) {
    consumer->close();
    std::cerr << "weft: nothing new on durable subscription '" << export_options.durable << "'; nothing written\n";
    co_return kExitOk;
  }
  const std::string where = export_options.out_path.empty() ? "standard output" : export_options.out_path.string();
  if (auto written = write_export(render_export(run->reports, export_options.output), export_options.out_path);
      !written) {
    consumer->close();
    std::cerr << "weft: cannot write the export to " << where << ": " << written.error().message
              << "; nothing was acknowledged\n";
    co_return kExitConfig;
  }
  consumer->ack(*run->newest);
  co_await consumer->close_after_acks();
  std::cerr << "weft: exported " << run->reports.size() << (run->reports.size() == 1 ? " report" : " reports")
            << " of feed '" << export_options.feed << "' to " << where << " as "
            << formats::format_name(export_options.output.format) << "; acknowledged up to sequence "
            << run->newest->report().broker().sequence() << "\n";
  co_return kExitOk;
}

// ---- whoami / ping ---------------------------------------------------------

asio::awaitable<int> whoami(ClientOptions options) {
  auto connection = co_await open_session(options);
  if (!connection) {
    co_return report_failure("cannot open a session with the broker", connection.error());
  }
  print_line(json_line(connection.value()->welcome()));
  connection.value()->close();
  co_return kExitOk;
}

asio::awaitable<int> get_reports(ClientOptions options, std::vector<std::string> ids, OutputFormat output) {
  const auto printer = ReportPrinter::for_profile(options, output);
  auto connection = co_await open_session(options);
  if (!connection) {
    co_return report_failure("cannot open a session with the broker", connection.error());
  }
  int status = kExitOk;
  for (const auto& id : ids) {
    auto found = co_await connection.value()->get_report(id);
    if (!found) {
      status = report_failure("report " + id, found.error());
      if (status != kExitRefused) {
        break;  // the session is gone; the other look-ups would fail the same way
      }
      continue;
    }
    printer->print(found.value().report());
  }
  connection.value()->close();
  co_return status;
}

asio::awaitable<int> ping(ClientOptions options, int count) {
  auto connection = co_await open_session(options);
  if (!connection) {
    co_return report_failure("cannot open a session with the broker", connection.error());
  }
  for (int i = 0; i < count; ++i) {
    auto rtt = co_await connection.value()->ping();
    if (!rtt) {
      connection.value()->close();
      co_return report_failure("ping failed", rtt.error());
    }
    print_line("{\"rtt_us\":" + std::to_string(rtt.value().count()) + "}");
  }
  connection.value()->close();
  co_return kExitOk;
}

asio::awaitable<int> reload_policies(ClientOptions options) {
  auto connection = co_await open_session(options);
  if (!connection) {
    co_return report_failure("cannot open a session with the broker", connection.error());
  }
  auto reloaded = co_await connection.value()->reload_policies();
  connection.value()->close();
  if (!reloaded) {
    std::cerr << "weft: policies not reloaded: " << reloaded.error().describe() << "\n";
    co_return exit_code_for(reloaded.error());
  }
  std::cout << "Reloaded " << reloaded.value().policies_size() << " policies, in selection order:\n";
  for (const auto& policy : reloaded.value().policies()) {
    std::cout << "  " << policy.name() << " version " << policy.version() << " (sha256 "
              << policy.sha256().substr(0, 16) << ", " << policy.source() << ")\n";
  }
  co_return kExitOk;
}

}  // namespace

int run_admin_policy_reload(const std::filesystem::path& deployment_dir, ClientOptions options) {
  if (options.profile.empty()) {
    options.profile = deployment_dir / "orgs" / "operator" / "profile.conf";
  }
  asio::io_context io(1);
  return run_to_completion(io, reload_policies(options));
}

int run_publish(const ClientOptions& options, const std::string& input_path, const ImportSettings& import,
                bool strict) {
  std::string input;
  std::string source = input_path;
  if (input_path.empty() || input_path == "-") {
    input.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    source = "stdin";
  } else {
    auto read = files::read_file(input_path);
    if (!read) {
      std::cerr << "weft: " << read.error().message << "\n";
      return kExitConfig;
    }
    input = std::move(read).value();
  }
  ReadReports read = read_reports(input, source, import);
  for (const auto& gap : read.not_carried) {
    std::cerr << "weft: " << source << ": not carried: " << gap << "\n";
  }
  if (strict) {
    const auto bad = std::count_if(read.reports.begin(), read.reports.end(),
                                   [](const InputReport& entry) { return !entry.report; });
    if (bad > 0) {
      for (const auto& entry : read.reports) {
        if (!entry.report) {
          std::cerr << "weft: " << entry.where << ": " << entry.report.error().message << "\n";
        }
      }
      std::cerr << "weft: --strict: nothing published; " << bad << (bad == 1 ? " object" : " objects")
                << " of " << source << " cannot be published\n";
      return kExitRefused;
    }
  }
  asio::io_context io(1);
  return run_to_completion(io, publish_all(options, std::move(read.reports)));
}

int run_subscribe(const ClientOptions& options, const std::vector<std::string>& feeds, long count, double timeout_s,
                  const std::string& durable, const OutputFormat& output) {
  asio::io_context io(1);
  if (!durable.empty()) {
    return run_to_completion(io,
                             subscribe_durable_and_print(options, feeds.front(), durable, count, timeout_s, output));
  }
  return run_to_completion(io, subscribe_and_print(options, feeds, count, timeout_s, output));
}

int run_export(const ClientOptions& options, const ExportOptions& export_options) {
  asio::io_context io(1);
  return run_to_completion(io, export_durable(options, export_options));
}

int run_whoami(const ClientOptions& options) {
  asio::io_context io(1);
  return run_to_completion(io, whoami(options));
}

int run_get(const ClientOptions& options, const std::vector<std::string>& ids, const OutputFormat& output) {
  asio::io_context io(1);
  return run_to_completion(io, get_reports(options, ids, output));
}

int run_ping(const ClientOptions& options, int count) {
  asio::io_context io(1);
  return run_to_completion(io, ping(options, count));
}

}  // namespace weft::cli
