// Fills a weft deployment's database with stored reports through the
// broker's own storage layer (SqliteStore: encrypted rows, fingerprints,
// feed sequences, one transaction per batch), as if weftd had accepted them,
// so restart.sh can time weftd's start with a large store. Run it while
// weftd is stopped: it opens the database as the writer.
//
//   fill_store --dir D [--reports 1000000] [--batch 2000] [-s 1024] [--feeds 4]
//              [--subscriber-org bench-sub --durable restart]
//   fill_store --dir D --reports 0 --time-open 3     # how long opening takes, with and without quick_check
//   fill_store --dir D --reports 0 --evict-cache     # drop the database from the page cache (cold start)
//
// Prints one line per step:
//   fill reports=<n> batch=<b> size=<s> feeds=<f> seconds=<t> reports_per_s=<r> db_bytes=<bytes>
//   open check_integrity=<0|1> runs=<k> ms=<median> ms_range=<min-max> cache=<warm|cold>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "bench/report_maker.h"
#include "broker/store/sqlite_store.h"
#include "broker/store/storage_key.h"

namespace {

namespace store = weft::broker::store;
using Clock = std::chrono::steady_clock;

// Realistic feed names; reports go to them round robin.
constexpr const char* kFeedNames[] = {"phishing", "malware", "vulnerabilities", "ransomware",
                                      "ddos",     "fraud",   "scanning",        "botnet"};
constexpr std::size_t kFeedNameCount = sizeof kFeedNames / sizeof kFeedNames[0];

struct Options {
  std::filesystem::path dir;
  std::uint64_t reports = 1000000;
  std::size_t batch = 2000;
  std::size_t report_bytes = 1024;
  std::size_t feeds = 4;
  std::string publisher = "bench-pub";
  std::string broker_id = "weftd";
  std::string subscriber_org;
  std::string durable_name;
  int time_open_runs = 0;
  bool evict_cache = false;
  double max_seconds = 3600;
};

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Asks the kernel to drop the file's cached pages, so the next open reads
// from the disk as after a reboot. Only clean pages go: run after the writer closed.
bool evict_from_page_cache(const std::filesystem::path& file) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return false;
  }
  ::fdatasync(fd);
  const bool dropped = ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) == 0;
  ::close(fd);
  return dropped;
}

// The stamp weftd's session puts on every accepted report (Session::on_publish).
void stamp_like_the_broker(weft::v1::Report& report, const Options& options) {
  weft::v1::BrokerStamp& stamp = *report.mutable_broker();
  stamp.set_source_organisation(options.publisher);
  const auto since_epoch = std::chrono::system_clock::now().time_since_epoch();
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(since_epoch);
  stamp.mutable_received_at()->set_seconds(seconds.count());
  stamp.mutable_received_at()->set_nanos(
      static_cast<std::int32_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(since_epoch - seconds).count()));
  stamp.set_broker_id(options.broker_id);
}

int fill(const Options& options, const store::StorageKey& key, const std::filesystem::path& database) {
  auto opened = store::SqliteStore::open(database, key, {});
  if (!opened) {
    std::fprintf(stderr, "fill_store: %s\n", opened.error().describe().c_str());
    return 1;
  }
  auto& writer = *opened.value();
  if (!options.durable_name.empty()) {
    // Created before the reports, at sequence 0: the whole feed is its backlog.
    auto subscription = writer.open_subscription(options.subscriber_org, options.durable_name, kFeedNames[0]);
    if (!subscription) {
      std::fprintf(stderr, "fill_store: %s\n", subscription.error().describe().c_str());
      return 1;
    }
  }
  std::mt19937_64 generator{std::random_device{}()};
  std::vector<store::AppendRequest> batch;
  batch.reserve(options.batch);
  std::uint64_t stored = 0;
  std::uint64_t next_progress = options.reports / 10;
  const auto start = Clock::now();
  while (stored < options.reports && seconds_since(start) < options.max_seconds) {
    batch.clear();
    const std::uint64_t count = std::min<std::uint64_t>(options.batch, options.reports - stored);
    for (std::uint64_t i = 0; i < count; ++i) {
      const char* feed = kFeedNames[(stored + i) % options.feeds];
      store::AppendRequest request{weft::bench::make_report(feed, options.report_bytes, generator)};
      stamp_like_the_broker(request.report, options);
      batch.push_back(std::move(request));
    }
    for (const auto& result : writer.append_batch(batch)) {
      if (!result || result.value().duplicate) {
        std::fprintf(stderr, "fill_store: append failed: %s\n",
                     result ? "unexpected duplicate" : result.error().describe().c_str());
        return 1;
      }
    }
    stored += count;
    if (stored >= next_progress && next_progress > 0) {
      std::fprintf(stderr, "fill_store: %llu reports, %.0f s\n", static_cast<unsigned long long>(stored),
                   seconds_since(start));
      next_progress += options.reports / 10;
    }
  }
  const double elapsed = seconds_since(start);
  opened.value().reset();  // closes the database, checkpointing the WAL into it
  std::error_code ignored;
  const auto db_bytes = std::filesystem::file_size(database, ignored);
  std::printf("fill reports=%llu batch=%zu size=%zu feeds=%zu seconds=%.1f reports_per_s=%.0f db_bytes=%llu\n",
              static_cast<unsigned long long>(stored), options.batch, options.report_bytes, options.feeds, elapsed,
              elapsed > 0 ? static_cast<double>(stored) / elapsed : 0, static_cast<unsigned long long>(db_bytes));
  std::fflush(stdout);
  return stored == options.reports ? 0 : 1;
}

// Times SqliteStore::open as weftd's writer does it (StorageService::open),
// with and without the PRAGMA quick_check it runs on an existing database.
int time_open(const Options& options, const store::StorageKey& key, const std::filesystem::path& database) {
  for (const bool check_integrity : {true, false}) {
    std::vector<double> milliseconds;
    for (int run = 0; run < options.time_open_runs; ++run) {
      if (options.evict_cache) {
        evict_from_page_cache(database);
      }
      store::SqliteStore::Options open_options;
      open_options.check_integrity = check_integrity;
      const auto start = Clock::now();
      auto opened = store::SqliteStore::open(database, key, open_options);
      milliseconds.push_back(seconds_since(start) * 1000);
      if (!opened) {
        std::fprintf(stderr, "fill_store: %s\n", opened.error().describe().c_str());
        return 1;
      }
    }
    std::sort(milliseconds.begin(), milliseconds.end());
    std::printf("open check_integrity=%d runs=%d ms=%.0f ms_range=%.0f-%.0f cache=%s\n", check_integrity ? 1 : 0,
                options.time_open_runs, milliseconds[milliseconds.size() / 2], milliseconds.front(),
                milliseconds.back(), options.evict_cache ? "cold" : "warm");
    std::fflush(stdout);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  CLI::App app{"fill_store - fill a weft deployment's database through the broker's storage layer"};
  app.add_option("--dir", options.dir, "Deployment folder (weft admin init --dir); uses data/weft.db, keys/storage.key")
      ->required();
  app.add_option("--reports", options.reports, "Reports to store (0: none)")->capture_default_str();
  app.add_option("--batch", options.batch, "Reports per transaction")->capture_default_str()->check(CLI::Range(1, 100000));
  app.add_option("-s", options.report_bytes, "Approximate report size in bytes")
      ->capture_default_str()
      ->check(CLI::Range(256, 60000));
  app.add_option("--feeds", options.feeds, "Number of feeds, reports round robin")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1}, kFeedNameCount));
  app.add_option("--publisher", options.publisher, "source_organisation of the broker stamp")->capture_default_str();
  app.add_option("--broker-id", options.broker_id, "broker_id of the broker stamp")->capture_default_str();
  app.add_option("--subscriber-org", options.subscriber_org, "Organisation of the durable subscription to create");
  app.add_option("--durable", options.durable_name,
                 "Create this durable subscription on the first feed before filling (needs --subscriber-org)");
  app.add_option("--time-open", options.time_open_runs,
                 "Afterwards, time opening the database this many times with and without quick_check")
      ->check(CLI::Range(1, 100));
  app.add_flag("--evict-cache", options.evict_cache,
               "Drop the database from the page cache (before each timed open, or alone)");
  app.add_option("--max-seconds", options.max_seconds, "Stop filling after this long")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  if (options.durable_name.empty() != options.subscriber_org.empty()) {
    std::fprintf(stderr, "fill_store: --durable and --subscriber-org go together\n");
    return 2;
  }

  const auto database = options.dir / "data" / "weft.db";
  auto key = store::StorageKey::load(options.dir / "keys" / "storage.key");
  if (!key) {
    std::fprintf(stderr, "fill_store: %s\n", key.error().describe().c_str());
    return 1;
  }
  if (options.reports > 0) {
    std::filesystem::create_directories(database.parent_path());
    if (const int filled = fill(options, *key.value(), database); filled != 0) {
      return filled;
    }
  }
  if (options.time_open_runs > 0) {
    return time_open(options, *key.value(), database);
  }
  if (options.evict_cache && !evict_from_page_cache(database)) {
    std::fprintf(stderr, "fill_store: cannot evict %s from the page cache\n", database.c_str());
    return 1;
  }
  return 0;
}
