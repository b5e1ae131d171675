// How the non-text parts of a report are written as the strings that are
// committed to (docs/provenance.md, "Value encodings"). Each encoding has
// exactly one string per value: the parsers accept only what the formatters
// write, so a part's value cannot be re-spelt without changing its
// commitment.
//
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <google/protobuf/timestamp.pb.h>

#include "proto/error.h"
#include "weft/v1/report.pb.h"

namespace weft::provenance {

// RFC 3339 in UTC: "2026-11-28T10:00:00Z", with 3, 6 or 9 fraction digits
// when nanos is not zero (the fewest that show it exactly), as protobuf's
// JSON mapping writes timestamps. Years 0001 to 9999 and nanos 0 to
// 999999999 only: INVALID_INPUT otherwise.
Result<std::string> format_timestamp(const google::protobuf::Timestamp& timestamp);
Result<google::protobuf::Timestamp> parse_timestamp(std::string_view text);

// An enum value's name ("AMBER_STRICT"), or its number in decimal when the
// schema has no name for it (proto3 enums are open). The zero value is never
// a part, so parsing refuses it.
std::string format_tlp(v1::Tlp tlp);
Result<v1::Tlp> parse_tlp(std::string_view text);
std::string format_indicator_type(v1::Indicator::Type type);
Result<v1::Indicator::Type> parse_indicator_type(std::string_view text);

// Decimal without leading zeros. Zero is never a part, so parsing refuses it.
std::string format_confidence(std::uint32_t confidence);
Result<std::uint32_t> parse_confidence(std::string_view text);

// Well-formed UTF-8 (RFC 3629): what protobuf requires of string fields.
bool is_valid_utf8(std::string_view text);

}  // namespace weft::provenance
