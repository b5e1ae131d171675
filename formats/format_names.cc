#include "formats/formats.h"

namespace weft::formats {

Result<Format> parse_format(std::string_view name) {
  if (name == "jsonl" || name == "json") {
    return Format::kJsonl;
  }
  if (name == "stix") {
    return Format::kStix;
  }
  if (name == "misp") {
    return Format::kMisp;
  }
  if (name == "csv") {
    return Format::kCsv;
  }
  if (name == "values") {
    return Format::kValues;
  }
  return make_error(v1::INVALID_INPUT,
                    "unknown format '" + std::string(name) + "'; use jsonl, stix, misp, csv or values");
}

std::string_view format_name(Format format) {
  switch (format) {
    case Format::kJsonl:
      return "jsonl";
    case Format::kStix:
      return "stix";
    case Format::kMisp:
      return "misp";
    case Format::kCsv:
      return "csv";
    case Format::kValues:
      return "values";
  }
  return "jsonl";
}

}  // namespace weft::formats
