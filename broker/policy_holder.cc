#include "broker/policy_holder.h"

#include "common/secret_files.h"
#include "policies/policy_files.h"

namespace weft::broker {

PolicyHolder::PolicyHolder(std::vector<std::filesystem::path> files,
                           std::shared_ptr<const policies::PolicySet> initial,
                           std::shared_ptr<const policies::Pseudonymizer> pseudonymizer)
    : files_(std::move(files)), pseudonymizer_(std::move(pseudonymizer)), current_(std::move(initial)) {}

Result<std::unique_ptr<PolicyHolder>> PolicyHolder::load(std::vector<std::filesystem::path> policy_files,
                                                         const std::filesystem::path& pseudonym_key_file) {
  WEFT_TRY(auto set, policies::load_policy_set(policy_files));
  WEFT_TRY(auto key, files::read_raw_key_file(pseudonym_key_file, "pseudonymisation key",
                                              policies::Pseudonymizer::kKeyBytes));
  WEFT_TRY(auto pseudonymizer, policies::Pseudonymizer::create(std::move(key)));
  return std::unique_ptr<PolicyHolder>(new PolicyHolder(std::move(policy_files), std::move(set), std::move(pseudonymizer)));
}

std::shared_ptr<const policies::PolicySet> PolicyHolder::current() const {
  std::lock_guard lock(mutex_);
  return current_;
}

Result<std::shared_ptr<const policies::PolicySet>> PolicyHolder::reload() {
  std::lock_guard reloading(reload_mutex_);
  WEFT_TRY(auto set, policies::load_policy_set(files_));
  std::lock_guard lock(mutex_);
  current_ = set;
  return set;
}

}  // namespace weft::broker
