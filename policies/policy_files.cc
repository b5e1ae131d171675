#include "policies/policy_files.h"

#include "common/files.h"

namespace weft::policies {

Result<std::shared_ptr<const Policy>> load_policy_file(const std::filesystem::path& file) {
  auto text = files::read_file(file, 1U << 20);
  if (!text) {
    return make_error(v1::POLICY_INVALID, text.error().message);
  }
  return Policy::parse(text.value(), file.string());
}

Result<std::shared_ptr<const PolicySet>> load_policy_set(const std::vector<std::filesystem::path>& files) {
  if (files.empty()) {
    return make_error(v1::POLICY_INVALID, "no policy files configured");
  }
  std::vector<std::shared_ptr<const Policy>> policies;
  for (const auto& file : files) {
    WEFT_TRY(auto policy, load_policy_file(file));
    policies.push_back(std::move(policy));
  }
  return PolicySet::create(std::move(policies));
}

}  // namespace weft::policies
