// The audit log's figures, measured through the broker's own AuditLog (the
// object weftd records into and answers auditors from), on a deployment made
// by `weft admin init`: its keys, data/audit.db and data/audit.checkpoint.
// Run it while weftd is stopped.
//
//   audit_log_bench --dir D [--records 1000000] [--proofs 2000]
//
// Steps, one line each:
//   append   records through record() as fast as has_room() allows, with the
//            configured checkpoint interval (1 s): every record hashed,
//            committed (synchronous=FULL) and covered by a signed checkpoint
//            before the clock stops.
//   close    destroying the log: the queue drained and the final checkpoint.
//   open     AuditLog::open on the filled log: every leaf and node re-hashed
//            against the last signed checkpoint, as weftd does at start.
//   inclusion / consistency / entries
//            requests through serve() (the reader thread, its own database
//            connection), one at a time, random positions in the whole log.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <sqlite3.h>

#include "bench/report_maker.h"
#include "broker/audit_log.h"
#include "broker/config.h"
#include "broker/pipeline/audit_records.h"

namespace {

namespace broker = weft::broker;
namespace v1 = weft::v1;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// Recipients as a sector feed would have them: some inside the EEA, some not.
std::vector<v1::Organisation> recipients() {
  std::vector<v1::Organisation> out;
  const char* jurisdictions[] = {"NL", "DE", "FR", "BE", "US", "CH", "IE", "GB", "IT", "ES"};
  for (int i = 0; i < 10; ++i) {
    v1::Organisation org;
    org.set_name("subscriber-" + std::to_string(i));
    org.set_jurisdiction(jurisdictions[i]);
    org.set_sector("finance");
    out.push_back(std::move(org));
  }
  return out;
}

// What a policy typically did to a report with a victim's contact details.
void add_decisions(v1::AuditRecord& record, std::mt19937_64& generator) {
  v1::PolicyRef& policy = *record.mutable_policy();
  policy.set_name(generator() % 3 == 0 ? "third-country" : "eea-sector");
  policy.set_version(3);
  policy.set_sha256("6f1ed002ab5595859014ebf0951522d9b1f6d2ff5b2c7e5a9c3a1bd2f7c4e8a1");
  const struct {
    const char* category;
    const char* place;
    v1::Action action;
    const char* rule;
  } decisions[] = {{"EMAIL", "description", v1::PSEUDONYMISE, "emails"},
                   {"PHONE", "description", v1::REDACT, "phones"},
                   {"IPV4", "indicators[1].value", v1::KEEP, "indicators-stay"}};
  for (const auto& decision : decisions) {
    v1::RedactionDecision& added = *record.add_decisions();
    added.set_category(decision.category);
    added.set_place(decision.place);
    added.set_action(decision.action);
    added.set_rule(decision.rule);
    added.set_count(1 + static_cast<std::uint32_t>(generator() % 3));
  }
}

int count_checkpoints(const std::filesystem::path& database) {
  sqlite3* db = nullptr;
  int count = -1;
  if (sqlite3_open_v2(database.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM checkpoints", -1, &statement, nullptr) == SQLITE_OK &&
        sqlite3_step(statement) == SQLITE_ROW) {
      count = sqlite3_column_int(statement, 0);
    }
    sqlite3_finalize(statement);
  }
  sqlite3_close(db);
  return count;
}

// Appends `count` records the way fan-out does: one report, one record per recipient.
bool append(broker::AuditLog& log, std::uint64_t count, const std::filesystem::path& database, double max_seconds) {
  std::mt19937_64 generator{std::random_device{}()};
  const auto orgs = recipients();
  const std::uint64_t first = log.size();
  const std::string checkpoint_before = log.latest_checkpoint();
  std::uint64_t appended = 0;
  std::uint64_t waits = 0;
  const auto start = Clock::now();
  while (appended < count && seconds_since(start) < max_seconds) {
    const v1::Report report = weft::bench::make_report("phishing", 1024, generator);
    const v1::AuditRecord base = broker::pipeline::report_record(report, log);
    const std::string copy = broker::pipeline::copy_fingerprint(report, log);
    for (const auto& org : orgs) {
      if (appended == count) {
        break;
      }
      while (!log.has_room()) {  // what a session does: hold the delivery back
        ++waits;
        std::this_thread::sleep_for(std::chrono::microseconds(200));
      }
      v1::AuditRecord record = broker::pipeline::recipient_record(base, org, v1::AuditRecord::DELIVERED);
      add_decisions(record, generator);
      record.set_output_fingerprint(copy);
      log.record(std::move(record));
      ++appended;
    }
  }
  const std::uint64_t target = first + appended;
  // Stopped when the last record is committed and a signed checkpoint covers it.
  while (seconds_since(start) < max_seconds + 60) {
    if (log.failing()) {
      std::fprintf(stderr, "audit_log_bench: the audit log cannot write\n");
      return false;
    }
    if (log.size() >= target && log.latest_checkpoint() != checkpoint_before) {
      const std::string note = log.latest_checkpoint();
      const auto size_at = note.find('\n') + 1;
      if (std::stoull(note.substr(size_at, note.find('\n', size_at) - size_at)) >= target) {
        break;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  const double elapsed = seconds_since(start);
  std::printf("audit append records=%llu seconds=%.1f records_per_s=%.0f held_back_waits=%llu checkpoints=%d\n",
              static_cast<unsigned long long>(appended), elapsed, static_cast<double>(appended) / elapsed,
              static_cast<unsigned long long>(waits), count_checkpoints(database));
  std::fflush(stdout);
  return appended == count;
}

// Percentile of sorted microsecond figures.
double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) {
    return 0;
  }
  const auto rank = static_cast<std::size_t>(p * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(rank, sorted.size() - 1)];
}

// Times `count` requests made by `make`, one at a time, answered on the
// reader thread and handed back through an io_context as a session would.
template <class MakeRequest>
bool time_requests(broker::AuditLog& log, const char* name, int count, MakeRequest make) {
  boost::asio::io_context context;
  // Keeps run_one() waiting for the answer the reader thread posts.
  auto keep_running = boost::asio::make_work_guard(context);
  std::vector<double> micros;
  std::size_t hashes = 0;
  for (int i = 0; i < count; ++i) {
    v1::AuditRequest request = make();
    std::optional<weft::Result<v1::AuditResponse>> answer;
    const auto start = Clock::now();
    log.serve(std::move(request), context.get_executor(),
              [&](weft::Result<v1::AuditResponse> response) { answer.emplace(std::move(response)); });
    context.run_one();
    micros.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
    if (!answer || !answer->has_value()) {
      std::fprintf(stderr, "audit_log_bench: %s request failed: %s\n", name,
                   answer ? answer->error().describe().c_str() : "no answer");
      return false;
    }
    const auto& response = answer->value();
    hashes += response.has_proof() ? static_cast<std::size_t>(response.proof().hashes_size())
                                   : static_cast<std::size_t>(response.entries().entries_size());
  }
  std::sort(micros.begin(), micros.end());
  std::printf("audit %s size=%llu requests=%d p50_us=%.0f p99_us=%.0f max_us=%.0f items_per_answer=%.1f\n", name,
              static_cast<unsigned long long>(log.size()), count, percentile(micros, 0.5), percentile(micros, 0.99),
              micros.back(), static_cast<double>(hashes) / count);
  std::fflush(stdout);
  return true;
}

bool time_proofs(broker::AuditLog& log, int count) {
  std::mt19937_64 generator{std::random_device{}()};
  const std::uint64_t size = log.size();
  auto below = [&](std::uint64_t limit) { return generator() % std::max<std::uint64_t>(limit, 1); };
  return time_requests(log, "inclusion", count,
                       [&] {
                         v1::AuditRequest request;
                         request.mutable_inclusion()->set_index(below(size));
                         return request;
                       }) &&
         time_requests(log, "consistency", count,
                       [&] {
                         v1::AuditRequest request;
                         request.mutable_consistency()->set_from(1 + below(size - 1));
                         return request;
                       }) &&
         time_requests(log, "entries", count, [&] {
           v1::AuditRequest request;
           request.mutable_entries()->set_start(size > 1000 ? below(size - 1000) : 0);
           request.mutable_entries()->set_count(1000);
           return request;
         });
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Appends records to a deployment's audit log and times proofs and the start-up check"};
  std::filesystem::path dir;
  std::uint64_t records = 1000000;
  int proofs = 2000;
  double max_seconds = 1800;
  app.add_option("--dir", dir, "Deployment folder made by `weft admin init`")->required();
  app.add_option("--records", records, "Records to append");
  app.add_option("--proofs", proofs, "Requests of each kind to time");
  app.add_option("--max-seconds", max_seconds, "Stop appending after this long");
  CLI11_PARSE(app, argc, argv);

  auto settings = broker::load_settings(dir / "weftd.conf");
  if (!settings) {
    std::fprintf(stderr, "audit_log_bench: %s\n", settings.error().describe().c_str());
    return 1;
  }
  const broker::AuditSettings audit = settings.value().audit;
  std::printf("# checkpoint_interval_ms=%lld max_batch=%u queue_limit=%u\n",
              static_cast<long long>(audit.checkpoint_interval.count()), audit.max_batch, audit.queue_limit);

  auto opened = broker::AuditLog::open(audit);
  if (!opened) {
    std::fprintf(stderr, "audit_log_bench: %s\n", opened.error().describe().c_str());
    return 1;
  }
  if (!append(*opened.value(), records, audit.database_file, max_seconds)) {
    return 1;
  }
  const auto closing = Clock::now();
  opened.value().reset();
  std::error_code ignored;
  std::printf("audit close seconds=%.2f db_bytes=%llu\n", seconds_since(closing),
              static_cast<unsigned long long>(std::filesystem::file_size(audit.database_file, ignored)));

  const auto opening = Clock::now();
  auto reopened = broker::AuditLog::open(audit);
  if (!reopened) {
    std::fprintf(stderr, "audit_log_bench: reopening: %s\n", reopened.error().describe().c_str());
    return 1;
  }
  std::printf("audit open size=%llu verify_ms=%.0f\n", static_cast<unsigned long long>(reopened.value()->size()),
              seconds_since(opening) * 1000);
  std::fflush(stdout);
  return time_proofs(*reopened.value(), proofs) ? 0 : 1;
}
