#include "proto/error.h"

namespace weft {

std::string_view error_code_name(v1::ErrorCode code) {
  const std::string& name = v1::ErrorCode_Name(code);
  if (name.empty()) {
    return "UNKNOWN_ERROR_CODE";
  }
  return name;
}

bool Error::retryable() const {
  switch (code) {
    case v1::OVERLOADED:
    case v1::RATE_LIMITED:
    case v1::TOO_MANY_CONNECTIONS:
    case v1::STORAGE_UNAVAILABLE:
    case v1::STORAGE_BUSY:
    case v1::SHUTTING_DOWN:
    case v1::CONNECT_FAILED:
    case v1::CONNECTION_LOST:
    case v1::LOCAL_TIMEOUT:
      return true;
    default:
      return false;
  }
}

bool Error::closes_connection() const {
  switch (code) {
    case v1::FRAME_TOO_LARGE:
    case v1::EMPTY_FRAME:
    case v1::UNEXPECTED_MESSAGE:
    case v1::PROTOCOL_VIOLATION:
    case v1::UNSUPPORTED_VERSION:
    case v1::TIMEOUT:
    case v1::UNKNOWN_IDENTITY:
    case v1::REVOKED:
    case v1::SLOW_CONSUMER:
    case v1::TOO_MANY_CONNECTIONS:
    case v1::SHUTTING_DOWN:
      return true;
    default:
      return false;
  }
}

std::string Error::describe() const {
  std::string out(error_code_name(code));
  if (!message.empty()) {
    out += ": ";
    out += message;
  }
  return out;
}

}  // namespace weft
