// The policies in force, in order, and which one applies to a recipient:
// the one assigned by name in the registry, else the first whose selector
// matches, else "public". An assigned name that is not loaded is an error:
// no valid policy, no delivery.
//
// Immutable; any thread.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "policies/policy.h"
#include "proto/error.h"
#include "weft/v1/registry.pb.h"

namespace weft::policies {

inline constexpr std::string_view kFallbackPolicy = "public";

class PolicySet {
 public:
  // Refuses duplicate names and a set without a "public" policy.
  static Result<std::shared_ptr<const PolicySet>> create(std::vector<std::shared_ptr<const Policy>> ordered);

  Result<std::shared_ptr<const Policy>> effective_for(const v1::Organisation& recipient) const;
  std::shared_ptr<const Policy> find(std::string_view name) const;
  const std::vector<std::shared_ptr<const Policy>>& policies() const { return ordered_; }

 private:
  PolicySet() = default;
  std::vector<std::shared_ptr<const Policy>> ordered_;
};

}  // namespace weft::policies
