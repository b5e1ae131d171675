#include "cli/client_session.h"

#include <iostream>

#include <boost/asio/this_coro.hpp>

#include "cli/exit_codes.h"

namespace weft::cli {

int exit_code_for(const Error& error) {
  switch (error.code) {
    case v1::CONFIG_INVALID:
      return kExitConfig;
    case v1::CONNECT_FAILED:
    case v1::TLS_FAILED:
    case v1::CONNECTION_LOST:
    case v1::LOCAL_TIMEOUT:
    case v1::UNKNOWN_IDENTITY:
    case v1::REVOKED:
    case v1::TOO_MANY_CONNECTIONS:
    case v1::SHUTTING_DOWN:
    case v1::UNSUPPORTED_VERSION:
    case v1::PROTOCOL_VIOLATION:
      return kExitNoSession;
    case v1::AUDIT_INVALID:
    case v1::AUDIT_TAMPERED:
      return kExitAuditFailed;
    default:
      return kExitRefused;
  }
}

int report_failure(std::string_view what, const Error& error) {
  std::cerr << "weft: " << what << ": " << error.describe() << "\n";
  return exit_code_for(error);
}

Result<client::Profile> load_profile(const ClientOptions& options) {
  if (options.profile.empty()) {
    return make_error(v1::CONFIG_INVALID, "--profile FILE is required (written by 'weft admin org add')");
  }
  WEFT_TRY(auto profile, client::Profile::load(options.profile));
  if (!options.broker_override.empty()) {
    WEFT_TRY(profile.override_broker_address(options.broker_override));
  }
  return profile;
}

client::Options connection_options(const ClientOptions& options) {
  client::Options out;
  out.client_software = "weft-cli/0.1.0";
  out.connect_timeout = std::chrono::milliseconds(static_cast<long>(options.connect_timeout_s * 1000));
  return out;
}

boost::asio::awaitable<Result<std::shared_ptr<client::Connection>>> open_session(const ClientOptions& options) {
  auto profile = load_profile(options);
  if (!profile) {
    co_return profile.error();
  }
  co_return co_await client::Connection::connect(co_await boost::asio::this_coro::executor, profile.value(),
                                                 connection_options(options));
}

}  // namespace weft::cli
