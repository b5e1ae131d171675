// "HOST:PORT" and "[IPv6]:PORT" addresses, as written in configs and profiles.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "proto/error.h"

namespace weft {

// Splits an address; the port may be 0 (the caller decides whether that is
// allowed).
Result<void> parse_host_port(std::string_view text, std::string& host, std::uint16_t& port);

}  // namespace weft
