#include "common/names.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace weft::names {
namespace {

bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool is_hex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

constexpr std::array<std::string_view, 249> kIso3166Alpha2 = {
    "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX", "AZ", "BA", "BB",
    "BD", "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ", "BR", "BS", "BT", "BV", "BW", "BY",
    "BZ", "CA", "CC", "CD", "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN", "CO", "CR", "CU", "CV", "CW", "CX",
    "CY", "CZ", "DE", "DJ", "DK", "DM", "DO", "DZ", "EC", "EE", "EG", "EH", "ER", "ES", "ET", "FI", "FJ", "FK",
    "FM", "FO", "FR", "GA", "GB", "GD", "GE", "GF", "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS",
    "GT", "GU", "GW", "GY", "HK", "HM", "HN", "HR", "HT", "HU", "ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IR",
    "IS", "IT", "JE", "JM", "JO", "JP", "KE", "KG", "KH", "KI", "KM", "KN", "KP", "KR", "KW", "KY", "KZ", "LA",
    "LB", "LC", "LI", "LK", "LR", "LS", "LT", "LU", "LV", "LY", "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK",
    "ML", "MM", "MN", "MO", "MP", "MQ", "MR", "MS", "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "NA", "NC", "NE",
    "NF", "NG", "NI", "NL", "NO", "NP", "NR", "NU", "NZ", "OM", "PA", "PE", "PF", "PG", "PH", "PK", "PL", "PM",
    "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS", "RU", "RW", "SA", "SB", "SC", "SD", "SE", "SG",
    "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS", "ST", "SV", "SX", "SY", "SZ", "TC", "TD", "TF",
    "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO", "TR", "TT", "TV", "TW", "TZ", "UA", "UG", "UM", "US", "UY",
    "UZ", "VA", "VC", "VE", "VG", "VI", "VN", "VU", "WF", "WS", "YE", "YT", "ZA", "ZM", "ZW"};

// EU member states plus the EEA EFTA states (IS, LI, NO).
constexpr std::array<std::string_view, 30> kEea = {"AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR",
                                                   "DE", "GR", "HU", "IE", "IT", "LV", "LT", "LU", "MT", "NL",
                                                   "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO"};

// Adequacy decisions in force (GDPR Art. 45), see research/reliability-security-law.md D.2.
constexpr std::array<std::string_view, 15> kAdequate = {"AD", "AR", "BR", "CA", "CH", "FO", "GB", "GG",
                                                        "IL", "IM", "JE", "JP", "KR", "NZ", "UY"};

}  // namespace

Result<void> check_organisation(std::string_view name) {
  if (name.empty()) {
    return make_error(v1::VALIDATION_FAILED, "organisation name is empty");
  }
  if (name.size() > kMaxOrganisationName) {
    return make_error(v1::VALIDATION_FAILED, "organisation name is longer than 63 characters");
  }
  if (!is_lower_alnum(name.front())) {
    return make_error(v1::VALIDATION_FAILED,
                      "organisation name must start with a lower-case letter or digit");
  }
  for (char c : name) {
    if (!is_lower_alnum(c) && c != '-') {
      return make_error(v1::VALIDATION_FAILED,
                        "organisation name may hold only lower-case letters, digits and '-'");
    }
  }
  return ok();
}

Result<void> check_feed(std::string_view feed) {
  if (feed.empty()) {
    return make_error(v1::VALIDATION_FAILED, "feed name is empty");
  }
  if (feed.size() > kMaxFeedName) {
    return make_error(v1::VALIDATION_FAILED, "feed name is longer than 128 characters");
  }
  if (!is_lower_alnum(feed.front())) {
    return make_error(v1::VALIDATION_FAILED, "feed name must start with a lower-case letter or digit");
  }
  for (char c : feed) {
    if (!is_lower_alnum(c) && c != '-' && c != '_' && c != '.') {
      return make_error(v1::VALIDATION_FAILED,
                        "feed name may hold only lower-case letters, digits, '.', '_' and '-'");
    }
  }
  if (feed.find("..") != std::string_view::npos || feed.back() == '.') {
    return make_error(v1::VALIDATION_FAILED, "feed name has an empty dot-separated part");
  }
  return ok();
}

Result<void> check_feed_pattern(std::string_view pattern) {
  if (pattern == "*") {
    return ok();
  }
  if (pattern.size() > 2 && pattern.ends_with(".*")) {
    return check_feed(pattern.substr(0, pattern.size() - 2));
  }
  return check_feed(pattern);
}

bool feed_matches(std::string_view pattern, std::string_view feed) {
  if (pattern == "*") {
    return true;
  }
  if (pattern.size() > 2 && pattern.ends_with(".*")) {
    const std::string_view prefix = pattern.substr(0, pattern.size() - 1);  // keeps the dot
    return feed.starts_with(prefix) && feed.size() > prefix.size();
  }
  return pattern == feed;
}

bool is_uuid(std::string_view text) {
  if (text.size() != 36) {
    return false;
  }
  for (std::size_t i = 0; i < text.size(); ++i) {
    const bool dash_position = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash_position ? text[i] != '-' : !is_hex(text[i])) {
      return false;
    }
  }
  return true;
}

std::string to_lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

Result<std::string> normalise_jurisdiction(std::string_view code) {
  std::string upper(code);
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  if (upper == "UK") {
    return std::string("GB");
  }
  if (upper == "EU" || upper == "EEA") {
    return upper;
  }
  if (std::find(kIso3166Alpha2.begin(), kIso3166Alpha2.end(), upper) != kIso3166Alpha2.end()) {
    return upper;
  }
  return make_error(v1::VALIDATION_FAILED,
                    "jurisdiction '" + std::string(code.substr(0, 8)) +
                        "' is not an ISO 3166-1 alpha-2 country code, EU or EEA");
}

bool in_eea_or_adequate(std::string_view jurisdiction) {
  return in_eea(jurisdiction) || std::find(kAdequate.begin(), kAdequate.end(), jurisdiction) != kAdequate.end();
}

bool in_eea(std::string_view jurisdiction) {
  return jurisdiction == "EU" || jurisdiction == "EEA" ||
         std::find(kEea.begin(), kEea.end(), jurisdiction) != kEea.end();
}

}  // namespace weft::names
