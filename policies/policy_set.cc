#include "policies/policy_set.h"

#include <set>

namespace weft::policies {

Result<std::shared_ptr<const PolicySet>> PolicySet::create(std::vector<std::shared_ptr<const Policy>> ordered) {
  std::set<std::string> names;
  bool has_fallback = false;
  for (const auto& policy : ordered) {
    if (!names.insert(policy->name()).second) {
      return make_error(v1::POLICY_INVALID, policy->source() + ": policy '" + policy->name() +
                                                "' is defined twice; each name must be unique");
    }
    has_fallback = has_fallback || policy->name() == kFallbackPolicy;
  }
  if (!has_fallback) {
    return make_error(v1::POLICY_INVALID,
                      "no policy named 'public': it is the fallback for recipients no other policy selects");
  }
  std::shared_ptr<PolicySet> set(new PolicySet());
  set->ordered_ = std::move(ordered);
  return std::shared_ptr<const PolicySet>(std::move(set));
}

std::shared_ptr<const Policy> PolicySet::find(std::string_view name) const {
  for (const auto& policy : ordered_) {
    if (policy->name() == name) {
      return policy;
    }
  }
  return nullptr;
}

Result<std::shared_ptr<const Policy>> PolicySet::effective_for(const v1::Organisation& recipient) const {
  if (!recipient.policy().empty()) {
    if (auto assigned = find(recipient.policy())) {
      return assigned;
    }
    return make_error(v1::POLICY_INVALID, "organisation '" + recipient.name() + "' is assigned policy '" +
                                              recipient.policy() + "', which is not loaded");
  }
  for (const auto& policy : ordered_) {
    if (policy->selects(recipient)) {
      return policy;
    }
  }
  return find(kFallbackPolicy);
}

}  // namespace weft::policies
