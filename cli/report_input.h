// Reading reports for `weft publish`: one JSON object, a JSON array of
// objects, or JSON Lines (one object per line), in the protobuf JSON mapping
// of weft.v1.Report. Each report is parsed on its own, so one bad report is
// named and skipped while the others go through.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "proto/error.h"
#include "weft/v1/report.pb.h"

namespace weft::cli {

struct InputReport {
  std::string where;  // "reports.json:12 (report 3)"
  Result<v1::Report> report;
};

// A top-level JSON value found in the input, with the line it starts on.
struct JsonValueText {
  std::size_t line;
  std::string_view text;
};

// Splits the input into top-level values: the elements of a top-level array,
// or a sequence of objects. Fails on unbalanced brackets or strings.
Result<std::vector<JsonValueText>> split_json_values(std::string_view input);

std::vector<InputReport> parse_reports(std::string_view input, std::string_view source_name);

}  // namespace weft::cli
