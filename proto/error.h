// weft::Error and weft::Result: how fallible calls report failure.
//
// Every failure carries a code from weft.v1.ErrorCode (the same code a peer
// sees on the wire) and a message that names the problem, e.g.
// "report.title: longer than 512 bytes". Messages never contain the values
// that were refused: they may be personal data.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include <boost/outcome/basic_result.hpp>
#include <boost/outcome/policy/terminate.hpp>
#include <boost/outcome/success_failure.hpp>
#include <boost/outcome/try.hpp>

#include "weft/v1/errors.pb.h"

namespace weft {

struct Error {
  v1::ErrorCode code = v1::INTERNAL;
  std::string message;

  // Retrying the same request later may succeed.
  bool retryable() const;
  // Whether the broker closes the connection after sending this error.
  bool closes_connection() const;
  // "FORBIDDEN: organisation 'x' may not publish to feed 'y'"
  std::string describe() const;
};

// The stable name of a code, e.g. "FRAME_TOO_LARGE".
std::string_view error_code_name(v1::ErrorCode code);

template <class T = void>
using Result = BOOST_OUTCOME_V2_NAMESPACE::basic_result<T, Error,
                                                       BOOST_OUTCOME_V2_NAMESPACE::policy::terminate>;

inline Error make_error(v1::ErrorCode code, std::string message) {
  return Error{code, std::move(message)};
}

inline auto ok() { return BOOST_OUTCOME_V2_NAMESPACE::success(); }

}  // namespace weft

// Propagates a failed Result from the enclosing function.
#define WEFT_TRY(...) BOOST_OUTCOME_TRY(__VA_ARGS__)
