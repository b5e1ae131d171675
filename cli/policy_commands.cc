#include "cli/policy_commands.h"

#include <google/protobuf/util/json_util.h>

#include <iomanip>
#include <istream>
#include <iterator>
#include <ostream>

#include "cli/exit_codes.h"
#include "cli/json_text.h"
#include "cli/report_input.h"
#include "common/files.h"
#include "common/names.h"
#include "policies/policy_files.h"
#include "policies/redactor.h"
#include "weft/v1/scan.pb.h"

namespace weft::cli {
namespace {

std::string scan_line(const std::string& id, const std::vector<policies::Finding>& findings, const std::string& error) {
  std::string line = "{\"id\": " + json_string(id) + ", \"findings\": [";
  for (std::size_t i = 0; i < findings.size(); ++i) {
    line += (i == 0 ? "" : ", ");
    line += "{\"start\": " + std::to_string(findings[i].begin) + ", \"end\": " + std::to_string(findings[i].end) +
            ", \"category\": " + json_string(findings[i].category) + "}";
  }
  line += "]";
  if (!error.empty()) {
    line += ", \"error\": " + json_string(error);
  }
  return line + "}";
}

}  // namespace

int run_scan(std::istream& in, std::ostream& out, std::ostream& err, const std::filesystem::path& policy_file) {
  std::shared_ptr<const policies::Detector> detector;
  if (policy_file.empty()) {
    detector = policies::Detector::create().value();
  } else {
    auto policy = policies::load_policy_file(policy_file);
    if (!policy) {
      err << "weft: " << policy.error().message << "\n";
      return kExitConfig;
    }
    auto with_custom = policies::Detector::create(std::vector<v1::CustomDetector>(
        policy.value()->proto().detectors().begin(), policy.value()->proto().detectors().end()));
    detector = std::move(with_custom).value();
  }
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  int status = kExitOk;
  std::size_t line_number = 0;
  for (std::string line; std::getline(in, line);) {
    ++line_number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) {
      continue;
    }
    v1::ScanRequest request;
    const auto parsed = google::protobuf::util::JsonStringToMessage(line, &request, options);
    if (!parsed.ok()) {
      status = kExitRefused;
      const std::string problem = "line " + std::to_string(line_number) + ": not a {\"id\", \"text\"} object: " +
                                  std::string(parsed.message());
      err << "weft: " << problem << "\n";
      out << scan_line(request.id(), {}, problem) << "\n";
      continue;
    }
    out << scan_line(request.id(), detector->find(request.text()), {}) << "\n";
    out.flush();
  }
  return status;
}

int run_policy_check(const std::vector<std::filesystem::path>& files, std::ostream& out, std::ostream& err) {
  int status = kExitOk;
  for (const auto& file : files) {
    auto policy = policies::load_policy_file(file);
    if (!policy) {
      err << policy.error().message << "\n";
      status = kExitRefused;
      continue;
    }
    const auto& p = *policy.value();
    out << file.string() << ": OK: policy '" << p.name() << "' version " << p.version() << ", "
        << p.proto().rules_size() << " rules, " << p.proto().detectors_size() << " custom detectors, sha256 "
        << p.canonical_sha256().substr(0, 16) << "\n";
  }
  return status;
}

int run_policy_test(const PolicyTestOptions& options, std::istream& in, std::ostream& out, std::ostream& err) {
  auto policy = policies::load_policy_file(options.policy_file);
  if (!policy) {
    err << "weft: " << policy.error().message << "\n";
    return kExitConfig;
  }
  std::string input;
  if (options.report_path.empty() || options.report_path == "-") {
    input.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  } else {
    auto read = files::read_file(options.report_path);
    if (!read) {
      err << "weft: " << read.error().message << "\n";
      return kExitConfig;
    }
    input = std::move(read).value();
  }
  v1::Organisation recipient;
  recipient.set_name(options.recipient_name);
  if (!options.recipient_jurisdiction.empty()) {
    auto jurisdiction = names::normalise_jurisdiction(options.recipient_jurisdiction);
    if (!jurisdiction) {
      err << "weft: --recipient-jurisdiction: " << jurisdiction.error().message << "\n";
      return kExitUsage;
    }
    recipient.set_jurisdiction(jurisdiction.value());
  }
  recipient.set_sector(options.recipient_sector);
  const policies::Policy& p = *policy.value();
  const bool selected = p.selects(recipient);
  const auto pseudonymizer = policies::Pseudonymizer::with_random_key();

  int status = kExitOk;
  for (auto& input_report : parse_reports(input, options.report_path == "-" ? "stdin" : options.report_path)) {
    if (!input_report.report) {
      err << "weft: " << input_report.where << ": " << input_report.report.error().message << "\n";
      status = kExitRefused;
      continue;
    }
    policies::Redaction redaction = policies::redact(input_report.report.value(), p);
    policies::personalise(redaction.report, redaction.pseudonyms, *pseudonymizer, recipient.name());
    if (options.json) {
      std::string decisions = "[";
      for (std::size_t i = 0; i < redaction.decisions.size(); ++i) {
        decisions += (i == 0 ? "" : ",") + json_line(redaction.decisions[i]);
      }
      decisions += "]";
      out << "{\"policy\":" << json_string(p.name()) << ",\"version\":" << p.version()
          << ",\"selected\":" << (selected ? "true" : "false") << ",\"withheld\":" << (redaction.withheld ? "true" : "false")
          << ",\"decisions\":" << decisions << ",\"report\":" << (redaction.withheld ? "null" : json_line(redaction.report))
          << "}\n";
      continue;
    }
    out << "Policy '" << p.name() << "' version " << p.version() << " (" << p.source() << ")\n"
        << "Recipient '" << recipient.name() << "'"
        << (recipient.jurisdiction().empty() ? "" : " in " + recipient.jurisdiction())
        << (recipient.sector().empty() ? "" : ", sector " + recipient.sector()) << ": "
        << (selected ? "this policy's selector matches it"
                     : "this policy's selector does NOT match it (it would apply only if assigned by name)")
        << "\n\nDecisions (" << input_report.where << "):\n";
    if (redaction.decisions.empty()) {
      out << "  no personal data found\n";
    }
    for (const auto& decision : redaction.decisions) {
      out << "  " << std::left << std::setw(13) << decision.category() << std::setw(16)
          << v1::Action_Name(decision.action()) << std::setw(34) << decision.place() << "rule " << decision.rule()
          << (decision.count() > 1 ? " (x" + std::to_string(decision.count()) + ")" : "") << "\n";
    }
    if (redaction.withheld) {
      out << "\nResult: WITHHELD (rule " << redaction.withheld_rule << "): this recipient would get nothing.\n\n";
      continue;
    }
    google::protobuf::util::JsonPrintOptions print;
    print.add_whitespace = true;
    print.preserve_proto_field_names = true;
    std::string pretty;
    google::protobuf::util::MessageToJsonString(redaction.report, &pretty, print);
    out << "\nWhat the recipient would receive (pseudonyms made with a throw-away key):\n" << pretty << "\n";
  }
  return status;
}

}  // namespace weft::cli
