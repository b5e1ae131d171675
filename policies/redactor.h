// Applies a policy to a report: finds personal data in every place the
// policy governs and does what the strictest applicable rule says.
//
// Places: INDICATOR_VALUE (an indicator's value; EMAIL and IP indicators are
// personal data by their type), FREE_TEXT (title, description, labels,
// indicator descriptions and labels), CONTACTS (every contact field; a
// contact's name, e-mail and phone are that category as a whole).
//
// redact() does the work once per (report, policy). Pseudonyms depend on the
// recipient, so they are left as placeholders and filled in per recipient by
// personalise(), which is cheap. The result says what was done, never the
// values themselves.
//
// Pure; thread-safe for distinct outputs.
#pragma once

#include <string>
#include <vector>

#include "policies/policy.h"
#include "policies/pseudonymizer.h"
#include "weft/v1/policy.pb.h"
#include "weft/v1/report.pb.h"

namespace weft::policies {

struct PseudonymSlot {
  std::string category;
  std::string canonical_value;
};

struct Redaction {
  // WITHHOLD_REPORT applied: the recipient gets nothing.
  bool withheld = false;
  std::string withheld_rule;
  // The filtered copy, with Report.redaction set (policy, version, counts).
  v1::Report report;
  // Aggregated per (category, field path, action, rule).
  std::vector<v1::RedactionDecision> decisions;
  // Placeholders in `report` refer to these by index.
  std::vector<PseudonymSlot> pseudonyms;
};

Redaction redact(const v1::Report& report, const Policy& policy);

// Replaces the pseudonym placeholders in `report` with `recipient`'s tokens.
void personalise(v1::Report& report, const std::vector<PseudonymSlot>& slots, const Pseudonymizer& pseudonymizer,
                 std::string_view recipient);

// The replacement text for REDACT.
std::string redaction_marker(std::string_view category);

}  // namespace weft::policies
