#include "broker/router.h"

#include <algorithm>
#include <mutex>

#include "broker/pipeline/authorize.h"

namespace weft::broker {

void Router::subscribe(const std::string& feed, std::uint64_t session_id, const std::string& organisation,
                       std::weak_ptr<DeliveryTarget> target, bool durable) {
  std::unique_lock lock(mutex_);
  by_feed_[feed].push_back(Subscriber{session_id, organisation, std::move(target), durable});
}

void Router::unsubscribe(const std::string& feed, std::uint64_t session_id) {
  std::unique_lock lock(mutex_);
  auto it = by_feed_.find(feed);
  if (it == by_feed_.end()) {
    return;
  }
  std::erase_if(it->second, [session_id](const Subscriber& s) { return s.session_id == session_id; });
  if (it->second.empty()) {
    by_feed_.erase(it);
  }
}

void Router::unsubscribe_all(std::uint64_t session_id, const std::vector<std::string>& feeds) {
  for (const auto& feed : feeds) {
    unsubscribe(feed, session_id);
  }
}

std::vector<Router::Recipient> Router::recipients(const v1::Report& report, const Registry& registry) const {
  std::vector<Recipient> out;
  std::shared_lock lock(mutex_);
  auto it = by_feed_.find(report.feed());
  if (it == by_feed_.end()) {
    return out;
  }
  for (const Subscriber& subscriber : it->second) {
    const v1::Organisation* org = registry.find_by_name(subscriber.organisation);
    if (org == nullptr || !may_read(*org, report.feed())) {
      continue;
    }
    if (auto target = subscriber.target.lock()) {
      out.push_back({std::move(target), org, subscriber.durable, !pipeline::tlp_allows_delivery(*org, report)});
    }
  }
  return out;
}

std::size_t Router::subscriber_count(const std::string& feed) const {
  std::shared_lock lock(mutex_);
  auto it = by_feed_.find(feed);
  return it == by_feed_.end() ? 0 : it->second.size();
}

}  // namespace weft::broker
