#include "common/report_rules.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>

#include "common/utf8.h"

namespace weft {
namespace {

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
    case v1::Indicator::OTHER:  // context text: may run over several lines
      valid = std::none_of(value.begin(), value.end(), [](char c) {
        return c != '\n' && c != '\r' && (c == '\x7F' || static_cast<unsigned char>(c) < 0x20) && c != '\t';
      });
      expected = "text without control characters other than tab and line breaks";
      break;
    default:
      return make_error(v1::VALIDATION_FAILED, "unknown indicator type");
  }
  if (!valid) {
    return make_error(v1::VALIDATION_FAILED, "not " + expected);
  }
  return ok();
}

std::optional<std::string> text_problem(std::string_view text, std::size_t max_bytes) {
  if (text.size() > max_bytes) {
    return "longer than " + std::to_string(max_bytes) + " bytes";
  }
  return text_content_problem(text);
}

std::optional<std::string> text_content_problem(std::string_view text) {
  // Protobuf refuses to parse a string field that is not UTF-8: the broker
  // would refuse the whole frame, not just this text.
  if (!utf8::is_valid(text)) {
    return std::string("is not UTF-8");
  }
  // Control characters other than tab and line breaks have no place in a
  // report, and the redaction engine relies on their absence.
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t' && c != '\n' && c != '\r') || u == 0x7F) {
      char code[8];
      std::snprintf(code, sizeof code, "%02X", u);
      return std::string("contains the control character U+00") + code;
    }
  }
  return std::nullopt;
}

}  // namespace weft
