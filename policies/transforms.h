// What MASK, GENERALISE and PSEUDONYMISE do to one detected value, by
// category. Inputs are original text spans (possibly defanged or written
// with fullwidth characters); outputs never contain the original value.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace weft::policies {

// Keeps the shape, hides most of it: "j***@example.nl", "+31 6 ****5678",
// "NL91 **** **** **43 00", "**** **** **** 1111", "203.0.113.*", "J** d* V****".
std::string mask_value(std::string_view category, std::string_view original);

// IPv4 to its /24, IPv6 to its /48; nothing for other categories or
// values that do not parse.
std::optional<std::string> generalise_value(std::string_view category, std::string_view original);

// The form a value is pseudonymised in, so that the same address written two
// ways gets the same token: lower-case e-mail, canonical IP text, phone and
// card digits, compact upper-case IBAN, case-folded names.
std::string canonical_value(std::string_view category, std::string_view original);

}  // namespace weft::policies
