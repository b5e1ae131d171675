#include "formats/misp_types.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>

#include "formats/indicator_values.h"

namespace weft::formats::misp {
namespace {

// The attribute types of the MISP core format (MISP's category definitions,
// 2.4/2.5), sorted for binary search.
constexpr std::array<std::string_view, 188> kKnownTypes = {
    "AS", "aba-rtn", "anonymised", "attachment", "authentihash", "azure-application-id", "bank-account-nr", "bic",
    "bin", "boolean", "bro", "btc", "campaign-id", "campaign-name", "cc-number", "cdhash", "chrome-extension-id",
    "comment", "community-id", "cookie", "cortex", "counter", "country-of-residence", "cpe", "dash",
    "date-of-birth", "datetime", "dkim", "dkim-signature", "dns-soa-email", "domain", "domain|ip", "email",
    "email-attachment", "email-body", "email-dst", "email-dst-display-name", "email-header", "email-message-id",
    "email-mime-boundary", "email-reply-to", "email-src", "email-src-display-name", "email-subject",
    "email-thread-index", "email-x-mailer", "eppn", "favicon-mmh3", "filename", "filename-pattern",
    "filename|authentihash", "filename|impfuzzy", "filename|imphash", "filename|md5", "filename|pehash",
    "filename|sha1", "filename|sha224", "filename|sha256", "filename|sha3-224", "filename|sha3-256",
    "filename|sha3-384", "filename|sha3-512", "filename|sha384", "filename|sha512", "filename|sha512/224",
    "filename|sha512/256", "filename|ssdeep", "filename|tlsh", "filename|vhash", "first-name", "float",
    "frequent-flyer-number", "full-name", "gender", "gene", "git-commit-id", "github-organisation",
    "github-repository", "github-username", "hassh-md5", "hasshserver-md5", "hex", "hostname", "hostname|port",
    "http-method", "iban", "identity-card-number", "impfuzzy", "imphash", "ip-dst", "ip-dst|port", "ip-src",
    "ip-src|port", "issue-date-of-the-visa", "ja3-fingerprint-md5", "jabber-id", "jarm-fingerprint",
    "kusto-query", "last-name", "link", "mac-address", "mac-eui-64", "malware-sample", "malware-type", "md5",
    "middle-name", "mime-type", "mobile-application-id", "mutex", "named pipe", "nationality", "other",
    "passenger-name-record-locator-number", "passport-country", "passport-expiration", "passport-number",
    "pattern-in-file", "pattern-in-memory", "pattern-in-traffic", "payment-details", "pdb", "pehash",
    "pgp-private-key", "pgp-public-key", "phone-number", "place-of-birth", "place-port-of-clearance",
    "place-port-of-onward-foreign-destination", "place-port-of-original-embarkation", "port", "primary-residence",
    "process-state", "prtn", "redress-number", "regkey", "regkey|value", "sha1", "sha224", "sha256", "sha3-224",
    "sha3-256", "sha3-384", "sha3-512", "sha384", "sha512", "sha512/224", "sha512/256", "sigma",
    "size-in-bytes", "snort", "special-service-request", "ssdeep", "ssh-fingerprint", "stix2-pattern",
    "target-email", "target-external", "target-location", "target-machine", "target-org", "target-user",
    "telfhash", "text", "threat-actor", "tlsh", "travel-details", "twitter-id", "uri", "url", "user-agent",
    "vhash", "visa-number", "vulnerability", "weakness", "whois-creation-date", "whois-registrant-email",
    "whois-registrant-name", "whois-registrant-org", "whois-registrant-phone", "whois-registrar",
    "windows-scheduled-task", "windows-service-displayname", "windows-service-name", "x509-fingerprint-md5",
    "x509-fingerprint-sha1", "x509-fingerprint-sha256", "xmr", "yara", "zeek"};

bool is_ip_type(std::string_view misp_type) {
  return misp_type == "ip-src" || misp_type == "ip-dst" || misp_type == "ip";
}

bool is_ip_kind(v1::Indicator::Type type) {
  return type == v1::Indicator::IPV4 || type == v1::Indicator::IPV6 || type == v1::Indicator::IPV4_CIDR ||
         type == v1::Indicator::IPV6_CIDR;
}

std::optional<v1::Indicator::Type> mapped_type(std::string_view misp_type) {
  using I = v1::Indicator;
  struct Entry {
    std::string_view misp;
    I::Type weft;
  };
  static constexpr Entry kMap[] = {
      {"domain", I::DOMAIN},
      {"hostname", I::DOMAIN},
      {"url", I::URL},
      {"link", I::URL},
      {"uri", I::URL},
      {"email", I::EMAIL},
      {"email-src", I::EMAIL},
      {"email-dst", I::EMAIL},
      {"target-email", I::EMAIL},
      {"whois-registrant-email", I::EMAIL},
      {"dns-soa-email", I::EMAIL},
      {"md5", I::MD5},
      {"sha1", I::SHA1},
      {"sha256", I::SHA256},
      {"sha512", I::SHA512},
      {"filename", I::FILENAME},
      {"mutex", I::MUTEX},
      {"regkey", I::REGISTRY_KEY},
      {"user-agent", I::USER_AGENT},
      {"ja3-fingerprint-md5", I::JA3},
      {"ssdeep", I::SSDEEP},
      {"vulnerability", I::CVE},
      {"AS", I::ASN},
  };
  for (const Entry& entry : kMap) {
    if (entry.misp == misp_type) {
      return entry.weft;
    }
  }
  return std::nullopt;
}

bool phone_like(std::string_view value) {
  return !value.empty() && std::all_of(value.begin(), value.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c)) || c == ' ' || c == '+' || c == '-' || c == '(' ||
           c == ')' || c == '.' || c == '/';
  });
}

}  // namespace

bool is_known_type(std::string_view misp_type) {
  return std::binary_search(kKnownTypes.begin(), kKnownTypes.end(), misp_type);
}

bool is_composite(std::string_view misp_type) {
  return misp_type.find('|') != std::string_view::npos;
}

std::optional<v1::Indicator::Type> weft_type(std::string_view misp_type, std::string_view value) {
  if (is_ip_type(misp_type)) {
    const bool v6 = value.find(':') != std::string_view::npos;
    const bool network = value.find('/') != std::string_view::npos;
    if (network) {
      return v6 ? v1::Indicator::IPV6_CIDR : v1::Indicator::IPV4_CIDR;
    }
    return v6 ? v1::Indicator::IPV6 : v1::Indicator::IPV4;
  }
  if (auto mapped = mapped_type(misp_type)) {
    return mapped;
  }
  // The second halves of composite types ("port", "value") are MISP types or
  // plain text: context either way.
  if (is_known_type(misp_type) || misp_type == "value") {
    return v1::Indicator::OTHER;
  }
  return std::nullopt;
}

bool fits(std::string_view misp_type, v1::Indicator::Type type) {
  if (is_ip_type(misp_type)) {
    return is_ip_kind(type);
  }
  if (misp_type == "uri") {
    return type == v1::Indicator::URL || type == v1::Indicator::OTHER;  // a path alone is context
  }
  const auto mapped = weft_type(misp_type, "");
  return mapped && *mapped == type;
}

bool value_fits(std::string_view misp_type, std::string_view value) {
  if (value.empty()) {
    return false;
  }
  if (is_ip_type(misp_type)) {
    for (auto type : {v1::Indicator::IPV4, v1::Indicator::IPV6, v1::Indicator::IPV4_CIDR, v1::Indicator::IPV6_CIDR}) {
      if (!indicator_value_problem(type, value)) {
        return true;
      }
    }
    return false;
  }
  if (misp_type == "uri") {
    return !indicator_value_problem(v1::Indicator::OTHER, value);  // MISP takes paths as well as URLs
  }
  if (misp_type == "phone-number") {
    return phone_like(value);
  }
  if (misp_type == "AS") {
    // MISP keeps AS numbers as bare digits.
    return !value.empty() && std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; });
  }
  const auto mapped = mapped_type(misp_type);
  if (!mapped) {
    return true;  // free text in MISP: any value goes
  }
  return !indicator_value_problem(*mapped, value);
}

std::string_view default_type(v1::Indicator::Type type) {
  switch (type) {
    case v1::Indicator::IPV4:
    case v1::Indicator::IPV6:
    case v1::Indicator::IPV4_CIDR:
    case v1::Indicator::IPV6_CIDR:
      return "ip-dst";
    case v1::Indicator::DOMAIN:
      return "domain";
    case v1::Indicator::URL:
      return "url";
    case v1::Indicator::EMAIL:
      return "email";
    case v1::Indicator::MD5:
      return "md5";
    case v1::Indicator::SHA1:
      return "sha1";
    case v1::Indicator::SHA256:
      return "sha256";
    case v1::Indicator::SHA512:
      return "sha512";
    case v1::Indicator::CVE:
      return "vulnerability";
    case v1::Indicator::ASN:
      return "AS";
    case v1::Indicator::FILENAME:
      return "filename";
    case v1::Indicator::MUTEX:
      return "mutex";
    case v1::Indicator::REGISTRY_KEY:
      return "regkey";
    case v1::Indicator::USER_AGENT:
      return "user-agent";
    case v1::Indicator::JA3:
      return "ja3-fingerprint-md5";
    case v1::Indicator::SSDEEP:
      return "ssdeep";
    default:
      return "text";
  }
}

std::string_view default_category(std::string_view misp_type) {
  static constexpr std::string_view kNetwork[] = {"ip-dst", "ip-src", "domain", "hostname", "url", "uri", "email",
                                                  "email-src", "email-dst", "user-agent", "AS",
                                                  "ja3-fingerprint-md5", "port"};
  static constexpr std::string_view kPayload[] = {"md5", "sha1", "sha256", "sha512", "ssdeep", "filename", "link"};
  static constexpr std::string_view kDropped[] = {"mutex", "regkey"};
  const auto in = [misp_type](const auto& list) {
    return std::find(std::begin(list), std::end(list), misp_type) != std::end(list);
  };
  if (in(kNetwork)) {
    return "Network activity";
  }
  if (in(kPayload)) {
    return "Payload delivery";
  }
  if (in(kDropped)) {
    return "Artifacts dropped";
  }
  if (misp_type == "vulnerability") {
    return "External analysis";
  }
  return "Other";
}

bool is_personal_category(std::string_view category) {
  return category == "Person" || category == "Targeting data";
}

ContactField contact_field(std::string_view misp_type) {
  if (misp_type == "email" || misp_type == "email-src" || misp_type == "email-dst" || misp_type == "target-email") {
    return ContactField::kEmail;
  }
  if (misp_type == "phone-number") {
    return ContactField::kPhone;
  }
  if (misp_type == "target-org") {
    return ContactField::kOrganisation;
  }
  // Names, and everything else about a person (target-machine, passport or
  // nationality details, ...): the name field is treated as personal data as
  // a whole, the strictest place weft has for it.
  return ContactField::kName;
}

std::string escape_field(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '%') {
      out += "%25";
    } else if (c == '|') {
      out += "%7C";
    } else {
      out += c;
    }
  }
  return out;
}

std::string unescape_field(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && text.substr(i, 3) == "%25") {
      out += '%';
      i += 2;
    } else if (text[i] == '%' && text.substr(i, 3) == "%7C") {
      out += '|';
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

}  // namespace weft::formats::misp
