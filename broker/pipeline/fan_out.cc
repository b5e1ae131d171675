#include "broker/pipeline/fan_out.h"

#include <map>

#include "common/log.h"
#include "policies/redactor.h"
#include "proto/frame_codec.h"
#include "weft/v1/frame.pb.h"

namespace weft::broker::pipeline {
namespace {

std::shared_ptr<const std::string> encode_delivery(const v1::Report& report) {
  v1::Frame frame;
  frame.mutable_delivery()->set_feed(report.feed());
  *frame.mutable_delivery()->mutable_report() = report;
  return std::make_shared<const std::string>(proto::encode_frame(frame));
}

v1::Report personal_copy(const policies::Redaction& redaction, const v1::Organisation& recipient,
                         const policies::Pseudonymizer& pseudonymizer) {
  v1::Report personal = redaction.report;
  policies::personalise(personal, redaction.pseudonyms, pseudonymizer, recipient.name());
  return personal;
}

}  // namespace

std::optional<std::shared_ptr<const std::string>> encode_for(const v1::Report& report,
                                                             const v1::Organisation& recipient,
                                                             const policies::PolicySet& policy_set,
                                                             const policies::Pseudonymizer& pseudonymizer) {
  auto policy = policy_set.effective_for(recipient);
  if (!policy) {
    log::error("report.not_delivered",
               {{"id", report.id()}, {"recipient", recipient.name()}, {"reason", policy.error().message}});
    return std::nullopt;
  }
  policies::Redaction redaction;
  try {
    redaction = policies::redact(report, *policy.value());
  } catch (const std::exception& e) {
    log::error("report.redaction_failed", {{"id", report.id()}, {"policy", policy.value()->name()}, {"what", e.what()}});
    return std::nullopt;
  }
  if (redaction.withheld) {
    log::info("report.withheld", {{"id", report.id()},
                                  {"policy", policy.value()->name()},
                                  {"rule", redaction.withheld_rule},
                                  {"recipients", 1}});
    return std::nullopt;
  }
  return encode_delivery(personal_copy(redaction, recipient, pseudonymizer));
}

FanOutResult fan_out(const v1::Report& report, const std::vector<Router::Recipient>& recipients,
                     const policies::PolicySet& policy_set, const policies::Pseudonymizer& pseudonymizer) {
  FanOutResult result;
  std::map<const policies::Policy*, std::vector<const Router::Recipient*>> by_policy;
  std::map<const policies::Policy*, std::shared_ptr<const policies::Policy>> keep_alive;
  for (const auto& recipient : recipients) {
    auto policy = policy_set.effective_for(*recipient.organisation);
    if (!policy) {
      ++result.failed_closed;
      log::error("report.not_delivered", {{"id", report.id()},
                                          {"recipient", recipient.organisation->name()},
                                          {"reason", policy.error().message}});
      continue;
    }
    by_policy[policy.value().get()].push_back(&recipient);
    keep_alive.emplace(policy.value().get(), policy.value());
  }

  for (const auto& [policy, group] : by_policy) {
    policies::Redaction redaction;
    try {
      redaction = policies::redact(report, *policy);
    } catch (const std::exception& e) {
      result.failed_closed += static_cast<std::uint32_t>(group.size());
      log::error("report.redaction_failed",
                 {{"id", report.id()}, {"policy", policy->name()}, {"what", e.what()}});
      continue;
    }
    if (redaction.withheld) {
      result.withheld += static_cast<std::uint32_t>(group.size());
      log::info("report.withheld", {{"id", report.id()},
                                    {"policy", policy->name()},
                                    {"rule", redaction.withheld_rule},
                                    {"recipients", group.size()}});
      continue;
    }
    if (redaction.pseudonyms.empty()) {
      const auto frame = encode_delivery(redaction.report);
      for (const auto* recipient : group) {
        const DeliveryInfo info{report.feed(), report.broker().sequence(), recipient->durable};
        result.delivered += recipient->target->offer(frame, info) ? 1 : 0;
      }
    } else {
      for (const auto* recipient : group) {
        const DeliveryInfo info{report.feed(), report.broker().sequence(), recipient->durable};
        result.delivered +=
            recipient->target->offer(encode_delivery(personal_copy(redaction, *recipient->organisation, pseudonymizer)),
                                     info)
                ? 1
                : 0;
      }
    }
    log::debug("report.redacted", {{"id", report.id()},
                                   {"policy", policy->name()},
                                   {"version", policy->version()},
                                   {"decisions", redaction.decisions.size()},
                                   {"recipients", group.size()}});
  }
  return result;
}

}  // namespace weft::broker::pipeline
