// A delivered weft report as one MISP event ({"Event": {...}}), the shape
// MISP's event import and PyMISP's MISPEvent.load take.
//
// The misp-… labels and "misp:" contact roles that import_misp() wrote (see
// misp_types.h) give back the attributes' types, categories, uuids, objects
// and composite values. Without them an attribute's type and category follow
// from its weft type. Decisions:
// - A value the recipient's policy replaced (a [REDACTED:…] marker, a
//   pseudonym, a mask) no longer fits its type; MISP would refuse it, so it
//   is written as type "anonymised" (MISP's type for exactly that, allowed in
//   every category) and never to_ids.
// - The redaction summary is an attribute of type "comment", category
//   "Other", to_ids false, comment "weft redaction summary": MISP shows it with
//   the event, and PyMISP and MISP's import take it without extensions.
// - The report description (MISP events have none) is a "text" attribute
//   with comment "weft report description".
// - distribution 4 (a sharing group) is not carried, so it exports as 0
//   (your organisation only); missing values default to the cautious
//   distribution 0, threat level 4 (undefined) and analysis 0 (initial).
// - published is false: publishing is the receiving MISP's decision.
#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "formats/formats.h"
#include "formats/identifiers.h"
#include "formats/indicator_values.h"
#include "formats/misp_types.h"

namespace weft::formats {
namespace {

namespace json = boost::json;

bool digits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::vector<std::string> split(std::string_view text, char separator) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = text.find(separator, start);
    out.emplace_back(text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) {
      return out;
    }
    start = end + 1;
  }
}

// MISP's own form, microseconds and a numeric offset: older PyMISP (Python's
// fromisoformat before 3.11) does not take a trailing Z.
std::string misp_time(const google::protobuf::Timestamp& time) {
  std::string text = rfc3339_millis(time);  // 2026-11-29T10:15:00.000Z
  char micros[16];
  std::snprintf(micros, sizeof micros, "%06d", time.nanos() / 1000);
  return text.substr(0, text.find('.')) + "." + micros + "+00:00";
}

std::string date_of(const google::protobuf::Timestamp& time) { return rfc3339_millis(time).substr(0, 10); }

struct ObjectDef {
  std::string uuid;
  std::string name;
  std::string meta_category;
  std::string template_uuid;
  std::string template_version;
  json::array attributes;
};

// The misp-… structure an indicator's labels carry, and its other labels as tags.
struct IndicatorLabels {
  std::string type;
  std::string category;
  std::string uuid;
  std::string object_uuid;
  std::string relation;
  int composite_part = 0;
  bool context = false;
  json::array tags;
};

IndicatorLabels read_labels(const v1::Indicator& indicator) {
  IndicatorLabels out;
  for (const std::string& label : indicator.labels()) {
    const std::string_view text = label;
    if (text.starts_with(misp::kTypeLabel)) {
      out.type = text.substr(misp::kTypeLabel.size());
    } else if (text.starts_with(misp::kCategoryLabel)) {
      out.category = text.substr(misp::kCategoryLabel.size());
    } else if (text.starts_with(misp::kUuidLabel)) {
      out.uuid = to_lower_ascii(text.substr(misp::kUuidLabel.size()));
    } else if (text.starts_with(misp::kObjectLabel)) {
      const std::string_view rest = text.substr(misp::kObjectLabel.size());
      out.object_uuid = rest.substr(0, 36);
      out.relation = rest.size() > 37 ? rest.substr(37) : std::string_view();
    } else if (text == "misp-composite:1" || text == "misp-composite:2") {
      out.composite_part = text.back() - '0';
    } else if (text == misp::kContextLabel) {
      out.context = true;
    } else {
      out.tags.push_back(json::object{{"name", label}});
    }
  }
  if (indicator.confidence() > 0) {
    out.tags.push_back(
        json::object{{"name", std::string(misp::kConfidenceTag) + std::to_string(indicator.confidence())}});
  }
  return out;
}

// The MISP type of one half of a composite type, on its own.
std::string part_type(std::string_view composite, int part) {
  const auto bar = composite.find('|');
  std::string type(part == 1 ? composite.substr(0, bar) : composite.substr(bar + 1));
  if (type == "ip") {
    return "ip-dst";
  }
  return type;
}

class EventWriter {
 public:
  explicit EventWriter(const v1::Report& report) : report_(report) {}

  std::string write() {
    json::object event;
    event["uuid"] = report_.id();
    event["info"] = report_.title().empty() ? "weft report " + report_.id() : report_.title();
    const bool has_created = report_.has_created();
    const bool has_received = report_.has_broker() && report_.broker().has_received_at();
    if (has_created || has_received) {
      event["date"] = date_of(has_created ? report_.created() : report_.broker().received_at());
      // The version MISP compares on sync: a re-published report is newer.
      event["timestamp"] =
          std::to_string(has_received ? report_.broker().received_at().seconds() : report_.created().seconds());
    }
    event["published"] = false;

    std::string distribution = "0";
    std::string threat_level = "4";
    std::string analysis = "0";
    json::array tags;
    if (const std::string_view tlp = tlp_level_name(report_.tlp()); !tlp.empty()) {
      tags.push_back(json::object{{"name", "tlp:" + std::string(tlp)}});
    }
    for (const std::string& label : report_.labels()) {
      const std::string_view text = label;
      if (text.starts_with(misp::kDistributionLabel) && digits(text.substr(misp::kDistributionLabel.size()))) {
        distribution = text.substr(misp::kDistributionLabel.size());
      } else if (text.starts_with(misp::kThreatLevelLabel) && digits(text.substr(misp::kThreatLevelLabel.size()))) {
        threat_level = text.substr(misp::kThreatLevelLabel.size());
      } else if (text.starts_with(misp::kAnalysisLabel) && digits(text.substr(misp::kAnalysisLabel.size()))) {
        analysis = text.substr(misp::kAnalysisLabel.size());
      } else if (text.starts_with(misp::kObjectDefLabel)) {
        read_object_def(text.substr(misp::kObjectDefLabel.size()));
      } else if (const std::string lowered = to_lower_ascii(text);
                 lowered.starts_with("tlp:") && tlp_from_level_name(lowered.substr(4)) != v1::TLP_UNSPECIFIED) {
        continue;  // the report's own TLP is the one tag MISP may act on
      } else {
        tags.push_back(json::object{{"name", label}});
      }
    }
    if (distribution == "4") {
      distribution = "0";  // its sharing group is not carried
    }
    event["distribution"] = distribution;
    event["threat_level_id"] = threat_level;
    event["analysis"] = analysis;
    if (report_.has_broker() && !report_.broker().source_organisation().empty()) {
      const std::string& source = report_.broker().source_organisation();
      event["Orgc"] = json::object{{"name", source}, {"uuid", name_based_uuid("organisation:" + source)}};
    }
    event["Tag"] = std::move(tags);

    write_indicators();
    write_contacts();
    write_report_fields();

    json::array objects;
    for (const auto& uuid : object_order_) {
      ObjectDef& def = objects_.at(uuid);
      if (def.attributes.empty()) {
        continue;  // everything in it was withheld from this recipient
      }
      objects.push_back(json::object{{"name", def.name},
                                     {"meta-category", def.meta_category},
                                     {"description", def.name},
                                     {"template_uuid", def.template_uuid},
                                     {"template_version", def.template_version},
                                     {"uuid", def.uuid},
                                     {"distribution", "5"},
                                     {"Attribute", std::move(def.attributes)}});
    }
    event["Attribute"] = std::move(attributes_);
    event["Object"] = std::move(objects);
    return json::serialize(json::object{{"Event", std::move(event)}});
  }

 private:
  void read_object_def(std::string_view text) {
    const std::vector<std::string> fields = split(text, '|');
    if (fields.size() != 5 || !is_uuid(fields[0]) || objects_.contains(to_lower_ascii(fields[0]))) {
      return;  // not one import wrote; its attributes go to the event
    }
    ObjectDef def{to_lower_ascii(fields[0]),     misp::unescape_field(fields[1]), misp::unescape_field(fields[2]),
                  misp::unescape_field(fields[3]), misp::unescape_field(fields[4]), {}};
    object_order_.push_back(def.uuid);
    objects_.emplace(def.uuid, std::move(def));
  }

  std::string unique_uuid(const std::string& wanted, const std::string& fallback_name) {
    if (is_uuid(wanted) && used_uuids_.insert(wanted).second) {
      return wanted;
    }
    std::string uuid = name_based_uuid(report_.id() + "/" + fallback_name);
    used_uuids_.insert(uuid);
    return uuid;
  }

  // Places an attribute in its object when the object's definition came
  // along, else in the event.
  void place(json::object attribute, const std::string& object_uuid, const std::string& relation) {
    if (!object_uuid.empty()) {
      if (auto it = objects_.find(object_uuid); it != objects_.end()) {
        attribute["object_relation"] = relation;
        it->second.attributes.push_back(std::move(attribute));
        return;
      }
    }
    attributes_.push_back(std::move(attribute));
  }

  static json::object attribute_json(const std::string& uuid, std::string type, const std::string& category,
                                     std::string value, bool to_ids) {
    if (type == "AS" && (value.starts_with("AS") || value.starts_with("as")) &&
        digits(std::string_view(value).substr(2))) {
      value.erase(0, 2);  // MISP keeps AS numbers as bare digits
    }
    if (!misp::value_fits(type, value)) {
      type = "anonymised";
      to_ids = false;
    }
    return json::object{{"uuid", uuid},         {"type", type},   {"category", category},
                        {"value", value},       {"to_ids", to_ids}, {"distribution", "5"}};
  }

  void write_indicators() {
    const int count = report_.indicators_size();
    std::vector<IndicatorLabels> labels;
    labels.reserve(static_cast<std::size_t>(count));
    for (const auto& indicator : report_.indicators()) {
      labels.push_back(read_labels(indicator));
    }
    std::vector<bool> done(static_cast<std::size_t>(count), false);
    for (int i = 0; i < count; ++i) {
      const auto at = static_cast<std::size_t>(i);
      if (done[at]) {
        continue;
      }
      done[at] = true;
      const v1::Indicator& indicator = report_.indicators(i);
      IndicatorLabels& own = labels[at];
      std::string type;
      std::string value = indicator.value();
      if (own.composite_part == 1 && misp::is_composite(own.type)) {
        for (int j = i + 1; j < count; ++j) {
          const auto other = static_cast<std::size_t>(j);
          if (!done[other] && labels[other].composite_part == 2 && labels[other].uuid == own.uuid &&
              labels[other].type == own.type && misp::value_fits(part_type(own.type, 1), indicator.value()) &&
              misp::value_fits(part_type(own.type, 2), report_.indicators(j).value())) {
            done[other] = true;
            type = own.type;
            value = indicator.value() + "|" + report_.indicators(j).value();
            break;
          }
        }
      }
      std::string category = own.category;
      if (type.empty()) {
        if (own.composite_part != 0 && misp::is_composite(own.type)) {
          // A half whose partner this recipient does not get stands alone,
          // in a category its own type is allowed in.
          type = part_type(own.type, own.composite_part);
          category.clear();
        } else {
          type = own.type;
        }
        if (type.empty() || !misp::is_known_type(type) || misp::is_composite(type) ||
            !misp::fits(type, indicator.type())) {
          type = std::string(misp::default_type(indicator.type()));
          category.clear();
        }
      }
      if (category.empty()) {
        category = std::string(misp::default_category(type));
      }
      const bool to_ids = indicator.type() != v1::Indicator::OTHER && !own.context;
      json::object attribute =
          attribute_json(unique_uuid(own.uuid, "indicator/" + std::to_string(i)), type, category, value, to_ids);
      if (!indicator.description().empty()) {
        attribute["comment"] = indicator.description();
      }
      if (indicator.has_valid_from()) {
        attribute["first_seen"] = misp_time(indicator.valid_from());
      }
      if (indicator.has_valid_until()) {
        attribute["last_seen"] = misp_time(indicator.valid_until());
      }
      if (!own.tags.empty()) {
        attribute["Tag"] = std::move(own.tags);
      }
      place(std::move(attribute), own.object_uuid, own.relation);
    }
  }

  void write_contacts() {
    for (int i = 0; i < report_.contacts_size(); ++i) {
      const v1::Contact& contact = report_.contacts(i);
      if (write_misp_contact(contact, i)) {
        continue;
      }
      // A contact weft's own publisher wrote: one Person attribute per field.
      const std::string comment = "weft contact " + std::to_string(i + 1) +
                                  (contact.role().empty() ? std::string() : ": " + contact.role());
      const struct {
        const std::string* value;
        const char* type;
        const char* field;
      } fields[] = {{&contact.name(), "full-name", "name"},
                    {&contact.email(), "email", "email"},
                    {&contact.phone(), "phone-number", "phone"},
                    {&contact.organisation(), "text", "organisation"}};
      for (const auto& field : fields) {
        if (field.value->empty()) {
          continue;
        }
        json::object attribute =
            attribute_json(unique_uuid("", "contact/" + std::to_string(i) + "/" + field.field), field.type, "Person",
                           *field.value, false);
        attribute["comment"] = comment + (std::string_view(field.field) == "organisation" ? " (organisation)" : "");
        attributes_.push_back(std::move(attribute));
      }
    }
  }

  // A contact import_misp() made from a Person or Targeting data attribute.
  bool write_misp_contact(const v1::Contact& contact, int index) {
    if (!contact.role().starts_with(misp::kRolePrefix)) {
      return false;
    }
    const std::vector<std::string> parts = split(contact.role(), ':');
    if (parts.size() < 4 || !misp::is_personal_category(parts[1]) || !misp::is_known_type(parts[2])) {
      return false;
    }
    const std::string* value = &contact.name();
    switch (misp::contact_field(parts[2])) {
      case misp::ContactField::kEmail:
        value = &contact.email();
        break;
      case misp::ContactField::kPhone:
        value = &contact.phone();
        break;
      case misp::ContactField::kOrganisation:
        value = &contact.organisation();
        break;
      case misp::ContactField::kName:
        break;
    }
    if (value->empty()) {
      return true;  // the recipient's policy dropped it
    }
    json::object attribute = attribute_json(unique_uuid(to_lower_ascii(parts[3]), "contact/" + std::to_string(index)),
                                            parts[2], parts[1], *value, false);
    std::string object_uuid;
    std::string relation;
    if (parts.size() >= 6) {
      object_uuid = to_lower_ascii(parts[4]);
      for (std::size_t i = 5; i < parts.size(); ++i) {
        relation += (i > 5 ? ":" : "") + parts[i];
      }
    }
    place(std::move(attribute), object_uuid, relation);
    return true;
  }

  void write_report_fields() {
    if (!report_.description().empty()) {
      json::object attribute =
          attribute_json(unique_uuid("", "description"), "text", "Other", report_.description(), false);
      attribute["comment"] = misp::kDescriptionComment;
      attributes_.push_back(std::move(attribute));
    }
    if (report_.has_redaction()) {
      const v1::RedactionSummary& summary = report_.redaction();
      std::string text = "policy " + summary.policy() + " version " + std::to_string(summary.policy_version()) + ": ";
      if (summary.counts().empty()) {
        text += "nothing redacted";
      }
      for (int i = 0; i < summary.counts_size(); ++i) {
        const auto& count = summary.counts(i);
        text += (i > 0 ? ", " : "") + count.category() + " " + v1::Action_Name(count.action()) + " " +
                std::to_string(count.count());
      }
      json::object attribute = attribute_json(unique_uuid("", "redaction"), "comment", "Other", text, false);
      attribute["comment"] = misp::kRedactionComment;
      attributes_.push_back(std::move(attribute));
    }
  }

  const v1::Report& report_;
  json::array attributes_;
  std::map<std::string, ObjectDef> objects_;
  std::vector<std::string> object_order_;
  std::set<std::string> used_uuids_;
};

}  // namespace

std::string misp_event(const v1::Report& report) { return EventWriter(report).write(); }

}  // namespace weft::formats
