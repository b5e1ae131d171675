// What makes a report's parts acceptable, shared by the broker (which
// refuses a report that breaks them) and the importers (which name the
// offending STIX object, MISP attribute or CSV line before anything is sent).
// Messages never quote the value: it may be personal data.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "proto/error.h"
#include "weft/v1/report.pb.h"

namespace weft {

struct ReportLimits {
  std::size_t max_title_bytes = 512;
  std::size_t max_description_bytes = 256 * 1024;
  std::size_t max_labels = 64;
  std::size_t max_label_bytes = 128;
  std::size_t max_recipients = 256;
  std::size_t max_contacts = 64;
  std::size_t max_contact_field_bytes = 512;
  std::size_t max_indicators = 10000;
  std::size_t max_indicator_value_bytes = 4096;
  std::size_t max_indicator_description_bytes = 8192;
  std::size_t max_sealed_copy_bytes = 1024 * 1024;
};

// Syntax of one indicator value for its type; VALIDATION_FAILED says what
// was expected ("not an IPv4 address (dotted quad)").
Result<void> check_indicator_value(v1::Indicator::Type type, std::string_view value);

// Why `text` cannot be a text field of at most `max_bytes` ("longer than
// 512 bytes", "is not UTF-8", "contains the control character U+0007"), or
// none.
std::optional<std::string> text_problem(std::string_view text, std::size_t max_bytes);

// The part of text_problem() that does not depend on the length ("is not
// UTF-8", "contains the control character U+007F"), for text an importer
// cuts to fit rather than refuses.
std::optional<std::string> text_content_problem(std::string_view text);

}  // namespace weft
