// The publisher's side: signing a report so that its parts can be verified
// after the broker has redacted them (docs/provenance.md).
//
// Thread-safe; uses libsodium's CSPRNG for salts.
#pragma once

#include <string_view>

#include "proto/error.h"
#include "provenance/keys.h"
#include "provenance/segments.h"
#include "weft/v1/provenance.pb.h"
#include "weft/v1/report.pb.h"

namespace weft::provenance {

// Cuts the report into parts (provenance/parts.h; text at the spans
// `find_personal` returns, e.g. weft::policies::Detector findings), commits
// to each with a fresh 32-byte salt and signs the manifest (version 1) as
// `publisher`. The result goes to the broker with the report and holds every
// value: it is never forwarded.
//
// Sign the report as the broker stores it: INVALID_INPUT for a report
// without id, an id with upper-case letters (the broker stores ids in lower
// case), an empty publisher name, content parts cannot represent (see
// parts_of) or fields this version does not know, and more than kMaxParts
// parts.
Result<v1::PublisherProvenance> sign_report(const v1::Report& report, std::string_view publisher, const SigningKey& key,
                                            const SpanFinder& find_personal);

}  // namespace weft::provenance
