// The policies in force and the pseudonymisation key. reload() reads the
// configured files again; a set that does not load is refused and the one in
// force stays, so a bad edit never opens a gap in enforcement.
//
// Thread safety: all members may be called from any thread.
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <vector>

#include "policies/policy_set.h"
#include "policies/pseudonymizer.h"
#include "proto/error.h"

namespace weft::broker {

class PolicyHolder {
 public:
  // Loads the policies and the key; fails if either is missing or invalid.
  static Result<std::unique_ptr<PolicyHolder>> load(std::vector<std::filesystem::path> policy_files,
                                                    const std::filesystem::path& pseudonym_key_file);

  std::shared_ptr<const policies::PolicySet> current() const;
  Result<std::shared_ptr<const policies::PolicySet>> reload();
  const policies::Pseudonymizer& pseudonymizer() const { return *pseudonymizer_; }

 private:
  PolicyHolder(std::vector<std::filesystem::path> files, std::shared_ptr<const policies::PolicySet> initial,
               std::shared_ptr<const policies::Pseudonymizer> pseudonymizer);

  const std::vector<std::filesystem::path> files_;
  const std::shared_ptr<const policies::Pseudonymizer> pseudonymizer_;
  mutable std::mutex mutex_;
  std::shared_ptr<const policies::PolicySet> current_;  // guarded by mutex_
  std::mutex reload_mutex_;                             // one reload at a time
};

}  // namespace weft::broker
