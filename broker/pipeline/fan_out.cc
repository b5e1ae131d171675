#include "broker/pipeline/fan_out.h"

#include <algorithm>
#include <map>
#include <optional>

#include "broker/pipeline/audit_records.h"
#include "broker/report_content.h"
#include "broker/pipeline/authorize.h"
#include "common/log.h"
#include "policies/redactor.h"
#include "provenance/attestation.h"
#include "provenance/publication.h"
#include "proto/frame_codec.h"
#include "weft/v1/frame.pb.h"

namespace weft::broker::pipeline {
std::shared_ptr<const std::string> encode_delivery(v1::Report report) {
  v1::Frame frame;
  frame.mutable_delivery()->set_feed(report.feed());
  frame.mutable_delivery()->mutable_report()->Swap(&report);
  return std::make_shared<const std::string>(proto::encode_frame(frame));
}

namespace {

v1::Report personal_copy(const policies::Redaction& redaction, const v1::Organisation& recipient,
                         const policies::Pseudonymizer& pseudonymizer) {
  v1::Report personal = redaction.report;
  policies::personalise(personal, redaction.pseudonyms, pseudonymizer, recipient.name());
  return personal;
}

// The policy no personal data passes, and that every TLP:CLEAR report goes
// through whatever the recipient's own policy allows: CLEAR may be passed on
// to anyone.
constexpr std::string_view kClearFloorPolicy = "public";

// TLP:CLEAR: the `public` policy first, so that nothing personal is left for
// the recipient's policy to keep or pseudonymise; then the recipient's own
// policy, which can only take more away. What both did is recorded; the
// summary names the recipient's policy.
policies::Redaction redact_clear(const v1::Report& report, const policies::Policy& policy,
                                 const policies::Policy& floor) {
  policies::Redaction first = policies::redact(report, floor);
  if (first.withheld) {
    return first;
  }
  policies::Redaction second = policies::redact(first.report, policy);
  for (auto& decision : first.decisions) {
    decision.set_rule(std::string(kClearFloorPolicy) + "/" + decision.rule());
  }
  second.decisions.insert(second.decisions.begin(), first.decisions.begin(), first.decisions.end());
  auto& counts = *second.report.mutable_redaction()->mutable_counts();
  for (const auto& count : first.report.redaction().counts()) {
    *counts.Add() = count;
  }
  return second;
}

// The copy a policy's recipients get, without the publisher's distribution
// list. Redaction throws only on internal errors; they fail closed, and so
// does a CLEAR report when the `public` policy is not loaded.
std::optional<policies::Redaction> try_redact(const v1::Report& report, const policies::Policy& policy,
                                              const policies::PolicySet& policy_set) {
  try {
    std::optional<policies::Redaction> redaction;
    if (report.tlp() == v1::CLEAR && policy.name() != kClearFloorPolicy) {
      const auto floor = policy_set.find(kClearFloorPolicy);
      if (!floor) {
        log::error("report.redaction_failed",
                   {{"id", report.id()}, {"policy", policy.name()}, {"what", "no 'public' policy for TLP:CLEAR"}});
        return std::nullopt;
      }
      redaction = redact_clear(report, policy, *floor);
    } else {
      redaction = policies::redact(report, policy);
    }
    strip_distribution(redaction->report);
    return redaction;
  } catch (const std::exception& e) {
    log::error("report.redaction_failed", {{"id", report.id()}, {"policy", policy.name()}, {"what", e.what()}});
    return std::nullopt;
  }
}

// Records an outcome that delivers nothing: a durable target is told, so
// that it moves past the report in order and records it itself; for a live
// one it is recorded here.
void record_undelivered(const Router::Recipient& recipient, const v1::Report& report, const v1::AuditRecord& record,
                        AuditTrail& trail) {
  if (recipient.durable) {
    const DeliveryInfo info{report.feed(), report.broker().sequence(), true, &record};
    recipient.target->offer(nullptr, info);
  } else {
    trail.record(record);
  }
}

// A signed report's copy gets the broker's attestation for this recipient.
// A copy the attestation cannot describe still goes out, unverifiable, and
// the failure is logged: nothing the SOC needs is held back for it.
// `opened`: the publication opened once for all recipients of a fan-out, or
// null to open it here.
void attest(const v1::Report& original, v1::Report& copy, const std::string& recipient,
            const policies::Policy& policy, const std::vector<v1::RedactionDecision>& decisions,
            const Attester* attester, const provenance::OpenedPublication* opened = nullptr) {
  if (attester == nullptr || !original.provenance().has_from_publisher()) {
    return;
  }
  const v1::PublisherProvenance& publication = original.provenance().from_publisher();
  provenance::AttestationContext context{recipient, policy.name(), policy.version(), attester->broker_id, decisions};
  auto attested = opened != nullptr ? provenance::attest(publication, *opened, copy, context, attester->key)
                                    : provenance::attest(publication, copy, context, attester->key);
  if (!attested) {
    log::error("provenance.attest_failed",
               {{"id", original.id()}, {"recipient", recipient}, {"error", attested.error().message}});
    return;
  }
  *copy.mutable_provenance()->mutable_delivered() = std::move(attested).value();
}

// TLP:RED: the recipient's own sealed copy, relayed as the publisher made it
// (the publisher applied the recipient's policy before sealing), or nothing
// when that policy withheld the report. Other recipients' copies and the
// list of names stay with the broker.
RecipientCopy sealed_copy_for(const v1::Report& report, const v1::Organisation& recipient,
                              const policies::PolicySet& policy_set, const v1::AuditRecord& base,
                              const AuditTrail& trail) {
  const auto own = std::find_if(report.sealed_copies().begin(), report.sealed_copies().end(),
                                [&](const v1::SealedCopy& copy) { return copy.recipient() == recipient.name(); });
  if (own == report.sealed_copies().end()) {
    return {std::nullopt, recipient_record(base, recipient, v1::AuditRecord::WITHHELD_TLP)};
  }
  const auto record_for = [&](v1::AuditRecord::Outcome outcome) {
    auto record = recipient_record(base, recipient, outcome);
    record.set_sealed_by_publisher(true);
    auto& ref = *record.mutable_policy();
    ref.set_name(own->policy());
    ref.set_version(own->policy_version());
    if (auto known = policy_set.find(own->policy()); known && known->version() == own->policy_version()) {
      ref.set_sha256(known->canonical_sha256());
    }
    return record;
  };
  if (own->withheld()) {
    return {std::nullopt, record_for(v1::AuditRecord::WITHHELD_POLICY)};
  }
  v1::Report copy;
  copy.set_id(report.id());
  copy.set_feed(report.feed());
  copy.set_tlp(report.tlp());
  if (report.has_created()) {
    *copy.mutable_created() = report.created();
  }
  *copy.mutable_broker() = report.broker();
  *copy.add_sealed_copies() = *own;
  auto record = record_for(v1::AuditRecord::DELIVERED);
  record.set_output_fingerprint(copy_fingerprint(copy, trail));
  return {std::move(copy), std::move(record)};
}

void fan_out_sealed(const v1::Report& report, const std::vector<Router::Recipient>& recipients,
                    const policies::PolicySet& policy_set, const v1::AuditRecord& base, AuditTrail& trail,
                    FanOutResult& result) {
  for (const auto& recipient : recipients) {
    if (recipient.withheld_by_tlp) {
      ++result.withheld;
      record_undelivered(recipient, report,
                         recipient_record(base, *recipient.organisation, v1::AuditRecord::WITHHELD_TLP), trail);
      continue;
    }
    auto copy = sealed_copy_for(report, *recipient.organisation, policy_set, base, trail);
    if (!copy.report) {
      ++result.withheld;
      record_undelivered(recipient, report, copy.record, trail);
      continue;
    }
    const DeliveryInfo info{report.feed(), report.broker().sequence(), recipient.durable, &copy.record};
    result.delivered += recipient.target->offer(encode_delivery(std::move(*copy.report)), info) ? 1 : 0;
  }
}

}  // namespace

RecipientCopy copy_for(const v1::Report& report, const v1::Organisation& recipient,
                       const policies::PolicySet& policy_set, const policies::Pseudonymizer& pseudonymizer,
                       const AuditTrail& trail, const Attester* attester) {
  const v1::AuditRecord base = report_record(report, trail);
  if (!tlp_allows_delivery(recipient, report)) {
    return {std::nullopt, recipient_record(base, recipient, v1::AuditRecord::WITHHELD_TLP)};
  }
  if (report.tlp() == v1::RED) {
    return sealed_copy_for(report, recipient, policy_set, base, trail);
  }
  auto policy = policy_set.effective_for(recipient);
  if (!policy) {
    log::error("report.not_delivered",
               {{"id", report.id()}, {"recipient", recipient.name()}, {"reason", policy.error().message}});
    return {std::nullopt, recipient_record(base, recipient, v1::AuditRecord::FAILED_CLOSED)};
  }
  auto redaction = try_redact(report, *policy.value(), policy_set);
  if (!redaction) {
    auto record = recipient_record(base, recipient, v1::AuditRecord::FAILED_CLOSED);
    set_policy(record, *policy.value(), {});
    return {std::nullopt, std::move(record)};
  }
  if (redaction->withheld) {
    log::info("report.withheld", {{"id", report.id()},
                                  {"policy", policy.value()->name()},
                                  {"rule", redaction->withheld_rule},
                                  {"recipients", 1}});
    auto record = recipient_record(base, recipient, v1::AuditRecord::WITHHELD_POLICY);
    set_policy(record, *policy.value(), redaction->decisions);
    record.set_rule(redaction->withheld_rule);
    return {std::nullopt, std::move(record)};
  }
  v1::Report copy = personal_copy(*redaction, recipient, pseudonymizer);
  auto record = recipient_record(base, recipient, v1::AuditRecord::DELIVERED);
  set_policy(record, *policy.value(), redaction->decisions);
  record.set_output_fingerprint(copy_fingerprint(copy, trail));
  attest(report, copy, recipient.name(), *policy.value(), redaction->decisions, attester);
  return {std::move(copy), std::move(record)};
}

FanOutResult fan_out(const v1::Report& report, const std::vector<Router::Recipient>& recipients,
                     const policies::PolicySet& policy_set, const policies::Pseudonymizer& pseudonymizer,
                     AuditTrail& trail, const Attester* attester) {
  FanOutResult result;
  if (recipients.empty()) {
    return result;
  }
  const v1::AuditRecord base = report_record(report, trail);
  if (report.tlp() == v1::RED) {
    fan_out_sealed(report, recipients, policy_set, base, trail, result);
    return result;
  }
  // Opened once here rather than once per recipient; if it does not open,
  // each attest below says so (and its copy goes out unverifiable).
  std::optional<provenance::OpenedPublication> opened;
  if (attester != nullptr && report.provenance().has_from_publisher()) {
    if (auto opening = provenance::open_publication(report.provenance().from_publisher())) {
      opened = std::move(opening).value();
    }
  }
  std::map<const policies::Policy*, std::vector<const Router::Recipient*>> by_policy;
  std::map<const policies::Policy*, std::shared_ptr<const policies::Policy>> keep_alive;
  for (const auto& recipient : recipients) {
    if (recipient.withheld_by_tlp) {
      ++result.withheld;
      record_undelivered(recipient, report,
                         recipient_record(base, *recipient.organisation, v1::AuditRecord::WITHHELD_TLP), trail);
      continue;
    }
    auto policy = policy_set.effective_for(*recipient.organisation);
    if (!policy) {
      ++result.failed_closed;
      log::error("report.not_delivered", {{"id", report.id()},
                                          {"recipient", recipient.organisation->name()},
                                          {"reason", policy.error().message}});
      record_undelivered(recipient, report,
                         recipient_record(base, *recipient.organisation, v1::AuditRecord::FAILED_CLOSED), trail);
      continue;
    }
    by_policy[policy.value().get()].push_back(&recipient);
    keep_alive.emplace(policy.value().get(), policy.value());
  }

  for (const auto& [policy, group] : by_policy) {
    auto redaction = try_redact(report, *policy, policy_set);
    const auto outcome_for = [&](const Router::Recipient& recipient, v1::AuditRecord::Outcome outcome) {
      auto record = recipient_record(base, *recipient.organisation, outcome);
      set_policy(record, *policy, redaction ? redaction->decisions : std::vector<v1::RedactionDecision>{});
      return record;
    };
    if (!redaction) {
      result.failed_closed += static_cast<std::uint32_t>(group.size());
      for (const auto* recipient : group) {
        record_undelivered(*recipient, report, outcome_for(*recipient, v1::AuditRecord::FAILED_CLOSED), trail);
      }
      continue;
    }
    if (redaction->withheld) {
      result.withheld += static_cast<std::uint32_t>(group.size());
      log::info("report.withheld", {{"id", report.id()},
                                    {"policy", policy->name()},
                                    {"rule", redaction->withheld_rule},
                                    {"recipients", group.size()}});
      for (const auto* recipient : group) {
        auto record = outcome_for(*recipient, v1::AuditRecord::WITHHELD_POLICY);
        record.set_rule(redaction->withheld_rule);
        record_undelivered(*recipient, report, record, trail);
      }
      continue;
    }
    // Without pseudonyms or attestations (which name their recipient) every
    // recipient of this policy gets the same bytes.
    std::shared_ptr<const std::string> shared_frame;
    std::string shared_fingerprint;
    const bool restricted = is_restricted(report.tlp());
    const bool attested = attester != nullptr && report.provenance().has_from_publisher();
    if (redaction->pseudonyms.empty() && !attested) {
      shared_frame = encode_delivery(redaction->report);
      shared_fingerprint = copy_fingerprint(redaction->report, trail);
      if (restricted) {
        result.restricted_copies.push_back(comparable_content(redaction->report));
      }
    }
    for (const auto* recipient : group) {
      auto record = outcome_for(*recipient, v1::AuditRecord::DELIVERED);
      std::shared_ptr<const std::string> frame = shared_frame;
      if (frame) {
        record.set_output_fingerprint(shared_fingerprint);
      } else {
        v1::Report copy = personal_copy(*redaction, *recipient->organisation, pseudonymizer);
        record.set_output_fingerprint(copy_fingerprint(copy, trail));
        attest(report, copy, recipient->organisation->name(), *policy, redaction->decisions, attester,
               opened ? &*opened : nullptr);
        if (restricted) {
          result.restricted_copies.push_back(comparable_content(copy));
        }
        frame = encode_delivery(std::move(copy));
      }
      const DeliveryInfo info{report.feed(), report.broker().sequence(), recipient->durable, &record};
      result.delivered += recipient->target->offer(frame, info) ? 1 : 0;
    }
    log::debug("report.redacted", {{"id", report.id()},
                                   {"policy", policy->name()},
                                   {"version", policy->version()},
                                   {"decisions", redaction->decisions.size()},
                                   {"recipients", group.size()}});
  }
  return result;
}

}  // namespace weft::broker::pipeline
