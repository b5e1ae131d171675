// What a report's provenance covers, as bytes.
//
// The publisher's manifest covers a report's content: the report without the
// fields the broker sets (broker stamp, field 15; redaction summary, field
// 16) and without its provenance (field 17 once Report has it). The broker's
// attestation also covers the delivered report as a whole, stamp and
// redaction summary included, through delivered_digest().
//
// Pure; thread-safe.
#pragma once

#include <string>

#include <google/protobuf/message_lite.h>

#include "provenance/crypto.h"
#include "weft/v1/report.pb.h"

namespace weft::provenance {

// The report without broker stamp, redaction summary and provenance.
v1::Report content_of(const v1::Report& report);

// Protobuf's deterministic serialization: fields in number order. Reports
// have no maps, so this is canonical for them.
std::string deterministic_bytes(const google::protobuf::MessageLite& message);

// SHA-256 of the deterministic serialization of the delivered report without
// its provenance field (which carries the attestation over this digest).
Sha256 delivered_digest(const v1::Report& delivered);

// Same deterministic serialization.
bool same_content(const v1::Report& a, const v1::Report& b);

}  // namespace weft::provenance
