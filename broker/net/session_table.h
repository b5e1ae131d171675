// Every live session, for revocation sweeps and shutdown, plus the counts
// behind the connection limits (per organisation, and per source address
// before authentication).
//
// Thread safety: all members may be called from any thread.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace weft::broker::net {

class Session;

class SessionTable {
 public:
  void add(std::uint64_t id, std::weak_ptr<Session> session);
  void remove(std::uint64_t id);
  std::vector<std::shared_ptr<Session>> snapshot() const;
  std::size_t size() const;

  // Connections from `address` that have not yet said Hello.
  bool try_add_unauthenticated(const std::string& address, std::uint32_t max_per_address);
  void remove_unauthenticated(const std::string& address);

  bool try_add_for_organisation(const std::string& organisation, std::uint32_t max_per_organisation);
  void remove_for_organisation(const std::string& organisation);

  // A durable subscription is consumed by one session at a time.
  bool try_claim_durable(const std::string& organisation, const std::string& name);
  void release_durable(const std::string& organisation, const std::string& name);

 private:
  mutable std::mutex mutex_;
  std::unordered_map<std::uint64_t, std::weak_ptr<Session>> sessions_;    // guarded by mutex_
  std::unordered_map<std::string, std::uint32_t> unauthenticated_;       // guarded by mutex_
  std::unordered_map<std::string, std::uint32_t> per_organisation_;      // guarded by mutex_
  std::unordered_map<std::string, bool> durable_claims_;                 // guarded by mutex_
};

}  // namespace weft::broker::net
