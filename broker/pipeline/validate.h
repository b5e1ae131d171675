// Stage "validate": is this report well-formed enough to accept?
//
// Checks presence, sizes and syntax; normalises the id to lower case; clears
// the broker-asserted stamp (only the broker writes it). Messages name the
// field ("report.indicators[3].value: not an IPv4 address") and never quote
// the refused value, which may be personal data.
#pragma once

#include "common/report_rules.h"
#include "proto/error.h"
#include "weft/v1/report.pb.h"

namespace weft::broker::pipeline {

using weft::ReportLimits;

Result<void> validate_report(v1::Report& report, const ReportLimits& limits = {});

using weft::check_indicator_value;

}  // namespace weft::broker::pipeline
