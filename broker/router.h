// The router: which live sessions subscribe to which feed, and fan-out of
// an accepted report to them.
//
// A report is encoded into a Delivery frame once and the same bytes are
// offered to every eligible subscriber's bounded queue; a full queue never
// blocks the publisher (the session behind it is cut off as a slow consumer).
// The TLP gate runs for every recipient.
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
#include "weft/v1/report.pb.h"

namespace weft::broker {

// What the router needs from a session: a place to put frames.
class DeliveryTarget {
 public:
  virtual ~DeliveryTarget() = default;
  // Queues an encoded frame; false when the target refused it (full or closing).
  virtual bool offer(const std::shared_ptr<const std::string>& frame) = 0;
};

class Router {
 public:
  void subscribe(const std::string& feed, std::uint64_t session_id, const std::string& organisation,
                 std::weak_ptr<DeliveryTarget> target);
  void unsubscribe(const std::string& feed, std::uint64_t session_id);
  void unsubscribe_all(std::uint64_t session_id, const std::vector<std::string>& feeds);

  // Offers `report` to every live subscriber of its feed that the registry
  // and TLP rules allow. Returns how many accepted it.
  std::uint32_t publish(const v1::Report& report, const Registry& registry);

  std::size_t subscriber_count(const std::string& feed) const;

 private:
  struct Subscriber {
    std::uint64_t session_id;
    std::string organisation;
    std::weak_ptr<DeliveryTarget> target;
  };

  mutable std::shared_mutex mutex_;
  std::unordered_map<std::string, std::vector<Subscriber>> by_feed_;  // guarded by mutex_
};

}  // namespace weft::broker
