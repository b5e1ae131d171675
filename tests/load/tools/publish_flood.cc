// weft-load-publish-flood: publishers that never wait. Each session writes
// signed Publish frames back to back, as fast as the socket takes them, and
// reads the answers beside it; nothing limits how many are unanswered but
// the broker. The reports are signed before the flood starts, so signing
// does not slow the flood down.
//
//   weft-load-publish-flood --profile P --broker 127.0.0.1:PORT --feed flood --sessions 2
//       --reports 12000 --duration-ms 6000 --description-bytes 1500 --answers-out FILE
//
// Output, one line each, flushed:
//   flooding sessions=<s> reports=<n>      the reports are signed and the first write starts
//   progress written=<w> answered=<a>      every 250 ms on change
//   done written=<w> acked=<a> duplicates=<d> refused=<r> non_retryable=<n> unanswered=<u>
//        max_unanswered=<m> writer_blocked_ms=<b> closed_by_broker=<c> seconds=<s>
//   refused-code <CODE> <count>            per refusal code
// --answers-out then holds one line per written report: "<id> acked <sequence>",
// "<id> refused <CODE>" or "<id> unanswered".
// "writer_blocked_ms" adds up the writes that took longer than 20 ms: time
// in which the broker was not taking what the publisher sent.
#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/write.hpp>

#include "client-lib/report_signer.h"
#include "common/uuid.h"
#include "tests/load/tools/tool_session.h"

namespace {

using namespace weft::load;
namespace v1 = weft::v1;
using Clock = std::chrono::steady_clock;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
// A write that takes longer than this waited for the broker to read.
constexpr std::chrono::milliseconds kBlockedWrite{20};
// Frames handed to one write: enough for full TLS records.
constexpr std::size_t kFramesPerWrite = 16;

enum class Outcome { kUnanswered, kAcked, kRefused };

struct Sent {
  std::string id;
  std::string frame;
  Outcome outcome = Outcome::kUnanswered;
  std::uint64_t sequence = 0;
  v1::ErrorCode code = v1::INTERNAL;
};

struct Session {
  std::unique_ptr<TlsStream> stream;
  std::vector<Sent> reports;  // index = correlation id - 1
  // Handed to the socket (counted before the write completes: the broker
  // may answer the first frames of a chunk before the rest are written).
  std::size_t written = 0;
  std::size_t answered = 0;
  bool writing = true;
  bool reading = true;
  bool closed_by_broker = false;
};

struct Run {
  std::vector<Session> sessions;
  Clock::time_point stop_writing;
  std::size_t max_unanswered = 0;
  std::chrono::milliseconds writer_blocked{0};
  std::size_t duplicates = 0;
  std::size_t non_retryable = 0;
  std::map<std::string, std::size_t> refused_by_code;
};

std::size_t unanswered(const Run& run) {
  std::size_t total = 0;
  for (const auto& session : run.sessions) {
    total += session.written - std::min(session.answered, session.written);
  }
  return total;
}

asio::awaitable<void> write_all(std::shared_ptr<Run> shared_run, std::size_t index) {
  Run& run = *shared_run;
  Session& session = run.sessions[index];
  std::string chunk;
  while (session.written < session.reports.size() && Clock::now() < run.stop_writing && session.reading) {
    chunk.clear();
    const std::size_t end = std::min(session.reports.size(), session.written + kFramesPerWrite);
    for (std::size_t i = session.written; i < end; ++i) {
      chunk += session.reports[i].frame;
    }
    session.written = end;
    run.max_unanswered = std::max(run.max_unanswered, unanswered(run));
    const auto started = Clock::now();
    auto [error, bytes] = co_await asio::async_write(*session.stream, asio::buffer(chunk), kTuple);
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
    if (took > kBlockedWrite) {
      run.writer_blocked += took;
    }
    if (error) {
      break;  // what this write held stays unanswered
    }
  }
  session.writing = false;
}

asio::awaitable<void> read_answers(std::shared_ptr<Run> shared_run, std::size_t index) {
  Run& run = *shared_run;
  Session& session = run.sessions[index];
  weft::proto::FrameAssembler assembler(weft::proto::kDefaultMaxFrameBytes);
  while (true) {
    v1::Frame frame;
    auto read = co_await read_frame(*session.stream, assembler, frame);
    if (!read) {
      break;
    }
    const std::uint64_t correlation = frame.correlation_id();
    if (frame.has_error() && frame.error().closing()) {
      session.closed_by_broker = true;
      say("closed-by-broker code=" + std::string(weft::error_code_name(frame.error().code())) + " message=" +
          frame.error().message());
    }
    if (correlation == 0 || correlation > session.reports.size()) {
      continue;  // a pong, or an error about no publish in particular
    }
    Sent& sent = session.reports[correlation - 1];
    if (sent.outcome != Outcome::kUnanswered) {
      continue;
    }
    if (frame.has_publish_ack()) {
      sent.outcome = Outcome::kAcked;
      sent.sequence = frame.publish_ack().sequence();
      run.duplicates += frame.publish_ack().duplicate() ? 1 : 0;
    } else if (frame.has_error()) {
      sent.outcome = Outcome::kRefused;
      sent.code = frame.error().code();
      ++run.refused_by_code[std::string(weft::error_code_name(sent.code))];
      run.non_retryable += frame.error().retryable() ? 0 : 1;
    } else {
      continue;
    }
    ++session.answered;
  }
  session.reading = false;
}

// co_spawn needs a default-constructible result; Result<T> is not.
asio::awaitable<std::optional<weft::Result<v1::Welcome>>> open_flood_session(std::shared_ptr<Run> run,
                                                                              std::size_t index, Target target) {
  co_return co_await open_session(*run->sessions[index].stream, target, std::chrono::seconds(20),
                                  "weft-load-publish-flood/0.1.0");
}

v1::Report make_report(const std::string& feed, std::mt19937_64& random, std::size_t description_bytes) {
  v1::Report report;
  report.set_id(weft::uuid::random_v4(random));
  report.set_feed(feed);
  report.set_tlp(v1::GREEN);
  report.set_title("Flood report");
  std::string description;
  while (description.size() < description_bytes) {
    description += "Phishing kit observed on a look-alike domain, same template as before. ";
  }
  description.resize(description_bytes);
  report.set_description(description);
  auto* domain = report.add_indicators();
  domain->set_type(v1::Indicator::DOMAIN);
  domain->set_value("login-secure-bank.example");
  return report;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Publishers that pipeline publishes as fast as the socket takes them"};
  std::filesystem::path profile;
  std::string broker;
  std::string feed;
  int session_count = 1;
  std::size_t report_count = 10000;
  long duration_ms = 5000;
  long answer_timeout_ms = 30000;
  std::size_t description_bytes = 1000;
  std::filesystem::path answers_out;
  app.add_option("--profile", profile, "Client profile of a publisher")->required();
  app.add_option("--broker", broker, "HOST:PORT of weftd, instead of the profile's");
  app.add_option("--feed", feed, "Feed to publish to")->required();
  app.add_option("--sessions", session_count, "Flooding sessions")->check(CLI::Range(1, 64));
  app.add_option("--reports", report_count, "Reports in all, at most")->check(CLI::Range(1, 200000));
  app.add_option("--duration-ms", duration_ms, "Stop writing after this long")->check(CLI::Range(1L, 120000L));
  app.add_option("--answer-timeout-ms", answer_timeout_ms, "Then wait at most this long for the answers")
      ->check(CLI::Range(1L, 300000L));
  app.add_option("--description-bytes", description_bytes, "Size of each report's description")
      ->check(CLI::Range(1, 100000));
  app.add_option("--answers-out", answers_out, "Where to write each report's outcome")->required();
  CLI11_PARSE(app, argc, argv);

  auto target = load_target(profile, broker);
  if (!target) {
    say("error " + target.error().describe());
    return 2;
  }
  asio::io_context io(1);
  auto shared_run = std::make_shared<Run>();
  Run& run = *shared_run;
  run.sessions.resize(static_cast<std::size_t>(session_count));
  std::string organisation;
  for (std::size_t i = 0; i < run.sessions.size(); ++i) {
    run.sessions[i].stream = std::make_unique<TlsStream>(io, *target.value().tls);
    auto opening = asio::co_spawn(io, open_flood_session(shared_run, i, target.value()), asio::use_future);
    io.restart();
    io.run();
    const auto welcome = opening.get();
    if (!welcome || !*welcome) {
      say("error opening a session: " + (welcome ? welcome->error().describe() : std::string("no answer")));
      return 2;
    }
    organisation = welcome->value().organisation();
  }
  auto signer = weft::client::ReportSigner::load(target.value().signing_key_file, organisation);
  if (!signer) {
    say("error " + signer.error().describe());
    return 2;
  }
  std::mt19937_64 random{std::random_device{}()};
  for (std::size_t i = 0; i < report_count; ++i) {
    Session& session = run.sessions[i % run.sessions.size()];
    v1::Frame frame;
    frame.set_correlation_id(session.reports.size() + 1);
    v1::Report& report = *frame.mutable_publish()->mutable_report();
    report = make_report(feed, random, description_bytes);
    if (auto signed_report = signer.value()->sign(report); !signed_report) {
      say("error signing: " + signed_report.error().describe());
      return 2;
    }
    session.reports.push_back(Sent{report.id(), weft::proto::encode_frame(frame)});
  }

  say("flooding sessions=" + std::to_string(run.sessions.size()) + " reports=" + std::to_string(report_count));
  const auto started = Clock::now();
  run.stop_writing = started + std::chrono::milliseconds(duration_ms);
  for (std::size_t i = 0; i < run.sessions.size(); ++i) {
    asio::co_spawn(io, write_all(shared_run, i), asio::detached);
    asio::co_spawn(io, read_answers(shared_run, i), asio::detached);
  }
  const auto give_up = run.stop_writing + std::chrono::milliseconds(answer_timeout_ms);
  const auto busy = [&run] {
    return std::any_of(run.sessions.begin(), run.sessions.end(), [](const Session& session) {
      return session.reading && (session.writing || session.answered < session.written);
    });
  };
  std::string last;
  io.restart();
  while (busy() && Clock::now() < give_up) {
    io.run_for(std::chrono::milliseconds(250));
    std::size_t written = 0;
    std::size_t answered = 0;
    for (const auto& session : run.sessions) {
      written += session.written;
      answered += session.answered;
    }
    if (std::string line = "progress written=" + std::to_string(written) + " answered=" + std::to_string(answered);
        line != last) {
      say(line);
      last = std::move(line);
    }
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - started).count();

  std::ofstream out(answers_out, std::ios::trunc);
  std::size_t written = 0;
  std::size_t acked = 0;
  std::size_t refused = 0;
  bool closed_by_broker = false;
  for (const auto& session : run.sessions) {
    closed_by_broker = closed_by_broker || session.closed_by_broker;
    for (std::size_t i = 0; i < session.written; ++i) {
      const Sent& sent = session.reports[i];
      ++written;
      switch (sent.outcome) {
        case Outcome::kAcked:
          ++acked;
          out << sent.id << " acked " << sent.sequence << '\n';
          break;
        case Outcome::kRefused:
          ++refused;
          out << sent.id << " refused " << weft::error_code_name(sent.code) << '\n';
          break;
        case Outcome::kUnanswered:
          out << sent.id << " unanswered\n";
          break;
      }
    }
  }
  out.close();
  say("done written=" + std::to_string(written) + " acked=" + std::to_string(acked) +
      " duplicates=" + std::to_string(run.duplicates) + " refused=" + std::to_string(refused) +
      " non_retryable=" + std::to_string(run.non_retryable) +
      " unanswered=" + std::to_string(written - acked - refused) +
      " max_unanswered=" + std::to_string(run.max_unanswered) +
      " writer_blocked_ms=" + std::to_string(run.writer_blocked.count()) +
      " closed_by_broker=" + std::to_string(closed_by_broker ? 1 : 0) + " seconds=" + std::to_string(seconds));
  for (const auto& [code, count] : run.refused_by_code) {
    say("refused-code " + code + " " + std::to_string(count));
  }
  for (auto& session : run.sessions) {
    boost::system::error_code ignored;
    session.stream->next_layer().close(ignored);
  }
  io.restart();
  io.run_for(std::chrono::milliseconds(500));  // the aborted reads and writes finish
  return 0;
}
