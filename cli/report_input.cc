#include "cli/report_input.h"

#include <google/protobuf/util/json_util.h>

namespace weft::cli {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Scans one JSON value starting at `pos` (which is not whitespace); returns
// the position just after it, or npos if it never ends.
std::size_t end_of_value(std::string_view input, std::size_t pos, std::size_t& line) {
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = pos; i < input.size(); ++i) {
    const char c = input[i];
    if (c == '\n') {
      ++line;
    }
    if (in_string) {
      if (c == '\\') {
        ++i;  // skip the escaped character
      } else if (c == '"') {
        in_string = false;
        if (depth == 0) {
          return i + 1;
        }
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      if (--depth == 0) {
        return i + 1;
      }
      if (depth < 0) {
        return std::string_view::npos;
      }
    } else if (depth == 0 && (is_space(c) || c == ',')) {
      return i;  // end of a bare scalar
    }
  }
  return depth == 0 && !in_string ? input.size() : std::string_view::npos;
}

std::string clean_protobuf_message(std::string message) {
  for (std::string_view prefix : {"INVALID_ARGUMENT:", "INVALID_ARGUMENT: "}) {
    if (message.rfind(prefix, 0) == 0) {
      message.erase(0, prefix.size());
    }
  }
  return message;
}

}  // namespace

Result<std::vector<JsonValueText>> split_json_values(std::string_view input) {
  std::vector<JsonValueText> values;
  std::size_t line = 1;
  std::size_t pos = 0;
  const auto skip = [&](bool allow_comma) {
    while (pos < input.size() && (is_space(input[pos]) || (allow_comma && input[pos] == ','))) {
      if (input[pos] == '\n') {
        ++line;
      }
      ++pos;
    }
  };
  // Takes the value at `pos`; false if it never ends.
  const auto take_value = [&]() {
    const std::size_t start_line = line;
    const std::size_t end = end_of_value(input, pos, line);
    if (end == std::string_view::npos) {
      line = start_line;
      return false;
    }
    values.push_back({start_line, input.substr(pos, end - pos)});
    pos = end;
    return true;
  };
  const auto unbalanced = [&] {
    return make_error(v1::INVALID_INPUT, "line " + std::to_string(line) + ": unbalanced brackets or string");
  };
  skip(false);
  if (pos < input.size() && input[pos] == '[') {
    ++pos;  // a top-level array: its elements are the values
    while (true) {
      skip(true);
      if (pos >= input.size()) {
        return make_error(v1::INVALID_INPUT, "the JSON array is not closed");
      }
      if (input[pos] == ']') {
        ++pos;
        break;
      }
      if (!take_value()) {
        return unbalanced();
      }
    }
    skip(false);
    if (pos < input.size()) {
      return make_error(v1::INVALID_INPUT, "line " + std::to_string(line) + ": text after the JSON array");
    }
    return values;
  }
  while (pos < input.size()) {
    if (!take_value()) {
      return unbalanced();
    }
    skip(true);
  }
  return values;
}

std::vector<InputReport> parse_reports(std::string_view input, std::string_view source_name) {
  std::vector<InputReport> reports;
  auto values = split_json_values(input);
  if (!values) {
    reports.push_back({std::string(source_name), make_error(v1::INVALID_INPUT, values.error().message)});
    return reports;
  }
  if (values.value().empty()) {
    reports.push_back({std::string(source_name), make_error(v1::INVALID_INPUT, "no reports in the input")});
    return reports;
  }
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  options.case_insensitive_enum_parsing = false;
  std::size_t index = 0;
  for (const auto& value : values.value()) {
    ++index;
    InputReport entry{std::string(source_name) + ":" + std::to_string(value.line) + " (report " +
                          std::to_string(index) + ")",
                      v1::Report{}};
    if (value.text.empty() || value.text.front() != '{') {
      entry.report = make_error(v1::INVALID_INPUT, "expected a JSON object for a report");
    } else {
      v1::Report report;
      const auto status = google::protobuf::util::JsonStringToMessage(
          google::protobuf::StringPiece(value.text.data(), value.text.size()), &report, options);
      if (status.ok()) {
        entry.report = std::move(report);
      } else {
        entry.report = make_error(v1::INVALID_INPUT, clean_protobuf_message(std::string(status.message())));
      }
    }
    reports.push_back(std::move(entry));
  }
  return reports;
}

ReadReports read_reports(std::string_view input, std::string_view source_name, const ImportSettings& settings) {
  ReadReports out;
  if (settings.format == formats::Format::kJsonl) {
    out.reports = parse_reports(input, source_name);
    // The defaults fill gaps only; a report's own feed and TLP always win.
    for (auto& entry : out.reports) {
      if (!entry.report) {
        continue;
      }
      v1::Report& report = entry.report.value();
      if (report.feed().empty()) {
        report.set_feed(settings.feed);
      }
      if (report.tlp() == v1::TLP_UNSPECIFIED) {
        report.set_tlp(settings.default_tlp);
      }
    }
    return out;
  }
  formats::ImportOptions options;
  options.feed = settings.feed;
  options.default_tlp = settings.default_tlp;
  Result<formats::Imported> imported = make_error(v1::INTERNAL, "no format");
  switch (settings.format) {
    case formats::Format::kStix:
      imported = formats::import_stix(input, options);
      break;
    case formats::Format::kMisp:
      imported = formats::import_misp(input, options);
      break;
    case formats::Format::kCsv:
      imported = formats::import_csv(input, options);
      break;
    case formats::Format::kJsonl:
      break;
    case formats::Format::kValues:
      imported = make_error(v1::INVALID_INPUT, "values is an output format; publish reads jsonl, stix, misp or csv");
      break;
  }
  if (!imported) {
    out.reports.push_back({std::string(source_name), imported.error()});
    return out;
  }
  for (auto& found : imported.value().reports) {
    out.reports.push_back({std::string(source_name) + ": " + found.source, std::move(found.report)});
  }
  for (const auto& problem : imported.value().problems) {
    out.reports.push_back(
        {std::string(source_name) + ": " + problem.object, make_error(v1::INVALID_INPUT, problem.message)});
  }
  for (const auto& gap : imported.value().not_carried) {
    out.not_carried.push_back(gap.object + ": " + gap.message);
  }
  if (out.reports.empty()) {
    out.reports.push_back({std::string(source_name), make_error(v1::INVALID_INPUT, "no reports in the input")});
  }
  return out;
}

}  // namespace weft::cli
