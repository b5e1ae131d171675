// IPv4 addresses in the notations inet_aton(3) reads, which resolvers and
// browsers accept and attackers use to hide an address from a dotted-quad
// pattern: "0xc6336417", "3325256727", "0306.063.0144.027",
// "0xc6.0x33.0x64.0x17", "198.51.25623". Each dot-separated part is hex
// after "0x", octal after a leading 0, decimal otherwise; one to four parts,
// the last filling the remaining bytes. Where a notation counts as an
// address is the caller's decision (NormalizedText): a bare number is one
// only in a URL host.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace weft::policies::detectors {

struct Ipv4Notation {
  std::size_t end = 0;         // just past the last part read
  std::uint32_t address = 0;   // meaningful when `valid`
  std::size_t parts = 0;       // dot-separated numbers read (more than 4: not an address)
  bool valid = false;          // inet_aton would accept exactly these parts
  bool plain_dotted = false;   // four decimal parts without leading zeros: readable as is
};

// Reads the run of dot-separated numbers starting at `begin`; nothing when
// text[begin] is not a digit. A run of more than four parts is read to its
// end (so a caller can skip it whole) and is not valid.
std::optional<Ipv4Notation> read_ipv4_notation(std::string_view text, std::size_t begin);

// The whole of `text` as an IPv4 address in any notation read_ipv4_notation
// accepts, or nothing.
std::optional<std::uint32_t> parse_ipv4_notation(std::string_view text);

// "198.51.100.23".
std::string dotted_decimal(std::uint32_t address);

}  // namespace weft::policies::detectors
