// Part paths: the names of a report's parts ("title#0",
// "indicators[2].value", "indicators[0].labels[1]#0") and their canonical
// order. Grammar (docs/provenance.md, "Parts and paths"):
//
//   path    = "id" | "feed" | "tlp" | "created"
//           | ("title" | "description") seg
//           | "labels[" n "]" seg | "recipients[" n "]"
//           | "contacts[" n "]." ("role" | "name" | "organisation" | "email" | "phone")
//           | "indicators[" n "]." ("type" | "value" | "confidence" | "valid_from" | "valid_until")
//           | "indicators[" n "].description" seg | "indicators[" n "].labels[" n "]" seg
//   seg     = "#" n
//   n       = "0" | [1-9][0-9]{0,8}
//
// Pure; thread-safe.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace weft::provenance {

// In canonical order: the order of the enumerators is the order of parts.
enum class Field { kId, kFeed, kTlp, kTitle, kDescription, kCreated, kLabels, kRecipients, kContacts, kIndicators };
enum class ContactField { kRole, kName, kOrganisation, kEmail, kPhone };
enum class IndicatorField { kType, kValue, kDescription, kConfidence, kValidFrom, kValidUntil, kLabels };

inline constexpr std::uint32_t kMaxPathNumber = 999'999'999;

struct PartPath {
  Field field = Field::kId;
  std::uint32_t index = 0;      // labels, recipients, contacts, indicators
  int member = 0;               // a ContactField or IndicatorField
  std::uint32_t sub_index = 0;  // indicators[i].labels[j]
  std::uint32_t segment = 0;    // text fields only

  // Canonical order; unused members are zero, so they never decide.
  auto operator<=>(const PartPath&) const = default;

  ContactField contact_field() const { return static_cast<ContactField>(member); }
  IndicatorField indicator_field() const { return static_cast<IndicatorField>(member); }
  // Title, description, labels, indicator descriptions and indicator labels:
  // cut into segments at personal data.
  bool is_text() const;
};

std::optional<PartPath> parse_path(std::string_view text);
std::string format_path(const PartPath& path);
// The path without its segment suffix: "description", "labels[2]",
// "contacts[0].email" (the form of RedactionDecision.place).
std::string field_path(const PartPath& path);
// "indicators[3]" or "contacts[1]" for parts of such an element, else "".
std::string element_path(const PartPath& path);

}  // namespace weft::provenance
