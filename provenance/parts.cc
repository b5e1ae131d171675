#include "provenance/parts.h"

#include <map>
#include <optional>
#include <utility>

#include "provenance/invalid.h"
#include "provenance/paths.h"
#include "provenance/values.h"

namespace weft::provenance {
namespace {

Error invalid_input(std::string message) { return make_error(v1::INVALID_INPUT, std::move(message)); }

std::string indexed(std::string_view name, int index) { return std::string(name) + "[" + std::to_string(index) + "]"; }

bool personal_by_type(v1::Indicator::Type type) {
  switch (type) {
    case v1::Indicator::EMAIL:
    case v1::Indicator::IPV4:
    case v1::Indicator::IPV6:
    case v1::Indicator::IPV4_CIDR:
    case v1::Indicator::IPV6_CIDR:
      return true;
    default:
      return false;
  }
}

// Appends parts in canonical order; the caller walks the report in that order.
class PartWriter {
 public:
  explicit PartWriter(const FieldSpanFinder& find_personal) : find_personal_(find_personal) {}

  enum class Personal { kNo, kByNature, kIfFound };

  Result<void> scalar(const std::string& path, std::string value, Personal personal = Personal::kNo) {
    if (value.empty()) {
      return ok();
    }
    WEFT_TRY(check_utf8(path, value));
    bool marked = personal == Personal::kByNature;
    if (personal == Personal::kIfFound) {
      marked = has_personal_segment(cut_at_spans(value, find_personal_(path, value)));
    }
    parts_.push_back({path, std::move(value), marked});
    return ok();
  }

  Result<void> timestamp(const std::string& path, bool present, const google::protobuf::Timestamp& value) {
    if (!present) {
      return ok();
    }
    auto text = format_timestamp(value);
    if (!text) {
      return invalid_input(path + ": " + text.error().message);
    }
    return scalar(path, std::move(text).value());
  }

  Result<void> text(const std::string& field, const std::string& value) {
    if (value.empty()) {
      return ok();
    }
    WEFT_TRY(check_utf8(field, value));
    const auto segments = cut_at_spans(value, find_personal_(field, value));
    for (std::size_t k = 0; k < segments.size(); ++k) {
      const Segment& segment = segments[k];
      parts_.push_back({field + "#" + std::to_string(k), value.substr(segment.begin, segment.end - segment.begin),
                        segment.personal});
    }
    return ok();
  }

  std::size_t size() const { return parts_.size(); }
  std::vector<Part> take() { return std::move(parts_); }

 private:
  static bool has_personal_segment(const std::vector<Segment>& segments) {
    for (const Segment& segment : segments) {
      if (segment.personal) {
        return true;
      }
    }
    return false;
  }

  static Result<void> check_utf8(const std::string& path, std::string_view value) {
    if (!is_valid_utf8(value)) {
      return invalid_input(path + ": not valid UTF-8");
    }
    return ok();
  }

  const FieldSpanFinder& find_personal_;
  std::vector<Part> parts_;
};

// Every part an element adds is counted; an element that adds none would
// vanish from the rebuilt report, so it cannot be signed.
Result<void> require_content(const PartWriter& writer, std::size_t before, const std::string& element) {
  if (writer.size() == before) {
    return invalid_input(element + ": an element without content cannot be signed (remove it)");
  }
  return ok();
}

Result<void> write_contact(PartWriter& writer, const v1::Contact& contact, const std::string& element) {
  using P = PartWriter::Personal;
  const std::size_t before = writer.size();
  WEFT_TRY(writer.scalar(element + ".role", contact.role(), P::kIfFound));
  WEFT_TRY(writer.scalar(element + ".name", contact.name(), P::kByNature));
  WEFT_TRY(writer.scalar(element + ".organisation", contact.organisation(), P::kIfFound));
  WEFT_TRY(writer.scalar(element + ".email", contact.email(), P::kByNature));
  WEFT_TRY(writer.scalar(element + ".phone", contact.phone(), P::kByNature));
  return require_content(writer, before, element);
}

Result<void> write_indicator(PartWriter& writer, const v1::Indicator& indicator, const std::string& element) {
  using P = PartWriter::Personal;
  const std::size_t before = writer.size();
  if (indicator.type() != v1::Indicator::TYPE_UNSPECIFIED) {
    WEFT_TRY(writer.scalar(element + ".type", format_indicator_type(indicator.type())));
  }
  WEFT_TRY(writer.scalar(element + ".value", indicator.value(),
                         personal_by_type(indicator.type()) ? P::kByNature : P::kIfFound));
  WEFT_TRY(writer.text(element + ".description", indicator.description()));
  if (indicator.confidence() != 0) {
    WEFT_TRY(writer.scalar(element + ".confidence", format_confidence(indicator.confidence())));
  }
  WEFT_TRY(writer.timestamp(element + ".valid_from", indicator.has_valid_from(), indicator.valid_from()));
  WEFT_TRY(writer.timestamp(element + ".valid_until", indicator.has_valid_until(), indicator.valid_until()));
  for (int j = 0; j < indicator.labels_size(); ++j) {
    const std::string label = element + "." + indexed("labels", j);
    const std::size_t label_before = writer.size();
    WEFT_TRY(writer.text(label, indicator.labels(j)));
    WEFT_TRY(require_content(writer, label_before, label));
  }
  return require_content(writer, before, element);
}

Error bad_part(const PartValue& part, std::string problem) {
  return provenance_invalid("part " + std::to_string(part.index) + " (" + std::string(part.path) +
                            "): " + std::move(problem));
}

struct IndicatorUnderConstruction {
  v1::Indicator indicator;
  std::map<std::uint32_t, std::string> labels;
};

// Builds a report part by part; arrays are kept by index until the end.
class ReportBuilder {
 public:
  Result<void> add(const PartValue& part) {
    const auto path = parse_path(part.path);
    if (!path) {
      return provenance_invalid("part " + std::to_string(part.index) + " has an invalid path");
    }
    if (part.value.empty()) {
      return bad_part(part, "empty value");
    }
    switch (path->field) {
      case Field::kId:
        report_.set_id(std::string(part.value));
        return ok();
      case Field::kFeed:
        report_.set_feed(std::string(part.value));
        return ok();
      case Field::kTlp: {
        auto tlp = parse_tlp(part.value);
        if (!tlp) {
          return bad_part(part, tlp.error().message);
        }
        report_.set_tlp(tlp.value());
        return ok();
      }
      case Field::kTitle:
        report_.mutable_title()->append(part.value);
        return ok();
      case Field::kDescription:
        report_.mutable_description()->append(part.value);
        return ok();
      case Field::kCreated:
        return set_timestamp(part, *report_.mutable_created());
      case Field::kLabels:
        labels_[path->index].append(part.value);
        return ok();
      case Field::kRecipients:
        recipients_[path->index] = std::string(part.value);
        return ok();
      case Field::kContacts:
        set_contact_field(contacts_[path->index], path->contact_field(), part.value);
        return ok();
      case Field::kIndicators:
        return add_to_indicator(part, *path, indicators_[path->index]);
    }
    return bad_part(part, "unknown field");
  }

  v1::Report finish() {
    for (auto& [index, label] : labels_) {
      report_.add_labels(std::move(label));
    }
    for (auto& [index, recipient] : recipients_) {
      report_.add_recipients(std::move(recipient));
    }
    for (auto& [index, contact] : contacts_) {
      *report_.add_contacts() = std::move(contact);
    }
    for (auto& [index, built] : indicators_) {
      for (auto& [label_index, label] : built.labels) {
        built.indicator.add_labels(std::move(label));
      }
      *report_.add_indicators() = std::move(built.indicator);
    }
    return std::move(report_);
  }

 private:
  static Result<void> set_timestamp(const PartValue& part, google::protobuf::Timestamp& out) {
    auto timestamp = parse_timestamp(part.value);
    if (!timestamp) {
      return bad_part(part, timestamp.error().message);
    }
    out = timestamp.value();
    return ok();
  }

  static void set_contact_field(v1::Contact& contact, ContactField field, std::string_view value) {
    switch (field) {
      case ContactField::kRole:
        contact.set_role(std::string(value));
        break;
      case ContactField::kName:
        contact.set_name(std::string(value));
        break;
      case ContactField::kOrganisation:
        contact.set_organisation(std::string(value));
        break;
      case ContactField::kEmail:
        contact.set_email(std::string(value));
        break;
      case ContactField::kPhone:
        contact.set_phone(std::string(value));
        break;
    }
  }

  static Result<void> add_to_indicator(const PartValue& part, const PartPath& path, IndicatorUnderConstruction& built) {
    v1::Indicator& indicator = built.indicator;
    switch (path.indicator_field()) {
      case IndicatorField::kType: {
        auto type = parse_indicator_type(part.value);
        if (!type) {
          return bad_part(part, type.error().message);
        }
        indicator.set_type(type.value());
        return ok();
      }
      case IndicatorField::kValue:
        indicator.set_value(std::string(part.value));
        return ok();
      case IndicatorField::kDescription:
        indicator.mutable_description()->append(part.value);
        return ok();
      case IndicatorField::kConfidence: {
        auto confidence = parse_confidence(part.value);
        if (!confidence) {
          return bad_part(part, confidence.error().message);
        }
        indicator.set_confidence(confidence.value());
        return ok();
      }
      case IndicatorField::kValidFrom:
        return set_timestamp(part, *indicator.mutable_valid_from());
      case IndicatorField::kValidUntil:
        return set_timestamp(part, *indicator.mutable_valid_until());
      case IndicatorField::kLabels:
        built.labels[path.sub_index].append(part.value);
        return ok();
    }
    return bad_part(part, "unknown indicator field");
  }

  v1::Report report_;
  std::map<std::uint32_t, std::string> labels_;
  std::map<std::uint32_t, std::string> recipients_;
  std::map<std::uint32_t, v1::Contact> contacts_;
  std::map<std::uint32_t, IndicatorUnderConstruction> indicators_;
};

}  // namespace

Result<std::vector<Part>> parts_of_fields(const v1::Report& report, const FieldSpanFinder& find_personal) {
  PartWriter writer(find_personal);
  WEFT_TRY(writer.scalar("id", report.id()));
  WEFT_TRY(writer.scalar("feed", report.feed()));
  if (report.tlp() != v1::TLP_UNSPECIFIED) {
    WEFT_TRY(writer.scalar("tlp", format_tlp(report.tlp())));
  }
  WEFT_TRY(writer.text("title", report.title()));
  WEFT_TRY(writer.text("description", report.description()));
  WEFT_TRY(writer.timestamp("created", report.has_created(), report.created()));
  for (int i = 0; i < report.labels_size(); ++i) {
    const std::string label = indexed("labels", i);
    const std::size_t before = writer.size();
    WEFT_TRY(writer.text(label, report.labels(i)));
    WEFT_TRY(require_content(writer, before, label));
  }
  for (int i = 0; i < report.recipients_size(); ++i) {
    const std::string recipient = indexed("recipients", i);
    const std::size_t before = writer.size();
    WEFT_TRY(writer.scalar(recipient, report.recipients(i)));
    WEFT_TRY(require_content(writer, before, recipient));
  }
  for (int i = 0; i < report.contacts_size(); ++i) {
    WEFT_TRY(write_contact(writer, report.contacts(i), indexed("contacts", i)));
  }
  for (int i = 0; i < report.indicators_size(); ++i) {
    WEFT_TRY(write_indicator(writer, report.indicators(i), indexed("indicators", i)));
  }
  return writer.take();
}

Result<std::vector<Part>> parts_of(const v1::Report& report, const SpanFinder& find_personal) {
  const FieldSpanFinder by_field = [&find_personal](std::string_view, std::string_view text) {
    return find_personal ? find_personal(text) : std::vector<Span>{};
  };
  return parts_of_fields(report, by_field);
}

Result<v1::Report> rebuild(std::span<const PartValue> parts) {
  ReportBuilder builder;
  for (const PartValue& part : parts) {
    WEFT_TRY(builder.add(part));
  }
  return builder.finish();
}

}  // namespace weft::provenance
