// Reading policy files into a PolicySet (the order of `files` is the
// selection order). Errors name file, line and column.
#pragma once

#include <filesystem>
#include <memory>
#include <vector>

#include "policies/policy_set.h"
#include "proto/error.h"

namespace weft::policies {

Result<std::shared_ptr<const Policy>> load_policy_file(const std::filesystem::path& file);
Result<std::shared_ptr<const PolicySet>> load_policy_set(const std::vector<std::filesystem::path>& files);

}  // namespace weft::policies
