// Every detector on arbitrary text, and the redaction engine under each
// shipped policy. Properties: findings lie inside the text, sorted, none
// strictly inside another and none overlapping one of its own category
// (Detector::find); and nothing a policy redacts from free text is found
// again in the text it produced (redaction never leaves, or creates, personal
// data the policy removes).
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
  const auto findings = all.front()->detector().find(text);
  for (std::size_t i = 0; i < findings.size(); ++i) {
    const auto& finding = findings[i];
    if (finding.begin >= finding.end || finding.end > text.size()) {
      weft::fuzz::property_failed("a finding is empty or outside the text");
    }
    for (std::size_t j = 0; j < i; ++j) {
      const auto& earlier = findings[j];
      if (finding.begin < earlier.begin) {
        weft::fuzz::property_failed("findings are not sorted by position");
      }
      if (finding.begin >= earlier.end) {
        continue;
      }
      if (finding.end <= earlier.end && (finding.begin > earlier.begin || finding.end < earlier.end)) {
        weft::fuzz::property_failed("a finding lies inside another");
      }
      if (finding.category == earlier.category) {
        weft::fuzz::property_failed("findings of one category overlap");
      }
    }
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
