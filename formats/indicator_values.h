// Private to weft::formats: the broker's rules for indicator values and
// report limits (common/report_rules.h), worded for importers, so they can
// name the offending object (STIX indicator, MISP attribute, CSV line)
// instead of having the broker refuse the whole report later.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "common/report_rules.h"
#include "weft/v1/report.pb.h"

namespace weft::formats {

inline constexpr ReportLimits kLimits;
inline constexpr std::size_t kMaxTitleBytes = kLimits.max_title_bytes;
inline constexpr std::size_t kMaxDescriptionBytes = kLimits.max_description_bytes;
inline constexpr std::size_t kMaxLabels = kLimits.max_labels;
inline constexpr std::size_t kMaxLabelBytes = kLimits.max_label_bytes;
inline constexpr std::size_t kMaxContacts = kLimits.max_contacts;
inline constexpr std::size_t kMaxContactFieldBytes = kLimits.max_contact_field_bytes;
inline constexpr std::size_t kMaxIndicators = kLimits.max_indicators;
inline constexpr std::size_t kMaxValueBytes = kLimits.max_indicator_value_bytes;
inline constexpr std::size_t kMaxIndicatorDescriptionBytes = kLimits.max_indicator_description_bytes;

// Why the broker would refuse `value` as an indicator of `type` ("not an
// IPv4 address (dotted quad)"), or nothing when it passes. Never quotes the value.
std::optional<std::string> indicator_value_problem(v1::Indicator::Type type, std::string_view value);

// Why the broker would refuse `text` as a label / contact field / description.
std::optional<std::string> text_problem(std::string_view text, std::size_t max_bytes, bool required);

// The longest prefix of `text` of at most `max_bytes` that does not cut a
// UTF-8 sequence.
std::string cut_utf8(std::string_view text, std::size_t max_bytes);

// "ipv4", "registry_key", ... : the lower-case enum name, as CSV writes it.
std::string indicator_type_name(v1::Indicator::Type type);

std::string to_lower_ascii(std::string_view text);
std::string_view trim_ascii(std::string_view text);

}  // namespace weft::formats
