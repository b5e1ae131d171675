// STIX 2.1 Patterning: a parser for the grammar of the specification
// (oasis-open/cti-stix2-json-schemas pattern_grammar/STIXPattern.g4) and the
// quoting that export needs. Import reads each comparison of a pattern; what
// joins them (OR, AND, FOLLOWEDBY, qualifiers) decides what weft can carry.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "proto/error.h"

namespace weft::formats {

struct StixLiteral {
  enum class Kind { kString, kInteger, kFloat, kBoolean, kTimestamp, kHex, kBinary };
  Kind kind = Kind::kString;
  // Strings unescaped; timestamps, hex and binary without their t'', h'', b'';
  // numbers and booleans as written.
  std::string text;
};

struct StixComparison {
  std::string object_type;  // "file"
  // Property names with quoted names unquoted ("hashes", "SHA-256"); list
  // indexes as "[0]" or "[*]".
  std::vector<std::string> path;
  // "=", "!=", "<", "<=", ">", ">=", "IN", "LIKE", "MATCHES", "ISSUBSET",
  // "ISSUPERSET" or "EXISTS" ("==" is read as "=", "<>" as "!=").
  std::string op;
  bool negated = false;
  std::vector<StixLiteral> values;  // one; the members of an IN set; none for EXISTS
  std::size_t position = 0;         // byte offset of the object path in the pattern
};

struct StixPattern {
  std::vector<StixComparison> comparisons;  // in the order they are written
  // Everything that makes the pattern more than "any of these comparisons":
  // "AND", "FOLLOWEDBY", "WITHIN", "REPEATS", "START/STOP", sorted, once each.
  std::vector<std::string> combinators;
};

// INVALID_INPUT names the byte offset and what was expected there, never the
// literal (it may be personal data).
Result<StixPattern> parse_stix_pattern(std::string_view pattern);

// 'value' with \ and ' escaped, as a STIX string literal.
std::string stix_string_literal(std::string_view value);

// "hashes.'SHA-256'" for the path {"hashes", "SHA-256"}: names quoted where
// the grammar needs it.
std::string stix_object_path(const StixComparison& comparison);

}  // namespace weft::formats
