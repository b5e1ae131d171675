// `weft admin ...`: set up a deployment (CA, broker certificate, config,
// registry) and manage its organisations. Works on the deployment folder
// directly; weftd picks up registry changes by itself.
#pragma once

#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

#include "pki/pki.h"
#include "proto/error.h"

namespace weft::cli {

struct InitOptions {
  std::filesystem::path dir;
  std::string listen = "127.0.0.1:7443";
  std::string advertised_address;  // default: listen
  std::string broker_id = "weftd";
  // The audit log's origin and key name [<advertised host>/<broker id>/audit].
  std::string audit_origin;
  std::vector<std::string> extra_names;  // more DNS names / IPs for the broker certificate
  pki::KeyType key_type = pki::KeyType::kEcP256;
  int ca_days = 3650;
  int broker_days = 365;
};

struct OrgAddOptions {
  std::filesystem::path dir = ".";
  std::string name;
  std::string display_name;
  std::string roles;
  std::string jurisdiction;
  std::string sector;
  std::vector<std::string> feeds;          // both publish and read
  std::vector<std::string> publish_feeds;
  std::vector<std::string> read_feeds;
  std::vector<std::string> groups;
  std::string policy;  // empty: chosen by the policies' selectors
  bool redistributes_to_clients = false;
  pki::KeyType key_type = pki::KeyType::kEcP256;
  int days = 90;
};

Result<void> admin_init(const InitOptions& options, std::ostream& out);
Result<void> admin_org_add(const OrgAddOptions& options, std::ostream& out);
Result<void> admin_org_list(const std::filesystem::path& dir, bool json, std::ostream& out);
Result<void> admin_org_revoke(const std::filesystem::path& dir, const std::string& name, std::ostream& out);
Result<void> admin_org_renew(const std::filesystem::path& dir, const std::string& name, int days,
                             pki::KeyType key_type, std::ostream& out);
Result<void> admin_broker_renew(const std::filesystem::path& dir, int days, std::ostream& out);

}  // namespace weft::cli
