// The recipient's side: checking a delivered report against the publisher's
// signed manifest and the broker's countersigned attestation
// (docs/provenance.md, "Verification").
//
// Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "proto/error.h"
#include "provenance/keys.h"
#include "weft/v1/provenance.pb.h"
#include "weft/v1/report.pb.h"

namespace weft::provenance {

// The publisher's key by organisation name, if the recipient knows one.
using KeyLookup = std::function<std::optional<VerifyingKey>(std::string_view organisation)>;

inline constexpr std::size_t kMaxAttestationBytes = 64 << 20;

struct VerifiedProvenance {
  std::string publisher;
  std::string report_id;
  // Who the broker says this copy is for: compare it with yourself when
  // copies for several recipients could be identical.
  std::string recipient;
  std::string broker_id;
  std::string policy;
  std::uint32_t policy_version = 0;

  std::size_t disclosed = 0;
  std::size_t replaced = 0;
  std::size_t withheld = 0;
  std::size_t modified = 0;
  std::vector<std::string> replaced_paths;
  std::vector<std::string> withheld_paths;
  std::vector<std::string> modified_paths;

  // "verified: signed by cert-nl; 3 parts withheld or replaced by policy
  // eu-baseline v2", then "; 1 part modified by the broker under policy
  // eu-baseline v2 (description#4)" when the broker changed parts the
  // publisher did not mark; "verified: signed by cert-nl; nothing withheld"
  // when nothing changed.
  std::string describe() const;
};

// In order: (1) the manifest parses from its signed bytes and is well
// formed, the publisher's key is known and its signature verifies; (2) the
// broker's signature over the attestation verifies, the attestation parses,
// names this manifest (SHA-256 of its bytes) and this delivery
// (delivered_digest); (3) there is one disclosure per manifest part; each
// DISCLOSED part opens its commitment (32-byte salt, the manifest's report
// id and path); REPLACED only for parts the publisher marked personal,
// MODIFIED only for the others; (4) the disclosed, replaced and modified
// values rebuild the delivered report's content exactly; the manifest is for
// this report id and, when the broker stamped a source organisation, by
// that publisher.
//
// Every failure is PROVENANCE_INVALID naming what failed, e.g. "part 4
// (description#2) is not the publisher's original".
Result<VerifiedProvenance> verify_delivery(const v1::Report& delivered, const v1::DeliveredProvenance& provenance,
                                           const KeyLookup& publisher_keys, const VerifyingKey& broker_key);

}  // namespace weft::provenance
