// The one error code of this module's checks. Messages name what failed
// (a signature, a part by index and path), never a part's value: values may
// be personal data.
#pragma once

#include <string>
#include <utility>

#include "proto/error.h"

namespace weft::provenance {

inline Error provenance_invalid(std::string message) { return make_error(v1::PROVENANCE_INVALID, std::move(message)); }

}  // namespace weft::provenance
