// The storage interface the broker depends on: append reports (idempotently,
// in one transaction per batch), read a feed from a position, keep durable
// subscriptions' positions, and sweep expired reports. SqliteStore is the
// embedded implementation; another (e.g. on NATS JetStream) can be added
// behind the same interface without touching the pipeline.
//
// Thread safety: an instance is used by one thread at a time (StorageService
// gives each connection its own thread).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "proto/error.h"
#include "weft/v1/report.pb.h"

namespace weft::broker::store {

struct AppendRequest {
  // Validated and stamped by the broker (source, receive time, broker id);
  // the store sets Report.broker.sequence.
  v1::Report report;
};

struct Appended {
  std::uint64_t sequence = 0;  // position in the feed
  bool duplicate = false;      // same id and content were stored before
  v1::Report report;           // as stored (with its sequence)
};

struct DurableSubscription {
  std::string organisation;
  std::string name;
  std::string feed;
  std::uint64_t acked = 0;  // everything up to here is processed
};

struct CursorUpdate {
  std::string organisation;
  std::string name;
  std::uint64_t acked = 0;
};

// A copy of an AMBER, AMBER+STRICT or RED report as one recipient received
// it: publishing that content again is refused to everyone but `originator`.
struct RememberedCopy {
  std::string report_id;
  std::string originator;
  std::string content;  // comparable_content() of the copy
};

// The last sequence each feed has assigned, by feed name.
using FeedEnds = std::map<std::string, std::uint64_t, std::less<>>;

struct RetentionRule {
  std::string feed;  // empty: every feed without its own rule
  std::int64_t max_age_ms = 0;
};

class ReportStore {
 public:
  virtual ~ReportStore() = default;

  // One transaction for the whole batch; each request gets its own result:
  // Appended, ID_CONFLICT (same id, other content), or STORAGE_UNAVAILABLE
  // for all when the transaction cannot commit (disk full, failed sync).
  virtual std::vector<Result<Appended>> append_batch(const std::vector<AppendRequest>& batch) = 0;
  // Reports of `feed` with sequence > after, oldest first.
  virtual Result<std::vector<v1::Report>> read_feed(const std::string& feed, std::uint64_t after,
                                                    std::size_t limit) = 0;
  // Remembers what recipients received under AMBER, AMBER+STRICT or RED (see
  // RememberedCopy); forgotten with the report when it expires.
  virtual Result<void> remember_copies(const std::vector<RememberedCopy>& copies) = 0;
  // Every feed anything was ever published to, in name order (TAXII lists
  // them as collections).
  virtual Result<std::vector<std::string>> list_feeds() = 0;
  // The last sequence each feed has assigned: numbering survives retention,
  // so this is the highest sequence ever handed out, not the highest kept.
  virtual Result<FeedEnds> feed_ends() = 0;
  // The stored report with this id, if there is one (with its sequence).
  virtual Result<std::optional<v1::Report>> find_report(const std::string& id) = 0;
  // Finds the subscription, or creates it at the current end of `feed`.
  virtual Result<DurableSubscription> open_subscription(const std::string& organisation, const std::string& name,
                                                        const std::string& feed) = 0;
  virtual Result<void> save_cursors(const std::vector<CursorUpdate>& updates) = 0;
  // Deletes at most `batch` reports older than their feed's (or their TLP's)
  // maximum age; returns how many it deleted.
  virtual Result<std::size_t> sweep(std::int64_t now_ms, const std::vector<RetentionRule>& rules,
                                    std::int64_t red_max_age_ms, std::size_t batch) = 0;
  // Committed reports, all feeds.
  virtual Result<std::uint64_t> report_count() = 0;
  // False once a sync or write failed in a way that makes further writes unsafe.
  virtual bool writable() const = 0;
};

}  // namespace weft::broker::store
