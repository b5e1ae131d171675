// Names both directions of every format share: deterministic UUIDs for
// objects weft has no id for, RFC 3339 times, and TLP names.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <google/protobuf/timestamp.pb.h>

#include "weft/v1/report.pb.h"

namespace weft::formats {

// RFC 9562 version 5 (SHA-1, name-based) UUID of `name` in weft's own
// namespace: the same name always gives the same UUID, lower-case text form.
std::string name_based_uuid(std::string_view name);
// Whether `text` is a UUID in lower- or upper-case text form.
bool is_uuid(std::string_view text);

// "2026-11-29T10:15:00.000Z" (always milliseconds, UTC).
std::string rfc3339_millis(const google::protobuf::Timestamp& time);
// Accepts RFC 3339 with any fraction and a Z or numeric offset.
std::optional<google::protobuf::Timestamp> parse_rfc3339(std::string_view text);

// "clear", "green", "amber", "amber+strict", "red" (as TLP 2.0 and MISP write them).
std::string_view tlp_level_name(v1::Tlp tlp);
// Accepts those and "white" (TLP 1.0), case-insensitively.
v1::Tlp tlp_from_level_name(std::string_view name);

}  // namespace weft::formats
