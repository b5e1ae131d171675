// Every detector on arbitrary text, and the redaction engine under each
// shipped policy. Properties: findings lie inside the text, sorted and not
// overlapping; and nothing a policy redacts from free text is found again in
// the text it produced (redaction never leaves, or creates, personal data
// the policy removes).
#include <memory>
#include <vector>

#include "fuzz/fuzz_target.h"
#include "policies/policy.h"
#include "policies/redactor.h"
#include "policies/shipped_policies.h"

namespace {

const std::vector<std::shared_ptr<const weft::policies::Policy>>& policies() {
  static const auto loaded = [] {
    std::vector<std::shared_ptr<const weft::policies::Policy>> all;
    for (const auto& shipped : weft::policies::shipped_policies()) {
      auto policy = weft::policies::Policy::parse(shipped.text, shipped.name);
      if (!policy) {
        weft::fuzz::property_failed("a shipped policy does not parse");
      }
      all.push_back(std::move(policy).value());
    }
    return all;
  }();
  return loaded;
}

bool removes_from_text(weft::v1::Action action) {
  return action == weft::v1::REDACT || action == weft::v1::DROP_FIELD || action == weft::v1::DROP_INDICATOR ||
         action == weft::v1::WITHHOLD_REPORT;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = weft::fuzz::as_text(data, size);
  const auto& all = policies();
  std::size_t end_of_previous = 0;
  for (const auto& finding : all.front()->detector().find(text)) {
    if (finding.begin >= finding.end || finding.end > text.size() || finding.begin < end_of_previous) {
      weft::fuzz::property_failed("a finding is empty, outside the text, unsorted or overlapping");
    }
    end_of_previous = finding.end;
  }
  weft::v1::Report report;
  report.set_id("fuzz");
  report.set_feed("fuzz");
  report.set_tlp(weft::v1::GREEN);
  report.set_title("fuzz");
  report.set_description(std::string(text));
  for (const auto& policy : all) {
    const auto redaction = weft::policies::redact(report, *policy);
    if (redaction.withheld) {
      continue;
    }
    for (const auto& finding : policy->detector().find(redaction.report.description())) {
      if (removes_from_text(policy->decide(finding.category, weft::v1::FREE_TEXT).action)) {
        weft::fuzz::property_failed("personal data the policy removes is in its output");
      }
    }
  }
  return 0;
}
