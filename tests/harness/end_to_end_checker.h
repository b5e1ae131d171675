// The history of a workload (every publish attempt, its outcome, every
// delivery and acknowledgement) and the Jepsen-style verdict on it. The
// workload records; `check` classifies:
//   lost        acknowledged, yet never delivered to a subscriber of the feed
//   recovered   the publisher never learnt the outcome (connection lost, no
//               answer), yet it was stored and delivered: allowed
//   unexpected  delivered, though never attempted or definitely refused
//   duplicated  delivered twice in one subscriber session
//   redelivered delivered again in a later session of the subscriber: allowed
//               (at-least-once; an acknowledgement in flight when the
//               connection broke is not confirmed, so the subscriber dedups)
//   leaked      a delivery carries a personal-data marker planted in the
//               report that the subscriber's policy withholds
//   stranded    acknowledged after the subscriber's last delivery, when the
//               case ends with the broker stopped for good: nothing could
//               deliver it any more, so it is counted, not failed. A report
//               acknowledged before a later one that did arrive is lost.
//
// Thread safety: every member may be called from any thread.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "weft/v1/report.pb.h"

namespace weft::testing {

struct EndToEndVerdict {
  std::vector<std::string> lost;
  std::vector<std::string> recovered;
  std::vector<std::string> unexpected;
  std::vector<std::string> duplicated;
  std::vector<std::string> leaked;
  std::vector<std::string> stranded;
  std::size_t redelivered = 0;
  std::size_t acknowledged = 0;
  std::size_t deliveries = 0;

  // No lost, unexpected, duplicated or leaked report.
  bool ok() const { return lost.empty() && unexpected.empty() && duplicated.empty() && leaked.empty(); }
  std::string describe() const;
};

class EndToEndHistory {
 public:
  enum class Outcome { kPending, kAcknowledged, kRefused, kIndeterminate };

  // `withheld_markers`: text planted in the report that no subscriber
  // recorded here may receive.
  void attempted(const std::string& report_id, std::vector<std::string> withheld_markers = {});
  void acknowledged(const std::string& report_id);
  // The broker answered with an error: the report was not stored.
  void refused(const std::string& report_id);
  // No answer (connection lost, timeout): it may or may not be stored.
  void indeterminate(const std::string& report_id);

  void subscribed(const std::string& subscriber);
  // A new session of `subscriber` (after a reconnect) starts here.
  void new_session(const std::string& subscriber);
  void delivered(const std::string& subscriber, const v1::Report& report);
  // The broker is stopped and stays down: what it acknowledged after a
  // subscriber's last delivery is stranded, not lost.
  void broker_stopped_for_good();

  // Whether every acknowledged report has reached every subscriber.
  bool all_acknowledged_delivered() const;
  std::size_t acknowledged_count() const;
  EndToEndVerdict check() const;

 private:
  struct Attempt {
    Outcome outcome = Outcome::kPending;
    std::uint64_t acknowledged_at = 0;  // position in the history
    std::vector<std::string> withheld_markers;
  };
  struct SubscriberLog {
    int session = 0;
    std::map<std::string, int> last_session_of;  // report id -> session it last arrived in
    std::map<std::string, int> copies;            // report id -> deliveries
    std::uint64_t last_delivery_at = 0;           // position in the history
    std::size_t redelivered = 0;
    std::set<std::string> duplicated;
    std::set<std::string> leaked;
  };

  mutable std::mutex mutex_;
  std::map<std::string, Attempt> attempts_;  // guarded by mutex_
  std::map<std::string, SubscriberLog> subscribers_;  // guarded by mutex_
  std::vector<std::string> unexpected_;  // delivered without an attempt; guarded by mutex_
  std::size_t deliveries_ = 0;           // guarded by mutex_
  // Orders acknowledgements against deliveries; guarded by mutex_.
  std::uint64_t events_ = 0;
  bool broker_stopped_for_good_ = false;  // guarded by mutex_
};

}  // namespace weft::testing
