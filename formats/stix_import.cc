// STIX 2.1 bundle -> weft reports.
//
// One weft report per STIX `report` or `grouping`, holding the indicators
// (and CVE vulnerabilities, and observables as context) its object_refs name;
// whatever no report names goes into one report for the bundle. A bare JSON
// array of objects, or a single object, is read like a bundle's `objects`:
// the spec demands a bundle, but feeds export both shapes.
#include <algorithm>
#include <cctype>
#include <initializer_list>
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
#include "formats/stix_pattern.h"
#include "formats/stix_vocabulary.h"

namespace weft::formats {
namespace {

namespace json = boost::json;
using google::protobuf::Timestamp;

constexpr std::string_view kObjectSeparator = "--";

// Properties every STIX object may have that import reads or that are pure
// bookkeeping (`modified` is a version, not content).
const std::set<std::string, std::less<>> kCommonProperties = {
    "type", "spec_version", "id", "created", "modified", "created_by_ref", "object_marking_refs", "revoked"};

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::string upper_alnum(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
    }
  }
  return out;
}

const json::string* string_member(const json::object& object, std::string_view key) {
  const json::value* member = object.if_contains(key);
  return member == nullptr ? nullptr : member->if_string();
}

std::string text_member(const json::object& object, std::string_view key) {
  const json::string* member = string_member(object, key);
  return member == nullptr ? std::string() : std::string(*member);
}

std::vector<std::string> string_list(const json::object& object, std::string_view key) {
  std::vector<std::string> out;
  const json::value* member = object.if_contains(key);
  if (member == nullptr || !member->is_array()) {
    return out;
  }
  for (const json::value& item : member->get_array()) {
    if (item.is_string()) {
      out.emplace_back(item.get_string());
    }
  }
  return out;
}

// An empty label carries nothing (and the broker refuses one): it is left out.
void add_unique(google::protobuf::RepeatedPtrField<std::string>& labels, const std::string& label) {
  if (!label.empty() && std::find(labels.begin(), labels.end(), label) == labels.end()) {
    *labels.Add() = label;
  }
}

bool later(const Timestamp& a, const Timestamp& b) {
  return a.seconds() > b.seconds() || (a.seconds() == b.seconds() && a.nanos() > b.nanos());
}

// Why the broker would refuse the text that the string (or list of strings)
// property `key` puts into a report: "description contains the control
// character U+007F". Lengths are not judged here: import cuts long texts to
// fit, and says so.
std::optional<std::string> carried_text_problem(const json::object& object, std::string_view key) {
  const json::value* member = object.if_contains(key);
  if (member == nullptr) {
    return std::nullopt;
  }
  if (const json::string* text = member->if_string()) {
    if (auto bad = text_content_problem(*text)) {
      return std::string(key) + " " + *bad;
    }
  } else if (const json::array* items = member->if_array()) {
    for (std::size_t i = 0; i < items->size(); ++i) {
      if (const json::string* item = (*items)[i].if_string()) {
        if (auto bad = text_content_problem(*item)) {
          return std::string(key) + "[" + std::to_string(i) + "] " + *bad;
        }
      }
    }
  }
  return std::nullopt;
}

std::optional<std::string> carried_text_problem(const json::object& object,
                                                std::initializer_list<std::string_view> keys) {
  for (std::string_view key : keys) {
    if (auto bad = carried_text_problem(object, key)) {
      return bad;
    }
  }
  return std::nullopt;
}

// One object of the input, with what import has learnt about it.
struct Entry {
  const json::object* object = nullptr;
  std::size_t position = 0;  // 1-based place in `objects`
  std::string id;
  std::string type;
  bool consumed = false;  // carried (or deliberately folded into something carried)
  bool invalid = false;
};

// What one STIX object became; computed once even when several reports name it.
struct Converted {
  bool valid = false;
  std::vector<v1::Indicator> indicators;
};

class Importer {
 public:
  explicit Importer(const ImportOptions& options) : options_(options) {}

  Result<Imported> run(std::string_view text) {
    WEFT_TRY(read_objects(text));
    index_objects();
    read_markings();
    read_reports();
    read_loose();
    name_the_rest();
    return std::move(out_);
  }

 private:
  std::string name_of(const Entry& entry) const {
    if (entry.position == 0) {
      return entry.id;  // the bundle itself
    }
    const std::string place = "object " + std::to_string(entry.position);
    return entry.id.empty() ? place : entry.id + " (" + place + ")";
  }

  // A problem means the object is not imported: nothing else is said about it.
  void problem(Entry& entry, std::string message) {
    entry.invalid = true;
    out_.problems.push_back({name_of(entry), std::move(message)});
  }
  void not_carried(const Entry& entry, std::string message) {
    out_.not_carried.push_back({name_of(entry), std::move(message)});
  }

  Result<void> read_objects(std::string_view text) {
    if (options_.feed.empty()) {
      return make_error(v1::INVALID_INPUT, "no feed: STIX carries none; give --feed");
    }
    boost::system::error_code error;
    document_ = json::parse(text, error);
    if (error) {
      return make_error(v1::INVALID_INPUT, "not JSON: " + error.message());
    }
    const json::array* objects = nullptr;
    if (document_.is_array()) {
      objects = &document_.get_array();
    } else if (const json::object* top = document_.if_object()) {
      const json::string* type = string_member(*top, "type");
      if (type == nullptr) {
        return make_error(v1::INVALID_INPUT, "not a STIX bundle: the top-level object has no type");
      }
      if (*type == "bundle") {
        bundle_id_ = text_member(*top, "id");
        if (bundle_id_.rfind("bundle--", 0) != 0 || !is_uuid(bundle_id_.substr(8))) {
          return make_error(v1::INVALID_INPUT, "not a STIX bundle: its id is not bundle--<UUID>");
        }
        const json::value* member = top->if_contains("objects");
        if (member != nullptr && !member->is_array()) {
          return make_error(v1::INVALID_INPUT, "not a STIX bundle: objects is not an array");
        }
        if (member != nullptr) {
          objects = &member->get_array();
        }
      } else {
        single_object_.push_back(document_);
        objects = &single_object_;
      }
    } else {
      return make_error(v1::INVALID_INPUT, "not a STIX bundle: neither an object nor an array");
    }
    if (objects != nullptr) {
      for (std::size_t i = 0; i < objects->size(); ++i) {
        Entry entry;
        entry.position = i + 1;
        entry.object = (*objects)[i].if_object();
        entries_.push_back(entry);
      }
    }
    return ok();
  }

  // Checks id and type of every object; of two versions of one object the
  // later `modified` wins, as STIX versioning says.
  void index_objects() {
    for (Entry& entry : entries_) {
      if (entry.object == nullptr) {
        entry.invalid = true;
        problem(entry, "not a JSON object");
        continue;
      }
      entry.type = text_member(*entry.object, "type");
      entry.id = text_member(*entry.object, "id");
      if (entry.type.empty()) {
        entry.invalid = true;
        problem(entry, "has no type");
        continue;
      }
      const std::string prefix = entry.type + std::string(kObjectSeparator);
      if (entry.id.empty() || entry.id.rfind(prefix, 0) != 0 || !is_uuid(entry.id.substr(prefix.size()))) {
        entry.invalid = true;
        problem(entry, "has no id of the form " + prefix + "<UUID>");
        entry.id.clear();
        continue;
      }
      const auto [found, inserted] = by_id_.emplace(entry.id, &entry);
      if (!inserted) {
        Entry* kept = found->second;
        const auto kept_modified = parse_rfc3339(text_member(*kept->object, "modified"));
        const auto this_modified = parse_rfc3339(text_member(*entry.object, "modified"));
        Entry* older = &entry;
        if (kept_modified && this_modified && later(*this_modified, *kept_modified)) {
          older = kept;
          found->second = &entry;
        }
        older->invalid = true;
        not_carried(*older, "an older version of an object given twice; only the latest is carried");
      }
    }
  }

  Entry* find(const std::string& id) {
    const auto found = by_id_.find(id);
    return found == by_id_.end() || found->second->invalid ? nullptr : found->second;
  }

  void read_markings() {
    for (const auto& marking : stix::kTlpMarkings) {
      tlp_by_marking_[std::string(marking.id)] = marking.tlp;
    }
    for (Entry& entry : entries_) {
      if (entry.invalid || entry.type != "marking-definition") {
        continue;
      }
      v1::Tlp tlp = v1::TLP_UNSPECIFIED;
      if (const auto known = tlp_by_marking_.find(entry.id); known != tlp_by_marking_.end()) {
        tlp = known->second;
      } else if (text_member(*entry.object, "definition_type") == "tlp") {
        if (const json::value* definition = entry.object->if_contains("definition"); definition && definition->is_object()) {
          tlp = tlp_from_level_name(text_member(definition->get_object(), "tlp"));
        }
      } else if (const json::value* extensions = entry.object->if_contains("extensions");
                 extensions && extensions->is_object()) {
        const json::value* tlp2 = extensions->get_object().if_contains(stix::kTlp2ExtensionId);
        if (tlp2 != nullptr && tlp2->is_object()) {
          tlp = tlp_from_level_name(text_member(tlp2->get_object(), "tlp_2_0"));
        }
      }
      if (tlp == v1::TLP_UNSPECIFIED) {
        not_carried(entry, "weft carries only TLP markings; this marking definition is not carried");
        continue;
      }
      tlp_by_marking_[entry.id] = tlp;
      entry.consumed = true;
    }
  }

  // The strictest TLP among the object's markings; UNSPECIFIED when it has none.
  v1::Tlp marked_tlp(Entry& entry) {
    v1::Tlp strictest = v1::TLP_UNSPECIFIED;
    for (const std::string& ref : string_list(*entry.object, "object_marking_refs")) {
      const auto found = tlp_by_marking_.find(ref);
      if (found != tlp_by_marking_.end()) {
        strictest = std::max(strictest, found->second);
      } else if (find(ref) == nullptr) {
        not_carried(entry, "object_marking_refs names " + ref + ", which is neither in the input nor a TLP marking");
      }
    }
    if (entry.object->contains("granular_markings")) {
      not_carried(entry, "granular_markings are not carried");
    }
    return strictest;
  }

  v1::Tlp tlp_or_default(Entry& entry) {
    auto cached = tlp_by_object_.find(&entry);
    if (cached == tlp_by_object_.end()) {
      cached = tlp_by_object_.emplace(&entry, marked_tlp(entry)).first;
    }
    const v1::Tlp tlp = cached->second;
    return tlp == v1::TLP_UNSPECIFIED ? options_.default_tlp : tlp;
  }

  // "stix-created-by:<name>" for the object's creator, when the input names
  // an organisation: a person's name would be personal data in a label.
  std::optional<std::string> creator_label(const json::object& object, std::vector<std::string>& notes) {
    const std::string ref = text_member(object, "created_by_ref");
    if (ref.empty()) {
      return std::nullopt;
    }
    Entry* identity = find(ref);
    if (identity == nullptr || identity->type != "identity") {
      notes.push_back("created_by_ref names " + ref + ", which is not an identity in the input");
      return std::nullopt;
    }
    if (text_member(*identity->object, "identity_class") == "individual") {
      notes.push_back("created_by_ref names an individual (" + ref + "); a person's name is not carried");
      return std::nullopt;
    }
    const std::string name = text_member(*identity->object, "name");
    if (name.empty()) {
      return std::nullopt;
    }
    if (auto bad = text_content_problem(name)) {
      notes.push_back("created_by_ref names an identity (" + ref + ") whose name " + *bad + "; it is not carried");
      return std::nullopt;
    }
    identity->consumed = true;
    return std::string(stix::kCreatedByLabel) + name;
  }

  // Timestamps, confidence and the other rules every SDO follows. Returns
  // what is wrong, or nothing.
  std::optional<std::string> check_common(const json::object& object) {
    std::optional<Timestamp> created;
    std::optional<Timestamp> modified;
    for (const char* key : {"created", "modified"}) {
      const json::value* member = object.if_contains(key);
      if (member == nullptr) {
        continue;
      }
      auto parsed = member->is_string() ? parse_rfc3339(member->get_string()) : std::nullopt;
      if (!parsed) {
        return std::string(key) + " is not an RFC 3339 timestamp";
      }
      (std::string_view(key) == "created" ? created : modified) = parsed;
    }
    if (created && modified && later(*created, *modified)) {
      return std::string("modified is earlier than created");
    }
    if (const json::value* confidence = object.if_contains("confidence")) {
      const bool in_range = (confidence->is_int64() && confidence->get_int64() >= 0 && confidence->get_int64() <= 100) ||
                            (confidence->is_uint64() && confidence->get_uint64() <= 100);
      if (!in_range) {
        return std::string("confidence is not an integer from 0 to 100");
      }
    }
    if (const json::value* revoked = object.if_contains("revoked"); revoked && revoked->is_bool() && revoked->get_bool()) {
      return std::string("is revoked; a revoked object is not imported");
    }
    return std::nullopt;
  }

  std::optional<Timestamp> timestamp(const json::object& object, std::string_view key, std::string& wrong) {
    const json::value* member = object.if_contains(key);
    if (member == nullptr) {
      return std::nullopt;
    }
    auto parsed = member->is_string() ? parse_rfc3339(member->get_string()) : std::nullopt;
    if (!parsed) {
      wrong = std::string(key) + " is not an RFC 3339 timestamp";
    }
    return parsed;
  }

  // Names the properties of `object` that import does not read.
  void name_unread(Entry& entry, const std::set<std::string, std::less<>>& read) {
    std::string unread;
    for (const auto& [key, value] : *entry.object) {
      if (kCommonProperties.count(key) == 0 && read.count(key) == 0) {
        unread += (unread.empty() ? "" : ", ") + std::string(key);
      }
    }
    if (!unread.empty()) {
      not_carried(entry, "properties not carried: " + unread);
    }
  }

  void read_reports() {
    std::set<std::string> referenced;
    for (Entry& entry : entries_) {
      if (entry.invalid || (entry.type != "report" && entry.type != "grouping")) {
        continue;
      }
      entry.consumed = true;
      for (const std::string& ref : string_list(*entry.object, "object_refs")) {
        referenced.insert(ref);
      }
      if (auto wrong = check_common(*entry.object)) {
        problem(entry, *wrong);
        skipped_report_refs(entry);
        continue;
      }
      std::string wrong;
      const auto published = timestamp(*entry.object, "published", wrong);
      if (!wrong.empty()) {
        problem(entry, wrong);
        skipped_report_refs(entry);
        continue;
      }
      if (auto bad = carried_text_problem(*entry.object, {"name", "description", "labels", "report_types"})) {
        problem(entry, *bad);
        skipped_report_refs(entry);
        continue;
      }
      ImportedReport imported;
      imported.source = entry.id;
      v1::Report& report = imported.report;
      report.set_id(entry.id.substr(entry.type.size() + kObjectSeparator.size()));
      report.set_feed(options_.feed);
      const std::string name = text_member(*entry.object, "name");
      report.set_title(name.empty() ? "STIX " + entry.type + " " + entry.id : name);
      report.set_description(text_member(*entry.object, "description"));
      if (auto created = parse_rfc3339(text_member(*entry.object, "created"))) {
        *report.mutable_created() = *created;
      } else if (published) {
        *report.mutable_created() = *published;
      }
      for (const std::string& label : string_list(*entry.object, "labels")) {
        add_unique(*report.mutable_labels(), label);
      }
      for (const std::string& report_type : string_list(*entry.object, "report_types")) {
        add_unique(*report.mutable_labels(), std::string(stix::kReportTypeLabel) + report_type);
      }
      std::vector<Entry*> members;
      std::size_t missing = 0;
      for (const std::string& ref : string_list(*entry.object, "object_refs")) {
        Entry* member = find(ref);
        if (member == nullptr) {
          missing += by_id_.count(ref) == 0 ? 1 : 0;
          continue;
        }
        if (std::find(members.begin(), members.end(), member) == members.end()) {
          members.push_back(member);
        }
      }
      if (missing > 0) {
        not_carried(entry, "object_refs names " + std::to_string(missing) + " object(s) that are not in the input");
      }
      name_unread(entry, {"name", "description", "published", "object_refs", "labels", "report_types", "x_weft_feed",
                          "x_weft_sequence"});
      members.insert(members.begin(), &entry);
      finish_report(entry, std::move(imported), members);
    }
    referenced_ = std::move(referenced);
  }

  // Indicators of a report that cannot be imported would otherwise be lost
  // without a word, or land in the bundle's report with a weaker TLP.
  void skipped_report_refs(const Entry& report) {
    for (const std::string& ref : string_list(*report.object, "object_refs")) {
      if (Entry* member = find(ref); member != nullptr && carries_indicators(*member)) {
        orphaned_.insert(member);
      }
    }
  }

  static bool carries_indicators(const Entry& entry) {
    return entry.type == "indicator" || entry.type == "vulnerability" || is_observable(entry.type);
  }

  static bool is_observable(std::string_view type) {
    return type == "ipv4-addr" || type == "ipv6-addr" || type == "domain-name" || type == "url" ||
           type == "email-addr" || type == "file" || type == "mutex" || type == "windows-registry-key" ||
           type == "autonomous-system";
  }

  // Adds the members' indicators; the TLP is the strictest of the report's
  // and every member's (unmarked ones count as the default).
  void finish_report(Entry& source, ImportedReport imported, const std::vector<Entry*>& members) {
    v1::Report& report = imported.report;
    v1::Tlp tlp = v1::TLP_UNSPECIFIED;
    std::vector<std::string> creator_notes;
    bool has_creator = false;
    for (Entry* member : members) {
      const bool is_report = member == &source && (source.type == "report" || source.type == "grouping");
      if (!is_report && !carries_indicators(*member)) {
        continue;  // other objects are named once, in name_the_rest
      }
      const Converted& converted = convert(*member);
      if (!is_report && !converted.valid) {
        continue;
      }
      tlp = std::max(tlp, tlp_or_default(*member));
      if (member->object->contains("created_by_ref")) {
        has_creator = true;
        if (auto label = creator_label(*member->object, creator_notes)) {
          add_unique(*report.mutable_labels(), *label);
        }
      }
      for (const v1::Indicator& indicator : converted.indicators) {
        *report.add_indicators() = indicator;
      }
    }
    if (tlp == v1::TLP_UNSPECIFIED) {
      problem(source, "no TLP marking; give --tlp");
      return;
    }
    report.set_tlp(tlp);
    fit_labels(source, *report.mutable_labels());
    if (report.title().size() > kMaxTitleBytes) {
      report.set_title(cut_utf8(report.title(), kMaxTitleBytes));
      not_carried(source, "the name is cut to " + std::to_string(kMaxTitleBytes) + " bytes (weft's title limit)");
    }
    if (report.description().size() > kMaxDescriptionBytes) {
      report.set_description(cut_utf8(report.description(), kMaxDescriptionBytes));
      not_carried(source, "the description is cut to " + std::to_string(kMaxDescriptionBytes) +
                              " bytes (weft's description limit)");
    }
    std::sort(creator_notes.begin(), creator_notes.end());
    creator_notes.erase(std::unique(creator_notes.begin(), creator_notes.end()), creator_notes.end());
    for (std::string& note : creator_notes) {
      not_carried(source, std::move(note));
    }
    if (has_creator) {
      not_carried(source,
                  "created_by_ref: a weft report's publisher is the organisation that publishes it (the broker stamps "
                  "it); the STIX creator is kept only as the label " +
                      std::string(stix::kCreatedByLabel) + "<name>");
    }
    out_.reports.push_back(std::move(imported));
  }

  // Indicators, vulnerabilities and observables no report names: one report
  // for the whole input, with an id derived from the bundle's id and the
  // indicators' ids and versions, so that importing the same bundle again
  // gives the same report.
  void read_loose() {
    std::vector<Entry*> loose;
    for (Entry& entry : entries_) {
      if (entry.invalid || !carries_indicators(entry) || referenced_.count(entry.id) != 0) {
        continue;
      }
      if (is_observable(entry.type)) {
        continue;  // an observable alone is not an indicator; named in name_the_rest
      }
      if (convert(entry).valid) {
        loose.push_back(&entry);
      }
    }
    for (Entry* orphan : orphaned_) {
      if (!orphan->consumed && !orphan->invalid) {
        orphan->consumed = true;
        problem(*orphan, "not imported: the report or grouping that names it was not imported");
      }
    }
    if (loose.empty()) {
      return;
    }
    Entry bundle;
    bundle.id = bundle_id_;
    bundle.type = "bundle";
    bundle.position = 0;
    ImportedReport imported;
    v1::Report& report = imported.report;
    // Not the bundle's own id: producers reuse bundle ids (even the official
    // examples do), and a different bundle under the same id would be
    // refused as a conflicting re-publish.
    std::string contents = bundle_id_ + "\n";
    for (const Entry* entry : loose) {
      contents += entry->id + "@" + text_member(*entry->object, "modified") + "\n";
    }
    imported.source = bundle_id_.empty() ? std::string("the objects") : bundle_id_;
    report.set_id(name_based_uuid("stix-objects:" + contents));
    report.set_feed(options_.feed);
    const std::string only_name = loose.size() == 1 ? text_member(*loose.front()->object, "name") : std::string();
    report.set_title(!only_name.empty()       ? only_name
                     : bundle_id_.empty()     ? std::string("STIX objects")
                                              : "STIX bundle " + bundle_id_);
    std::optional<Timestamp> earliest;
    for (const Entry* entry : loose) {
      const auto created = parse_rfc3339(text_member(*entry->object, "created"));
      if (created && (!earliest || later(*earliest, *created))) {
        earliest = created;
      }
    }
    if (earliest) {
      *report.mutable_created() = *earliest;
    }
    bundle.id = imported.source;
    bundle.object = &empty_object_;
    finish_report(bundle, std::move(imported), loose);
  }

  const Converted& convert(Entry& entry) {
    const auto cached = converted_.find(&entry);
    if (cached != converted_.end()) {
      return cached->second;
    }
    Converted converted;
    if (entry.type == "indicator") {
      converted = convert_indicator(entry);
    } else if (entry.type == "vulnerability") {
      converted = convert_vulnerability(entry);
    } else if (is_observable(entry.type)) {
      converted = convert_observable(entry);
    }
    if (converted.valid) {
      entry.consumed = true;
    }
    return converted_.emplace(&entry, std::move(converted)).first->second;
  }

  // One weft indicator per carried comparison; the STIX properties weft has
  // no field for go into namespaced labels so that export gives them back.
  Converted convert_indicator(Entry& entry) {
    Converted converted;
    const json::object& object = *entry.object;
    if (auto wrong = check_common(object)) {
      problem(entry, *wrong);
      return converted;
    }
    if (auto bad = carried_text_problem(object, {"name", "description", "labels", "indicator_types"})) {
      problem(entry, *bad);
      return converted;
    }
    if (auto bad = kill_chain_problem(object)) {
      problem(entry, *bad);
      return converted;
    }
    const std::string pattern_type = text_member(object, "pattern_type");
    if (pattern_type != "stix") {
      problem(entry, pattern_type.empty() ? "has no pattern_type"
                                          : "pattern_type '" + pattern_type + "' is not carried; weft reads STIX patterns");
      return converted;
    }
    const json::string* pattern_text = string_member(object, "pattern");
    if (pattern_text == nullptr) {
      problem(entry, "has no pattern");
      return converted;
    }
    std::string wrong;
    const auto valid_from = timestamp(object, "valid_from", wrong);
    const auto valid_until = timestamp(object, "valid_until", wrong);
    if (!wrong.empty()) {
      problem(entry, wrong);
      return converted;
    }
    if (!valid_from) {
      problem(entry, "has no valid_from");
      return converted;
    }
    if (valid_until && !later(*valid_until, *valid_from)) {
      problem(entry, "valid_until is not later than valid_from");
      return converted;
    }
    auto parsed = parse_stix_pattern(*pattern_text);
    if (!parsed) {
      problem(entry, "pattern does not parse: " + parsed.error().message);
      return converted;
    }
    const StixPattern& pattern = parsed.value();

    v1::Indicator shape;
    const std::string name = text_member(object, "name");
    const std::string description = text_member(object, "description");
    shape.set_description(description.empty() ? name : description);
    if (const json::value* confidence = object.if_contains("confidence")) {
      shape.set_confidence(static_cast<std::uint32_t>(confidence->to_number<std::int64_t>()));
    }
    *shape.mutable_valid_from() = *valid_from;
    if (valid_until) {
      *shape.mutable_valid_until() = *valid_until;
    }
    for (const std::string& label : string_list(object, "labels")) {
      add_unique(*shape.mutable_labels(), label);
    }
    if (!name.empty()) {
      add_unique(*shape.mutable_labels(), std::string(stix::kStixNameLabel) + name);
    }
    for (const std::string& indicator_type : string_list(object, "indicator_types")) {
      add_unique(*shape.mutable_labels(), std::string(stix::kIndicatorTypeLabel) + indicator_type);
    }
    add_kill_chains(object, shape);

    std::vector<std::string> uncarried;
    const std::size_t refused_before = refused_values_;
    for (std::size_t i = 0; i < pattern.comparisons.size(); ++i) {
      const StixComparison& comparison = pattern.comparisons[i];
      const std::string where = "comparison " + std::to_string(i + 1) + " (" + stix_object_path(comparison) + ")";
      const auto type = indicator_type_of(comparison);
      if (!type) {
        uncarried.push_back(where + ": weft has no indicator type for this object path");
        continue;
      }
      const bool equality = (comparison.op == "=" || comparison.op == "IN") && !comparison.negated;
      if (!equality) {
        uncarried.push_back(where + ": the operator " + std::string(comparison.negated ? "NOT " : "") + comparison.op +
                            " is not carried, only = and IN");
        continue;
      }
      for (const StixLiteral& literal : comparison.values) {
        auto value = indicator_value(*type, literal);
        if (!value) {
          uncarried.push_back(where + ": a value of the wrong kind for this object path");
          continue;
        }
        const v1::Indicator::Type refined = refine_type(*type, *value);
        if (auto refused = indicator_value_problem(refined, *value)) {
          value_refused(entry, where + ": " + *refused);
          continue;
        }
        add_value(converted.indicators, shape, refined, *value);
      }
    }
    if (converted.indicators.empty()) {
      if (refused_values_ > refused_before && uncarried.empty()) {
        entry.invalid = true;  // each value was named already
        return converted;
      }
      // Nothing weft has a type for (an e-mail subject, an attachment's
      // name): the whole pattern travels as text rather than being lost to
      // the SOC that would have matched on it.
      if (!uncarried.empty() && !indicator_value_problem(v1::Indicator::OTHER, *pattern_text)) {
        add_value(converted.indicators, shape, v1::Indicator::OTHER, std::string(*pattern_text));
        add_unique(*converted.indicators.front().mutable_labels(), std::string(stix::kStixPatternLabel));
        uncarried = {"weft has no indicator type for its comparisons (" + join(uncarried) +
                     "); the whole pattern is carried as text and exported unchanged"};
      } else {
        problem(entry, "its pattern has no comparison weft can carry" +
                           (uncarried.empty() ? std::string() : " (" + join(uncarried) + ")"));
        return converted;
      }
    }
    if (!pattern.combinators.empty()) {
      not_carried(entry, "the pattern's " + join(pattern.combinators, ", ") +
                             " is not carried: each value is imported as an indicator of its own");
    }
    if (!uncarried.empty()) {
      not_carried(entry, join(uncarried));
    }
    auto& first_labels = *converted.indicators.front().mutable_labels();
    *first_labels.Add() = std::string(stix::kStixIdLabel) + entry.id;
    for (int i = first_labels.size() - 1; i > 0; --i) {
      first_labels.SwapElements(i, i - 1);
    }
    name_unread(entry, {"name", "description", "indicator_types", "pattern", "pattern_type", "pattern_version",
                        "valid_from", "valid_until", "kill_chain_phases", "confidence", "labels"});
    for (v1::Indicator& indicator : converted.indicators) {
      fit_indicator(entry, indicator);
    }
    converted.valid = true;
    return converted;
  }

  // A value the broker would refuse: the rest of the object still goes on.
  void value_refused(const Entry& entry, std::string message) {
    ++refused_values_;
    out_.problems.push_back({name_of(entry), message + "; this value is not imported"});
  }

  // The broker's limits, applied here so that one long STIX name does not
  // make the broker refuse the whole report.
  void fit_labels(Entry& entry, google::protobuf::RepeatedPtrField<std::string>& labels) {
    bool cut = false;
    for (std::string& label : labels) {
      if (label.size() > kMaxLabelBytes) {
        label = cut_utf8(label, kMaxLabelBytes);
        cut = true;
      }
    }
    if (cut) {
      not_carried(entry, "labels longer than " + std::to_string(kMaxLabelBytes) + " bytes are cut");
    }
    if (static_cast<std::size_t>(labels.size()) > kMaxLabels) {
      not_carried(entry, "labels after the first " + std::to_string(kMaxLabels) + " are not carried");
      labels.DeleteSubrange(static_cast<int>(kMaxLabels), labels.size() - static_cast<int>(kMaxLabels));
    }
  }

  void fit_indicator(Entry& entry, v1::Indicator& indicator) {
    fit_labels(entry, *indicator.mutable_labels());
    if (indicator.description().size() > kMaxIndicatorDescriptionBytes) {
      indicator.set_description(cut_utf8(indicator.description(), kMaxIndicatorDescriptionBytes));
      not_carried(entry, "the description is cut to " + std::to_string(kMaxIndicatorDescriptionBytes) + " bytes");
    }
  }

  static std::string join(const std::vector<std::string>& parts, std::string_view separator = "; ") {
    std::string out;
    for (const std::string& part : parts) {
      out += (out.empty() ? "" : std::string(separator)) + part;
    }
    return out;
  }

  // What add_kill_chains() would carry that the broker refuses.
  static std::optional<std::string> kill_chain_problem(const json::object& object) {
    const json::value* phases = object.if_contains("kill_chain_phases");
    if (phases == nullptr || !phases->is_array()) {
      return std::nullopt;
    }
    for (std::size_t i = 0; i < phases->get_array().size(); ++i) {
      const json::value& phase = phases->get_array()[i];
      if (!phase.is_object()) {
        continue;
      }
      for (const char* key : {"kill_chain_name", "phase_name"}) {
        if (auto bad = carried_text_problem(phase.get_object(), key)) {
          return "kill_chain_phases[" + std::to_string(i) + "]." + *bad;
        }
      }
    }
    return std::nullopt;
  }

  static void add_kill_chains(const json::object& object, v1::Indicator& indicator) {
    const json::value* phases = object.if_contains("kill_chain_phases");
    if (phases == nullptr || !phases->is_array()) {
      return;
    }
    for (const json::value& phase : phases->get_array()) {
      if (!phase.is_object()) {
        continue;
      }
      add_unique(*indicator.mutable_labels(), std::string(stix::kKillChainLabel) +
                                                  text_member(phase.get_object(), "kill_chain_name") + ":" +
                                                  text_member(phase.get_object(), "phase_name"));
    }
  }

  static void add_value(std::vector<v1::Indicator>& indicators, const v1::Indicator& shape, v1::Indicator::Type type,
                        const std::string& value) {
    for (const v1::Indicator& existing : indicators) {
      if (existing.type() == type && existing.value() == value) {
        return;
      }
    }
    v1::Indicator indicator = shape;
    indicator.set_type(type);
    indicator.set_value(value);
    indicators.push_back(std::move(indicator));
  }

  // The weft type for an object path, before looking at the value (an
  // address becomes a network when it has a prefix length).
  static std::optional<v1::Indicator::Type> indicator_type_of(const StixComparison& comparison) {
    const std::string type = lower(comparison.object_type);
    const auto& path = comparison.path;
    const auto only = [&](std::string_view property) { return path.size() == 1 && path[0] == property; };
    if (only("value")) {
      if (type == "ipv4-addr") {
        return v1::Indicator::IPV4;
      }
      if (type == "ipv6-addr") {
        return v1::Indicator::IPV6;
      }
      if (type == "domain-name") {
        return v1::Indicator::DOMAIN;
      }
      if (type == "url") {
        return v1::Indicator::URL;
      }
      if (type == "email-addr") {
        return v1::Indicator::EMAIL;
      }
    }
    if (type == "file" && path.size() == 2 && path[0] == "hashes") {
      return hash_type(path[1]);
    }
    if ((type == "file" || type == "mutex") && only("name")) {
      return type == "file" ? v1::Indicator::FILENAME : v1::Indicator::MUTEX;
    }
    if (type == "windows-registry-key" && only("key")) {
      return v1::Indicator::REGISTRY_KEY;
    }
    if (type == "autonomous-system" && only("number")) {
      return v1::Indicator::ASN;
    }
    if (type == "network-traffic" && path.size() == 4 && path[0] == "extensions" && path[1] == "http-request-ext" &&
        path[2] == "request_header" && lower(path[3]) == "user-agent") {
      return v1::Indicator::USER_AGENT;
    }
    // weft's own export writes JA3 this way (STIX has no JA3 property).
    if (type == "network-traffic" && only("x_ja3_hash")) {
      return v1::Indicator::JA3;
    }
    return std::nullopt;
  }

  // "MD5", "SHA-1", "sha256", "SHA_512", "ssdeep": spellings differ between producers.
  static std::optional<v1::Indicator::Type> hash_type(std::string_view name) {
    const std::string normal = upper_alnum(name);
    if (normal == "MD5") {
      return v1::Indicator::MD5;
    }
    if (normal == "SHA1") {
      return v1::Indicator::SHA1;
    }
    if (normal == "SHA256") {
      return v1::Indicator::SHA256;
    }
    if (normal == "SHA512") {
      return v1::Indicator::SHA512;
    }
    if (normal == "SSDEEP") {
      return v1::Indicator::SSDEEP;
    }
    return std::nullopt;
  }

  static std::optional<std::string> indicator_value(v1::Indicator::Type type, const StixLiteral& literal) {
    if (type == v1::Indicator::ASN) {
      if (literal.kind == StixLiteral::Kind::kInteger && literal.text.front() != '-') {
        return "AS" + std::string(literal.text.front() == '+' ? literal.text.substr(1) : literal.text);
      }
      if (literal.kind == StixLiteral::Kind::kString && !literal.text.empty()) {
        return literal.text;
      }
      return std::nullopt;
    }
    if (literal.kind != StixLiteral::Kind::kString || literal.text.empty()) {
      return std::nullopt;
    }
    return literal.text;
  }

  static v1::Indicator::Type refine_type(v1::Indicator::Type type, const std::string& value) {
    const bool network = value.find('/') != std::string::npos;
    if (type == v1::Indicator::IPV4 && network) {
      return v1::Indicator::IPV4_CIDR;
    }
    if (type == v1::Indicator::IPV6 && network) {
      return v1::Indicator::IPV6_CIDR;
    }
    return type;
  }

  // A vulnerability is a CVE indicator when it names its CVE id.
  Converted convert_vulnerability(Entry& entry) {
    Converted converted;
    const json::object& object = *entry.object;
    std::string cve;
    std::size_t other_references = 0;
    if (const json::value* references = object.if_contains("external_references");
        references && references->is_array()) {
      for (const json::value& reference : references->get_array()) {
        if (reference.is_object() && lower(text_member(reference.get_object(), "source_name")) == "cve" &&
            cve.empty()) {
          cve = text_member(reference.get_object(), "external_id");
        } else {
          ++other_references;
        }
      }
    }
    if (cve.empty()) {
      return converted;  // named in name_the_rest as an object weft does not carry
    }
    if (auto wrong = check_common(object)) {
      problem(entry, *wrong);
      return converted;
    }
    if (auto refused = indicator_value_problem(v1::Indicator::CVE, cve)) {
      problem(entry, "the CVE id: " + *refused);
      return converted;
    }
    if (auto bad = carried_text_problem(object, {"name", "description", "labels"})) {
      problem(entry, *bad);
      return converted;
    }
    v1::Indicator indicator;
    indicator.set_type(v1::Indicator::CVE);
    indicator.set_value(cve);
    const std::string name = text_member(object, "name");
    const std::string description = text_member(object, "description");
    indicator.set_description(description.empty() ? name : description);
    if (const json::value* confidence = object.if_contains("confidence")) {
      indicator.set_confidence(static_cast<std::uint32_t>(confidence->to_number<std::int64_t>()));
    }
    *indicator.add_labels() = std::string(stix::kStixIdLabel) + entry.id;
    for (const std::string& label : string_list(object, "labels")) {
      add_unique(*indicator.mutable_labels(), label);
    }
    if (!name.empty()) {
      add_unique(*indicator.mutable_labels(), std::string(stix::kStixNameLabel) + name);
    }
    if (other_references > 0) {
      not_carried(entry, "external_references other than the CVE id are not carried");
    }
    name_unread(entry, {"name", "description", "external_references", "confidence", "labels"});
    fit_indicator(entry, indicator);
    converted.indicators.push_back(std::move(indicator));
    converted.valid = true;
    return converted;
  }

  // An observable a report names is context, not a detection indicator.
  Converted convert_observable(Entry& entry) {
    Converted converted;
    const json::object& object = *entry.object;
    v1::Indicator shape;
    *shape.add_labels() = std::string(stix::kContextLabel);
    const auto add = [&](v1::Indicator::Type type, const std::string& value) {
      if (value.empty()) {
        return;
      }
      const v1::Indicator::Type refined = refine_type(type, value);
      if (auto refused = indicator_value_problem(refined, value)) {
        value_refused(entry, *refused);
        return;
      }
      add_value(converted.indicators, shape, refined, value);
    };
    std::set<std::string, std::less<>> read;
    if (entry.type == "file") {
      read = {"hashes", "name"};
      if (const json::value* hashes = object.if_contains("hashes"); hashes && hashes->is_object()) {
        for (const auto& [algorithm, value] : hashes->get_object()) {
          const auto type = hash_type(algorithm);
          if (type && value.is_string()) {
            add(*type, std::string(value.get_string()));
          } else {
            not_carried(entry, "the hash " + std::string(algorithm) + " is not carried");
          }
        }
      }
      add(v1::Indicator::FILENAME, text_member(object, "name"));
    } else if (entry.type == "mutex") {
      read = {"name"};
      add(v1::Indicator::MUTEX, text_member(object, "name"));
    } else if (entry.type == "windows-registry-key") {
      read = {"key"};
      add(v1::Indicator::REGISTRY_KEY, text_member(object, "key"));
    } else if (entry.type == "autonomous-system") {
      read = {"number"};
      if (const json::value* number = object.if_contains("number"); number && (number->is_int64() || number->is_uint64())) {
        add(v1::Indicator::ASN, "AS" + json::serialize(*number));
      }
    } else {
      read = {"value"};
      const v1::Indicator::Type type = entry.type == "ipv4-addr"     ? v1::Indicator::IPV4
                                       : entry.type == "ipv6-addr"   ? v1::Indicator::IPV6
                                       : entry.type == "domain-name" ? v1::Indicator::DOMAIN
                                       : entry.type == "url"         ? v1::Indicator::URL
                                                                     : v1::Indicator::EMAIL;
      add(type, text_member(object, "value"));
    }
    if (converted.indicators.empty()) {
      return converted;
    }
    name_unread(entry, read);
    for (v1::Indicator& indicator : converted.indicators) {
      fit_indicator(entry, indicator);
    }
    converted.valid = true;
    return converted;
  }

  void name_the_rest() {
    for (Entry& entry : entries_) {
      if (entry.invalid || entry.consumed) {
        continue;
      }
      if (entry.type == "identity") {
        not_carried(entry, "identity: weft carries no identities (the publisher is the publishing organisation)");
      } else if (is_observable(entry.type) && referenced_.count(entry.id) == 0) {
        not_carried(entry, entry.type + ": an observable no report names is not carried");
      } else {
        not_carried(entry, entry.type + ": weft does not carry this object type");
      }
    }
  }

  const ImportOptions& options_;
  Imported out_;
  json::value document_;
  json::array single_object_;
  json::object empty_object_;
  std::string bundle_id_;
  std::vector<Entry> entries_;
  std::map<std::string, Entry*, std::less<>> by_id_;
  std::map<std::string, v1::Tlp, std::less<>> tlp_by_marking_;
  std::set<std::string> referenced_;
  std::set<Entry*> orphaned_;
  std::map<const Entry*, Converted> converted_;
  std::map<const Entry*, v1::Tlp> tlp_by_object_;
  std::size_t refused_values_ = 0;
};

}  // namespace

Result<Imported> import_stix(std::string_view text, const ImportOptions& options) {
  auto imported = Importer(options).run(text);
  if (imported) {
    split_oversized_reports(imported.value());
  }
  return imported;
}

}  // namespace weft::formats
