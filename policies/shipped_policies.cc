#include "policies/shipped_policies.h"

#include <vector>

namespace weft::policies::embedded {
extern const std::pair<std::string_view, std::string_view> kEmbeddedFiles[];
extern const int kEmbeddedFileCount;
}  // namespace weft::policies::embedded

namespace weft::policies {

std::span<const ShippedPolicy> shipped_policies() {
  static const std::vector<ShippedPolicy> policies = [] {
    std::vector<ShippedPolicy> out;
    for (int i = 0; i < embedded::kEmbeddedFileCount; ++i) {
      out.push_back({embedded::kEmbeddedFiles[i].first, embedded::kEmbeddedFiles[i].second});
    }
    return out;
  }();
  return policies;
}

}  // namespace weft::policies
