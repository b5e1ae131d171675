#include "broker/policy_holder.h"

#include <sodium.h>

#include "common/files.h"
#include "pki/pki.h"
#include "policies/policy_files.h"

namespace weft::broker {

PolicyHolder::PolicyHolder(std::vector<std::filesystem::path> files,
                           std::shared_ptr<const policies::PolicySet> initial,
                           std::shared_ptr<const policies::Pseudonymizer> pseudonymizer)
    : files_(std::move(files)), pseudonymizer_(std::move(pseudonymizer)), current_(std::move(initial)) {}

Result<std::unique_ptr<PolicyHolder>> PolicyHolder::load(std::vector<std::filesystem::path> policy_files,
                                                         const std::filesystem::path& pseudonym_key_file) {
  WEFT_TRY(auto set, policies::load_policy_set(policy_files));
  if (!std::filesystem::exists(pseudonym_key_file)) {
    return make_error(v1::CONFIG_INVALID, "pseudonymisation key " + pseudonym_key_file.string() +
                                              " is missing (weft admin init creates it)");
  }
  WEFT_TRY(pki::check_private_file_mode(pseudonym_key_file));
  WEFT_TRY(auto key, files::read_file(pseudonym_key_file, 64));
  auto pseudonymizer = policies::Pseudonymizer::create(
      std::span<const unsigned char>(reinterpret_cast<const unsigned char*>(key.data()), key.size()));
  sodium_memzero(key.data(), key.size());
  if (!pseudonymizer) {
    return make_error(v1::CONFIG_INVALID, pseudonym_key_file.string() + ": " + pseudonymizer.error().message);
  }
  return std::unique_ptr<PolicyHolder>(
      new PolicyHolder(std::move(policy_files), std::move(set), std::move(pseudonymizer).value()));
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
