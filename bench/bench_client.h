// What the load generators share about their clients: profiles that may only
// point at loopback, and connection options that let a publish wait as long
// as the run allows.
#pragma once

#include <chrono>
#include <string>

#include "client-lib/connection.h"
#include "client-lib/profile.h"
#include "proto/error.h"

namespace weft::bench {

inline constexpr std::chrono::seconds kConnectTimeout{15};

// The profile with the broker address overridden when one is given; refused
// unless the broker is on loopback (benchmarks never load anything else).
inline Result<client::Profile> load_loopback_profile(const std::string& file, const std::string& broker_address) {
  WEFT_TRY(auto profile, client::Profile::load(file));
  if (!broker_address.empty()) {
    WEFT_TRY(profile.override_broker_address(broker_address));
  }
  if (profile.host != "127.0.0.1" && profile.host != "localhost" && profile.host != "::1") {
    return make_error(v1::CONFIG_INVALID, "refusing non-loopback broker host '" + profile.host + "'");
  }
  return profile;
}

inline client::Options bench_connection_options(const std::string& client_software) {
  client::Options options;
  options.client_software = client_software;
  options.connect_timeout = kConnectTimeout;
  // A window of publishes waits on group commits behind it; only the run's
  // own limit ends them.
  options.request_timeout = std::chrono::minutes(10);
  return options;
}

}  // namespace weft::bench
