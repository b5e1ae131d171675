#include "policies/redactor.h"

#include <algorithm>
#include <map>
#include <optional>
#include <tuple>

#include "policies/category.h"
#include "policies/transforms.h"

namespace weft::policies {
namespace {

// Placeholders for pseudonyms: control characters never allowed in report
// text (the broker refuses them), so they cannot collide with content.
constexpr char kPlaceholderOpen = '\x01';
constexpr char kPlaceholderClose = '\x02';

enum class Fate { kKeep, kDropField, kDropIndicator, kWithhold };

Fate fate_of(v1::Action action) {
  switch (action) {
    case v1::DROP_FIELD:
      return Fate::kDropField;
    case v1::DROP_INDICATOR:
      return Fate::kDropIndicator;
    case v1::WITHHOLD_REPORT:
      return Fate::kWithhold;
    default:
      return Fate::kKeep;
  }
}

// Indicator types whose value is personal data by its nature, and types that
// cannot hold any (hashes, CVE ids, AS numbers): those are not scanned.
std::optional<std::string_view> category_of_indicator(v1::Indicator::Type type) {
  switch (type) {
    case v1::Indicator::EMAIL:
      return kEmail;
    case v1::Indicator::IPV4:
    case v1::Indicator::IPV4_CIDR:
      return kIpv4;
    case v1::Indicator::IPV6:
    case v1::Indicator::IPV6_CIDR:
      return kIpv6;
    default:
      return std::nullopt;
  }
}

bool never_personal(v1::Indicator::Type type) {
  switch (type) {
    case v1::Indicator::MD5:
    case v1::Indicator::SHA1:
    case v1::Indicator::SHA256:
    case v1::Indicator::SHA512:
    case v1::Indicator::CVE:
    case v1::Indicator::ASN:
    case v1::Indicator::JA3:
    case v1::Indicator::SSDEEP:
      return true;
    default:
      return false;
  }
}

class Redactor {
 public:
  Redactor(const Policy& policy, Redaction& out) : policy_(policy), out_(out) {}

  // Applies the policy to one string field and says what becomes of the field.
  Fate process(std::string& value, v1::Place place, const std::string& path,
               std::optional<std::string_view> whole_field_category = std::nullopt) {
    if (value.empty()) {
      return Fate::kKeep;
    }
    // One flag per byte of `value`: set where a replacement wrote the byte.
    std::string written(value.size(), '\0');
    if (whole_field_category) {
      return apply({{0, value.size(), std::string(*whole_field_category), "field"}}, value, written, place, path).fate;
    }
    // Detectors judge a candidate by its neighbourhood, and a replacement
    // changes the neighbourhood: "+203.0.113.7" glued to "jan@example.org" is
    // no phone number, but after "[REDACTED:EMAIL]" it is; a marker shorter
    // than the address brings a cue word ("tel") within reach of a national
    // number. So the text is scanned again after each pass that rewrote it,
    // until no finding the policy changes is left outside what the passes
    // wrote. Each pass rewrites bytes no pass wrote before, so this ends.
    std::vector<Finding> findings = policy_.detector().find(value);
    while (!findings.empty()) {
      const Pass pass = apply(findings, value, written, place, path);
      if (pass.fate != Fate::kKeep || !pass.rewrote) {
        return pass.fate;
      }
      findings = policy_.detector().find(value);
      std::erase_if(findings, [&](const Finding& finding) {
        const bool only_written = written.find('\0', finding.begin) >= finding.end;
        return only_written || policy_.decide(finding.category, place).action == v1::KEEP;
      });
    }
    return Fate::kKeep;
  }

  void finish() {
    std::map<std::pair<std::string, int>, std::uint32_t> per_category;
    for (const auto& [key, number] : counts_) {
      const auto& [category, path, action, rule] = key;
      v1::RedactionDecision& decision = *out_.decisions.insert(out_.decisions.end(), v1::RedactionDecision{});
      decision.set_category(category);
      decision.set_place(path);
      decision.set_action(static_cast<v1::Action>(action));
      decision.set_rule(rule);
      decision.set_count(number);
      per_category[{category, action}] += number;
    }
    v1::RedactionSummary& summary = *out_.report.mutable_redaction();
    summary.set_policy(policy_.name());
    summary.set_policy_version(policy_.version());
    for (const auto& [key, number] : per_category) {
      auto* entry = summary.add_counts();
      entry->set_category(key.first);
      entry->set_action(static_cast<v1::Action>(key.second));
      entry->set_count(number);
    }
  }

 private:
  struct Pass {
    Fate fate = Fate::kKeep;
    bool rewrote = false;
  };

  // One pass of the policy over `findings` (sorted, as Detector::find gives
  // them): overlapping findings are replaced together, by the strictest
  // action among them. Marks the bytes it writes in `written`.
  Pass apply(const std::vector<Finding>& findings, std::string& value, std::string& written, v1::Place place,
             const std::string& path) {
    struct Cluster {
      std::size_t begin;
      std::size_t end;
      const Finding* dominant;
      Policy::Decision decision;
    };
    std::vector<Cluster> clusters;
    std::vector<std::size_t> cluster_of;  // findings are sorted, so clusters are contiguous
    cluster_of.reserve(findings.size());
    for (const Finding& finding : findings) {
      const Policy::Decision decision = policy_.decide(finding.category, place);
      if (!clusters.empty() && finding.begin < clusters.back().end) {
        Cluster& cluster = clusters.back();
        cluster.end = std::max(cluster.end, finding.end);
        if (decision.action > cluster.decision.action) {
          cluster.decision = decision;
          cluster.dominant = &finding;
        }
      } else {
        clusters.push_back({finding.begin, finding.end, &finding, decision});
      }
      cluster_of.push_back(clusters.size() - 1);
    }
    Pass pass;
    for (std::size_t i = 0; i < findings.size(); ++i) {
      count(findings[i].category, path, clusters[cluster_of[i]].decision);
    }
    for (const Cluster& cluster : clusters) {
      pass.fate = std::max(pass.fate, fate_of(cluster.decision.action));
    }
    if (pass.fate != Fate::kKeep) {
      return pass;
    }
    for (auto it = clusters.rbegin(); it != clusters.rend(); ++it) {
      const std::string original = value.substr(it->begin, it->end - it->begin);
      const std::string& category = it->dominant->category;
      std::string replacement;
      switch (it->decision.action) {
        case v1::KEEP:
          continue;
        case v1::MASK:
          replacement = mask_value(category, original);
          break;
        case v1::GENERALISE:
          replacement = generalise_value(category, original).value_or(redaction_marker(category));
          break;
        case v1::PSEUDONYMISE:
          replacement = placeholder(category, canonical_value(category, original));
          break;
        default:
          replacement = redaction_marker(category);
          break;
      }
      value.replace(it->begin, it->end - it->begin, replacement);
      written.replace(it->begin, it->end - it->begin, replacement.size(), '\1');
      pass.rewrote = true;
    }
    return pass;
  }

  void count(const std::string& category, const std::string& path, const Policy::Decision& decision) {
    ++counts_[{category, path, static_cast<int>(decision.action), std::string(decision.rule)}];
  }

  std::string placeholder(const std::string& category, std::string canonical) {
    const auto key = std::make_pair(category, canonical);
    auto it = slots_.find(key);
    if (it == slots_.end()) {
      it = slots_.emplace(key, out_.pseudonyms.size()).first;
      out_.pseudonyms.push_back({category, std::move(canonical)});
    }
    return std::string(1, kPlaceholderOpen) + std::to_string(it->second) + kPlaceholderClose;
  }

  const Policy& policy_;
  Redaction& out_;
  std::map<std::tuple<std::string, std::string, int, std::string>, std::uint32_t> counts_;
  std::map<std::pair<std::string, std::string>, std::size_t> slots_;
};

std::string indexed(const char* name, int index) { return std::string(name) + "[" + std::to_string(index) + "]"; }

}  // namespace

std::string redaction_marker(std::string_view category) { return "[REDACTED:" + std::string(category) + "]"; }

Redaction redact(const v1::Report& report, const Policy& policy) {
  Redaction out;
  out.report = report;
  v1::Report& copy = out.report;
  copy.clear_redaction();
  Redactor redactor(policy, out);
  bool withheld = false;
  const auto note = [&withheld](Fate fate) {
    withheld = withheld || fate == Fate::kWithhold;
    return fate;
  };

  if (note(redactor.process(*copy.mutable_title(), v1::FREE_TEXT, "title")) > Fate::kKeep && !withheld) {
    copy.set_title(redaction_marker("TITLE"));
  }
  if (note(redactor.process(*copy.mutable_description(), v1::FREE_TEXT, "description")) > Fate::kKeep) {
    copy.clear_description();
  }
  for (int i = copy.labels_size() - 1; i >= 0; --i) {
    if (note(redactor.process(*copy.mutable_labels(i), v1::FREE_TEXT, indexed("labels", i))) > Fate::kKeep) {
      copy.mutable_labels()->DeleteSubrange(i, 1);
    }
  }

  for (int i = copy.indicators_size() - 1; i >= 0; --i) {
    v1::Indicator& indicator = *copy.mutable_indicators(i);
    const std::string prefix = indexed("indicators", i) + ".";
    bool drop = false;
    if (!never_personal(indicator.type())) {
      const Fate value_fate = note(redactor.process(*indicator.mutable_value(), v1::INDICATOR_VALUE, prefix + "value",
                                                    category_of_indicator(indicator.type())));
      drop = value_fate > Fate::kKeep;  // an indicator without its value is nothing
    }
    const Fate description_fate =
        note(redactor.process(*indicator.mutable_description(), v1::FREE_TEXT, prefix + "description"));
    drop = drop || description_fate == Fate::kDropIndicator;
    if (description_fate == Fate::kDropField) {
      indicator.clear_description();
    }
    for (int l = indicator.labels_size() - 1; l >= 0; --l) {
      const Fate label_fate =
          note(redactor.process(*indicator.mutable_labels(l), v1::FREE_TEXT, prefix + indexed("labels", l)));
      drop = drop || label_fate == Fate::kDropIndicator;
      if (label_fate == Fate::kDropField) {
        indicator.mutable_labels()->DeleteSubrange(l, 1);
      }
    }
    if (drop) {
      copy.mutable_indicators()->DeleteSubrange(i, 1);
    }
  }

  for (int i = copy.contacts_size() - 1; i >= 0; --i) {
    v1::Contact& contact = *copy.mutable_contacts(i);
    const std::string prefix = indexed("contacts", i) + ".";
    const struct {
      std::string* field;
      const char* name;
      std::optional<std::string_view> category;
    } fields[] = {{contact.mutable_name(), "name", kPerson},
                  {contact.mutable_email(), "email", kEmail},
                  {contact.mutable_phone(), "phone", kPhone},
                  {contact.mutable_organisation(), "organisation", std::nullopt},
                  {contact.mutable_role(), "role", std::nullopt}};
    for (const auto& field : fields) {
      if (note(redactor.process(*field.field, v1::CONTACTS, prefix + field.name, field.category)) > Fate::kKeep) {
        field.field->clear();
      }
    }
    if (contact.name().empty() && contact.email().empty() && contact.phone().empty() &&
        contact.organisation().empty() && contact.role().empty()) {
      copy.mutable_contacts()->DeleteSubrange(i, 1);
    }
  }

  redactor.finish();
  if (withheld) {
    out.withheld = true;
    for (const auto& decision : out.decisions) {
      if (decision.action() == v1::WITHHOLD_REPORT) {
        out.withheld_rule = decision.rule();
        break;
      }
    }
    v1::RedactionSummary summary = out.report.redaction();
    out.report.Clear();
    *out.report.mutable_redaction() = std::move(summary);
    out.pseudonyms.clear();
  }
  return out;
}

void personalise(v1::Report& report, const std::vector<PseudonymSlot>& slots, const Pseudonymizer& pseudonymizer,
                 std::string_view recipient) {
  if (slots.empty()) {
    return;
  }
  std::vector<std::string> tokens;
  tokens.reserve(slots.size());
  for (const auto& slot : slots) {
    tokens.push_back(pseudonymizer.token(slot.category, slot.canonical_value, recipient));
  }
  const auto fill = [&tokens](std::string& text) {
    std::size_t open = text.find(kPlaceholderOpen);
    while (open != std::string::npos) {
      const std::size_t close = text.find(kPlaceholderClose, open);
      if (close == std::string::npos) {
        return;
      }
      const std::size_t index = std::stoul(text.substr(open + 1, close - open - 1));
      const std::string& token = index < tokens.size() ? tokens[index] : redaction_marker("PSEUDONYM");
      text.replace(open, close - open + 1, token);
      open = text.find(kPlaceholderOpen, open + token.size());
    }
  };
  fill(*report.mutable_title());
  fill(*report.mutable_description());
  for (auto& label : *report.mutable_labels()) {
    fill(label);
  }
  for (auto& indicator : *report.mutable_indicators()) {
    fill(*indicator.mutable_value());
    fill(*indicator.mutable_description());
    for (auto& label : *indicator.mutable_labels()) {
      fill(label);
    }
  }
  for (auto& contact : *report.mutable_contacts()) {
    for (std::string* field : {contact.mutable_name(), contact.mutable_email(), contact.mutable_phone(),
                               contact.mutable_organisation(), contact.mutable_role()}) {
      fill(*field);
    }
  }
}

}  // namespace weft::policies
