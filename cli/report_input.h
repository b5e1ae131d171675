// Reading reports for `weft publish`: one JSON object, a JSON array of
// objects, or JSON Lines (one object per line), in the protobuf JSON mapping
// of weft.v1.Report. Each report is parsed on its own, so one bad report is
// named and skipped while the others go through.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "formats/formats.h"
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

// `weft publish --format F [--feed F] [--tlp L]`.
struct ImportSettings {
  formats::Format format = formats::Format::kJsonl;
  std::string feed;                                 // where the input names none
  v1::Tlp default_tlp = v1::TLP_UNSPECIFIED;        // where the input marks none
};

struct ReadReports {
  // Every report found, then every object that could not become one (an
  // entry whose report is the error, naming the object).
  std::vector<InputReport> reports;
  // What the format had that weft does not carry: "<object>: <what>".
  std::vector<std::string> not_carried;
};

ReadReports read_reports(std::string_view input, std::string_view source_name, const ImportSettings& settings);

}  // namespace weft::cli
