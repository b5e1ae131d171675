// Stage "audit": the record of what the broker did with a report for one
// recipient (or with a publish it refused), built from what the pipeline
// knows: the report's identity, the recipient's registry entry, the policy
// and its decisions. Never values, pseudonyms or text: only ids, names,
// counts, field paths and keyed fingerprints (AuditTrail::fingerprint).
#pragma once

#include <string_view>
#include <vector>

#include "broker/audit_trail.h"
#include "policies/policy.h"
#include "weft/v1/audit.pb.h"
#include "weft/v1/registry.pb.h"
#include "weft/v1/report.pb.h"

namespace weft::broker::pipeline {

// What does not depend on the recipient: now, the report's id, publisher,
// feed, TLP and feed position, and the fingerprint of the report as published.
v1::AuditRecord report_record(const v1::Report& report, const AuditTrail& trail);

// The same record, for one recipient and outcome.
v1::AuditRecord recipient_record(const v1::AuditRecord& base, const v1::Organisation& recipient,
                                 v1::AuditRecord::Outcome outcome);

// The policy that decided, and what it did.
void set_policy(v1::AuditRecord& record, const policies::Policy& policy,
                const std::vector<v1::RedactionDecision>& decisions);

// The fingerprint of the copy the recipient received.
std::string copy_fingerprint(const v1::Report& delivered, const AuditTrail& trail);

// A publish the broker refused. The report's id and feed are kept only when
// they are well-formed: a malformed field may hold anything, personal data
// included.
v1::AuditRecord refused_record(const v1::Report& report, std::string_view publisher, v1::ErrorCode code);

}  // namespace weft::broker::pipeline
