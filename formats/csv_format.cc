// Block-list CSV (RFC 4180) to weft reports, and back.
//
// Import: a header row, then one indicator per row. Required columns `type`
// and `value`; optional description, confidence, valid_from, valid_until,
// labels (separated by ';'), tlp, report_id, and publisher (what csv_rows()
// writes; publisher is not carried: the broker stamps the publishing
// organisation). Rows group into one report per report_id; rows without one
// form one report whose id is a name-based UUID of the file's bytes, so
// importing the same file again re-publishes the same report. A report has
// one TLP: the first row's (or --tlp); a row naming another TLP is a problem,
// never shared at the wrong level. Labels cannot contain ';'.
//
// Spreadsheet formula injection: a field that starts with = + - @, a tab or a
// carriage return is written with a leading apostrophe (OWASP's advice), so a
// spreadsheet shows it as text instead of running it. Attackers choose file
// names, mutexes and user agents, and analysts open block lists in
// spreadsheets. The values that block lists are made of (addresses, domains,
// URLs, hashes) never start with those characters, so machine consumers are
// unaffected; import_csv() removes the apostrophe again, and a value that
// really starts with an apostrophe before one of them gets a second one, so
// CSV round trips are exact.
#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "formats/formats.h"
#include "formats/report_parts.h"
#include "formats/identifiers.h"
#include "formats/indicator_values.h"

namespace weft::formats {
namespace {

struct Record {
  std::size_t line = 0;  // the line the record starts on, 1-based
  std::vector<std::string> fields;
  std::optional<std::string> error;
};

std::vector<Record> read_records(std::string_view text) {
  enum class State { kFieldStart, kUnquoted, kQuoted, kAfterQuote };
  std::vector<Record> records;
  std::size_t line = 1;
  Record record{line, {}, std::nullopt};
  std::string field;
  State state = State::kFieldStart;
  bool any_content = false;
  const auto end_record = [&] {
    record.fields.push_back(std::move(field));
    field.clear();
    const bool blank = record.fields.size() == 1 && record.fields.front().empty() && !any_content;
    if (!blank) {
      records.push_back(std::move(record));
    }
    record = Record{line, {}, std::nullopt};
    state = State::kFieldStart;
    any_content = false;
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const bool line_end = c == '\n' || c == '\r';
    if (line_end && state != State::kQuoted) {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
        ++i;
      }
      ++line;
      end_record();
      continue;
    }
    switch (state) {
      case State::kFieldStart:
        if (c == '"') {
          state = State::kQuoted;
          any_content = true;
        } else if (c == ',') {
          record.fields.push_back(std::move(field));
          field.clear();
          any_content = true;
        } else {
          field += c;
          state = State::kUnquoted;
        }
        break;
      case State::kUnquoted:
        if (c == ',') {
          record.fields.push_back(std::move(field));
          field.clear();
          state = State::kFieldStart;
        } else {
          field += c;  // a stray quote inside an unquoted field is taken as text
        }
        break;
      case State::kQuoted:
        if (c == '"') {
          if (i + 1 < text.size() && text[i + 1] == '"') {
            field += '"';
            ++i;
          } else {
            state = State::kAfterQuote;
          }
        } else {
          if (c == '\n') {
            ++line;
          }
          field += c;
        }
        break;
      case State::kAfterQuote:
        if (c == ',') {
          record.fields.push_back(std::move(field));
          field.clear();
          state = State::kFieldStart;
        } else if (!record.error) {
          record.error = "text after the closing quote of a field";
        }
        break;
    }
  }
  if (state == State::kQuoted) {
    record.error = "a quoted field is not closed before the end of the file";
  }
  if (state != State::kFieldStart || !field.empty() || !record.fields.empty() || any_content) {
    end_record();
  }
  return records;
}

constexpr std::string_view kFormulaStarts = "=+-@\t\r";

std::string unguard(std::string field) {
  if (field.size() >= 2 && field[0] == '\'' &&
      (kFormulaStarts.find(field[1]) != std::string_view::npos || field[1] == '\'')) {
    field.erase(0, 1);
  }
  return field;
}

std::string csv_field(std::string_view text) {
  std::string field(text);
  const bool formula = !field.empty() && kFormulaStarts.find(field[0]) != std::string_view::npos;
  const bool guarded_lookalike =
      field.size() >= 2 && field[0] == '\'' &&
      (kFormulaStarts.find(field[1]) != std::string_view::npos || field[1] == '\'');
  if (formula || guarded_lookalike) {
    field.insert(0, 1, '\'');
  }
  if (field.find_first_of(",\"\r\n") == std::string::npos && !formula) {
    return field;
  }
  std::string out = "\"";
  for (char c : field) {
    out += c;
    if (c == '"') {
      out += '"';
    }
  }
  out += '"';
  return out;
}

std::optional<v1::Indicator::Type> type_from_name(std::string_view name, std::string_view value) {
  using I = v1::Indicator;
  std::string key = to_lower_ascii(trim_ascii(name));
  for (char& c : key) {
    if (c == '_' || c == ' ') {
      c = '-';
    }
  }
  const bool v6 = value.find(':') != std::string_view::npos;
  const bool network = value.find('/') != std::string_view::npos;
  for (std::string_view alias : {"ip", "ip-dst", "ip-src", "ip-address", "ipaddress", "ip-addr", "cidr", "ip-cidr"}) {
    if (key == alias) {
      return network ? (v6 ? I::IPV6_CIDR : I::IPV4_CIDR) : (v6 ? I::IPV6 : I::IPV4);
    }
  }
  if (key == "ipv4" || key == "ipv4-addr" || key == "ipv4-address") {
    return network ? I::IPV4_CIDR : I::IPV4;
  }
  if (key == "ipv6" || key == "ipv6-addr" || key == "ipv6-address") {
    return network ? I::IPV6_CIDR : I::IPV6;
  }
  if (key == "hash" || key == "file-hash" || key == "filehash") {
    switch (value.size()) {
      case 32:
        return I::MD5;
      case 40:
        return I::SHA1;
      case 64:
        return I::SHA256;
      case 128:
        return I::SHA512;
      default:
        return std::nullopt;
    }
  }
  struct Alias {
    std::string_view name;
    I::Type type;
  };
  static constexpr Alias kAliases[] = {
      {"ipv4-cidr", I::IPV4_CIDR},     {"ipv6-cidr", I::IPV6_CIDR},  {"domain", I::DOMAIN},
      {"hostname", I::DOMAIN},         {"domain-name", I::DOMAIN},   {"fqdn", I::DOMAIN},
      {"host", I::DOMAIN},             {"url", I::URL},              {"uri", I::URL},
      {"link", I::URL},                {"email", I::EMAIL},          {"email-src", I::EMAIL},
      {"email-dst", I::EMAIL},         {"email-addr", I::EMAIL},     {"email-address", I::EMAIL},
      {"e-mail", I::EMAIL},            {"md5", I::MD5},              {"sha1", I::SHA1},
      {"sha-1", I::SHA1},              {"sha256", I::SHA256},        {"sha-256", I::SHA256},
      {"sha512", I::SHA512},           {"sha-512", I::SHA512},       {"cve", I::CVE},
      {"cve-id", I::CVE},              {"vulnerability", I::CVE},    {"asn", I::ASN},
      {"as", I::ASN},                  {"autonomous-system", I::ASN}, {"filename", I::FILENAME},
      {"file-name", I::FILENAME},      {"file", I::FILENAME},        {"mutex", I::MUTEX},
      {"mutant", I::MUTEX},            {"registry-key", I::REGISTRY_KEY}, {"regkey", I::REGISTRY_KEY},
      {"windows-registry-key", I::REGISTRY_KEY}, {"user-agent", I::USER_AGENT}, {"useragent", I::USER_AGENT},
      {"ja3", I::JA3},                 {"ja3-fingerprint-md5", I::JA3}, {"ssdeep", I::SSDEEP},
      {"other", I::OTHER},             {"text", I::OTHER},
  };
  for (const Alias& alias : kAliases) {
    if (alias.name == key) {
      return alias.type;
    }
  }
  return std::nullopt;
}

v1::Tlp tlp_from_cell(std::string_view cell) {
  std::string level = to_lower_ascii(trim_ascii(cell));
  if (level.starts_with("tlp:")) {
    level.erase(0, 4);
  }
  if (level == "amber_strict" || level == "amber-strict") {
    level = "amber+strict";
  }
  return tlp_from_level_name(level);
}

enum Column { kType, kValue, kDescription, kConfidence, kValidFrom, kValidUntil, kLabels, kTlp, kReportId, kCount };

struct Group {
  std::string report_id;  // empty: the rows without one
  v1::Tlp tlp = v1::TLP_UNSPECIFIED;
  std::size_t tlp_line = 0;
  std::vector<v1::Indicator> indicators;
};

class CsvImporter {
 public:
  CsvImporter(std::string_view text, const ImportOptions& options) : text_(text), options_(options) {}

  Result<Imported> run() {
    if (options_.feed.empty()) {
      return make_error(v1::INVALID_INPUT, "no feed: CSV names none; give --feed");
    }
    std::string_view body = text_;
    if (body.starts_with("\xEF\xBB\xBF")) {
      body.remove_prefix(3);
    }
    std::vector<Record> records = read_records(body);
    if (records.empty()) {
      return make_error(v1::INVALID_INPUT, "empty CSV: expected a header row with the columns type and value");
    }
    WEFT_TRY(read_header(records.front()));
    for (std::size_t i = 1; i < records.size(); ++i) {
      read_row(records[i]);
    }
    finish();
    return std::move(out_);
  }

 private:
  Result<void> read_header(const Record& header) {
    if (header.error) {
      return make_error(v1::INVALID_INPUT, "CSV header (line " + std::to_string(header.line) + "): " + *header.error);
    }
    static constexpr std::pair<std::string_view, Column> kNames[] = {
        {"type", kType},           {"value", kValue},           {"description", kDescription},
        {"confidence", kConfidence}, {"valid_from", kValidFrom}, {"valid_until", kValidUntil},
        {"labels", kLabels},       {"tlp", kTlp},               {"report_id", kReportId}};
    columns_.assign(header.fields.size(), kCount);
    std::vector<bool> seen(kCount, false);
    for (std::size_t i = 0; i < header.fields.size(); ++i) {
      const std::string name = to_lower_ascii(trim_ascii(header.fields[i]));
      bool known = false;
      for (const auto& [column_name, column] : kNames) {
        if (name == column_name) {
          known = true;
          if (seen[column]) {
            not_carried("column " + std::to_string(i + 1) + " repeats '" + name + "'; the first one is used");
          } else {
            seen[column] = true;
            columns_[i] = column;
          }
        }
      }
      if (known) {
        continue;
      }
      if (name == "publisher") {
        not_carried("column 'publisher' not carried: the broker stamps the publishing organisation");
      } else {
        const bool printable = name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
          return static_cast<unsigned char>(c) >= 0x20 && c != '\x7F';
        });
        not_carried("column " + std::to_string(i + 1) + (printable ? " '" + name + "'" : std::string()) +
                    " not carried");
      }
    }
    if (!seen[kType] || !seen[kValue]) {
      return make_error(v1::INVALID_INPUT, "the CSV header has no 'type' and 'value' columns (the first line must "
                                           "name the columns: type,value,description,...)");
    }
    return ok();
  }

  void not_carried(std::string message) { out_.not_carried.push_back({"CSV header", std::move(message)}); }
  void problem(std::size_t line, std::string message) {
    out_.problems.push_back({"line " + std::to_string(line), std::move(message)});
  }

  void read_row(const Record& record) {
    const std::size_t line = record.line;
    if (record.error) {
      problem(line, *record.error);
      return;
    }
    if (record.fields.size() > columns_.size()) {
      problem(line, std::to_string(record.fields.size()) + " fields, but the header names " +
                        std::to_string(columns_.size()) + " columns");
      return;
    }
    std::vector<std::string> cells(kCount);
    for (std::size_t i = 0; i < record.fields.size(); ++i) {
      if (columns_[i] != kCount) {
        cells[columns_[i]] = unguard(record.fields[i]);
      }
    }
    const std::string value(trim_ascii(cells[kValue]));
    if (trim_ascii(cells[kType]).empty()) {
      problem(line, "no type");
      return;
    }
    const auto type = type_from_name(cells[kType], value);
    if (!type) {
      problem(line, "unknown indicator type; use ipv4, ipv6, ipv4_cidr, ipv6_cidr, domain, url, email, md5, sha1, "
                    "sha256, sha512, cve, asn, filename, mutex, registry_key, user_agent, ja3, ssdeep or other");
      return;
    }
    if (auto bad = indicator_value_problem(*type, value)) {
      problem(line, *bad);
      return;
    }
    v1::Indicator indicator;
    indicator.set_type(*type);
    indicator.set_value(value);
    if (auto bad = text_problem(cells[kDescription], kMaxIndicatorDescriptionBytes, false)) {
      problem(line, "description " + *bad);
      return;
    }
    indicator.set_description(cells[kDescription]);
    if (const std::string_view confidence = trim_ascii(cells[kConfidence]); !confidence.empty()) {
      if (confidence.size() > 3 ||
          !std::all_of(confidence.begin(), confidence.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
          std::stoi(std::string(confidence)) > 100) {
        problem(line, "confidence is not a whole number from 0 to 100");
        return;
      }
      indicator.set_confidence(static_cast<std::uint32_t>(std::stoi(std::string(confidence))));
    }
    for (const auto& [column, name] : {std::pair{kValidFrom, "valid_from"}, std::pair{kValidUntil, "valid_until"}}) {
      const std::string_view cell = trim_ascii(cells[column]);
      if (cell.empty()) {
        continue;
      }
      const auto time = parse_rfc3339(cell);
      if (!time) {
        problem(line, std::string(name) + " is not an RFC 3339 time (2026-11-29T10:15:00Z)");
        return;
      }
      *(column == kValidFrom ? indicator.mutable_valid_from() : indicator.mutable_valid_until()) = *time;
    }
    if (indicator.has_valid_from() && indicator.has_valid_until() &&
        (indicator.valid_until().seconds() < indicator.valid_from().seconds() ||
         (indicator.valid_until().seconds() == indicator.valid_from().seconds() &&
          indicator.valid_until().nanos() <= indicator.valid_from().nanos()))) {
      problem(line, "valid_until is not later than valid_from");
      return;
    }
    std::string_view labels = cells[kLabels];
    while (!labels.empty()) {
      const std::size_t end = std::min(labels.find(';'), labels.size());
      const std::string label(trim_ascii(labels.substr(0, end)));
      labels.remove_prefix(std::min(end + 1, labels.size()));
      if (label.empty() || std::find(indicator.labels().begin(), indicator.labels().end(), label) !=
                               indicator.labels().end()) {
        continue;
      }
      if (auto bad = text_problem(label, kMaxLabelBytes, true)) {
        problem(line, "a label " + *bad);
        return;
      }
      indicator.add_labels(label);
    }
    if (static_cast<std::size_t>(indicator.labels_size()) > kMaxLabels) {
      problem(line, "more than " + std::to_string(kMaxLabels) + " labels");
      return;
    }

    const std::string report_id = to_lower_ascii(trim_ascii(cells[kReportId]));
    if (!report_id.empty() && !is_uuid(report_id)) {
      problem(line, "report_id is not a UUID");
      return;
    }
    v1::Tlp tlp = v1::TLP_UNSPECIFIED;
    if (!trim_ascii(cells[kTlp]).empty()) {
      tlp = tlp_from_cell(cells[kTlp]);
      if (tlp == v1::TLP_UNSPECIFIED) {
        problem(line, "tlp is not one of clear, white, green, amber, amber+strict, red");
        return;
      }
    }
    Group& group = group_for(report_id);
    if (tlp != v1::TLP_UNSPECIFIED) {
      if (group.tlp == v1::TLP_UNSPECIFIED) {
        group.tlp = tlp;
        group.tlp_line = line;
      } else if (group.tlp != tlp) {
        problem(line, "tlp " + std::string(tlp_level_name(tlp)) + " differs from tlp " +
                          std::string(tlp_level_name(group.tlp)) + " on line " + std::to_string(group.tlp_line) +
                          "; a report has one TLP");
        return;
      }
    }
    group.indicators.push_back(std::move(indicator));
  }

  Group& group_for(const std::string& report_id) {
    for (Group& group : groups_) {
      if (group.report_id == report_id) {
        return group;
      }
    }
    groups_.push_back(Group{report_id, v1::TLP_UNSPECIFIED, 0, {}});
    return groups_.back();
  }

  void finish() {
    for (Group& group : groups_) {
      const std::string source = group.report_id.empty() ? "CSV" : "CSV report_id " + group.report_id;
      const v1::Tlp tlp = group.tlp != v1::TLP_UNSPECIFIED ? group.tlp : options_.default_tlp;
      if (tlp == v1::TLP_UNSPECIFIED) {
        out_.problems.push_back({source, "no tlp column value and no --tlp given"});
        continue;
      }
      v1::Report report;
      report.set_id(group.report_id.empty() ? name_based_uuid("csv:" + std::string(text_)) : group.report_id);
      report.set_feed(options_.feed);
      report.set_tlp(tlp);
      report.set_title("CSV import (" + std::to_string(group.indicators.size()) + " indicators)");
      for (auto& indicator : group.indicators) {
        *report.add_indicators() = std::move(indicator);
      }
      out_.reports.push_back({source, std::move(report)});
    }
  }

  std::string_view text_;
  const ImportOptions& options_;
  Imported out_;
  std::vector<Column> columns_;
  std::vector<Group> groups_;
};

bool is_detection(const v1::Indicator& indicator) {
  return indicator.type() != v1::Indicator::OTHER &&
         std::find(indicator.labels().begin(), indicator.labels().end(), "to-ids:false") == indicator.labels().end();
}

}  // namespace

Result<Imported> import_csv(std::string_view text, const ImportOptions& options) {
  auto imported = CsvImporter(text, options).run();
  if (imported) {
    split_oversized_reports(imported.value());
  }
  return imported;
}

std::string csv_header() {
  return "type,value,description,confidence,valid_from,valid_until,labels,report_id,tlp,publisher\n";
}

std::string csv_rows(const v1::Report& report) {
  std::string out;
  const std::string publisher = report.has_broker() ? report.broker().source_organisation() : std::string();
  for (const v1::Indicator& indicator : report.indicators()) {
    if (!is_detection(indicator)) {
      continue;
    }
    std::string labels;
    for (const std::string& label : indicator.labels()) {
      labels += (labels.empty() ? "" : ";") + label;
    }
    const std::string fields[] = {
        indicator_type_name(indicator.type()),
        indicator.value(),
        indicator.description(),
        indicator.confidence() > 0 ? std::to_string(indicator.confidence()) : std::string(),
        indicator.has_valid_from() ? rfc3339_millis(indicator.valid_from()) : std::string(),
        indicator.has_valid_until() ? rfc3339_millis(indicator.valid_until()) : std::string(),
        labels,
        report.id(),
        std::string(tlp_level_name(report.tlp())),
        publisher,
    };
    for (std::size_t i = 0; i < std::size(fields); ++i) {
      out += (i > 0 ? "," : "") + csv_field(fields[i]);
    }
    out += '\n';
  }
  return out;
}

std::string value_lines(const v1::Report& report, v1::Indicator::Type only) {
  std::string out;
  for (const v1::Indicator& indicator : report.indicators()) {
    if (is_detection(indicator) && (only == v1::Indicator::TYPE_UNSPECIFIED || indicator.type() == only)) {
      out += indicator.value() + "\n";
    }
  }
  return out;
}

}  // namespace weft::formats
