// MISP event JSON to weft reports: one report per Event.
//
// What weft has no field for travels in labels and contact roles (see
// misp_types.h) so misp_event() can rebuild the event. Attributes about people
// (categories Person and Targeting data) become contacts, never indicators:
// that is where the recipients' data-protection policies act on personal data.
// Composite attributes (filename|sha256, ip-dst|port, ...) become two
// indicators, each labelled misp-composite:1 / :2 with the composite type in
// misp-type:, so export rejoins them; the halves weft has no type for (a port)
// are OTHER (context).
#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "formats/formats.h"
#include "formats/report_parts.h"
#include "formats/identifiers.h"
#include "formats/indicator_values.h"
#include "formats/misp_types.h"

namespace weft::formats {
namespace {

namespace json = boost::json;
using misp::ContactField;

// MISP writes most numbers as strings, but not every producer does.
std::optional<std::string> text_of(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  if (value == nullptr || value->is_null()) {
    return std::nullopt;
  }
  if (value->is_string()) {
    return std::string(value->get_string());
  }
  if (value->is_int64()) {
    return std::to_string(value->get_int64());
  }
  if (value->is_uint64()) {
    return std::to_string(value->get_uint64());
  }
  if (value->is_bool()) {
    return value->get_bool() ? "1" : "0";
  }
  return std::nullopt;
}

std::optional<bool> flag_of(const json::object& object, std::string_view key) {
  const auto text = text_of(object, key);
  if (!text) {
    return std::nullopt;
  }
  const std::string lowered = to_lower_ascii(*text);
  return lowered == "1" || lowered == "true";
}

const json::array* array_of(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  return value != nullptr && value->is_array() ? &value->get_array() : nullptr;
}

std::size_t count_of(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  if (value == nullptr) {
    return 0;
  }
  if (value->is_array()) {
    return value->get_array().size();
  }
  return value->is_object() && !value->get_object().empty() ? 1 : 0;
}

// A type name is schema, not content, but a malformed file may hold anything
// there: quote it only when it looks like a type name.
std::string quoted_type(std::string_view type) {
  const bool plain = !type.empty() && type.size() <= 64 && std::all_of(type.begin(), type.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '|' || c == '_' || c == '/' || c == ' ';
  });
  return plain ? "'" + std::string(type) + "'" : "(unprintable)";
}

std::optional<google::protobuf::Timestamp> from_unix_seconds(std::string_view text) {
  if (text.empty() || !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
      text.size() > 12) {
    return std::nullopt;
  }
  google::protobuf::Timestamp out;
  out.set_seconds(std::stoll(std::string(text)));
  return out;
}

struct Tags {
  std::vector<std::string> names;  // non-TLP, non-local, in order
  std::vector<v1::Tlp> tlps;
  std::vector<std::string> tlp_names;
  std::size_t local = 0;
};

Tags read_tags(const json::object& holder) {
  Tags tags;
  const json::array* list = array_of(holder, "Tag");
  if (list == nullptr) {
    return tags;
  }
  for (const json::value& item : *list) {
    if (!item.is_object()) {
      continue;
    }
    const json::object& tag = item.get_object();
    const auto name = text_of(tag, "name");
    if (!name || name->empty()) {
      continue;
    }
    // Local tags stay on the instance that set them; MISP strips them on sync.
    if (flag_of(tag, "local").value_or(false)) {
      ++tags.local;
      continue;
    }
    const std::string lowered = to_lower_ascii(*name);
    if (lowered.starts_with("tlp:")) {
      if (const v1::Tlp tlp = tlp_from_level_name(lowered.substr(4)); tlp != v1::TLP_UNSPECIFIED) {
        tags.tlps.push_back(tlp);
        tags.tlp_names.push_back(lowered);
        continue;
      }
    }
    tags.names.push_back(*name);
  }
  return tags;
}

std::string tlp_tag(v1::Tlp tlp) { return "tlp:" + std::string(tlp_level_name(tlp)); }

class EventImporter {
 public:
  EventImporter(const json::object& event, std::size_t number, const ImportOptions& options, Imported& out)
      : event_(event), number_(number), options_(options), out_(out) {}

  void run() {
    const auto uuid = text_of(event_, "uuid");
    if (!uuid || uuid->empty()) {
      out_.problems.push_back({"Event " + std::to_string(number_) + " (no uuid)",
                               "no uuid; weft uses the event's uuid as the report id"});
      return;
    }
    if (!is_uuid(*uuid)) {
      out_.problems.push_back({"Event " + std::to_string(number_), "uuid is not a UUID (8-4-4-4-12 hex digits)"});
      return;
    }
    uuid_ = to_lower_ascii(*uuid);
    name_ = "Event " + uuid_;
    report_.set_id(uuid_);
    report_.set_feed(options_.feed);

    if (!read_tlp()) {
      return;
    }
    if (!read_info()) {
      return;
    }
    read_created();
    read_event_labels();

    if (const json::array* attributes = array_of(event_, "Attribute")) {
      for (std::size_t i = 0; i < attributes->size(); ++i) {
        read_attribute((*attributes)[i], "Attribute " + std::to_string(i + 1), nullptr);
      }
    }
    if (const json::array* objects = array_of(event_, "Object")) {
      for (std::size_t i = 0; i < objects->size(); ++i) {
        read_object((*objects)[i], i + 1);
      }
    }
    note_uncarried_parts();
    finish_labels();
    out_.reports.push_back({name_, std::move(report_)});
  }

 private:
  struct ObjectContext {
    std::string uuid;
    std::string where;
  };

  void note(const std::string& object, std::string message) {
    out_.not_carried.push_back({object, std::move(message)});
  }
  void problem(const std::string& object, std::string message) {
    out_.problems.push_back({object, std::move(message)});
  }

  bool read_tlp() {
    Tags tags = read_tags(event_);
    event_tags_ = tags.names;
    local_tags_ += tags.local;
    if (tags.tlps.empty()) {
      if (options_.default_tlp == v1::TLP_UNSPECIFIED) {
        problem(name_, "no tlp:* tag; give --tlp");
        return false;
      }
      report_.set_tlp(options_.default_tlp);
      return true;
    }
    const v1::Tlp strictest = *std::max_element(tags.tlps.begin(), tags.tlps.end());
    report_.set_tlp(strictest);
    std::set<v1::Tlp> distinct(tags.tlps.begin(), tags.tlps.end());
    if (distinct.size() > 1) {
      std::string names;
      for (const auto& tag : tags.tlp_names) {
        names += (names.empty() ? "" : ", ") + tag;
      }
      note(name_, "several TLP tags (" + names + "): the strictest, " + tlp_tag(strictest) +
                      ", applies to the whole report");
    }
    return true;
  }

  bool read_info() {
    std::string info = text_of(event_, "info").value_or("");
    if (info.empty()) {
      info = "MISP event " + uuid_;
    }
    if (info.size() > kMaxTitleBytes) {
      info = cut_utf8(info, kMaxTitleBytes);
      note(name_, "info cut to " + std::to_string(kMaxTitleBytes) + " bytes (weft's longest title)");
    }
    if (auto bad = text_problem(info, kMaxTitleBytes, true)) {
      problem(name_, "info " + *bad);
      return false;
    }
    report_.set_title(info);
    return true;
  }

  // MISP's `date` is the event's own date; `timestamp` its last change on the
  // sending instance. weft keeps the date; a delivered report's version time
  // is the broker's receipt time.
  void read_created() {
    const auto date = text_of(event_, "date");
    const auto timestamp = text_of(event_, "timestamp");
    if (date && !date->empty()) {
      if (auto parsed = parse_rfc3339(*date + "T00:00:00Z")) {
        *report_.mutable_created() = *parsed;
        if (timestamp) {
          note(name_, "timestamp (the event's last change in MISP) not carried: created is the event date");
        }
        return;
      }
      note(name_, "date is not YYYY-MM-DD; not carried");
    }
    if (timestamp) {
      if (auto parsed = from_unix_seconds(*timestamp)) {
        *report_.mutable_created() = *parsed;
      } else {
        note(name_, "timestamp is not Unix seconds; not carried");
      }
    }
  }

  void read_event_labels() {
    const auto numbered = [this](std::string_view key, std::string_view prefix) {
      if (const auto value = text_of(event_, key); value && !value->empty()) {
        if (std::all_of(value->begin(), value->end(), [](char c) { return c >= '0' && c <= '9'; })) {
          report_labels_.push_back(std::string(prefix) + *value);
        } else {
          note(name_, std::string(key) + " is not a number; not carried");
        }
      }
    };
    numbered("distribution", misp::kDistributionLabel);
    numbered("threat_level_id", misp::kThreatLevelLabel);
    numbered("analysis", misp::kAnalysisLabel);
    event_distribution_ = text_of(event_, "distribution").value_or("");
    if (const json::value* orgc = event_.if_contains("Orgc"); orgc != nullptr && orgc->is_object()) {
      if (const auto name = text_of(orgc->get_object(), "name"); name && !name->empty()) {
        report_labels_.push_back(std::string(misp::kOrgcLabel) + *name);
        note(name_, "Orgc (the creator organisation): weft's publisher is the organisation that publishes the "
                    "report; the creator's name is kept as label misp-orgc:");
      }
    }
    for (const auto& tag : event_tags_) {
      report_labels_.push_back(tag);
    }
  }

  void read_object(const json::value& value, std::size_t number) {
    const std::string where = "Object " + std::to_string(number);
    if (!value.is_object()) {
      problem(where + " of " + name_, "not a JSON object");
      return;
    }
    const json::object& object = value.get_object();
    std::string uuid = to_lower_ascii(text_of(object, "uuid").value_or(""));
    if (!is_uuid(uuid)) {
      uuid = name_based_uuid("misp-object:" + uuid_ + "/" + std::to_string(number));
    }
    const std::string label_name = where + " (uuid " + uuid + ") of " + name_;
    if (flag_of(object, "deleted").value_or(false)) {
      note(label_name, "deleted in MISP; not carried");
      return;
    }
    const std::string definition =
        std::string(misp::kObjectDefLabel) + uuid + "|" + misp::escape_field(text_of(object, "name").value_or("")) +
        "|" + misp::escape_field(text_of(object, "meta-category").value_or("")) + "|" +
        misp::escape_field(text_of(object, "template_uuid").value_or("")) + "|" +
        misp::escape_field(text_of(object, "template_version").value_or(""));
    const ObjectContext context{uuid, where};
    const ObjectContext* in_object = &context;
    if (auto bad = text_problem(definition, kMaxLabelBytes, true)) {
      note(label_name, "its definition does not fit in a label (" + *bad + "); its attributes are carried without "
                       "the object");
      in_object = nullptr;
    } else {
      object_labels_.push_back(definition);
    }
    std::string parts;
    for (std::string_view key : {"description", "comment", "first_seen", "last_seen", "distribution"}) {
      if (const auto text = text_of(object, key); text && !text->empty() && !(key == "distribution" && *text == "5")) {
        parts += (parts.empty() ? "" : ", ") + std::string(key);
      }
    }
    if (!parts.empty()) {
      note(label_name, parts + " of the object not carried");
    }
    object_references_ += count_of(object, "ObjectReference");
    if (const json::array* attributes = array_of(object, "Attribute")) {
      for (std::size_t i = 0; i < attributes->size(); ++i) {
        read_attribute((*attributes)[i], where + " Attribute " + std::to_string(i + 1), in_object);
      }
    }
  }

  void read_attribute(const json::value& value, const std::string& where, const ObjectContext* object) {
    if (!value.is_object()) {
      problem(where + " of " + name_, "not a JSON object");
      return;
    }
    const json::object& attribute = value.get_object();
    const std::string raw_uuid = to_lower_ascii(text_of(attribute, "uuid").value_or(""));
    const bool has_uuid = is_uuid(raw_uuid);
    const std::string label_name =
        where + (has_uuid ? " (uuid " + raw_uuid + ")" : std::string(" (no uuid)")) + " of " + name_;
    if (!raw_uuid.empty() && !has_uuid) {
      note(label_name, "uuid is not a UUID; not carried");
    }
    sightings_ += count_of(attribute, "Sighting");
    galaxies_ += count_of(attribute, "Galaxy");
    proposals_ += count_of(attribute, "ShadowAttribute");
    if (flag_of(attribute, "deleted").value_or(false)) {
      note(label_name, "deleted in MISP; not carried");
      return;
    }
    const std::string type = text_of(attribute, "type").value_or("");
    if (type.empty()) {
      problem(label_name, "no type");
      return;
    }
    const std::string value_text = text_of(attribute, "value").value_or("");
    if (value_text.empty()) {
      problem(label_name, "no value");
      return;
    }
    std::string category = text_of(attribute, "category").value_or("");
    if (category.empty()) {
      category = std::string(misp::default_category(type));
    }
    const std::string comment = text_of(attribute, "comment").value_or("");

    // What an earlier misp_event() added for report fields MISP has no place for.
    if (comment == misp::kRedactionComment && type == "comment") {
      note(label_name, "a weft redaction summary of an earlier delivery; the broker writes its own");
      return;
    }
    if (comment == misp::kDescriptionComment && type == "text" && object == nullptr &&
        report_.description().empty()) {
      read_description(label_name, value_text);
      return;
    }

    const Tags tags = read_tags(attribute);
    local_tags_ += tags.local;
    if (!tags.tlps.empty()) {
      const v1::Tlp strictest = *std::max_element(tags.tlps.begin(), tags.tlps.end());
      if (strictest > report_.tlp()) {
        // One TLP per report: carrying it would share it wider than its tag allows.
        problem(label_name, "tagged " + tlp_tag(strictest) + ", stricter than the report's " +
                                tlp_tag(report_.tlp()) + "; weft carries one TLP per report");
        return;
      }
    }
    if (const auto distribution = text_of(attribute, "distribution");
        distribution && *distribution != "5" && *distribution != event_distribution_) {
      note(label_name, "distribution " + *distribution + " not carried: the report's TLP governs who receives it");
    }
    if (attribute.if_contains("data") != nullptr) {
      note(label_name, "data (the attached file) not carried");
    }
    if (flag_of(attribute, "disable_correlation").value_or(false)) {
      note(label_name, "disable_correlation not carried");
    }
    const std::optional<bool> to_ids = flag_of(attribute, "to_ids");
    if (!to_ids) {
      note(label_name, "to_ids missing: carried as context (to-ids:false)");
    }

    std::string uuid = has_uuid ? raw_uuid : std::string();
    if (misp::is_personal_category(category)) {
      if (uuid.empty()) {
        uuid = name_based_uuid("misp-attribute:" + uuid_ + "/" + where);
      }
      read_contact(attribute, label_name, type, category, uuid, value_text, object, tags, to_ids.value_or(false));
      return;
    }
    read_indicators(attribute, label_name, type, category, uuid, value_text, object, tags, to_ids.value_or(false));
  }

  void read_description(const std::string& label_name, const std::string& text) {
    if (auto bad = text_content_problem(text)) {
      problem(label_name, "value (the report description) " + *bad);
      return;
    }
    if (text.size() > kMaxDescriptionBytes) {
      note(label_name, "the report description is cut to " + std::to_string(kMaxDescriptionBytes) +
                           " bytes (weft's description limit)");
    }
    report_.set_description(cut_utf8(text, kMaxDescriptionBytes));
  }

  void read_contact(const json::object& attribute, const std::string& label_name, const std::string& type,
                    const std::string& category, const std::string& uuid, const std::string& value,
                    const ObjectContext* object, const Tags& tags, bool to_ids) {
    if (static_cast<std::size_t>(report_.contacts_size()) >= kMaxContacts) {
      problem(label_name, "more than " + std::to_string(kMaxContacts) + " Person and Targeting data attributes in "
                                                                       "the event (weft's most contacts per report)");
      return;
    }
    if (auto bad = text_problem(value, kMaxContactFieldBytes, true)) {
      problem(label_name, "value " + *bad);
      return;
    }
    std::string role = std::string(misp::kRolePrefix) + category + ":" + type + ":" + uuid;
    if (object != nullptr) {
      role += ":" + object->uuid + ":" + text_of(attribute, "object_relation").value_or("");
    }
    if (auto bad = text_problem(role, kMaxContactFieldBytes, false)) {
      problem(label_name, "its category, type and object relation do not fit in a contact role: " + *bad);
      return;
    }
    v1::Contact& contact = *report_.add_contacts();
    contact.set_role(role);
    switch (misp::contact_field(type)) {
      case ContactField::kEmail:
        contact.set_email(value);
        break;
      case ContactField::kPhone:
        contact.set_phone(value);
        break;
      case ContactField::kOrganisation:
        contact.set_organisation(value);
        break;
      case ContactField::kName:
        contact.set_name(value);
        break;
    }
    std::string lost;
    for (std::string_view key : {"comment", "first_seen", "last_seen"}) {
      if (const auto text = text_of(attribute, key); text && !text->empty()) {
        lost += (lost.empty() ? "" : ", ") + std::string(key);
      }
    }
    if (!tags.names.empty() || !tags.tlps.empty()) {
      lost += (lost.empty() ? "" : ", ") + std::string("Tag");
    }
    if (to_ids) {
      lost += (lost.empty() ? "" : ", ") + std::string("to_ids");
    }
    if (!lost.empty()) {
      note(label_name, lost + " not carried: personal data travels as a contact, which has no place for them");
    }
  }

  void read_indicators(const json::object& attribute, const std::string& label_name, const std::string& type,
                       const std::string& category, const std::string& uuid, const std::string& value,
                       const ObjectContext* object, const Tags& tags, bool to_ids) {
    struct Part {
      std::string type;
      std::string value;
      v1::Indicator::Type weft = v1::Indicator::TYPE_UNSPECIFIED;
    };
    std::vector<Part> parts;
    if (misp::is_composite(type)) {
      const auto type_bar = type.find('|');
      const auto value_bar = value.find('|');
      if (value_bar == std::string::npos || value.find('|', value_bar + 1) != std::string::npos) {
        problem(label_name, "composite type " + quoted_type(type) + " but the value is not two parts split by |");
        return;
      }
      parts.push_back({type.substr(0, type_bar), value.substr(0, value_bar)});
      parts.push_back({type.substr(type_bar + 1), value.substr(value_bar + 1)});
    } else {
      parts.push_back({type, value});
    }
    if (!misp::is_known_type(type)) {
      problem(label_name, "unknown MISP attribute type " + quoted_type(type));
      return;
    }
    for (std::size_t i = 0; i < parts.size(); ++i) {
      Part& part = parts[i];
      const auto weft = misp::weft_type(part.type, part.value);
      if (!weft) {
        problem(label_name, "unknown MISP attribute type " + quoted_type(part.type));
        return;
      }
      part.weft = *weft;
      auto bad = indicator_value_problem(part.weft, part.value);
      if (bad && part.type == "uri" && !indicator_value_problem(v1::Indicator::OTHER, part.value)) {
        // A MISP uri is often a path without scheme and host: context, not a URL.
        part.weft = v1::Indicator::OTHER;
        bad.reset();
        note(label_name, "uri is not a full URL (scheme://host/...); carried as context (OTHER)");
      }
      if (bad) {
        problem(label_name, (parts.size() > 1 ? (i == 0 ? "first part: " : "second part: ") : std::string()) + *bad);
        return;
      }
    }
    if (to_ids && parts.front().weft == v1::Indicator::OTHER) {
      note(label_name, "to_ids: weft has no detection type for " + quoted_type(type) + "; carried as context");
    }

    std::string description = text_of(attribute, "comment").value_or("");
    if (description.size() > kMaxIndicatorDescriptionBytes) {
      description = cut_utf8(description, kMaxIndicatorDescriptionBytes);
      note(label_name, "comment cut to " + std::to_string(kMaxIndicatorDescriptionBytes) + " bytes");
    }
    if (auto bad = text_problem(description, kMaxIndicatorDescriptionBytes, false)) {
      problem(label_name, "comment " + *bad);
      return;
    }
    std::optional<google::protobuf::Timestamp> first_seen;
    std::optional<google::protobuf::Timestamp> last_seen;
    if (const auto text = text_of(attribute, "first_seen"); text && !text->empty()) {
      first_seen = parse_rfc3339(*text);
      if (!first_seen) {
        note(label_name, "first_seen is not an RFC 3339 time; not carried");
      }
    }
    if (const auto text = text_of(attribute, "last_seen"); text && !text->empty()) {
      last_seen = parse_rfc3339(*text);
      if (!last_seen) {
        note(label_name, "last_seen is not an RFC 3339 time; not carried");
      } else if (first_seen && (last_seen->seconds() < first_seen->seconds() ||
                                (last_seen->seconds() == first_seen->seconds() &&
                                 last_seen->nanos() <= first_seen->nanos()))) {
        note(label_name, "last_seen not carried: weft's valid_until must be later than valid_from (first_seen)");
        last_seen.reset();
      }
    }

    std::vector<std::string> labels = {std::string(misp::kTypeLabel) + type,
                                       std::string(misp::kCategoryLabel) + category};
    if (!uuid.empty()) {
      labels.push_back(std::string(misp::kUuidLabel) + uuid);
    }
    if (object != nullptr) {
      labels.push_back(std::string(misp::kObjectLabel) + object->uuid + ":" +
                       text_of(attribute, "object_relation").value_or(""));
    }
    if (!to_ids) {
      labels.push_back(std::string(misp::kContextLabel));
    }
    std::uint32_t confidence = 0;
    for (const auto& tag : tags.names) {
      if (tag.starts_with(misp::kConfidenceTag)) {
        const std::string number = tag.substr(misp::kConfidenceTag.size());
        if (!number.empty() && number.size() <= 3 &&
            std::all_of(number.begin(), number.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
            std::stoi(number) <= 100) {
          confidence = static_cast<std::uint32_t>(std::stoi(number));
          continue;
        }
      }
      labels.push_back(tag);
    }
    for (const auto& tlp : tags.tlp_names) {
      labels.push_back(tlp);
    }
    labels = checked_labels(std::move(labels), label_name);

    for (std::size_t i = 0; i < parts.size(); ++i) {
      v1::Indicator& indicator = *report_.add_indicators();
      indicator.set_type(parts[i].weft);
      indicator.set_value(parts[i].value);
      indicator.set_description(description);
      indicator.set_confidence(confidence);
      if (first_seen) {
        *indicator.mutable_valid_from() = *first_seen;
      }
      if (last_seen) {
        *indicator.mutable_valid_until() = *last_seen;
      }
      for (const auto& label : labels) {
        indicator.add_labels(label);
      }
      if (parts.size() > 1) {
        indicator.add_labels(std::string(misp::kCompositeLabel) + std::to_string(i + 1));
      }
    }
  }

  // Labels the broker would refuse are named here and left out; the first
  // ones (the misp-… structure) are kept before tags when there are too many.
  std::vector<std::string> checked_labels(std::vector<std::string> labels, const std::string& where) {
    std::vector<std::string> out;
    std::set<std::string> seen;
    std::size_t dropped = 0;
    for (auto& label : labels) {
      if (auto bad = text_problem(label, kMaxLabelBytes, true)) {
        note(where, "a tag or label " + *bad + "; not carried");
        continue;
      }
      if (!seen.insert(label).second) {
        continue;
      }
      // Leaves room for misp-composite:.
      if (out.size() + 1 >= kMaxLabels) {
        ++dropped;
        continue;
      }
      out.push_back(std::move(label));
    }
    if (dropped > 0) {
      note(where, std::to_string(dropped) + " tags not carried (weft carries at most 64 labels)");
    }
    return out;
  }

  void note_uncarried_parts() {
    sightings_ += count_of(event_, "Sighting");
    galaxies_ += count_of(event_, "Galaxy");
    proposals_ += count_of(event_, "ShadowAttribute");
    const std::pair<std::size_t, const char*> counted[] = {
        {sightings_, "Sighting"},
        {galaxies_, "Galaxy (the galaxy tags themselves are carried as labels)"},
        {proposals_, "ShadowAttribute (proposals)"},
        {object_references_, "ObjectReference"},
        {count_of(event_, "EventReport"), "EventReport"},
        {count_of(event_, "RelatedEvent"), "RelatedEvent (correlations on the sending instance)"},
        {count_of(event_, "Note") + count_of(event_, "Opinion") + count_of(event_, "Relationship"),
         "analyst data (Note, Opinion, Relationship)"},
        {count_of(event_, "SharingGroup"), "SharingGroup"},
        {local_tags_, "local Tag"},
    };
    for (const auto& [count, what] : counted) {
      if (count > 0) {
        note(name_, std::string(what) + ": " + std::to_string(count) + " not carried");
      }
    }
    if (const auto extends = text_of(event_, "extends_uuid"); extends && !extends->empty()) {
      note(name_, "extends_uuid not carried");
    }
  }

  void finish_labels() {
    std::vector<std::string> labels = std::move(report_labels_);
    labels.insert(labels.end(), object_labels_.begin(), object_labels_.end());
    std::vector<std::string> out;
    std::set<std::string> seen;
    std::size_t dropped = 0;
    for (std::size_t i = 0; i < labels.size(); ++i) {
      if (auto bad = text_problem(labels[i], kMaxLabelBytes, true)) {
        note(name_, "a tag " + *bad + "; not carried");
        continue;
      }
      if (!seen.insert(labels[i]).second) {
        continue;
      }
      if (out.size() >= kMaxLabels) {
        ++dropped;
        continue;
      }
      out.push_back(labels[i]);
    }
    if (dropped > 0) {
      note(name_, std::to_string(dropped) + " tags or object definitions not carried (weft carries at most 64 "
                                            "labels per report); objects without a definition export as plain "
                                            "attributes");
    }
    for (auto& label : out) {
      report_.add_labels(std::move(label));
    }
  }

  const json::object& event_;
  std::size_t number_;
  const ImportOptions& options_;
  Imported& out_;
  v1::Report report_;
  std::string uuid_;
  std::string name_;
  std::string event_distribution_;
  std::vector<std::string> event_tags_;
  std::vector<std::string> report_labels_;
  std::vector<std::string> object_labels_;
  std::size_t sightings_ = 0;
  std::size_t galaxies_ = 0;
  std::size_t proposals_ = 0;
  std::size_t object_references_ = 0;
  std::size_t local_tags_ = 0;
};

// The inputs MISP produces: an event file ({"Event": …}), a list of them, a
// REST search answer ({"response": [{"Event": …}, …]}), or misp_event()'s
// own output, one event per line.
Result<std::vector<json::value>> parse_documents(std::string_view text) {
  boost::system::error_code error;
  json::value whole = json::parse(text, error);
  if (!error) {
    std::vector<json::value> out;
    out.push_back(std::move(whole));
    return out;
  }
  std::vector<json::value> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    const std::string_view line = trim_ascii(text.substr(start, end - start));
    start = end + 1;
    if (line.empty()) {
      continue;
    }
    boost::system::error_code line_error;
    json::value parsed = json::parse(line, line_error);
    if (line_error) {
      return make_error(v1::INVALID_INPUT, "not JSON: " + error.message());
    }
    lines.push_back(std::move(parsed));
  }
  if (lines.size() < 2) {
    return make_error(v1::INVALID_INPUT, "not JSON: " + error.message());
  }
  return lines;
}

constexpr std::string_view kShapes =
    "not a MISP event: expected {\"Event\": {...}}, a list of them, or {\"response\": [{\"Event\": {...}}, ...]}";

}  // namespace

Result<Imported> import_misp(std::string_view text, const ImportOptions& options) {
  if (options.feed.empty()) {
    return make_error(v1::INVALID_INPUT, "no feed: MISP events name none; give --feed");
  }
  WEFT_TRY(auto documents, parse_documents(text));
  std::vector<const json::value*> items;
  for (const json::value& document : documents) {
    if (document.is_array()) {
      for (const json::value& item : document.get_array()) {
        items.push_back(&item);
      }
    } else if (document.is_object() && document.get_object().contains("response")) {
      const json::value& response = document.get_object().at("response");
      if (!response.is_array()) {
        return make_error(v1::INVALID_INPUT, std::string(kShapes));
      }
      for (const json::value& item : response.get_array()) {
        items.push_back(&item);
      }
    } else if (document.is_object() && document.get_object().contains("Event")) {
      items.push_back(&document);
    } else {
      return make_error(v1::INVALID_INPUT, std::string(kShapes));
    }
  }
  Imported out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const json::value& item = *items[i];
    const json::value* event = item.is_object() ? item.get_object().if_contains("Event") : nullptr;
    if (event == nullptr || !event->is_object()) {
      out.problems.push_back({"Event " + std::to_string(i + 1), "not an {\"Event\": {...}} object"});
      continue;
    }
    EventImporter(event->get_object(), i + 1, options, out).run();
  }
  split_oversized_reports(out);
  return out;
}

}  // namespace weft::formats
