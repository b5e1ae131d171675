// Stage "validate": is this report well-formed enough to accept?
//
// Checks presence, sizes and syntax; normalises the id to lower case; clears
// the broker-asserted stamp (only the broker writes it). Messages name the
// field ("report.indicators[3].value: not an IPv4 address") and never quote
// the refused value, which may be personal data.
#pragma once

#include "proto/error.h"
#include "weft/v1/report.pb.h"

namespace weft::broker::pipeline {

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

Result<void> validate_report(v1::Report& report, const ReportLimits& limits = {});

// Syntax of one indicator value for its type (exposed for tests).
Result<void> check_indicator_value(v1::Indicator::Type type, std::string_view value);

}  // namespace weft::broker::pipeline
