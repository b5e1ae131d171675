#include "policies/policy.h"

#include <sodium.h>

#include <algorithm>
#include <set>

#include "common/names.h"
#include "common/text_proto.h"
#include "policies/category.h"

namespace weft::policies {
namespace {

using google::protobuf::TextFormat;

// Builds "file:line:col: message" for a field of a nested message.
class Locator {
 public:
  Locator(std::string_view source, const TextFormat::ParseInfoTree* tree) : source_(source), tree_(tree) {}

  Locator nested(const char* field, int index) const {
    const auto* descriptor = field_of(field);
    if (tree_ == nullptr || descriptor == nullptr) {
      return Locator(source_, nullptr, descriptor_for(descriptor), fallback_);
    }
    return Locator(source_, tree_->GetTreeForNested(descriptor, index), descriptor_for(descriptor),
                   tree_->GetLocation(descriptor, index));
  }
  // Points at the field, or at the enclosing message when the parser did not
  // record the field itself (elements of a [..] list).
  Error error(const char* field, int index, const std::string& message) const {
    TextFormat::ParseLocation location = fallback_;
    if (const auto* descriptor = field_of(field); tree_ != nullptr && descriptor != nullptr) {
      const auto exact = tree_->GetLocation(descriptor, index);
      if (exact.line >= 0) {
        location = exact;
      }
    }
    return make_error(v1::POLICY_INVALID, text_proto::where(source_, location) + message);
  }
  Error error(const std::string& message) const {
    return make_error(v1::POLICY_INVALID, text_proto::where(source_, fallback_) + message);
  }

 private:
  Locator(std::string_view source, const TextFormat::ParseInfoTree* tree, const google::protobuf::Descriptor* type,
          TextFormat::ParseLocation fallback)
      : source_(source), tree_(tree), type_(type), fallback_(fallback) {}

  const google::protobuf::FieldDescriptor* field_of(const char* name) const {
    return type_ == nullptr ? nullptr : type_->FindFieldByName(name);
  }
  static const google::protobuf::Descriptor* descriptor_for(const google::protobuf::FieldDescriptor* field) {
    return field == nullptr ? nullptr : field->message_type();
  }

  std::string_view source_;
  const TextFormat::ParseInfoTree* tree_;
  const google::protobuf::Descriptor* type_ = v1::Policy::descriptor();
  TextFormat::ParseLocation fallback_;
};

bool is_name(std::string_view value) { return static_cast<bool>(names::check_organisation(value)); }

Result<void> check_selector(const v1::RecipientSelector& selector, const Locator& at) {
  for (int i = 0; i < selector.jurisdictions_size(); ++i) {
    const std::string& value = selector.jurisdictions(i);
    if (value == "EEA" || value == "ADEQUATE" || value == "*") {
      continue;
    }
    auto normalised = names::normalise_jurisdiction(value);
    if (!normalised || normalised.value() != value) {
      return at.error("jurisdictions", i,
                      "'" + value + "' is not an upper-case ISO 3166-1 alpha-2 code, EU, EEA, ADEQUATE or *");
    }
  }
  for (int i = 0; i < selector.roles_size(); ++i) {
    if (selector.roles(i) == v1::ROLE_UNSPECIFIED) {
      return at.error("roles", i, "role must be PUBLISHER, SUBSCRIBER, AUDITOR or ADMIN");
    }
  }
  for (int i = 0; i < selector.organisations_size(); ++i) {
    if (!is_name(selector.organisations(i))) {
      return at.error("organisations", i, "'" + selector.organisations(i) + "' is not an organisation name");
    }
  }
  for (int i = 0; i < selector.sectors_size(); ++i) {
    if (selector.sectors(i).empty()) {
      return at.error("sectors", i, "empty sector");
    }
  }
  return ok();
}

bool jurisdiction_matches(const std::string& wanted, const std::string& actual) {
  if (actual.empty()) {
    return false;
  }
  if (wanted == "*") {
    return true;
  }
  if (wanted == "EEA") {
    return names::in_eea(actual);
  }
  if (wanted == "ADEQUATE") {
    return names::in_eea_or_adequate(actual);
  }
  return wanted == actual;
}

template <class List, class Value, class Match>
bool any_matches(const List& list, const Value& value, Match match) {
  return list.empty() || std::any_of(list.begin(), list.end(), [&](const auto& wanted) { return match(wanted, value); });
}

std::string sha256_hex(std::string_view text) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(text.data()), text.size());
  std::string hex(crypto_hash_sha256_BYTES * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), digest, sizeof digest);
  hex.pop_back();
  return hex;
}

}  // namespace

std::string_view action_name(v1::Action action) {
  const std::string& name = v1::Action_Name(action);
  return name.empty() ? std::string_view("UNKNOWN_ACTION") : std::string_view(name);
}

std::string_view place_name(v1::Place place) {
  const std::string& name = v1::Place_Name(place);
  return name.empty() ? std::string_view("UNKNOWN_PLACE") : std::string_view(name);
}

Result<std::shared_ptr<const Policy>> Policy::parse(std::string_view text, std::string_view source_name) {
  if (sodium_init() < 0) {
    return make_error(v1::INTERNAL, "libsodium failed to initialise");
  }
  TextFormat::ParseInfoTree tree;
  v1::Policy proto;
  if (auto parsed = text_proto::parse(text, source_name, proto, &tree); !parsed) {
    return make_error(v1::POLICY_INVALID, parsed.error().message);
  }
  const Locator at(source_name, &tree);

  if (proto.name().empty()) {
    return at.error("name is missing");
  }
  if (!is_name(proto.name())) {
    return at.error("name", -1, "policy name must be lower-case letters, digits and '-'");
  }
  if (proto.version() == 0) {
    return at.error("version is missing (a positive number, raised whenever the policy changes)");
  }
  WEFT_TRY(check_selector(proto.applies_to(), at.nested("applies_to", -1)));

  // Custom detectors and the categories they declare.
  std::set<std::string> categories(kBuiltinCategories.begin(), kBuiltinCategories.end());
  std::set<std::string> detector_names;
  for (int i = 0; i < proto.detectors_size(); ++i) {
    const auto& detector = proto.detectors(i);
    const Locator here = at.nested("detectors", i);
    if (detector.name().empty() || !is_name(detector.name())) {
      return at.error("detectors", i, "a custom detector needs a name of lower-case letters, digits and '-'");
    }
    if (!detector_names.insert(detector.name()).second) {
      return at.error("detectors", i, "detector '" + detector.name() + "' is declared twice");
    }
    if (auto checked = check_category_name(detector.category()); !checked) {
      return here.error("category", -1, checked.error().message);
    }
    if (detector.pattern().empty()) {
      return here.error("pattern", -1, "detector '" + detector.name() + "' has no pattern");
    }
    categories.insert(detector.category());
  }
  auto detector = Detector::create(std::vector<v1::CustomDetector>(proto.detectors().begin(), proto.detectors().end()));
  if (!detector) {
    return at.error(detector.error().message);
  }

  std::set<std::string> rule_ids;
  for (int i = 0; i < proto.rules_size(); ++i) {
    const auto& rule = proto.rules(i);
    const Locator here = at.nested("rules", i);
    if (rule.id().empty()) {
      return at.error("rules", i, "every rule needs an id (it names the rule in decisions and the audit log)");
    }
    if (!rule_ids.insert(rule.id()).second) {
      return here.error("id", -1, "rule id '" + rule.id() + "' is used twice");
    }
    if (rule.categories().empty()) {
      return at.error("rules", i, "rule '" + rule.id() + "' names no categories");
    }
    for (int c = 0; c < rule.categories_size(); ++c) {
      const std::string& category = rule.categories(c);
      if (category != "*" && !categories.contains(category)) {
        return here.error("categories", c,
                          "rule '" + rule.id() + "': unknown category '" + category +
                              "' (built-in: EMAIL, PHONE, IBAN, CREDIT_CARD, IPV4, IPV6, PERSON; or declare a "
                              "custom detector)");
      }
    }
    for (int p = 0; p < rule.places_size(); ++p) {
      if (rule.places(p) == v1::PLACE_UNSPECIFIED) {
        return here.error("places", p, "place must be INDICATOR_VALUE, FREE_TEXT or CONTACTS");
      }
    }
    if (rule.action() == v1::ACTION_UNSPECIFIED) {
      return at.error("rules", i, "rule '" + rule.id() + "' has no action");
    }
    if (rule.action() == v1::GENERALISE) {
      for (int c = 0; c < rule.categories_size(); ++c) {
        if (rule.categories(c) != kIpv4 && rule.categories(c) != kIpv6) {
          return here.error("categories", c,
                            "rule '" + rule.id() + "': GENERALISE applies to IPV4 and IPV6 only, not '" +
                                rule.categories(c) + "'");
        }
      }
    }
  }

  std::shared_ptr<Policy> policy(new Policy());
  std::string canonical;
  TextFormat::PrintToString(proto, &canonical);
  policy->canonical_sha256_ = sha256_hex(canonical);
  policy->proto_ = std::move(proto);
  policy->source_ = std::string(source_name);
  policy->detector_ = std::move(detector).value();
  return std::shared_ptr<const Policy>(std::move(policy));
}

Policy::Decision Policy::decide(std::string_view category, v1::Place place) const {
  Decision best{v1::ACTION_UNSPECIFIED, {}};
  for (const auto& rule : proto_.rules()) {
    const bool category_matches = std::any_of(rule.categories().begin(), rule.categories().end(),
                                              [category](const std::string& c) { return c == category || c == "*"; });
    const bool place_matches =
        rule.places().empty() || std::find(rule.places().begin(), rule.places().end(), place) != rule.places().end();
    if (category_matches && place_matches && rule.action() > best.action) {
      best = {rule.action(), rule.id()};
    }
  }
  if (best.action == v1::ACTION_UNSPECIFIED) {
    return {v1::REDACT, "default"};
  }
  return best;
}

bool Policy::selects(const v1::Organisation& recipient) const {
  const auto& selector = proto_.applies_to();
  if (selector.jurisdictions().empty() && selector.sectors().empty() && selector.roles().empty() &&
      selector.organisations().empty()) {
    return false;  // only by explicit assignment
  }
  return any_matches(selector.jurisdictions(), recipient.jurisdiction(), jurisdiction_matches) &&
         any_matches(selector.sectors(), recipient.sector(),
                     [](const std::string& wanted, const std::string& actual) { return wanted == actual; }) &&
         any_matches(selector.roles(), recipient,
                     [](int wanted, const v1::Organisation& org) {
                       return std::find(org.roles().begin(), org.roles().end(), wanted) != org.roles().end();
                     }) &&
         any_matches(selector.organisations(), recipient.name(),
                     [](const std::string& wanted, const std::string& actual) { return wanted == actual; });
}

}  // namespace weft::policies
