// A client profile: broker address, CA and the organisation's certificate
// and key (weft.v1.ClientProfile in text format, written by
// `weft admin org add` to DIR/orgs/NAME/profile.conf).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "proto/error.h"

namespace weft::client {

struct Profile {
  std::string organisation;
  std::string host;
  std::uint16_t port = 0;
  // The name the broker certificate must carry (DNS name or IP address).
  std::string server_name;
  std::filesystem::path ca_file;
  std::filesystem::path cert_file;
  std::filesystem::path key_file;
  // The audit log's verifier key, "<name>+<id>+<key>" (empty in profiles
  // written before the audit log existed).
  std::string audit_verifier_key;
  // The X25519 secret key that opens TLP:RED copies sealed for this
  // organisation (empty in profiles written before TLP:RED existed).
  std::filesystem::path sealing_key_file;
  // The organisation's Ed25519 key for signing what it publishes, and the
  // broker's key its attestations are checked with (both empty in profiles
  // written before provenance existed).
  std::filesystem::path signing_key_file;
  std::string broker_provenance_key;
  std::filesystem::path path;  // the profile file itself

  // Reads a profile file; relative paths are relative to its folder.
  static Result<Profile> load(const std::filesystem::path& path);
  // Points the profile at another broker address ("HOST:PORT"); the server
  // name follows unless the profile names one explicitly.
  Result<void> override_broker_address(std::string_view address);

 private:
  bool explicit_server_name_ = false;
};

Result<void> split_host_port(std::string_view text, std::string& host, std::uint16_t& port);

}  // namespace weft::client
