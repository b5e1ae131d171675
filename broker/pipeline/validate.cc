#include "broker/pipeline/validate.h"


#include <algorithm>
#include <cctype>
#include <cstdio>
#include <set>

#include "common/names.h"
#include "common/report_rules.h"

namespace weft::broker::pipeline {
namespace {

Error invalid(const std::string& field, const std::string& problem) {
  return make_error(v1::VALIDATION_FAILED, field + ": " + problem);
}

// A repeated field over its element cap: the sender may split the report,
// so it gets its own code.
Error too_many(const std::string& field, std::size_t limit, const std::string& elements) {
  return make_error(v1::LIMIT_EXCEEDED, field + ": more than " + std::to_string(limit) + " " + elements);
}

Result<void> check_timestamp(const google::protobuf::Timestamp& ts, const std::string& field) {
  // The range google.protobuf.Timestamp allows: 0001-01-01 to 9999-12-31.
  if (ts.seconds() < -62135596800LL || ts.seconds() > 253402300799LL || ts.nanos() < 0 || ts.nanos() > 999999999) {
    return invalid(field, "timestamp out of range");
  }
  return ok();
}

bool later(const google::protobuf::Timestamp& a, const google::protobuf::Timestamp& b) {
  return a.seconds() > b.seconds() || (a.seconds() == b.seconds() && a.nanos() > b.nanos());
}

Result<void> check_text(std::string_view text, std::size_t max_bytes, const std::string& field, bool required) {
  if (required && text.empty()) {
    return invalid(field, "is missing");
  }
  if (auto problem = text_problem(text, max_bytes)) {
    return invalid(field, *problem);
  }
  return ok();
}

}  // namespace


namespace {

// crypto_box_SEALBYTES: an ephemeral public key and a MAC.
constexpr std::size_t kSealedBoxOverhead = 48;

// TLP:RED: nothing in the clear but routing; one sealed copy (or a withheld
// marker) per named recipient organisation.
Result<void> validate_sealed(v1::Report& report, const ReportLimits& limits) {
  const std::string sealed_content = "must be empty under TLP:RED: the content travels sealed in report.sealed_copies";
  if (!report.title().empty()) {
    return invalid("report.title", sealed_content);
  }
  if (!report.description().empty()) {
    return invalid("report.description", sealed_content);
  }
  if (report.labels_size() > 0) {
    return invalid("report.labels", sealed_content);
  }
  if (report.contacts_size() > 0) {
    return invalid("report.contacts", sealed_content);
  }
  if (report.indicators_size() > 0) {
    return invalid("report.indicators", sealed_content);
  }
  if (report.has_provenance()) {
    return invalid("report.provenance", "TLP:RED copies are sealed for their recipients, not signed in the clear");
  }
  if (report.has_created()) {
    WEFT_TRY(check_timestamp(report.created(), "report.created"));
  }
  if (report.recipients().empty()) {
    return invalid("report.recipients", "TLP:RED goes only to organisations named here, and none is");
  }
  if (static_cast<std::size_t>(report.recipients_size()) > limits.max_recipients) {
    return too_many("report.recipients", limits.max_recipients, "recipients");
  }
  std::set<std::string> named;
  for (int i = 0; i < report.recipients_size(); ++i) {
    const std::string field = "report.recipients[" + std::to_string(i) + "]";
    if (auto checked = names::check_organisation(report.recipients(i)); !checked) {
      return invalid(field, checked.error().message);
    }
    if (!named.insert(report.recipients(i)).second) {
      return invalid(field, "'" + report.recipients(i) + "' is named twice");
    }
  }
  std::set<std::string> sealed_for;
  for (int i = 0; i < report.sealed_copies_size(); ++i) {
    const v1::SealedCopy& copy = report.sealed_copies(i);
    const std::string field = "report.sealed_copies[" + std::to_string(i) + "]";
    if (!named.contains(copy.recipient())) {
      return invalid(field + ".recipient", "'" + copy.recipient() + "' is not one of report.recipients");
    }
    if (!sealed_for.insert(copy.recipient()).second) {
      return invalid(field + ".recipient", "a second copy for '" + copy.recipient() + "'");
    }
    if (copy.withheld() && !copy.sealed().empty()) {
      return invalid(field + ".sealed", "a withheld copy carries nothing");
    }
    if (!copy.withheld() && copy.sealed().size() < kSealedBoxOverhead) {
      return invalid(field + ".sealed", "is not a sealed box (shorter than 48 bytes)");
    }
    if (copy.sealed().size() > limits.max_sealed_copy_bytes) {
      return invalid(field + ".sealed", "longer than " + std::to_string(limits.max_sealed_copy_bytes) + " bytes");
    }
  }
  for (const auto& name : named) {
    if (!sealed_for.contains(name)) {
      return invalid("report.sealed_copies", "no copy for '" + name + "' (one per named recipient, sealed or withheld)");
    }
  }
  report.clear_broker();
  return ok();
}

}  // namespace

Result<void> validate_report(v1::Report& report, const ReportLimits& limits) {
  if (report.id().empty()) {
    return invalid("report.id", "is missing (a UUID chosen by the publisher)");
  }
  if (!names::is_uuid(report.id())) {
    return invalid("report.id", "not a UUID (8-4-4-4-12 hex digits)");
  }
  report.set_id(names::to_lower(report.id()));

  if (report.feed().empty()) {
    return invalid("report.feed", "is missing");
  }
  if (auto checked = names::check_feed(report.feed()); !checked) {
    return invalid("report.feed", checked.error().message);
  }
  if (report.tlp() == v1::TLP_UNSPECIFIED) {
    return invalid("report.tlp", "is missing (CLEAR, GREEN, AMBER, AMBER_STRICT or RED)");
  }
  if (!v1::Tlp_IsValid(report.tlp())) {
    return invalid("report.tlp", "unknown TLP level " + std::to_string(static_cast<int>(report.tlp())));
  }
  if (report.tlp() == v1::RED) {
    return validate_sealed(report, limits);
  }
  if (report.sealed_copies_size() > 0) {
    return invalid("report.sealed_copies", "only TLP:RED reports carry sealed copies");
  }
  WEFT_TRY(check_text(report.title(), limits.max_title_bytes, "report.title", true));
  WEFT_TRY(check_text(report.description(), limits.max_description_bytes, "report.description", false));
  if (report.has_created()) {
    WEFT_TRY(check_timestamp(report.created(), "report.created"));
  }

  if (static_cast<std::size_t>(report.labels_size()) > limits.max_labels) {
    return too_many("report.labels", limits.max_labels, "labels");
  }
  for (int i = 0; i < report.labels_size(); ++i) {
    WEFT_TRY(check_text(report.labels(i), limits.max_label_bytes, "report.labels[" + std::to_string(i) + "]", true));
  }

  if (static_cast<std::size_t>(report.recipients_size()) > limits.max_recipients) {
    return too_many("report.recipients", limits.max_recipients, "recipients");
  }
  for (int i = 0; i < report.recipients_size(); ++i) {
    if (auto checked = names::check_organisation(report.recipients(i)); !checked) {
      return invalid("report.recipients[" + std::to_string(i) + "]", checked.error().message);
    }
  }

  if (static_cast<std::size_t>(report.contacts_size()) > limits.max_contacts) {
    return too_many("report.contacts", limits.max_contacts, "contacts");
  }
  for (int i = 0; i < report.contacts_size(); ++i) {
    const auto& contact = report.contacts(i);
    const std::string prefix = "report.contacts[" + std::to_string(i) + "].";
    for (const auto& [field, value] : {std::pair{"role", &contact.role()}, std::pair{"name", &contact.name()},
                                       std::pair{"organisation", &contact.organisation()},
                                       std::pair{"email", &contact.email()}, std::pair{"phone", &contact.phone()}}) {
      WEFT_TRY(check_text(*value, limits.max_contact_field_bytes, prefix + field, false));
    }
  }

  if (static_cast<std::size_t>(report.indicators_size()) > limits.max_indicators) {
    return too_many("report.indicators", limits.max_indicators, "indicators");
  }
  for (int i = 0; i < report.indicators_size(); ++i) {
    const auto& indicator = report.indicators(i);
    const std::string prefix = "report.indicators[" + std::to_string(i) + "].";
    if (indicator.type() == v1::Indicator::TYPE_UNSPECIFIED) {
      return invalid(prefix + "type", "is missing");
    }
    if (!v1::Indicator::Type_IsValid(indicator.type())) {
      return invalid(prefix + "type", "unknown indicator type " + std::to_string(static_cast<int>(indicator.type())));
    }
    WEFT_TRY(check_text(indicator.value(), limits.max_indicator_value_bytes, prefix + "value", true));
    for (int l = 0; l < indicator.labels_size(); ++l) {
      WEFT_TRY(check_text(indicator.labels(l), limits.max_label_bytes, prefix + "labels[" + std::to_string(l) + "]",
                          true));
    }
    if (auto checked = check_indicator_value(indicator.type(), indicator.value()); !checked) {
      return invalid(prefix + "value", checked.error().message);
    }
    WEFT_TRY(check_text(indicator.description(), limits.max_indicator_description_bytes, prefix + "description",
                        false));
    if (indicator.confidence() > 100) {
      return invalid(prefix + "confidence", "must be between 0 and 100");
    }
    if (indicator.has_valid_from()) {
      WEFT_TRY(check_timestamp(indicator.valid_from(), prefix + "valid_from"));
    }
    if (indicator.has_valid_until()) {
      WEFT_TRY(check_timestamp(indicator.valid_until(), prefix + "valid_until"));
      if (indicator.has_valid_from() && !later(indicator.valid_until(), indicator.valid_from())) {
        return invalid(prefix + "valid_until", "must be later than valid_from");
      }
    }
    if (static_cast<std::size_t>(indicator.labels_size()) > limits.max_labels) {
      return too_many(prefix + "labels", limits.max_labels, "labels");
    }
  }
  report.clear_broker();
  return ok();
}

}  // namespace weft::broker::pipeline
