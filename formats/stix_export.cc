// A delivered weft report -> STIX 2.1 objects.
//
// Every id is derived from the report (or taken from a "stix-id:" label), and
// every timestamp from the report's own times, so the same report always
// gives the same bytes: TAXII clients compare objects by id and `modified`.
// Contacts and recipients are not exported: a STIX consumer has no place that
// keeps a data-protection policy attached to them.
#include <algorithm>
#include <cctype>
#include <set>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "formats/formats.h"
#include "formats/identifiers.h"
#include "formats/stix_pattern.h"
#include "formats/stix_vocabulary.h"

namespace weft::formats {
namespace {

namespace json = boost::json;
using google::protobuf::Timestamp;

// The publisher's identity is one object shared by all its reports; a fixed
// version keeps it identical in every bundle.
constexpr std::string_view kIdentityTime = "2020-01-01T00:00:00.000Z";

bool is_set(const Timestamp& time) {
  return time.seconds() != 0 || time.nanos() != 0;
}

bool later(const Timestamp& a, const Timestamp& b) {
  return a.seconds() > b.seconds() || (a.seconds() == b.seconds() && a.nanos() > b.nanos());
}

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::vector<std::string> label_values(const v1::Indicator& indicator, std::string_view prefix) {
  std::vector<std::string> out;
  for (const std::string& label : indicator.labels()) {
    if (starts_with(label, prefix)) {
      out.push_back(label.substr(prefix.size()));
    }
  }
  return out;
}

bool has_label(const v1::Indicator& indicator, std::string_view wanted) {
  return std::find(indicator.labels().begin(), indicator.labels().end(), wanted) != indicator.labels().end();
}

bool is_whole_pattern(const v1::Indicator& indicator) {
  return indicator.type() == v1::Indicator::OTHER && has_label(indicator, stix::kStixPatternLabel);
}

bool is_context(const v1::Indicator& indicator) {
  return (indicator.type() == v1::Indicator::OTHER && !is_whole_pattern(indicator)) ||
         std::find(indicator.labels().begin(), indicator.labels().end(), stix::kContextLabel) !=
             indicator.labels().end();
}

// Labels that export turns into STIX properties, or that mean nothing outside weft.
bool is_reserved(std::string_view label) {
  return starts_with(label, stix::kStixIdLabel) || starts_with(label, stix::kStixNameLabel) ||
         starts_with(label, stix::kIndicatorTypeLabel) || starts_with(label, stix::kKillChainLabel) ||
         starts_with(label, stix::kReportTypeLabel) || label == stix::kContextLabel ||
         label == stix::kStixPatternLabel;
}

json::array plain_labels(const google::protobuf::RepeatedPtrField<std::string>& labels) {
  json::array out;
  for (const std::string& label : labels) {
    if (!is_reserved(label)) {
      out.emplace_back(label);
    }
  }
  return out;
}

// STIX identifiers demand an RFC 9562 UUID of version 1-5; a weft report id
// of another version is mapped to a name-based one.
std::string stix_uuid(std::string_view id) {
  const bool usable = is_uuid(id) && id[14] >= '1' && id[14] <= '5' &&
                      std::string_view("89abAB").find(id[19]) != std::string_view::npos;
  return usable ? lower(id) : name_based_uuid("stix-uuid:" + std::string(id));
}

bool is_stix_id(std::string_view id, std::string_view type) {
  const std::string prefix = std::string(type) + "--";
  return starts_with(id, prefix) && stix_uuid(id.substr(prefix.size())) == lower(id.substr(prefix.size()));
}

std::string type_name(v1::Indicator::Type type) {
  return lower(v1::Indicator::Type_Name(type));
}

// The STIX spec wants registry hives spelled out (HKEY_LOCAL_MACHINE, not HKLM).
std::string expand_hive(const std::string& key) {
  static constexpr std::pair<std::string_view, std::string_view> kHives[] = {
      {"HKLM", "HKEY_LOCAL_MACHINE"}, {"HKCU", "HKEY_CURRENT_USER"}, {"HKCR", "HKEY_CLASSES_ROOT"},
      {"HKU", "HKEY_USERS"},          {"HKCC", "HKEY_CURRENT_CONFIG"}};
  for (const auto& [short_name, long_name] : kHives) {
    const std::string_view head = std::string_view(key).substr(0, short_name.size());
    if (lower(head) == lower(short_name) && (key.size() == short_name.size() || key[short_name.size()] == '\\')) {
      return std::string(long_name) + key.substr(short_name.size());
    }
  }
  return key;
}

std::string asn_digits(const std::string& value) {
  std::string digits = value;
  if (digits.size() > 2 && lower(digits.substr(0, 2)) == "as") {
    digits = digits.substr(2);
  }
  const bool numeric = !digits.empty() && digits.size() <= 10 &&
                       std::all_of(digits.begin(), digits.end(), [](unsigned char c) { return std::isdigit(c); });
  return numeric ? digits : std::string();
}

// The url observable's value must be an RFC 3986 URI (its schema says
// "format": "uri"); weft also carries IRIs and sloppier URLs.
bool is_rfc3986_uri(std::string_view text) {
  const auto colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0 || !std::isalpha(static_cast<unsigned char>(text[0]))) {
    return false;
  }
  const auto scheme_char = [](unsigned char c) { return std::isalnum(c) || c == '+' || c == '-' || c == '.'; };
  if (!std::all_of(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(colon), scheme_char)) {
    return false;
  }
  constexpr std::string_view kAllowed = "-._~:/?#[]@!$&'()*+,;=";
  for (std::size_t i = colon + 1; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '%') {
      if (i + 2 >= text.size() || !std::isxdigit(static_cast<unsigned char>(text[i + 1])) ||
          !std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
        return false;
      }
      i += 2;
    } else if (c >= 0x80 || !(std::isalnum(c) || kAllowed.find(static_cast<char>(c)) != std::string_view::npos)) {
      return false;
    }
  }
  return true;
}

// The STIX hash names of the file object's `hashes` dictionary.
std::string_view hash_name(v1::Indicator::Type type) {
  switch (type) {
    case v1::Indicator::MD5:
      return "MD5";
    case v1::Indicator::SHA1:
      return "SHA-1";
    case v1::Indicator::SHA256:
      return "SHA-256";
    case v1::Indicator::SHA512:
      return "SHA-512";
    case v1::Indicator::SSDEEP:
      return "SSDEEP";
    default:
      return "";
  }
}

// "[ipv4-addr:value = '198.51.100.7']"; empty for types without a pattern.
std::string pattern_for(const v1::Indicator& indicator) {
  if (is_whole_pattern(indicator)) {
    // Redaction may have changed text inside it: only a pattern that still
    // parses goes out as one.
    return parse_stix_pattern(indicator.value()) ? indicator.value() : std::string();
  }
  const std::string literal = stix_string_literal(indicator.value());
  const auto compare = [&](std::string_view path) { return "[" + std::string(path) + " = " + literal + "]"; };
  switch (indicator.type()) {
    case v1::Indicator::IPV4:
    case v1::Indicator::IPV4_CIDR:
      return compare("ipv4-addr:value");
    case v1::Indicator::IPV6:
    case v1::Indicator::IPV6_CIDR:
      return compare("ipv6-addr:value");
    case v1::Indicator::DOMAIN:
      return compare("domain-name:value");
    case v1::Indicator::URL:
      return compare("url:value");
    case v1::Indicator::EMAIL:
      return compare("email-addr:value");
    case v1::Indicator::MD5:
    case v1::Indicator::SSDEEP:
      return compare("file:hashes." + std::string(hash_name(indicator.type())));
    case v1::Indicator::SHA1:
    case v1::Indicator::SHA256:
    case v1::Indicator::SHA512:
      return compare("file:hashes.'" + std::string(hash_name(indicator.type())) + "'");
    case v1::Indicator::FILENAME:
      return compare("file:name");
    case v1::Indicator::MUTEX:
      return compare("mutex:name");
    case v1::Indicator::REGISTRY_KEY:
      return "[windows-registry-key:key = " + stix_string_literal(expand_hive(indicator.value())) + "]";
    case v1::Indicator::USER_AGENT:
      return compare("network-traffic:extensions.'http-request-ext'.request_header.'User-Agent'");
    case v1::Indicator::JA3:
      // STIX 2.1 has no JA3 property. A custom property (x_ prefix, spec
      // 11.1) on network-traffic keeps the pattern valid; weft's import reads
      // it back, other consumers at least see a well-formed pattern.
      return compare("network-traffic:x_ja3_hash");
    case v1::Indicator::ASN: {
      const std::string digits = asn_digits(indicator.value());
      return digits.empty() ? compare("autonomous-system:number")
                            : "[autonomous-system:number = " + std::to_string(std::stoull(digits)) + "]";
    }
    default:
      return "";
  }
}

// The observable for a context value; an empty object for kinds STIX has no
// stand-alone observable for (those go into the context note).
json::object observable_for(const v1::Indicator& indicator) {
  json::object out;
  const auto with = [&](std::string_view type, std::string_view property, json::value value) {
    out["type"] = type;
    out[property] = std::move(value);
  };
  switch (indicator.type()) {
    case v1::Indicator::IPV4:
    case v1::Indicator::IPV4_CIDR:
      with("ipv4-addr", "value", json::string(indicator.value()));
      break;
    case v1::Indicator::IPV6:
    case v1::Indicator::IPV6_CIDR:
      with("ipv6-addr", "value", json::string(indicator.value()));
      break;
    case v1::Indicator::DOMAIN:
      with("domain-name", "value", json::string(indicator.value()));
      break;
    case v1::Indicator::URL:
      if (is_rfc3986_uri(indicator.value())) {
        with("url", "value", json::string(indicator.value()));
      }
      break;
    case v1::Indicator::EMAIL:
      with("email-addr", "value", json::string(indicator.value()));
      break;
    case v1::Indicator::MD5:
    case v1::Indicator::SHA1:
    case v1::Indicator::SHA256:
    case v1::Indicator::SHA512:
    case v1::Indicator::SSDEEP:
      with("file", "hashes", json::object{{hash_name(indicator.type()), indicator.value()}});
      break;
    case v1::Indicator::FILENAME:
      with("file", "name", json::string(indicator.value()));
      break;
    case v1::Indicator::MUTEX:
      with("mutex", "name", json::string(indicator.value()));
      break;
    case v1::Indicator::REGISTRY_KEY:
      with("windows-registry-key", "key", json::string(expand_hive(indicator.value())));
      break;
    case v1::Indicator::ASN: {
      const std::string digits = asn_digits(indicator.value());
      if (!digits.empty()) {
        with("autonomous-system", "number", json::value(std::stoull(digits)));
      }
      break;
    }
    default:
      break;
  }
  return out;
}

class Exporter {
 public:
  explicit Exporter(const v1::Report& report) : report_(report) {
    const Timestamp& received = report.broker().received_at();
    const Timestamp& when = is_set(report.created()) ? report.created() : received;
    time_ = rfc3339_millis(when);
    published_ = rfc3339_millis(is_set(received) ? received : when);
    time_value_ = when;
    report_id_ = "report--" + stix_uuid(report.id());
  }

  std::vector<StixObject> run() {
    add_marking();
    add_identity();
    for (int i = 0; i < report_.indicators_size(); ++i) {
      add_indicator(i, report_.indicators(i));
    }
    add_context_note();
    add_redaction_note();
    add_report();
    return std::move(objects_);
  }

 private:
  void emit(json::object object, std::string modified) {
    StixObject out;
    out.id = std::string(object.at("id").as_string());
    out.type = std::string(object.at("type").as_string());
    out.modified = std::move(modified);
    out.json = json::serialize(object);
    objects_.push_back(std::move(out));
  }

  // type, spec_version, id, created_by_ref, created, modified: the head of every SDO.
  json::object sdo(std::string_view type, const std::string& id, bool by_publisher = true) const {
    json::object out;
    out["type"] = type;
    out["spec_version"] = "2.1";
    out["id"] = id;
    if (by_publisher && !identity_id_.empty()) {
      out["created_by_ref"] = identity_id_;
    }
    out["created"] = time_;
    out["modified"] = time_;
    return out;
  }

  void mark(json::object& object) const {
    if (!marking_id_.empty()) {
      object["object_marking_refs"] = json::array{json::string(marking_id_)};
    }
  }

  void refer(const std::string& id) {
    if (std::find(report_refs_.begin(), report_refs_.end(), json::value(id)) == report_refs_.end()) {
      report_refs_.emplace_back(id);
    }
  }

  // The TLP 2.0 marking definition, exactly as OASIS publishes it.
  void add_marking() {
    for (const auto& marking : stix::kTlpMarkings) {
      if (!marking.tlp2 || marking.tlp != report_.tlp()) {
        continue;
      }
      marking_id_ = std::string(marking.id);
      json::object object;
      object["type"] = "marking-definition";
      object["spec_version"] = "2.1";
      object["id"] = marking.id;
      object["created"] = stix::kTlp2Created;
      object["name"] = marking.name;
      object["extensions"] = json::object{
          {stix::kTlp2ExtensionId,
           json::object{{"extension_type", "property-extension"}, {"tlp_2_0", tlp_level_name(marking.tlp)}}}};
      emit(std::move(object), std::string(stix::kTlp2Created));
      return;
    }
  }

  // Unmarked: the same identity object serves every report of every TLP.
  void add_identity() {
    const std::string& organisation = report_.broker().source_organisation();
    if (organisation.empty()) {
      return;
    }
    identity_id_ = "identity--" + name_based_uuid("organisation:" + organisation);
    json::object object;
    object["type"] = "identity";
    object["spec_version"] = "2.1";
    object["id"] = identity_id_;
    object["created"] = kIdentityTime;
    object["modified"] = kIdentityTime;
    object["name"] = organisation;
    object["identity_class"] = "organization";
    emit(std::move(object), std::string(kIdentityTime));
  }

  // The id from the "stix-id:" label when it is one this bundle has not used.
  std::string object_id(const v1::Indicator& indicator, int index, std::string_view type) {
    for (const std::string& id : label_values(indicator, stix::kStixIdLabel)) {
      if (is_stix_id(id, type) && used_ids_.insert(id).second) {
        return id;
      }
    }
    std::string id = std::string(type) + "--" +
                     name_based_uuid(report_.id() + "/" + std::to_string(index) + type_name(indicator.type()) +
                                     indicator.value());
    used_ids_.insert(id);
    return id;
  }

  std::string name_of(const v1::Indicator& indicator) const {
    const auto names = label_values(indicator, stix::kStixNameLabel);
    return names.empty() ? type_name(indicator.type()) + " indicator" : names.front();
  }

  void add_common(json::object& object, const v1::Indicator& indicator, const std::string& name) const {
    if (!indicator.description().empty() && indicator.description() != name) {
      object["description"] = indicator.description();
    }
  }

  void add_tail(json::object& object, const v1::Indicator& indicator) const {
    if (indicator.confidence() != 0) {
      object["confidence"] = std::min<std::uint32_t>(indicator.confidence(), 100);
    }
    json::array labels = plain_labels(indicator.labels());
    if (!labels.empty()) {
      object["labels"] = std::move(labels);
    }
    mark(object);
  }

  void add_indicator(int index, const v1::Indicator& indicator) {
    if (is_context(indicator)) {
      add_observable(indicator);
      return;
    }
    if (indicator.type() == v1::Indicator::CVE) {
      add_vulnerability(index, indicator);
      return;
    }
    const std::string pattern = pattern_for(indicator);
    if (pattern.empty()) {
      context_lines_.push_back(context_line(indicator));
      return;
    }
    const std::string id = object_id(indicator, index, "indicator");
    json::object object = sdo("indicator", id);
    const std::string name = name_of(indicator);
    object["name"] = name;
    add_common(object, indicator, name);
    json::array types;
    for (const std::string& type : label_values(indicator, stix::kIndicatorTypeLabel)) {
      types.emplace_back(type);
    }
    if (types.empty()) {
      types.emplace_back("unknown");
    }
    object["indicator_types"] = std::move(types);
    object["pattern"] = pattern;
    object["pattern_type"] = "stix";
    object["pattern_version"] = "2.1";
    const Timestamp& valid_from = is_set(indicator.valid_from()) ? indicator.valid_from() : time_value_;
    object["valid_from"] = rfc3339_millis(valid_from);
    // Both are written in milliseconds: compare what is written.
    if (is_set(indicator.valid_until()) &&
        rfc3339_millis(indicator.valid_until()) != rfc3339_millis(valid_from) &&
        later(indicator.valid_until(), valid_from)) {
      object["valid_until"] = rfc3339_millis(indicator.valid_until());
    }
    json::array phases;
    for (const std::string& phase : label_values(indicator, stix::kKillChainLabel)) {
      const auto colon = phase.find(':');
      if (colon != std::string::npos && colon > 0 && colon + 1 < phase.size()) {
        phases.push_back(json::object{{"kill_chain_name", phase.substr(0, colon)}, {"phase_name", phase.substr(colon + 1)}});
      }
    }
    if (!phases.empty()) {
      object["kill_chain_phases"] = std::move(phases);
    }
    add_tail(object, indicator);
    refer(id);
    emit(std::move(object), time_);
  }

  void add_vulnerability(int index, const v1::Indicator& indicator) {
    const std::string id = object_id(indicator, index, "vulnerability");
    json::object object = sdo("vulnerability", id);
    std::string cve = indicator.value();
    std::transform(cve.begin(), cve.end(), cve.begin(), [](unsigned char c) { return std::toupper(c); });
    const auto names = label_values(indicator, stix::kStixNameLabel);
    const std::string name = names.empty() ? cve : names.front();
    object["name"] = name;
    add_common(object, indicator, name);
    object["external_references"] = json::array{json::object{{"source_name", "cve"}, {"external_id", cve}}};
    add_tail(object, indicator);
    refer(id);
    emit(std::move(object), time_);
  }

  // Observables have no created/modified; their id is derived from their
  // content (as STIX recommends, though in weft's UUID namespace), so the
  // same value is the same object in every report.
  void add_observable(const v1::Indicator& indicator) {
    json::object object = observable_for(indicator);
    if (object.empty()) {
      context_lines_.push_back(context_line(indicator));
      return;
    }
    const std::string type(object.at("type").as_string());
    object.erase("type");
    const std::string id = type + "--" + name_based_uuid("stix-observable:" + type + ":" + json::serialize(object));
    json::object ordered;
    ordered["type"] = type;
    ordered["spec_version"] = "2.1";
    ordered["id"] = id;
    for (auto& [key, value] : object) {
      ordered[key] = value;
    }
    mark(ordered);
    if (!used_ids_.insert(id).second) {
      return;
    }
    refer(id);
    // TAXII wants a version for every object; an observable's is the report's time.
    emit(std::move(ordered), time_);
  }

  static std::string context_line(const v1::Indicator& indicator) {
    const auto kinds = label_values(indicator, stix::kMispTypeLabel);
    std::string line = (kinds.empty() ? type_name(indicator.type()) : kinds.front()) + ": " + indicator.value();
    if (!indicator.description().empty()) {
      line += " (" + indicator.description() + ")";
    }
    return line;
  }

  // Context STIX has no object for (OTHER values, user agents, JA3) as text.
  void add_context_note() {
    if (context_lines_.empty()) {
      return;
    }
    const std::string id = "note--" + name_based_uuid("context:" + report_.id());
    json::object object = sdo("note", id);
    object["abstract"] = "weft context";
    std::string content;
    for (const std::string& line : context_lines_) {
      content += line + "\n";
    }
    object["content"] = content;
    object["object_refs"] = json::array{json::string(report_id_)};
    mark(object);
    refer(id);
    emit(std::move(object), time_);
  }

  // What the broker's policy did, never what it removed. The broker wrote
  // it, not the publisher: no created_by_ref.
  void add_redaction_note() {
    if (!report_.has_redaction()) {
      return;
    }
    const v1::RedactionSummary& redaction = report_.redaction();
    const std::string id = "note--" + name_based_uuid("redaction:" + report_.id() + ":" + redaction.policy() + ":" +
                                                      std::to_string(redaction.policy_version()));
    json::object object = sdo("note", id, /*by_publisher=*/false);
    object["abstract"] = "weft redaction summary";
    std::string content = "Filtered for this recipient by policy '" + redaction.policy() + "' version " +
                          std::to_string(redaction.policy_version()) + ".";
    if (redaction.counts_size() == 0) {
      content += " Nothing was changed.";
    }
    for (const auto& count : redaction.counts()) {
      content += "\n" + count.category() + ": " + v1::Action_Name(count.action()) + " " + std::to_string(count.count());
    }
    object["content"] = content;
    object["object_refs"] = json::array{json::string(report_id_)};
    mark(object);
    refer(id);
    emit(std::move(object), time_);
  }

  void add_report() {
    if (report_refs_.empty()) {
      // A STIX report must refer to something; a report without content
      // (a sealed TLP:RED one, say) refers to its publisher.
      if (!identity_id_.empty()) {
        refer(identity_id_);
      } else if (!marking_id_.empty()) {
        refer(marking_id_);
      }
    }
    json::object object = sdo("report", report_id_);
    object["name"] = report_.title().empty() ? "weft report " + report_.id() : report_.title();
    if (!report_.description().empty()) {
      object["description"] = report_.description();
    }
    json::array types;
    for (const std::string& label : report_.labels()) {
      if (starts_with(label, stix::kReportTypeLabel)) {
        types.emplace_back(label.substr(stix::kReportTypeLabel.size()));
      }
    }
    if (types.empty()) {
      types.emplace_back("threat-report");
    }
    object["report_types"] = std::move(types);
    object["published"] = published_;
    object["object_refs"] = report_refs_;
    json::array labels = plain_labels(report_.labels());
    if (!labels.empty()) {
      object["labels"] = std::move(labels);
    }
    mark(object);
    // Custom properties (x_ prefix, spec 11.1; the schemas' properties.json admits them).
    if (!report_.feed().empty()) {
      object["x_weft_feed"] = report_.feed();
    }
    if (report_.broker().sequence() != 0) {
      object["x_weft_sequence"] = report_.broker().sequence();
    }
    emit(std::move(object), time_);
  }

  const v1::Report& report_;
  std::string time_;
  Timestamp time_value_;
  std::string published_;
  std::string report_id_;
  std::string identity_id_;
  std::string marking_id_;
  std::vector<StixObject> objects_;
  std::set<std::string> used_ids_;
  json::array report_refs_;
  std::vector<std::string> context_lines_;
};

}  // namespace

std::vector<StixObject> stix_objects(const v1::Report& report) {
  return Exporter(report).run();
}

std::string stix_bundle(const v1::Report& report) {
  return stix_bundle_of(report.id() + ":" + std::to_string(report.broker().sequence()), stix_objects(report));
}

}  // namespace weft::formats
