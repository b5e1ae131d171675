// Stage "authorize": may this organisation do this? Every refusal carries
// the reason, which goes to the requester and to the broker log.
#pragma once

#include <string_view>

#include "common/registry.h"
#include "proto/error.h"
#include "weft/v1/registry.pb.h"
#include "weft/v1/report.pb.h"

namespace weft::broker::pipeline {

// Publisher role, feed permission, and the TLP rules for recipients:
// TLP:AMBER needs named recipients, each a registered organisation or group;
// TLP:AMBER+STRICT names organisations only; TLP:RED names organisations
// that can open a sealed copy (a registered sealing key). A name the registry
// does not know is refused rather than silently reaching no one.
Result<void> authorize_publish(const Registry& registry, const v1::Organisation& publisher,
                               const v1::Report& report);

// Provenance at publish: a publisher with a registered signing key must sign
// every report it publishes (TLP:RED excepted: its copies are sealed), and
// the signature and commitments must describe exactly this report
// (PROVENANCE_INVALID otherwise). Unsigned reports from publishers without a
// key pass.
Result<void> check_publisher_signature(const v1::Organisation& publisher, const v1::Report& report);

// Subscriber role and read permission on the feed.
Result<void> authorize_subscribe(const v1::Organisation& subscriber, std::string_view feed);

// The TLP gate on every delivery path (live, backlog, fetch): CLEAR and GREEN
// go to the feed's readers; AMBER only to organisations the publisher named,
// by name or by one of their groups; AMBER+STRICT only to organisations named
// themselves that do not pass information on to clients; RED only to
// organisations named themselves, each getting nothing but its own sealed copy.
bool tlp_allows_delivery(const v1::Organisation& recipient, const v1::Report& report);

// What every recipient's copy loses: the publisher's list of recipients, so
// that no recipient learns who else received the report, and the
// publisher's provenance openings, which hold every original value (the
// recipient gets the broker's attestation instead).
void strip_distribution(v1::Report& copy);

}  // namespace weft::broker::pipeline
