// Private to weft::formats: what MISP import and export share — the label
// and contact-role conventions that carry MISP fields weft has no field for,
// and MISP's attribute types and categories as weft sees them.
//
// Labels (docs/formats.md):
//   report:    misp-distribution:<n>  misp-threat-level:<n>  misp-analysis:<n>
//              misp-orgc:<creator organisation name>
//              misp-object-def:<uuid>|<name>|<meta-category>|<template_uuid>|<template_version>
//              (fields percent-escaped: '%' as %25, '|' as %7C)
//   indicator: misp-type:<type>  misp-category:<category>  misp-uuid:<uuid>
//              misp-object:<object uuid>:<object_relation>
//              misp-composite:1 / misp-composite:2   the halves of a composite
//              attribute (misp-type: holds the composite type, e.g. filename|sha256)
//              to-ids:false   context, not a detection indicator
//              weft-confidence:<0-100>   (also written as a MISP attribute tag)
//   contact:   role "misp:<category>:<type>:<uuid>" or, inside an object,
//              "misp:<category>:<type>:<uuid>:<object uuid>:<object_relation>"
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "weft/v1/report.pb.h"

namespace weft::formats::misp {

inline constexpr std::string_view kTypeLabel = "misp-type:";
inline constexpr std::string_view kCategoryLabel = "misp-category:";
inline constexpr std::string_view kUuidLabel = "misp-uuid:";
inline constexpr std::string_view kObjectLabel = "misp-object:";
inline constexpr std::string_view kObjectDefLabel = "misp-object-def:";
inline constexpr std::string_view kCompositeLabel = "misp-composite:";
inline constexpr std::string_view kDistributionLabel = "misp-distribution:";
inline constexpr std::string_view kThreatLevelLabel = "misp-threat-level:";
inline constexpr std::string_view kAnalysisLabel = "misp-analysis:";
inline constexpr std::string_view kOrgcLabel = "misp-orgc:";
inline constexpr std::string_view kContextLabel = "to-ids:false";
inline constexpr std::string_view kConfidenceTag = "weft-confidence:";
inline constexpr std::string_view kRolePrefix = "misp:";
// Comments of the attributes export adds for report fields MISP has no place
// for; import recognises them so a round trip does not turn them into context.
inline constexpr std::string_view kRedactionComment = "weft redaction summary";
inline constexpr std::string_view kDescriptionComment = "weft report description";

// A MISP attribute type of the MISP core format (composite types included).
bool is_known_type(std::string_view misp_type);
bool is_composite(std::string_view misp_type);

// The weft type a (non-composite) MISP type carries `value` as: IP types by
// the value's family and prefix, MISP types weft has no type for as OTHER;
// nothing for a type MISP does not know.
std::optional<v1::Indicator::Type> weft_type(std::string_view misp_type, std::string_view value);
// Whether an indicator of `type` may be written as `misp_type` (ip-dst fits
// every IP and network type).
bool fits(std::string_view misp_type, v1::Indicator::Type type);
// Whether MISP would accept `value` for `misp_type`; a policy-replaced value
// (a marker, pseudonym or mask) often no longer does.
bool value_fits(std::string_view misp_type, std::string_view value);

std::string_view default_type(v1::Indicator::Type type);
std::string_view default_category(std::string_view misp_type);

// Categories whose attributes describe people: weft carries them as contacts
// so the recipients' data-protection policies act on them.
bool is_personal_category(std::string_view category);
enum class ContactField { kName, kEmail, kPhone, kOrganisation };
ContactField contact_field(std::string_view misp_type);

std::string escape_field(std::string_view text);
std::string unescape_field(std::string_view text);

}  // namespace weft::formats::misp
