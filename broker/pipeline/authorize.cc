#include "broker/pipeline/authorize.h"

#include <algorithm>
#include <unordered_map>

#include "common/registry.h"
#include "provenance/keys.h"
#include "provenance/publication.h"

namespace weft::broker::pipeline {
namespace {

Error forbidden(const std::string& message) { return make_error(v1::FORBIDDEN, message); }

bool named_in_recipients(const v1::Organisation& org, const v1::Report& report) {
  return std::any_of(report.recipients().begin(), report.recipients().end(), [&org](const std::string& name) {
    return name == org.name() || std::find(org.groups().begin(), org.groups().end(), name) != org.groups().end();
  });
}

bool named_itself(const v1::Organisation& org, const v1::Report& report) {
  return std::find(report.recipients().begin(), report.recipients().end(), org.name()) != report.recipients().end();
}

bool is_group(const Registry& registry, const std::string& name) {
  const auto& orgs = registry.proto().organisations();
  return std::any_of(orgs.begin(), orgs.end(), [&name](const v1::Organisation& org) {
    return std::find(org.groups().begin(), org.groups().end(), name) != org.groups().end();
  });
}

Result<void> check_named_recipients(const Registry& registry, const v1::Report& report) {
  const bool strict = report.tlp() == v1::AMBER_STRICT;
  for (int i = 0; i < report.recipients_size(); ++i) {
    const std::string& name = report.recipients(i);
    const std::string field = "report.recipients[" + std::to_string(i) + "]";
    if (registry.find_by_name(name) != nullptr) {
      continue;
    }
    if (strict && is_group(registry, name)) {
      return make_error(v1::VALIDATION_FAILED, field + ": '" + name +
                                                   "' is a group; TLP:AMBER+STRICT goes only to organisations "
                                                   "named one by one");
    }
    if (!strict && is_group(registry, name)) {
      continue;
    }
    return make_error(v1::VALIDATION_FAILED,
                      field + ": '" + name + "' is neither a registered organisation nor a group, so nobody would "
                                             "receive it under that name");
  }
  return ok();
}

// A registered key parsed once per network thread: checking that it is a
// valid point of the main subgroup costs about as much as a signature
// verification, and the same few keys sign every publish. Bounded: the
// registry may change keys.
Result<provenance::VerifyingKey> registered_key(const std::string& text) {
  constexpr std::size_t kMaxCachedKeys = 1024;
  thread_local std::unordered_map<std::string, provenance::VerifyingKey> parsed;
  if (const auto found = parsed.find(text); found != parsed.end()) {
    return found->second;
  }
  WEFT_TRY(auto key, provenance::VerifyingKey::parse(text));
  if (parsed.size() >= kMaxCachedKeys) {
    parsed.clear();
  }
  parsed.emplace(text, key);
  return key;
}

// TLP:RED goes to organisations named one by one, each able to open its copy.
Result<void> check_sealed_recipients(const Registry& registry, const v1::Report& report) {
  for (int i = 0; i < report.recipients_size(); ++i) {
    const std::string& name = report.recipients(i);
    const std::string field = "report.recipients[" + std::to_string(i) + "]";
    const v1::Organisation* org = registry.find_by_name(name);
    if (org == nullptr) {
      return make_error(v1::VALIDATION_FAILED,
                        field + ": '" + name + "' is not a registered organisation (TLP:RED names organisations, "
                                               "never groups)");
    }
    if (org->revoked()) {
      return make_error(v1::VALIDATION_FAILED, field + ": organisation '" + name + "' is revoked");
    }
    if (org->sealing_public_key().empty()) {
      return make_error(v1::VALIDATION_FAILED, field + ": organisation '" + name +
                                                   "' has no sealing key registered, so it cannot receive TLP:RED");
    }
  }
  return ok();
}

}  // namespace

Result<void> authorize_publish(const Registry& registry, const v1::Organisation& publisher,
                               const v1::Report& report) {
  if (publisher.revoked()) {
    return make_error(v1::REVOKED, "organisation '" + publisher.name() + "' is revoked");
  }
  if (!has_role(publisher, v1::PUBLISHER)) {
    return forbidden("organisation '" + publisher.name() + "' does not have the publisher role");
  }
  if (!may_publish(publisher, report.feed())) {
    return forbidden("organisation '" + publisher.name() + "' may not publish to feed '" + report.feed() + "'");
  }
  if (report.tlp() == v1::RED) {
    return check_sealed_recipients(registry, report);
  }
  if ((report.tlp() == v1::AMBER || report.tlp() == v1::AMBER_STRICT) && report.recipients().empty()) {
    return make_error(v1::VALIDATION_FAILED,
                      "report.recipients: TLP:AMBER and TLP:AMBER+STRICT reports must name their recipients");
  }
  if (report.tlp() == v1::AMBER || report.tlp() == v1::AMBER_STRICT) {
    return check_named_recipients(registry, report);
  }
  return ok();
}

Result<void> check_publisher_signature(const v1::Organisation& publisher, const v1::Report& report) {
  if (report.tlp() == v1::RED) {
    return ok();
  }
  if (publisher.signing_public_key().empty()) {
    if (report.has_provenance()) {
      return make_error(v1::PROVENANCE_INVALID, "report " + report.id() + " is signed, but organisation '" +
                                                    publisher.name() + "' has no signing key registered");
    }
    return ok();
  }
  if (!report.provenance().has_from_publisher()) {
    return make_error(v1::PROVENANCE_INVALID, "report " + report.id() + " is not signed; organisation '" +
                                                  publisher.name() +
                                                  "' has a registered signing key and must sign what it publishes");
  }
  WEFT_TRY(auto key, registered_key(publisher.signing_public_key()));
  return provenance::check_publication(report, publisher.name(), report.provenance().from_publisher(), key);
}

Result<void> authorize_subscribe(const v1::Organisation& subscriber, std::string_view feed) {
  if (subscriber.revoked()) {
    return make_error(v1::REVOKED, "organisation '" + subscriber.name() + "' is revoked");
  }
  if (!has_role(subscriber, v1::SUBSCRIBER)) {
    return forbidden("organisation '" + subscriber.name() + "' does not have the subscriber role");
  }
  if (!may_read(subscriber, feed)) {
    return forbidden("organisation '" + subscriber.name() + "' may not read feed '" + std::string(feed) + "'");
  }
  return ok();
}

bool tlp_allows_delivery(const v1::Organisation& recipient, const v1::Report& report) {
  switch (report.tlp()) {
    case v1::CLEAR:
    case v1::GREEN:
      return true;
    case v1::AMBER:
      return named_in_recipients(recipient, report);
    case v1::AMBER_STRICT:
      return named_itself(recipient, report) && !recipient.redistributes_to_clients();
    case v1::RED:
      return named_itself(recipient, report);  // and then only its own sealed copy
    default:
      return false;
  }
}

void strip_distribution(v1::Report& copy) {
  copy.clear_recipients();
  copy.clear_provenance();
}

}  // namespace weft::broker::pipeline
