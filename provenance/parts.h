// The canonical parts of a report, and a report rebuilt from parts
// (docs/provenance.md, "Parts and paths").
//
// A part is one field of the report's content, or one segment of a text
// field, with its value as a string (provenance/values.h) and whether the
// publisher marks it as personal data. parts_of() walks a report in
// canonical order and omits what is empty (proto3 defaults, unset
// timestamps); rebuild() is its inverse: rebuild(parts_of(r)) == content_of(r)
// for every report parts_of() accepts. Rebuilding from a subset of the parts
// (what a recipient got) drops the array elements none of whose parts is
// present and keeps the others in order.
//
// Pure; thread-safe.
#pragma once

#include <cstddef>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "proto/error.h"
#include "provenance/segments.h"
#include "weft/v1/report.pb.h"

namespace weft::provenance {

struct Part {
  std::string path;
  std::string value;
  bool personal = false;
};

// Like SpanFinder, also told which field (field_path(), e.g. "description",
// "contacts[0].role") the text belongs to.
using FieldSpanFinder = std::function<std::vector<Span>(std::string_view field, std::string_view text)>;

// Text fields are cut at the spans the finder returns. Other parts are
// personal by nature (a contact's name, e-mail and phone; the value of an
// EMAIL, IPV4, IPV6, IPV4_CIDR or IPV6_CIDR indicator) or when the finder
// finds anything in them (a contact's role and organisation, any other
// indicator value): the broker's policies scan those too. An empty finder
// finds nothing.
//
// INVALID_INPUT for what parts cannot represent: an array element without
// content (an empty label or recipient, a contact or indicator with every
// field empty: it would vanish on rebuild), text that is not UTF-8, a
// timestamp outside 0001-9999.
Result<std::vector<Part>> parts_of(const v1::Report& report, const SpanFinder& find_personal);
Result<std::vector<Part>> parts_of_fields(const v1::Report& report, const FieldSpanFinder& find_personal);

struct PartValue {
  std::size_t index = 0;  // the part's position in its manifest, for messages
  std::string_view path;
  std::string_view value;
};

// Scalars are set by path; segments are appended in the order given (give
// them in canonical order); array elements are created by the index in
// their path and output in index order, so absent elements leave no gap.
// PROVENANCE_INVALID for a path outside the grammar, an empty value, or a
// value that is not the canonical encoding of its field; messages name the
// part's index and path, never its value.
Result<v1::Report> rebuild(std::span<const PartValue> parts);

}  // namespace weft::provenance
