#include "broker/taxii/taxii_paging.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <limits>

#include "formats/identifiers.h"

namespace weft::broker::taxii {
namespace {

constexpr std::string_view kBase64Url = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
// Bumped if the position ever means something else, so that old tokens are
// refused instead of misread.
constexpr std::string_view kTokenVersion = "1";
constexpr std::size_t kMaxTokenLength = 64;
// Filters past these counts are refused: each is compared with every object.
constexpr std::size_t kMaxFilterValues = 100;
constexpr std::size_t kMaxQueryBytes = 4096;

std::string base64url(std::string_view bytes) {
  std::string out;
  std::uint32_t bits = 0;
  int count = 0;
  for (unsigned char byte : bytes) {
    bits = (bits << 8) | byte;
    count += 8;
    while (count >= 6) {
      count -= 6;
      out += kBase64Url[(bits >> count) & 0x3F];
    }
  }
  if (count > 0) {
    out += kBase64Url[(bits << (6 - count)) & 0x3F];
  }
  return out;
}

std::optional<std::string> from_base64url(std::string_view text) {
  std::string out;
  std::uint32_t bits = 0;
  int count = 0;
  for (char c : text) {
    const auto value = kBase64Url.find(c);
    if (value == std::string_view::npos) {
      return std::nullopt;
    }
    bits = (bits << 6) | static_cast<std::uint32_t>(value);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out += static_cast<char>((bits >> count) & 0xFF);
    }
  }
  // Leftover bits must be zero padding, so that each position has exactly
  // one token.
  if (count >= 6 || (bits & ((1U << count) - 1)) != 0) {
    return std::nullopt;
  }
  return out;
}

template <class T>
std::optional<T> parse_decimal(std::string_view text) {
  T value{};
  if (text.empty() || text.size() > 20 || (text.size() > 1 && text[0] == '0')) {
    return std::nullopt;
  }
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return value;
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = text.find(separator, start);
    parts.push_back(text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) {
      return parts;
    }
    start = end + 1;
  }
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
    text.remove_prefix(1);
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
    text.remove_suffix(1);
  }
  return text;
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c); });
  return out;
}

Error bad_parameter(std::string_view name, const std::string& problem) {
  return make_error(v1::VALIDATION_FAILED, "query parameter '" + std::string(name) + "': " + problem);
}

// STIX type names: 3 to 250 of [a-z0-9-] (STIX 2.1 section 3.1).
bool is_stix_type(std::string_view type) {
  return type.size() >= 3 && type.size() <= 250 &&
         std::all_of(type.begin(), type.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; });
}

bool is_stix_id(std::string_view id) {
  const auto separator = id.find("--");
  return separator != std::string_view::npos && is_stix_type(id.substr(0, separator)) &&
         formats::is_uuid(id.substr(separator + 2));
}

bool same_time(const google::protobuf::Timestamp& a, const google::protobuf::Timestamp& b) {
  return a.seconds() == b.seconds() && a.nanos() == b.nanos();
}

Result<void> add_list(std::string_view name, std::string_view value, std::vector<std::string>& into,
                      bool (*valid)(std::string_view), const char* what) {
  for (std::string_view item : split(value, ',')) {
    item = trim(item);
    if (!valid(item)) {
      return bad_parameter(name, "'" + std::string(item.substr(0, 80)) + "' is not " + what);
    }
    if (into.size() >= kMaxFilterValues) {
      return bad_parameter(name, "at most " + std::to_string(kMaxFilterValues) + " values");
    }
    into.emplace_back(item);
  }
  return ok();
}

Result<void> add_versions(std::string_view value, std::vector<google::protobuf::Timestamp>& into,
                          bool& every_version) {
  for (std::string_view item : split(value, ',')) {
    item = trim(item);
    if (item == "last" || item == "first" || item == "all") {
      every_version = true;
      continue;
    }
    auto time = formats::parse_rfc3339(item);
    if (!time) {
      return bad_parameter("match[version]", "'" + std::string(item.substr(0, 80)) +
                                                 "' is neither first, last, all nor an RFC 3339 timestamp");
    }
    if (into.size() >= kMaxFilterValues) {
      return bad_parameter("match[version]", "at most " + std::to_string(kMaxFilterValues) + " values");
    }
    into.push_back(*time);
  }
  return ok();
}

}  // namespace

std::string encode_next(PagePosition position) {
  return base64url(std::string(kTokenVersion) + ":" + std::to_string(position.sequence) + ":" +
                   std::to_string(position.object));
}

std::optional<PagePosition> decode_next(std::string_view token) {
  if (token.empty() || token.size() > kMaxTokenLength) {
    return std::nullopt;
  }
  const auto text = from_base64url(token);
  if (!text) {
    return std::nullopt;
  }
  const auto parts = split(*text, ':');
  if (parts.size() != 3 || parts[0] != kTokenVersion) {
    return std::nullopt;
  }
  const auto sequence = parse_decimal<std::uint64_t>(parts[1]);
  const auto object = parse_decimal<std::uint32_t>(parts[2]);
  if (!sequence || !object || *sequence == 0 ||
      *sequence > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    return std::nullopt;
  }
  return PagePosition{*sequence, *object};
}

bool ObjectQuery::matches(const formats::StixObject& object) const {
  if (!types.empty() && std::find(types.begin(), types.end(), object.type) == types.end()) {
    return false;
  }
  if (!ids.empty() && std::find(ids.begin(), ids.end(), object.id) == ids.end()) {
    return false;
  }
  if (!versions.empty()) {
    const auto modified = formats::parse_rfc3339(object.modified);
    if (!modified || std::none_of(versions.begin(), versions.end(),
                                  [&](const auto& version) { return same_time(version, *modified); })) {
      return false;
    }
  }
  return true;
}

Result<ObjectQuery> parse_object_query(std::string_view query, std::uint32_t max_page) {
  ObjectQuery parsed;
  parsed.limit = max_page;
  if (query.size() > kMaxQueryBytes) {
    return make_error(v1::VALIDATION_FAILED, "the query string is longer than " + std::to_string(kMaxQueryBytes) +
                                                 " bytes");
  }
  bool seen_limit = false;
  bool seen_added_after = false;
  bool every_version = false;
  for (std::string_view pair : split(query, '&')) {
    if (pair.empty()) {
      continue;
    }
    const auto equals = pair.find('=');
    const auto name = percent_decode(pair.substr(0, equals));
    const auto value = percent_decode(equals == std::string_view::npos ? std::string_view() : pair.substr(equals + 1));
    if (!name || !value) {
      return make_error(v1::VALIDATION_FAILED, "the query string has a broken percent-escape");
    }
    if (*name == "limit") {
      const auto limit = parse_decimal<std::uint32_t>(*value);
      if (seen_limit || !limit || *limit == 0) {
        return bad_parameter(*name, seen_limit ? "given twice" : "must be a positive integer");
      }
      seen_limit = true;
      parsed.limit = std::min(*limit, max_page);
    } else if (*name == "added_after") {
      auto time = formats::parse_rfc3339(*value);
      if (seen_added_after || !time) {
        return bad_parameter(*name, seen_added_after ? "given twice" : "must be an RFC 3339 timestamp");
      }
      seen_added_after = true;
      parsed.added_after = *time;
    } else if (*name == "next") {
      auto position = decode_next(*value);
      if (parsed.next || !position) {
        return bad_parameter(*name, parsed.next ? "given twice" : "is not a token this server issued");
      }
      parsed.next = *position;
    } else if (*name == "match[type]") {
      WEFT_TRY(add_list(*name, *value, parsed.types, is_stix_type, "a STIX type"));
    } else if (*name == "match[id]") {
      WEFT_TRY(add_list(*name, *value, parsed.ids, is_stix_id, "a STIX id (type--uuid)"));
    } else if (*name == "match[version]") {
      WEFT_TRY(add_versions(*value, parsed.versions, every_version));
    } else if (*name == "match[spec_version]") {
      for (std::string_view item : split(*value, ',')) {
        if (trim(item) != "2.1") {
          return bad_parameter(*name, "this server holds STIX 2.1 only");
        }
      }
    }
    // Other parameters are ignored, as TAXII 2.1 asks of servers.
  }
  if (every_version) {
    parsed.versions.clear();
  }
  return parsed;
}

bool accepts_taxii_json(std::string_view accept) {
  if (trim(accept).empty()) {
    return true;
  }
  for (std::string_view range : split(accept, ',')) {
    const auto parts = split(range, ';');
    const std::string media = lower(trim(parts[0]));
    const bool wildcard = media == "*/*" || media == "application/*";
    if (!wildcard && media != "application/taxii+json") {
      continue;
    }
    bool admitted = true;
    for (std::size_t i = 1; i < parts.size(); ++i) {
      const std::string parameter = lower(trim(parts[i]));
      const auto equals = parameter.find('=');
      const std::string key(trim(std::string_view(parameter).substr(0, equals)));
      const std::string value =
          equals == std::string::npos ? std::string() : std::string(trim(std::string_view(parameter).substr(equals + 1)));
      if (key == "version" && !wildcard && value != "2.1" && value != "\"2.1\"") {
        admitted = false;
      }
      if (key == "q" && (value == "0" || value == "0.0" || value == "0.00" || value == "0.000")) {
        admitted = false;
      }
    }
    if (admitted) {
      return true;
    }
  }
  return false;
}

std::optional<std::string> percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 2 >= text.size()) {
      return std::nullopt;
    }
    const auto hex = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return -1;
    };
    const int high = hex(text[i + 1]);
    const int low = hex(text[i + 2]);
    if (high < 0 || low < 0) {
      return std::nullopt;
    }
    out += static_cast<char>(high * 16 + low);
    i += 2;
  }
  return out;
}

}  // namespace weft::broker::taxii
