#include "broker/pipeline/validate.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <set>

#include "common/names.h"

namespace weft::broker::pipeline {
namespace {

Error invalid(const std::string& field, const std::string& problem) {
  return make_error(v1::VALIDATION_FAILED, field + ": " + problem);
}

bool all_hex(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
}
bool all_digits(std::string_view text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}
bool has_control_or_space(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u <= 0x20 || u == 0x7F;
  });
}
bool has_control(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return (u < 0x20 && c != '\t') || u == 0x7F;
  });
}
bool looks_defanged(std::string_view text) {
  for (std::string_view marker : {"[.]", "(.)", "[dot]", "[at]", "(at)", "[@]", "hxxp", "[:]"}) {
    const auto it = std::search(text.begin(), text.end(), marker.begin(), marker.end(), [](char a, char b) {
      return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
    });
    if (it != text.end()) {
      return true;
    }
  }
  return false;
}

bool is_ipv4(std::string_view text) {
  in_addr address{};
  return text.size() < 16 && inet_pton(AF_INET, std::string(text).c_str(), &address) == 1;
}
bool is_ipv6(std::string_view text) {
  in6_addr address{};
  return text.size() < 46 && inet_pton(AF_INET6, std::string(text).c_str(), &address) == 1;
}

bool is_cidr(std::string_view text, bool v6) {
  const auto slash = text.find('/');
  if (slash == std::string_view::npos) {
    return false;
  }
  const std::string_view prefix = text.substr(slash + 1);
  unsigned bits = 0;
  const auto [end, ec] = std::from_chars(prefix.data(), prefix.data() + prefix.size(), bits);
  if (!all_digits(prefix) || ec != std::errc() || end != prefix.data() + prefix.size() || bits > (v6 ? 128U : 32U)) {
    return false;
  }
  return v6 ? is_ipv6(text.substr(0, slash)) : is_ipv4(text.substr(0, slash));
}

bool is_domain(std::string_view text) {
  if (text.ends_with('.')) {
    text.remove_suffix(1);
  }
  if (text.empty() || text.size() > 253 || text.find('.') == std::string_view::npos) {
    return false;
  }
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t end = std::min(text.find('.', start), text.size());
    const std::string_view label = text.substr(start, end - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return false;
    }
    for (char c : label) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') {
        return false;
      }
    }
    start = end + 1;
  }
  return true;
}

bool is_email(std::string_view text) {
  const auto at = text.rfind('@');
  if (at == std::string_view::npos || at == 0 || at > 64) {
    return false;
  }
  const std::string_view local = text.substr(0, at);
  if (has_control_or_space(local) || local.find('@') != std::string_view::npos) {
    return false;
  }
  return is_domain(text.substr(at + 1));
}

bool is_url(std::string_view text) {
  const auto scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos || scheme_end == 0 || scheme_end + 3 >= text.size()) {
    return false;
  }
  const std::string_view scheme = text.substr(0, scheme_end);
  if (!std::isalpha(static_cast<unsigned char>(scheme.front())) ||
      !std::all_of(scheme.begin(), scheme.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.';
      })) {
    return false;
  }
  return !has_control_or_space(text);
}

bool is_cve(std::string_view text) {
  if (text.size() < 13 || !(text.starts_with("CVE-") || text.starts_with("cve-"))) {
    return false;
  }
  const std::string_view rest = text.substr(4);
  const auto dash = rest.find('-');
  return dash == 4 && all_digits(rest.substr(0, 4)) && rest.size() - 5 >= 4 && all_digits(rest.substr(5));
}

bool is_asn(std::string_view text) {
  if (text.starts_with("AS") || text.starts_with("as")) {
    text.remove_prefix(2);
  }
  std::uint64_t number = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
  return all_digits(text) && ec == std::errc() && end == text.data() + text.size() && number <= 4294967295ULL;
}

bool is_ssdeep(std::string_view text) {
  const auto first = text.find(':');
  const auto second = text.find(':', first + 1);
  if (first == std::string_view::npos || second == std::string_view::npos) {
    return false;
  }
  const auto base64ish = [](std::string_view part) {
    return !part.empty() && std::all_of(part.begin(), part.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '/' || c == '+';
    });
  };
  return all_digits(text.substr(0, first)) && base64ish(text.substr(first + 1, second - first - 1)) &&
         base64ish(text.substr(second + 1));
}

Result<void> check_timestamp(const google::protobuf::Timestamp& ts, const std::string& field) {
  // The range google.protobuf.Timestamp allows: 0001-01-01 to 9999-12-31.
  if (ts.seconds() < -62135596800LL || ts.seconds() > 253402300799LL || ts.nanos() < 0 || ts.nanos() > 999999999) {
    return invalid(field, "timestamp out of range");
  }
  return ok();
}

bool later(const google::protobuf::Timestamp& a, const google::protobuf::Timestamp& b) {
  return a.seconds() > b.seconds() || (a.seconds() == b.seconds() && a.nanos() > b.nanos());
}

Result<void> check_text(std::string_view text, std::size_t max_bytes, const std::string& field, bool required) {
  if (required && text.empty()) {
    return invalid(field, "is missing");
  }
  if (text.size() > max_bytes) {
    return invalid(field, "longer than " + std::to_string(max_bytes) + " bytes");
  }
  // Control characters other than tab and line breaks have no place in a
  // report, and the redaction engine relies on their absence.
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t' && c != '\n' && c != '\r') || u == 0x7F) {
      char code[8];
      std::snprintf(code, sizeof code, "%02X", u);
      return invalid(field, std::string("contains the control character U+00") + code);
    }
  }
  return ok();
}

}  // namespace

Result<void> check_indicator_value(v1::Indicator::Type type, std::string_view value) {
  if (looks_defanged(value)) {
    return make_error(v1::VALIDATION_FAILED,
                      "looks defanged (e.g. [.] or hxxp); send the plain value, weft does not forward it to "
                      "anything that would resolve it");
  }
  bool valid = true;
  std::string expected;
  switch (type) {
    case v1::Indicator::IPV4:
      valid = is_ipv4(value);
      expected = "an IPv4 address (dotted quad)";
      break;
    case v1::Indicator::IPV6:
      valid = is_ipv6(value);
      expected = "an IPv6 address";
      break;
    case v1::Indicator::IPV4_CIDR:
      valid = is_cidr(value, false);
      expected = "an IPv4 network (a.b.c.d/len)";
      break;
    case v1::Indicator::IPV6_CIDR:
      valid = is_cidr(value, true);
      expected = "an IPv6 network (addr/len)";
      break;
    case v1::Indicator::DOMAIN:
      valid = is_domain(value);
      expected = "a domain name";
      break;
    case v1::Indicator::URL:
      valid = is_url(value);
      expected = "a URL with a scheme (scheme://...) and no spaces";
      break;
    case v1::Indicator::EMAIL:
      valid = is_email(value);
      expected = "an e-mail address";
      break;
    case v1::Indicator::MD5:
      valid = value.size() == 32 && all_hex(value);
      expected = "32 hex digits (MD5)";
      break;
    case v1::Indicator::SHA1:
      valid = value.size() == 40 && all_hex(value);
      expected = "40 hex digits (SHA-1)";
      break;
    case v1::Indicator::SHA256:
      valid = value.size() == 64 && all_hex(value);
      expected = "64 hex digits (SHA-256)";
      break;
    case v1::Indicator::SHA512:
      valid = value.size() == 128 && all_hex(value);
      expected = "128 hex digits (SHA-512)";
      break;
    case v1::Indicator::JA3:
      valid = value.size() == 32 && all_hex(value);
      expected = "32 hex digits (JA3)";
      break;
    case v1::Indicator::CVE:
      valid = is_cve(value);
      expected = "a CVE id (CVE-YYYY-NNNN)";
      break;
    case v1::Indicator::ASN:
      valid = is_asn(value);
      expected = "an AS number (AS64496 or 64496)";
      break;
    case v1::Indicator::SSDEEP:
      valid = is_ssdeep(value);
      expected = "an ssdeep hash (blocksize:hash:hash)";
      break;
    case v1::Indicator::FILENAME:
    case v1::Indicator::MUTEX:
    case v1::Indicator::REGISTRY_KEY:
    case v1::Indicator::USER_AGENT:
      valid = !has_control(value);
      expected = "text without control characters";
      break;
    default:
      return make_error(v1::VALIDATION_FAILED, "unknown indicator type");
  }
  if (!valid) {
    return make_error(v1::VALIDATION_FAILED, "not " + expected);
  }
  return ok();
}

namespace {

// crypto_box_SEALBYTES: an ephemeral public key and a MAC.
constexpr std::size_t kSealedBoxOverhead = 48;

// TLP:RED: nothing in the clear but routing; one sealed copy (or a withheld
// marker) per named recipient organisation.
Result<void> validate_sealed(v1::Report& report, const ReportLimits& limits) {
  const std::string sealed_content = "must be empty under TLP:RED: the content travels sealed in report.sealed_copies";
  if (!report.title().empty()) {
    return invalid("report.title", sealed_content);
  }
  if (!report.description().empty()) {
    return invalid("report.description", sealed_content);
  }
  if (report.labels_size() > 0) {
    return invalid("report.labels", sealed_content);
  }
  if (report.contacts_size() > 0) {
    return invalid("report.contacts", sealed_content);
  }
  if (report.indicators_size() > 0) {
    return invalid("report.indicators", sealed_content);
  }
  if (report.has_provenance()) {
    return invalid("report.provenance", "TLP:RED copies are sealed for their recipients, not signed in the clear");
  }
  if (report.has_created()) {
    WEFT_TRY(check_timestamp(report.created(), "report.created"));
  }
  if (report.recipients().empty()) {
    return invalid("report.recipients", "TLP:RED goes only to organisations named here, and none is");
  }
  if (static_cast<std::size_t>(report.recipients_size()) > limits.max_recipients) {
    return invalid("report.recipients", "more than " + std::to_string(limits.max_recipients) + " recipients");
  }
  std::set<std::string> named;
  for (int i = 0; i < report.recipients_size(); ++i) {
    const std::string field = "report.recipients[" + std::to_string(i) + "]";
    if (auto checked = names::check_organisation(report.recipients(i)); !checked) {
      return invalid(field, checked.error().message);
    }
    if (!named.insert(report.recipients(i)).second) {
      return invalid(field, "'" + report.recipients(i) + "' is named twice");
    }
  }
  std::set<std::string> sealed_for;
  for (int i = 0; i < report.sealed_copies_size(); ++i) {
    const v1::SealedCopy& copy = report.sealed_copies(i);
    const std::string field = "report.sealed_copies[" + std::to_string(i) + "]";
    if (!named.contains(copy.recipient())) {
      return invalid(field + ".recipient", "'" + copy.recipient() + "' is not one of report.recipients");
    }
    if (!sealed_for.insert(copy.recipient()).second) {
      return invalid(field + ".recipient", "a second copy for '" + copy.recipient() + "'");
    }
    if (copy.withheld() && !copy.sealed().empty()) {
      return invalid(field + ".sealed", "a withheld copy carries nothing");
    }
    if (!copy.withheld() && copy.sealed().size() < kSealedBoxOverhead) {
      return invalid(field + ".sealed", "is not a sealed box (shorter than 48 bytes)");
    }
    if (copy.sealed().size() > limits.max_sealed_copy_bytes) {
      return invalid(field + ".sealed", "longer than " + std::to_string(limits.max_sealed_copy_bytes) + " bytes");
    }
  }
  for (const auto& name : named) {
    if (!sealed_for.contains(name)) {
      return invalid("report.sealed_copies", "no copy for '" + name + "' (one per named recipient, sealed or withheld)");
    }
  }
  report.clear_broker();
  return ok();
}

}  // namespace

Result<void> validate_report(v1::Report& report, const ReportLimits& limits) {
  if (report.id().empty()) {
    return invalid("report.id", "is missing (a UUID chosen by the publisher)");
  }
  if (!names::is_uuid(report.id())) {
    return invalid("report.id", "not a UUID (8-4-4-4-12 hex digits)");
  }
  report.set_id(names::to_lower(report.id()));

  if (report.feed().empty()) {
    return invalid("report.feed", "is missing");
  }
  if (auto checked = names::check_feed(report.feed()); !checked) {
    return invalid("report.feed", checked.error().message);
  }
  if (report.tlp() == v1::TLP_UNSPECIFIED) {
    return invalid("report.tlp", "is missing (CLEAR, GREEN, AMBER, AMBER_STRICT or RED)");
  }
  if (!v1::Tlp_IsValid(report.tlp())) {
    return invalid("report.tlp", "unknown TLP level " + std::to_string(static_cast<int>(report.tlp())));
  }
  if (report.tlp() == v1::RED) {
    return validate_sealed(report, limits);
  }
  if (report.sealed_copies_size() > 0) {
    return invalid("report.sealed_copies", "only TLP:RED reports carry sealed copies");
  }
  WEFT_TRY(check_text(report.title(), limits.max_title_bytes, "report.title", true));
  WEFT_TRY(check_text(report.description(), limits.max_description_bytes, "report.description", false));
  if (report.has_created()) {
    WEFT_TRY(check_timestamp(report.created(), "report.created"));
  }

  if (static_cast<std::size_t>(report.labels_size()) > limits.max_labels) {
    return invalid("report.labels", "more than " + std::to_string(limits.max_labels) + " labels");
  }
  for (int i = 0; i < report.labels_size(); ++i) {
    WEFT_TRY(check_text(report.labels(i), limits.max_label_bytes, "report.labels[" + std::to_string(i) + "]", true));
  }

  if (static_cast<std::size_t>(report.recipients_size()) > limits.max_recipients) {
    return invalid("report.recipients", "more than " + std::to_string(limits.max_recipients) + " recipients");
  }
  for (int i = 0; i < report.recipients_size(); ++i) {
    if (auto checked = names::check_organisation(report.recipients(i)); !checked) {
      return invalid("report.recipients[" + std::to_string(i) + "]", checked.error().message);
    }
  }

  if (static_cast<std::size_t>(report.contacts_size()) > limits.max_contacts) {
    return invalid("report.contacts", "more than " + std::to_string(limits.max_contacts) + " contacts");
  }
  for (int i = 0; i < report.contacts_size(); ++i) {
    const auto& contact = report.contacts(i);
    const std::string prefix = "report.contacts[" + std::to_string(i) + "].";
    for (const auto& [field, value] : {std::pair{"role", &contact.role()}, std::pair{"name", &contact.name()},
                                       std::pair{"organisation", &contact.organisation()},
                                       std::pair{"email", &contact.email()}, std::pair{"phone", &contact.phone()}}) {
      WEFT_TRY(check_text(*value, limits.max_contact_field_bytes, prefix + field, false));
    }
  }

  if (static_cast<std::size_t>(report.indicators_size()) > limits.max_indicators) {
    return invalid("report.indicators", "more than " + std::to_string(limits.max_indicators) + " indicators");
  }
  for (int i = 0; i < report.indicators_size(); ++i) {
    const auto& indicator = report.indicators(i);
    const std::string prefix = "report.indicators[" + std::to_string(i) + "].";
    if (indicator.type() == v1::Indicator::TYPE_UNSPECIFIED) {
      return invalid(prefix + "type", "is missing");
    }
    if (!v1::Indicator::Type_IsValid(indicator.type())) {
      return invalid(prefix + "type", "unknown indicator type " + std::to_string(static_cast<int>(indicator.type())));
    }
    WEFT_TRY(check_text(indicator.value(), limits.max_indicator_value_bytes, prefix + "value", true));
    for (int l = 0; l < indicator.labels_size(); ++l) {
      WEFT_TRY(check_text(indicator.labels(l), limits.max_label_bytes, prefix + "labels[" + std::to_string(l) + "]",
                          true));
    }
    if (auto checked = check_indicator_value(indicator.type(), indicator.value()); !checked) {
      return invalid(prefix + "value", checked.error().message);
    }
    WEFT_TRY(check_text(indicator.description(), limits.max_indicator_description_bytes, prefix + "description",
                        false));
    if (indicator.confidence() > 100) {
      return invalid(prefix + "confidence", "must be between 0 and 100");
    }
    if (indicator.has_valid_from()) {
      WEFT_TRY(check_timestamp(indicator.valid_from(), prefix + "valid_from"));
    }
    if (indicator.has_valid_until()) {
      WEFT_TRY(check_timestamp(indicator.valid_until(), prefix + "valid_until"));
      if (indicator.has_valid_from() && !later(indicator.valid_until(), indicator.valid_from())) {
        return invalid(prefix + "valid_until", "must be later than valid_from");
      }
    }
    if (static_cast<std::size_t>(indicator.labels_size()) > limits.max_labels) {
      return invalid(prefix + "labels", "more than " + std::to_string(limits.max_labels) + " labels");
    }
  }
  report.clear_broker();
  return ok();
}

}  // namespace weft::broker::pipeline
