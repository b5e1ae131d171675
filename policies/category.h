// Categories of personal data the detectors report. Built-in categories
// have validators; policies may declare more through custom detectors.
#pragma once

#include <array>
#include <string_view>

#include "proto/error.h"

namespace weft::policies {

inline constexpr std::string_view kEmail = "EMAIL";
inline constexpr std::string_view kPhone = "PHONE";
inline constexpr std::string_view kIban = "IBAN";
inline constexpr std::string_view kCreditCard = "CREDIT_CARD";
inline constexpr std::string_view kIpv4 = "IPV4";
inline constexpr std::string_view kIpv6 = "IPV6";
inline constexpr std::string_view kPerson = "PERSON";

inline constexpr std::array<std::string_view, 7> kBuiltinCategories = {kEmail, kPhone, kIban, kCreditCard,
                                                                       kIpv4,  kIpv6,  kPerson};

bool is_builtin_category(std::string_view category);
// A custom category name: upper-case letters, digits and '_', 2-32 long,
// starting with a letter.
Result<void> check_category_name(std::string_view category);

}  // namespace weft::policies
