// Stages "per-recipient policy", "audit" and "deliver": groups the eligible
// recipients by their effective policy, redacts the report once per policy,
// encodes once per variant, and offers the bytes to each recipient's bounded
// queue together with the audit record of that delivery. Pseudonyms are the
// only per-recipient work (a few keyed hashes).
//
// Fails closed: a recipient whose policy cannot be determined, or whose
// redaction fails, gets nothing; WITHHOLD_REPORT delivers nothing to that
// policy's recipients; the TLP rules keep reports from those they do not
// admit. Every outcome is recorded in the audit log (never with values):
// deliveries by the target that takes the frame, the rest here — or, for
// durable subscribers, by their session as it passes the report in order.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "broker/audit_trail.h"
#include "broker/router.h"
#include "policies/policy_set.h"
#include "policies/pseudonymizer.h"
#include "provenance/keys.h"
#include "weft/v1/audit.pb.h"
#include "weft/v1/report.pb.h"

namespace weft::broker::pipeline {

struct FanOutResult {
  std::uint32_t delivered = 0;        // accepted by a recipient's queue
  std::uint32_t withheld = 0;         // a policy said WITHHOLD_REPORT, or the TLP rules
  std::uint32_t failed_closed = 0;    // no valid policy, or redaction failed
  // For AMBER, AMBER+STRICT and RED: comparable_content() of each distinct
  // copy handed out, for the store to remember (recipients may not
  // republish it as their own).
  std::vector<std::string> restricted_copies;
};

// The frame that pushes a report to a subscriber. Pass a copy that is no
// longer needed by rvalue: it moves into the frame instead of being copied.
std::shared_ptr<const std::string> encode_delivery(v1::Report report);

// Signs, on each recipient's copy of a report its publisher signed, the
// broker's attestation of what the policy disclosed, replaced or withheld
// (provenance/attestation.h). Without one, copies carry no provenance.
struct Attester {
  const provenance::SigningKey& key;
  std::string broker_id;
};

FanOutResult fan_out(const v1::Report& report, const std::vector<Router::Recipient>& recipients,
                     const policies::PolicySet& policy_set, const policies::Pseudonymizer& pseudonymizer,
                     AuditTrail& trail, const Attester* attester = nullptr);

// One recipient's copy of a stored report (a durable subscription's
// backlog, a report fetched by id): the filtered report, or none when the
// TLP rules or its policy withhold the report or it has no valid policy;
// and the record of what happened, for the caller to log when it acts on it.
struct RecipientCopy {
  std::optional<v1::Report> report;
  v1::AuditRecord record;
};
RecipientCopy copy_for(const v1::Report& report, const v1::Organisation& recipient,
                       const policies::PolicySet& policy_set, const policies::Pseudonymizer& pseudonymizer,
                       const AuditTrail& trail, const Attester* attester = nullptr);

}  // namespace weft::broker::pipeline
