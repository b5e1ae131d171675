// The broker's side, per recipient: a countersigned statement of what became
// of each part of the publisher's manifest in one delivered copy
// (docs/provenance.md, "Disclosure").
//
// Pure apart from signing; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "proto/error.h"
#include "provenance/keys.h"
#include "provenance/publication.h"
#include "weft/v1/policy.pb.h"
#include "weft/v1/provenance.pb.h"
#include "weft/v1/report.pb.h"

namespace weft::provenance {

struct AttestationContext {
  std::string recipient;
  std::string policy;
  std::uint32_t policy_version = 0;
  std::string broker_id;
  // What the policy did to this copy (weft::policies::Redaction::decisions).
  // Names the action behind each changed part: the strictest one recorded
  // for the part's field, or for a part of a dropped contact or indicator,
  // for any field of that element. Empty: ACTION_UNSPECIFIED.
  std::vector<v1::RedactionDecision> decisions;
};

// Compares the publisher's parts with `delivered` (the copy as the recipient
// gets it, broker stamp and redaction summary included) and gives each part
// a disclosure: DISCLOSED (salt and original value), REPLACED (personal
// data, the delivered value), MODIFIED (not marked personal, the delivered
// value) or WITHHELD. Array elements are matched with match_elements() on
// identities documented in docs/provenance.md, text with align_text(). Then
// signs the attestation with `broker_key`.
//
// PROVENANCE_INVALID when the publication's openings do not open its
// commitments; INTERNAL when the delivered copy has content the parts cannot
// express (text or elements where the original had none): checked by
// rebuilding the delivered content from the disclosures before signing, so
// no attestation that a recipient would refuse is ever signed.
Result<v1::DeliveredProvenance> attest(const v1::PublisherProvenance& publication, const v1::Report& delivered,
                                       const AttestationContext& context, const SigningKey& broker_key);

// The same with `publication` already opened (open_publication), for a
// broker attesting one publication to many recipients: the openings are
// checked once, not once per recipient.
Result<v1::DeliveredProvenance> attest(const v1::PublisherProvenance& publication, const OpenedPublication& opened,
                                       const v1::Report& delivered, const AttestationContext& context,
                                       const SigningKey& broker_key);

}  // namespace weft::provenance
