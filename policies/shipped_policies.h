// The policies weft ships (policies/shipped/*.textproto), built into the
// binaries so `weft admin init` can install them into a new deployment.
// In selection order: cert-peer, eu-baseline, third-country, public.
#pragma once

#include <span>
#include <string_view>
#include <utility>

namespace weft::policies {

struct ShippedPolicy {
  std::string_view name;
  std::string_view text;
};

std::span<const ShippedPolicy> shipped_policies();

}  // namespace weft::policies
