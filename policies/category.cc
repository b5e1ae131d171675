#include "policies/category.h"

#include <algorithm>

namespace weft::policies {

bool is_builtin_category(std::string_view category) {
  return std::find(kBuiltinCategories.begin(), kBuiltinCategories.end(), category) != kBuiltinCategories.end();
}

Result<void> check_category_name(std::string_view category) {
  const bool shape_ok = category.size() >= 2 && category.size() <= 32 && category.front() >= 'A' &&
                        category.front() <= 'Z' && std::all_of(category.begin(), category.end(), [](char c) {
                          return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
                        });
  if (!shape_ok) {
    return make_error(v1::POLICY_INVALID, "category '" + std::string(category) +
                                              "' must be 2-32 upper-case letters, digits or '_', starting with a letter");
  }
  return ok();
}

}  // namespace weft::policies
