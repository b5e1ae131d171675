// What valid names look like: organisations, feeds, feed patterns, report
// ids and jurisdictions. Every check returns a message that names the
// problem and never echoes more than the offending name.
#pragma once

#include <string>
#include <string_view>

#include "proto/error.h"

namespace weft::names {

inline constexpr std::size_t kMaxOrganisationName = 63;
inline constexpr std::size_t kMaxFeedName = 128;

// [a-z0-9][a-z0-9-]{0,62}
Result<void> check_organisation(std::string_view name);
// [a-z0-9][a-z0-9._-]{0,127}, no "..".
Result<void> check_feed(std::string_view feed);
// A feed name, "*", or a feed name followed by ".*".
Result<void> check_feed_pattern(std::string_view pattern);
bool feed_matches(std::string_view pattern, std::string_view feed);

// RFC 9562 text form, 8-4-4-4-12 hex digits, either case.
bool is_uuid(std::string_view text);
std::string to_lower(std::string_view text);

// ISO 3166-1 alpha-2 (upper case), "EU" or "EEA". "UK" is accepted and
// normalised to "GB".
Result<std::string> normalise_jurisdiction(std::string_view code);
// Member of the EU or EEA (EU institutions included).
bool in_eea(std::string_view jurisdiction);
// In the EEA or a country with an EU adequacy decision (GDPR Art. 45). The
// United States is not included: its decision covers only DPF-certified
// organisations, which the registry does not record.
bool in_eea_or_adequate(std::string_view jurisdiction);

}  // namespace weft::names
