// What sessions share: settings, the registry, the router, the session
// table and counters. Owned by Broker; outlives every session.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

#include "broker/audit_log.h"
#include "broker/config.h"
#include "broker/net/session_table.h"
#include "broker/policy_holder.h"
#include "broker/registry_holder.h"
#include "broker/router.h"
#include "broker/store/storage_service.h"
#include "provenance/keys.h"

namespace boost::asio {
class thread_pool;
}

namespace weft::broker {

// Why a session ended; logged and counted on every close.
enum class CloseReason {
  kPeerClosed,
  kHandshakeFailed,
  kHandshakeTimeout,
  kHelloTimeout,
  kIdleTimeout,
  kFrameTimeout,
  kProtocolError,
  kUnknownIdentity,
  kRevoked,
  kSlowConsumer,
  kTooManyConnections,
  kShutdown,
  kIoError,
  kCount,
};

std::string_view close_reason_name(CloseReason reason);

struct Counters {
  std::atomic<std::uint64_t> sessions_opened{0};
  std::atomic<std::uint64_t> reports_accepted{0};
  std::atomic<std::uint64_t> reports_duplicate{0};
  std::atomic<std::uint64_t> reports_refused{0};
  std::atomic<std::uint64_t> deliveries_queued{0};
  std::atomic<std::uint64_t> deliveries_withheld{0};
  std::atomic<std::uint64_t> deliveries_failed_closed{0};
  // Deliveries not made because the audit log could not record them.
  std::atomic<std::uint64_t> deliveries_held_for_audit{0};
  // Reports whose objects went out on a TAXII page (docs/taxii.md).
  std::atomic<std::uint64_t> taxii_reports_served{0};
  std::atomic<std::uint64_t> broker_fields_overwritten{0};
  std::atomic<std::uint64_t> unknown_fields_dropped{0};
  std::array<std::atomic<std::uint64_t>, static_cast<std::size_t>(CloseReason::kCount)> closes{};
};

struct Services {
  const Settings& settings;
  RegistryHolder& registry;
  PolicyHolder& policies;
  Router& router;
  net::SessionTable& sessions;
  Counters& counters;
  store::StorageService& storage;
  AuditLog& audit;
  // Signs the attestation on every delivered copy of a signed report.
  const provenance::SigningKey& provenance_key;
  // Checks publishers' signatures off the sessions' threads; null when
  // verify_threads is 0.
  boost::asio::thread_pool* verify_pool = nullptr;
};

}  // namespace weft::broker
