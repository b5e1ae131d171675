#include "client-lib/red_sealing.h"

#include <algorithm>
#include <memory>

#include "policies/policy.h"
#include "policies/pseudonymizer.h"
#include "policies/redactor.h"

namespace weft::client {
namespace {

Error invalid(std::string message) { return make_error(v1::VALIDATION_FAILED, std::move(message)); }

// What a recipient's copy carries: the filtered content and the routing
// fields that let it check the copy belongs to this report.
Result<v1::SealedCopy> copy_for(const v1::Report& report, const v1::SealingRecipient& recipient,
                                const policies::Pseudonymizer& pseudonymizer) {
  WEFT_TRY(auto public_key, sealing::parse_public_key(recipient.sealing_public_key()));
  auto policy = policies::Policy::parse(recipient.policy_text(), "policy of " + recipient.organisation());
  if (!policy) {
    return make_error(v1::POLICY_INVALID, "the broker's policy for '" + recipient.organisation() +
                                              "' does not load: " + policy.error().message);
  }
  v1::SealedCopy copy;
  copy.set_recipient(recipient.organisation());
  copy.set_policy(policy.value()->name());
  copy.set_policy_version(policy.value()->version());
  policies::Redaction redaction = policies::redact(report, *policy.value());
  if (redaction.withheld) {
    copy.set_withheld(true);
    return copy;
  }
  v1::Report filtered = std::move(redaction.report);
  policies::personalise(filtered, redaction.pseudonyms, pseudonymizer, recipient.organisation());
  filtered.clear_recipients();  // nobody learns who else received it
  filtered.clear_broker();
  copy.set_sealed(sealing::seal(filtered.SerializeAsString(), public_key));
  return copy;
}

}  // namespace

Result<v1::Report> seal_red_report(const v1::Report& report, const std::vector<v1::SealingRecipient>& recipients) {
  if (report.tlp() != v1::RED) {
    return invalid("only TLP:RED reports are sealed");
  }
  if (report.recipients().empty()) {
    return invalid("report.recipients: TLP:RED goes only to organisations named here, and none is");
  }
  const auto pseudonymizer = policies::Pseudonymizer::with_random_key();
  v1::Report sealed;
  sealed.set_id(report.id());
  sealed.set_feed(report.feed());
  sealed.set_tlp(v1::RED);
  if (report.has_created()) {
    *sealed.mutable_created() = report.created();
  }
  for (const auto& name : report.recipients()) {
    const auto found = std::find_if(recipients.begin(), recipients.end(),
                                    [&](const v1::SealingRecipient& r) { return r.organisation() == name; });
    if (found == recipients.end()) {
      return invalid("report.recipients: no sealing key for '" + name + "'");
    }
    sealed.add_recipients(name);
    WEFT_TRY(*sealed.add_sealed_copies(), copy_for(report, *found, *pseudonymizer));
  }
  return sealed;
}

Result<v1::Report> open_red_copy(const v1::Report& delivered, const sealing::SealingKey& key) {
  if (delivered.tlp() != v1::RED || delivered.sealed_copies_size() != 1) {
    return invalid("report " + delivered.id() + " is not a TLP:RED delivery with one sealed copy");
  }
  const v1::SealedCopy& copy = delivered.sealed_copies(0);
  if (copy.withheld()) {
    return invalid("report " + delivered.id() + ": the publisher's copy for you is withheld by its policy");
  }
  WEFT_TRY(auto plaintext, key.open(copy.sealed()));
  v1::Report opened;
  if (!opened.ParseFromString(plaintext)) {
    return invalid("report " + delivered.id() + ": the sealed copy does not hold a report");
  }
  // A broker relaying another report's copy for the same recipient is caught here.
  if (opened.id() != delivered.id() || opened.feed() != delivered.feed() || opened.tlp() != v1::RED) {
    return invalid("report " + delivered.id() + ": the sealed copy belongs to another report");
  }
  *opened.mutable_broker() = delivered.broker();
  return opened;
}

}  // namespace weft::client
