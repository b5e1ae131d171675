#include "provenance/attestation.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string_view>

#include "provenance/alignment.h"
#include "provenance/content.h"
#include "provenance/crypto.h"
#include "provenance/parts.h"
#include "provenance/publication.h"
#include "provenance/values.h"

namespace weft::provenance {
namespace {

using Status = v1::PartDisclosure::Status;

Error cannot_express(std::string message) {
  return make_error(v1::INTERNAL, "cannot attest this delivery: " + std::move(message));
}

// role, name, organisation, e-mail, phone (ContactField).
constexpr std::size_t kContactFieldCount = 5;

// Manifest indices of one text field's segments, in order.
using TextParts = std::vector<std::size_t>;

struct ContactParts {
  std::array<std::optional<std::size_t>, kContactFieldCount> fields;  // by ContactField
};

struct IndicatorParts {
  std::optional<std::size_t> type;
  std::optional<std::size_t> value;
  std::optional<std::size_t> confidence;
  std::optional<std::size_t> valid_from;
  std::optional<std::size_t> valid_until;
  TextParts description;
  std::map<std::uint32_t, TextParts> labels;
};

// Where each manifest part sits in a report.
struct Layout {
  std::optional<std::size_t> id;
  std::optional<std::size_t> feed;
  std::optional<std::size_t> tlp;
  std::optional<std::size_t> created;
  TextParts title;
  TextParts description;
  std::map<std::uint32_t, TextParts> labels;
  std::map<std::uint32_t, std::size_t> recipients;
  std::map<std::uint32_t, ContactParts> contacts;
  std::map<std::uint32_t, IndicatorParts> indicators;
};

Layout layout_of(const std::vector<OpenedPart>& parts) {
  Layout layout;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const PartPath& path = parts[i].path;
    switch (path.field) {
      case Field::kId:
        layout.id = i;
        break;
      case Field::kFeed:
        layout.feed = i;
        break;
      case Field::kTlp:
        layout.tlp = i;
        break;
      case Field::kCreated:
        layout.created = i;
        break;
      case Field::kTitle:
        layout.title.push_back(i);
        break;
      case Field::kDescription:
        layout.description.push_back(i);
        break;
      case Field::kLabels:
        layout.labels[path.index].push_back(i);
        break;
      case Field::kRecipients:
        layout.recipients[path.index] = i;
        break;
      case Field::kContacts:
        layout.contacts[path.index].fields[static_cast<std::size_t>(path.member)] = i;
        break;
      case Field::kIndicators: {
        IndicatorParts& indicator = layout.indicators[path.index];
        switch (path.indicator_field()) {
          case IndicatorField::kType:
            indicator.type = i;
            break;
          case IndicatorField::kValue:
            indicator.value = i;
            break;
          case IndicatorField::kDescription:
            indicator.description.push_back(i);
            break;
          case IndicatorField::kConfidence:
            indicator.confidence = i;
            break;
          case IndicatorField::kValidFrom:
            indicator.valid_from = i;
            break;
          case IndicatorField::kValidUntil:
            indicator.valid_until = i;
            break;
          case IndicatorField::kLabels:
            indicator.labels[path.sub_index].push_back(i);
            break;
        }
        break;
      }
    }
  }
  return layout;
}

// Length-prefixed concatenation: distinct field tuples never collide.
std::string identity_of(std::initializer_list<std::string_view> fields) {
  std::string identity;
  for (const std::string_view field : fields) {
    identity += std::to_string(field.size());
    identity += ':';
    identity += field;
  }
  return identity;
}

std::string delivered_type(const v1::Indicator& indicator) {
  return indicator.type() == v1::Indicator::TYPE_UNSPECIFIED ? std::string() : format_indicator_type(indicator.type());
}

std::string delivered_confidence(const v1::Indicator& indicator) {
  return indicator.confidence() == 0 ? std::string() : format_confidence(indicator.confidence());
}

Result<std::string> delivered_timestamp(bool present, const google::protobuf::Timestamp& timestamp,
                                        const std::string& field) {
  if (!present) {
    return std::string();
  }
  auto text = format_timestamp(timestamp);
  if (!text) {
    return cannot_express(field + ": " + text.error().message);
  }
  return text;
}

const std::string& contact_field(const v1::Contact& contact, std::size_t field) {
  switch (static_cast<ContactField>(field)) {
    case ContactField::kRole:
      return contact.role();
    case ContactField::kName:
      return contact.name();
    case ContactField::kOrganisation:
      return contact.organisation();
    case ContactField::kEmail:
      return contact.email();
    case ContactField::kPhone:
      return contact.phone();
  }
  return contact.role();
}

// Decides each part's disclosure.
class Discloser {
 public:
  explicit Discloser(const std::vector<OpenedPart>& parts)
      : parts_(parts), disclosures_(parts.size()), in_dropped_element_(parts.size(), false) {}

  void scalar(std::optional<std::size_t> part, std::string_view delivered) {
    if (!part) {
      return;  // delivered content without a part: the rebuild check refuses it
    }
    if (parts_[*part].value == delivered) {
      disclose(*part);
    } else {
      change(*part, delivered);
    }
  }

  Result<void> text(const TextParts& text_parts, std::string_view delivered, std::string_view field) {
    std::vector<OriginalSegment> segments;
    segments.reserve(text_parts.size());
    for (const std::size_t part : text_parts) {
      segments.push_back({parts_[part].value, parts_[part].personal});
    }
    const auto fates = align_text(segments, delivered);
    if (!fates) {
      return cannot_express(std::string(field) + " has text where the publisher's report had none");
    }
    for (std::size_t k = 0; k < text_parts.size(); ++k) {
      const SegmentFate& fate = (*fates)[k];
      switch (fate.status) {
        case v1::PartDisclosure::DISCLOSED:
          disclose(text_parts[k]);
          break;
        case v1::PartDisclosure::WITHHELD:
          withhold(text_parts[k]);
          break;
        default:
          set(text_parts[k], fate.status, fate.delivered);
          break;
      }
    }
    return ok();
  }

  void withhold(const TextParts& text_parts) {
    for (const std::size_t part : text_parts) {
      withhold(part);
    }
  }

  void withhold(std::optional<std::size_t> part) {
    if (part) {
      set(*part, v1::PartDisclosure::WITHHELD, {});
    }
  }

  void mark_dropped(std::optional<std::size_t> part) {
    if (part) {
      in_dropped_element_[*part] = true;
    }
  }
  void mark_dropped(const TextParts& text_parts) {
    for (const std::size_t part : text_parts) {
      in_dropped_element_[part] = true;
    }
  }

  std::string original_text(const TextParts& text_parts) const {
    std::string text;
    for (const std::size_t part : text_parts) {
      text += parts_[part].value;
    }
    return text;
  }
  std::string_view original(std::optional<std::size_t> part) const {
    return part ? parts_[*part].value : std::string_view();
  }

  std::vector<v1::PartDisclosure>& disclosures() { return disclosures_; }
  bool in_dropped_element(std::size_t part) const { return in_dropped_element_[part]; }

 private:
  void disclose(std::size_t part) {
    v1::PartDisclosure& disclosure = disclosures_[part];
    disclosure.set_status(v1::PartDisclosure::DISCLOSED);
    disclosure.set_salt(std::string(parts_[part].salt));
    disclosure.set_value(std::string(parts_[part].value));
  }

  void change(std::size_t part, std::string_view delivered) {
    if (delivered.empty()) {
      withhold(part);
    } else {
      set(part, parts_[part].personal ? v1::PartDisclosure::REPLACED : v1::PartDisclosure::MODIFIED, delivered);
    }
  }

  void set(std::size_t part, Status status, std::string_view value) {
    v1::PartDisclosure& disclosure = disclosures_[part];
    disclosure.set_status(status);
    disclosure.set_value(std::string(value));
  }

  const std::vector<OpenedPart>& parts_;
  std::vector<v1::PartDisclosure> disclosures_;
  std::vector<bool> in_dropped_element_;
};

std::string indexed(std::string_view name, std::size_t index) {
  return std::string(name) + "[" + std::to_string(index) + "]";
}

Result<void> disclose_labels(Discloser& discloser, const std::map<std::uint32_t, TextParts>& original,
                             const google::protobuf::RepeatedPtrField<std::string>& delivered,
                             const std::string& field) {
  std::vector<const TextParts*> elements;
  std::vector<ElementIdentity> original_identities;
  for (const auto& [index, text_parts] : original) {
    elements.push_back(&text_parts);
    original_identities.push_back({discloser.original_text(text_parts), std::nullopt});
  }
  std::vector<ElementIdentity> delivered_identities;
  for (const std::string& label : delivered) {
    delivered_identities.push_back({label, std::nullopt});
  }
  const auto mapping = match_elements(original_identities, delivered_identities);
  if (!mapping) {
    return cannot_express(field + " has more elements than the publisher's report");
  }
  for (std::size_t i = 0; i < elements.size(); ++i) {
    if (const auto j = (*mapping)[i]) {
      WEFT_TRY(discloser.text(*elements[i], delivered.Get(static_cast<int>(*j)), indexed(field, *j)));
    } else {
      discloser.withhold(*elements[i]);
    }
  }
  return ok();
}

Result<void> disclose_recipients(Discloser& discloser, const Layout& layout, const v1::Report& delivered) {
  std::vector<std::size_t> elements;
  std::vector<ElementIdentity> original_identities;
  for (const auto& [index, part] : layout.recipients) {
    elements.push_back(part);
    original_identities.push_back({std::string(discloser.original(part)), std::nullopt});
  }
  std::vector<ElementIdentity> delivered_identities;
  for (const std::string& recipient : delivered.recipients()) {
    delivered_identities.push_back({recipient, std::nullopt});
  }
  const auto mapping = match_elements(original_identities, delivered_identities);
  if (!mapping) {
    return cannot_express("recipients has more elements than the publisher's report");
  }
  for (std::size_t i = 0; i < elements.size(); ++i) {
    if (const auto j = (*mapping)[i]) {
      discloser.scalar(elements[i], delivered.recipients(static_cast<int>(*j)));
    } else {
      discloser.withhold(elements[i]);
    }
  }
  return ok();
}

ElementIdentity contact_identity(std::span<const std::string_view, kContactFieldCount> fields) {
  ElementIdentity identity{identity_of({fields[0], fields[1], fields[2], fields[3], fields[4]}), std::nullopt};
  const std::string_view role = fields[static_cast<std::size_t>(ContactField::kRole)];
  const std::string_view organisation = fields[static_cast<std::size_t>(ContactField::kOrganisation)];
  if (!role.empty() || !organisation.empty()) {
    identity.weak = identity_of({role, organisation});  // policies rarely touch these
  }
  return identity;
}

Result<void> disclose_contacts(Discloser& discloser, const Layout& layout, const v1::Report& delivered) {
  std::vector<const ContactParts*> elements;
  std::vector<ElementIdentity> original_identities;
  for (const auto& [index, contact] : layout.contacts) {
    elements.push_back(&contact);
    std::array<std::string_view, kContactFieldCount> fields;
    for (std::size_t f = 0; f < fields.size(); ++f) {
      fields[f] = discloser.original(contact.fields[f]);
    }
    original_identities.push_back(contact_identity(fields));
  }
  std::vector<ElementIdentity> delivered_identities;
  for (const v1::Contact& contact : delivered.contacts()) {
    std::array<std::string_view, kContactFieldCount> fields;
    for (std::size_t f = 0; f < fields.size(); ++f) {
      fields[f] = contact_field(contact, f);
    }
    delivered_identities.push_back(contact_identity(fields));
  }
  const ElementFits fits = [&](std::size_t i, std::size_t j) {
    const v1::Contact& contact = delivered.contacts(static_cast<int>(j));
    for (std::size_t f = 0; f < kContactFieldCount; ++f) {
      if (!contact_field(contact, f).empty() && !elements[i]->fields[f]) {
        return false;
      }
    }
    return true;
  };
  const auto mapping = match_elements(original_identities, delivered_identities, fits);
  if (!mapping) {
    return cannot_express("contacts has more elements than the publisher's report");
  }
  for (std::size_t i = 0; i < elements.size(); ++i) {
    const auto j = (*mapping)[i];
    for (std::size_t f = 0; f < kContactFieldCount; ++f) {
      if (j) {
        discloser.scalar(elements[i]->fields[f], contact_field(delivered.contacts(static_cast<int>(*j)), f));
      } else {
        discloser.withhold(elements[i]->fields[f]);
        discloser.mark_dropped(elements[i]->fields[f]);
      }
    }
  }
  return ok();
}

Result<void> disclose_indicator(Discloser& discloser, const IndicatorParts& original, const v1::Indicator& delivered,
                                const std::string& element) {
  discloser.scalar(original.type, delivered_type(delivered));
  discloser.scalar(original.value, delivered.value());
  WEFT_TRY(discloser.text(original.description, delivered.description(), element + ".description"));
  discloser.scalar(original.confidence, delivered_confidence(delivered));
  WEFT_TRY(auto valid_from,
           delivered_timestamp(delivered.has_valid_from(), delivered.valid_from(), element + ".valid_from"));
  discloser.scalar(original.valid_from, valid_from);
  WEFT_TRY(auto valid_until,
           delivered_timestamp(delivered.has_valid_until(), delivered.valid_until(), element + ".valid_until"));
  discloser.scalar(original.valid_until, valid_until);
  return disclose_labels(discloser, original.labels, delivered.labels(), element + ".labels");
}

void withhold_indicator(Discloser& discloser, const IndicatorParts& original) {
  for (const auto part :
       {original.type, original.value, original.confidence, original.valid_from, original.valid_until}) {
    discloser.withhold(part);
    discloser.mark_dropped(part);
  }
  discloser.withhold(original.description);
  discloser.mark_dropped(original.description);
  for (const auto& [index, label] : original.labels) {
    discloser.withhold(label);
    discloser.mark_dropped(label);
  }
}

Result<void> disclose_indicators(Discloser& discloser, const Layout& layout, const v1::Report& delivered) {
  std::vector<const IndicatorParts*> elements;
  std::vector<ElementIdentity> original_identities;
  for (const auto& [index, indicator] : layout.indicators) {
    elements.push_back(&indicator);
    const std::string_view type = discloser.original(indicator.type);
    original_identities.push_back({identity_of({type, discloser.original(indicator.value)}), std::string(type)});
  }
  std::vector<ElementIdentity> delivered_identities;
  for (const v1::Indicator& indicator : delivered.indicators()) {
    const std::string type = delivered_type(indicator);
    delivered_identities.push_back({identity_of({type, indicator.value()}), type});
  }
  const ElementFits fits = [&](std::size_t i, std::size_t j) {
    const IndicatorParts& original = *elements[i];
    const v1::Indicator& indicator = delivered.indicators(static_cast<int>(j));
    const auto had = [](bool delivered_has, bool original_had) { return !delivered_has || original_had; };
    return had(indicator.type() != v1::Indicator::TYPE_UNSPECIFIED, original.type.has_value()) &&
           had(!indicator.value().empty(), original.value.has_value()) &&
           had(!indicator.description().empty(), !original.description.empty()) &&
           had(indicator.confidence() != 0, original.confidence.has_value()) &&
           had(indicator.has_valid_from(), original.valid_from.has_value()) &&
           had(indicator.has_valid_until(), original.valid_until.has_value()) &&
           static_cast<std::size_t>(indicator.labels_size()) <= original.labels.size();
  };
  const auto mapping = match_elements(original_identities, delivered_identities, fits);
  if (!mapping) {
    return cannot_express("indicators has more elements than the publisher's report");
  }
  for (std::size_t i = 0; i < elements.size(); ++i) {
    if (const auto j = (*mapping)[i]) {
      WEFT_TRY(disclose_indicator(discloser, *elements[i], delivered.indicators(static_cast<int>(*j)),
                                  indexed("indicators", *j)));
    } else {
      withhold_indicator(discloser, *elements[i]);
    }
  }
  return ok();
}

// The strictest action the policy recorded per field path, and per contact
// or indicator for any of its fields.
class ActionFinder {
 public:
  explicit ActionFinder(const std::vector<v1::RedactionDecision>& decisions) {
    for (const v1::RedactionDecision& decision : decisions) {
      raise(by_field_[decision.place()], decision.action());
      const std::string_view place = decision.place();
      if (place.starts_with("contacts[") || place.starts_with("indicators[")) {
        raise(by_element_[std::string(place.substr(0, place.find(']') + 1))], decision.action());
      }
    }
  }

  v1::Action action_for(const PartPath& path, bool in_dropped_element) const {
    const auto& table = in_dropped_element ? by_element_ : by_field_;
    const auto found = table.find(in_dropped_element ? element_path(path) : field_path(path));
    return found == table.end() ? v1::ACTION_UNSPECIFIED : found->second;
  }

 private:
  static void raise(v1::Action& current, v1::Action candidate) { current = std::max(current, candidate); }

  std::map<std::string, v1::Action, std::less<>> by_field_;
  std::map<std::string, v1::Action, std::less<>> by_element_;
};

Result<void> check_rebuilds(const OpenedPublication& publication, const std::vector<v1::PartDisclosure>& disclosures,
                            const v1::Report& delivered) {
  std::vector<PartValue> present;
  for (std::size_t i = 0; i < disclosures.size(); ++i) {
    if (disclosures[i].status() == v1::PartDisclosure::STATUS_UNSPECIFIED) {
      return cannot_express("part " + std::to_string(i) + " (" + publication.parts[i].path_text +
                            ") got no disclosure");
    }
    if (disclosures[i].status() != v1::PartDisclosure::WITHHELD) {
      present.push_back({i, publication.parts[i].path_text, disclosures[i].value()});
    }
  }
  auto rebuilt = rebuild(present);
  if (!rebuilt) {
    return cannot_express(rebuilt.error().message);
  }
  if (!same_content(rebuilt.value(), content_of(delivered))) {
    return cannot_express("the delivered report has content the publisher's parts cannot express");
  }
  return ok();
}

}  // namespace

Result<v1::DeliveredProvenance> attest(const v1::PublisherProvenance& publication, const v1::Report& delivered,
                                       const AttestationContext& context, const SigningKey& broker_key) {
  WEFT_TRY(auto opened, open_publication(publication));
  return attest(publication, opened, delivered, context, broker_key);
}

Result<v1::DeliveredProvenance> attest(const v1::PublisherProvenance& publication, const OpenedPublication& opened,
                                       const v1::Report& delivered, const AttestationContext& context,
                                       const SigningKey& broker_key) {
  const Layout layout = layout_of(opened.parts);
  Discloser discloser(opened.parts);

  discloser.scalar(layout.id, delivered.id());
  discloser.scalar(layout.feed, delivered.feed());
  discloser.scalar(layout.tlp, delivered.tlp() == v1::TLP_UNSPECIFIED ? std::string() : format_tlp(delivered.tlp()));
  WEFT_TRY(discloser.text(layout.title, delivered.title(), "title"));
  WEFT_TRY(discloser.text(layout.description, delivered.description(), "description"));
  WEFT_TRY(auto created, delivered_timestamp(delivered.has_created(), delivered.created(), "created"));
  discloser.scalar(layout.created, created);
  WEFT_TRY(disclose_labels(discloser, layout.labels, delivered.labels(), "labels"));
  WEFT_TRY(disclose_recipients(discloser, layout, delivered));
  WEFT_TRY(disclose_contacts(discloser, layout, delivered));
  WEFT_TRY(disclose_indicators(discloser, layout, delivered));

  std::vector<v1::PartDisclosure>& disclosures = discloser.disclosures();
  const ActionFinder actions(context.decisions);
  for (std::size_t i = 0; i < disclosures.size(); ++i) {
    if (disclosures[i].status() != v1::PartDisclosure::DISCLOSED) {
      disclosures[i].set_action(actions.action_for(opened.parts[i].path, discloser.in_dropped_element(i)));
    }
  }
  WEFT_TRY(check_rebuilds(opened, disclosures, delivered));

  v1::BrokerAttestation attestation;
  attestation.set_manifest_sha256(to_bytes(sha256(publication.manifest().manifest())));
  attestation.set_delivered_sha256(to_bytes(delivered_digest(delivered)));
  attestation.set_recipient(context.recipient);
  attestation.set_policy(context.policy);
  attestation.set_policy_version(context.policy_version);
  attestation.set_broker_id(context.broker_id);
  for (v1::PartDisclosure& disclosure : disclosures) {
    *attestation.add_parts() = std::move(disclosure);
  }
  v1::DeliveredProvenance provenance;
  *provenance.mutable_manifest() = publication.manifest();
  provenance.set_attestation(deterministic_bytes(attestation));
  provenance.set_broker_signature(broker_key.sign(attestation_message(provenance.attestation())));
  return provenance;
}

}  // namespace weft::provenance
