#include "broker/net/session_table.h"

namespace weft::broker::net {
namespace {

bool try_increment(std::unordered_map<std::string, std::uint32_t>& counts, const std::string& key,
                   std::uint32_t max) {
  std::uint32_t& count = counts[key];
  if (count >= max) {
    if (count == 0) {
      counts.erase(key);
    }
    return false;
  }
  ++count;
  return true;
}

void decrement(std::unordered_map<std::string, std::uint32_t>& counts, const std::string& key) {
  auto it = counts.find(key);
  if (it != counts.end() && --it->second == 0) {
    counts.erase(it);
  }
}

}  // namespace

void SessionTable::add(std::uint64_t id, std::weak_ptr<Session> session) {
  std::lock_guard lock(mutex_);
  sessions_.emplace(id, std::move(session));
}

void SessionTable::remove(std::uint64_t id) {
  std::lock_guard lock(mutex_);
  sessions_.erase(id);
}

std::vector<std::shared_ptr<Session>> SessionTable::snapshot() const {
  std::vector<std::shared_ptr<Session>> out;
  std::lock_guard lock(mutex_);
  out.reserve(sessions_.size());
  for (const auto& [id, weak] : sessions_) {
    if (auto session = weak.lock()) {
      out.push_back(std::move(session));
    }
  }
  return out;
}

std::size_t SessionTable::size() const {
  std::lock_guard lock(mutex_);
  return sessions_.size();
}

bool SessionTable::try_add_unauthenticated(const std::string& address, std::uint32_t max_per_address) {
  std::lock_guard lock(mutex_);
  return try_increment(unauthenticated_, address, max_per_address);
}

void SessionTable::remove_unauthenticated(const std::string& address) {
  std::lock_guard lock(mutex_);
  decrement(unauthenticated_, address);
}

bool SessionTable::try_add_for_organisation(const std::string& organisation, std::uint32_t max_per_organisation) {
  std::lock_guard lock(mutex_);
  return try_increment(per_organisation_, organisation, max_per_organisation);
}

void SessionTable::remove_for_organisation(const std::string& organisation) {
  std::lock_guard lock(mutex_);
  decrement(per_organisation_, organisation);
}

bool SessionTable::try_claim_durable(const std::string& organisation, const std::string& name) {
  std::lock_guard lock(mutex_);
  return durable_claims_.emplace(organisation + "/" + name, true).second;
}

void SessionTable::release_durable(const std::string& organisation, const std::string& name) {
  std::lock_guard lock(mutex_);
  durable_claims_.erase(organisation + "/" + name);
}

}  // namespace weft::broker::net
