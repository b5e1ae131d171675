// What a TAXII 2.1 client asks for, read from the request and checked: the
// Accept header, the query of the objects and manifest endpoints (filters,
// limit) and the opaque `next` token that says where a page starts. Pure: no
// networking, no storage.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <google/protobuf/timestamp.pb.h>

#include "formats/formats.h"
#include "proto/error.h"

namespace weft::broker::taxii {

// Where a page starts: the stored report with this feed sequence, from
// this object of its STIX objects on (earlier ones were on earlier pages).
struct PagePosition {
  std::uint64_t sequence = 0;
  std::uint32_t object = 0;

  bool operator==(const PagePosition&) const = default;
};

// The `next` token: opaque to clients, URL-safe, and checked on the way back
// in so that a forged or mangled one is a 400 rather than a random place.
std::string encode_next(PagePosition position);
std::optional<PagePosition> decode_next(std::string_view token);

struct ObjectQuery {
  std::optional<google::protobuf::Timestamp> added_after;
  std::uint32_t limit = 0;            // 1 .. max_page
  std::optional<PagePosition> next;   // absent: from the start of the feed
  std::vector<std::string> types;     // match[type]; empty: any
  std::vector<std::string> ids;       // match[id]; empty: any
  // match[version] as timestamps; empty: every version ("last", "first" and
  // "all" are the same here: a collection holds one version of an object).
  std::vector<google::protobuf::Timestamp> versions;

  bool matches(const formats::StixObject& object) const;
};

// The query string (without '?') of the objects or manifest endpoint.
// VALIDATION_FAILED names the parameter and what is wrong with it.
Result<ObjectQuery> parse_object_query(std::string_view query, std::uint32_t max_page);

// Whether an Accept header admits application/taxii+json;version=2.1 (an
// absent header does).
bool accepts_taxii_json(std::string_view accept);

// "%5B" -> "[": RFC 3986 percent-decoding; nullopt on a broken escape.
std::optional<std::string> percent_decode(std::string_view text);

}  // namespace weft::broker::taxii
