#include "common/address.h"

#include <charconv>

namespace weft {

Result<void> parse_host_port(std::string_view text, std::string& host, std::uint16_t& port) {
  std::string_view host_part;
  std::string_view port_part;
  if (text.starts_with('[')) {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return make_error(v1::CONFIG_INVALID, "address '" + std::string(text) + "' is not [IPv6]:PORT");
    }
    host_part = text.substr(1, close - 1);
    port_part = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos || text.find(':') != colon) {
      return make_error(v1::CONFIG_INVALID, "address '" + std::string(text) + "' is not HOST:PORT");
    }
    host_part = text.substr(0, colon);
    port_part = text.substr(colon + 1);
  }
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(port_part.data(), port_part.data() + port_part.size(), value);
  if (host_part.empty() || port_part.empty() || ec != std::errc() || end != port_part.data() + port_part.size() ||
      value > 65535) {
    return make_error(v1::CONFIG_INVALID, "address '" + std::string(text) + "' is not HOST:PORT");
  }
  host = std::string(host_part);
  port = static_cast<std::uint16_t>(value);
  return ok();
}

}  // namespace weft
