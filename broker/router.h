// The router: which live sessions subscribe to which feed, and which of
// them may receive a given report (read permission and the TLP gate, checked
// for every recipient). Policy and delivery are pipeline/fan_out's job.
//
// Thread safety: all members may be called from any thread. Lock order:
// Router::mutex_ before OutboundQueue::mutex_ (docs/lock-order.md).
#pragma once

#include <cstdint>
#include <memory>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/registry.h"
#include "weft/v1/audit.pb.h"
#include "weft/v1/report.pb.h"

namespace weft::broker {

// What a delivery frame carries, for a target that must order or window it.
struct DeliveryInfo {
  std::string_view feed;
  std::uint64_t sequence = 0;
  bool durable = false;  // the subscription is durable: in order, windowed, acknowledged
  // What the broker did for this recipient, to be recorded in the audit log
  // by the target when (and only when) it takes the frame — or, for a
  // durable target offered no frame (withheld), when it passes the sequence.
  const v1::AuditRecord* record = nullptr;
};

// What the router needs from a session: a place to put frames.
class DeliveryTarget {
 public:
  virtual ~DeliveryTarget() = default;
  // Takes an encoded Delivery frame; false when the target refused it (full,
  // closing, or the audit log could not record it). A durable target may
  // drop it and read the report from the store later instead; it is also
  // told, with a null frame, of reports withheld from it, so that it can move
  // past them in order.
  virtual bool offer(const std::shared_ptr<const std::string>& frame, const DeliveryInfo& info) = 0;
};

class Router {
 public:
  void subscribe(const std::string& feed, std::uint64_t session_id, const std::string& organisation,
                 std::weak_ptr<DeliveryTarget> target, bool durable = false);
  void unsubscribe(const std::string& feed, std::uint64_t session_id);
  void unsubscribe_all(std::uint64_t session_id, const std::vector<std::string>& feeds);

  struct Recipient {
    std::shared_ptr<DeliveryTarget> target;
    const v1::Organisation* organisation;  // points into the registry passed in
    bool durable = false;
    // Subscribed and allowed to read the feed, but the TLP rules keep this
    // report from it: nothing is delivered, the refusal is recorded.
    bool withheld_by_tlp = false;
  };
  // Live subscribers of the report's feed that the registry allows to read
  // it, each marked whether the TLP rules let this report through.
  std::vector<Recipient> recipients(const v1::Report& report, const Registry& registry) const;

  std::size_t subscriber_count(const std::string& feed) const;

 private:
  struct Subscriber {
    std::uint64_t session_id;
    std::string organisation;
    std::weak_ptr<DeliveryTarget> target;
    bool durable;
  };

  mutable std::shared_mutex mutex_;
  std::unordered_map<std::string, std::vector<Subscriber>> by_feed_;  // guarded by mutex_
};

}  // namespace weft::broker
