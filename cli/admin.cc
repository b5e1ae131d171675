#include "cli/admin.h"

#include <openssl/x509v3.h>
#include <sodium.h>

#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>

#include <algorithm>
#include <functional>
#include <iomanip>
#include <set>
#include <sstream>

#include <boost/asio/ip/address.hpp>

#include "audit/note.h"
#include "common/address.h"
#include "common/files.h"
#include "common/names.h"
#include "common/registry.h"
#include "common/text_proto.h"
#include "policies/policy_files.h"
#include "policies/shipped_policies.h"
#include "provenance/keys.h"
#include "sealing/sealing.h"
#include "weft/v1/config.pb.h"

namespace weft::cli {
namespace {

namespace fs = std::filesystem;

// Where `weft admin init` puts things. weftd.conf names the files the broker
// reads; the CA key is only ever read by `weft admin`.
struct Layout {
  explicit Layout(fs::path root) : dir(std::move(root)) {}
  fs::path dir;
  fs::path config() const { return dir / "weftd.conf"; }
  fs::path ca_cert() const { return dir / "ca" / "ca.pem"; }
  fs::path ca_key() const { return dir / "ca" / "ca.key"; }
  fs::path broker_cert() const { return dir / "broker" / "cert.pem"; }
  fs::path broker_key() const { return dir / "broker" / "key.pem"; }
  fs::path registry() const { return dir / "registry.textproto"; }
  fs::path lock() const { return dir / ".admin.lock"; }
  fs::path org_dir(const std::string& name) const { return dir / "orgs" / name; }
  fs::path provenance_key() const { return dir / "keys" / "provenance.key"; }
  fs::path policies() const { return dir / "policies"; }
  fs::path pseudonym_key() const { return dir / "keys" / "pseudonym.key"; }
  fs::path storage_key() const { return dir / "keys" / "storage.key"; }
  fs::path audit_key() const { return dir / "keys" / "audit.key"; }
  fs::path audit_fingerprint_key() const { return dir / "keys" / "audit-fingerprint.key"; }
};

// The organisation weft admin uses to talk to its own broker (role admin).
constexpr const char* kOperatorOrganisation = "operator";

struct LoadedDeployment {
  v1::BrokerConfig config;
  fs::path registry_path;
  fs::path ca_cert_path;
  fs::path audit_key_path;
};

Result<LoadedDeployment> load_deployment(const Layout& layout) {
  if (!fs::exists(layout.config())) {
    return make_error(v1::CONFIG_INVALID, layout.dir.string() +
                                              " is not a weft deployment (no weftd.conf); run 'weft admin init --dir " +
                                              layout.dir.string() + "' first");
  }
  LoadedDeployment out;
  WEFT_TRY(text_proto::load(layout.config(), out.config));
  out.registry_path = files::resolve(layout.dir, out.config.registry_file());
  out.ca_cert_path = files::resolve(layout.dir, out.config.ca_file());
  out.audit_key_path = files::resolve(
      layout.dir, out.config.audit().signing_key_file().empty() ? std::string("keys/audit.key")
                                                                : out.config.audit().signing_key_file());
  return out;
}

Result<void> write_pem_pair(const fs::path& dir, X509* cert, EVP_PKEY* key, const std::string& stem) {
  WEFT_TRY(files::write_file_atomic(dir / (stem == "ca" ? "ca.key" : "key.pem"), pki::private_key_pem(key), 0600));
  WEFT_TRY(files::write_file_atomic(dir / (stem == "ca" ? "ca.pem" : "cert.pem"), pki::certificate_pem(cert), 0644));
  return ok();
}

std::vector<std::string> split_commas(const std::vector<std::string>& values) {
  std::vector<std::string> out;
  for (const auto& value : values) {
    std::size_t start = 0;
    while (start <= value.size()) {
      const std::size_t end = std::min(value.find(',', start), value.size());
      std::string item = value.substr(start, end - start);
      item.erase(std::remove_if(item.begin(), item.end(), [](unsigned char c) { return std::isspace(c); }),
                 item.end());
      if (!item.empty() && std::find(out.begin(), out.end(), item) == out.end()) {
        out.push_back(item);
      }
      start = end + 1;
    }
  }
  return out;
}

std::string join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) {
      out += separator;
    }
    out += item;
  }
  return out;
}

struct CaMaterial {
  pki::CertificatePtr cert;
  pki::KeyPtr key;
};

Result<CaMaterial> load_ca(const Layout& layout) {
  WEFT_TRY(pki::check_private_file_mode(layout.ca_key()));
  WEFT_TRY(auto cert, pki::load_certificate(layout.ca_cert()));
  WEFT_TRY(auto key, pki::load_private_key(layout.ca_key()));
  return CaMaterial{std::move(cert), std::move(key)};
}

struct OrganisationIdentity {
  std::string pin;                 // SHA-256 of the certificate key's SPKI
  std::string sealing_public_key;  // "x25519:..."
  std::string signing_public_key;  // "ed25519:..."
};

// The organisation's report signing key: made once, kept across certificate
// renewals (recipients keep checking signatures made with it).
Result<std::string> ensure_signing_key(const fs::path& file) {
  if (fs::exists(file)) {
    WEFT_TRY(auto existing, provenance::SigningKey::load(file));
    return existing.verifying_key().to_text();
  }
  WEFT_TRY(auto created, provenance::SigningKey::create_key_file(file));
  return created.to_text();
}

// The organisation's TLP:RED sealing key: made once, kept across certificate
// renewals (copies sealed for it must stay readable).
Result<std::string> ensure_sealing_key(const fs::path& file) {
  if (fs::exists(file)) {
    WEFT_TRY(auto existing, sealing::SealingKey::load(file));
    return sealing::public_key_text(existing->public_key());
  }
  WEFT_TRY(auto created, sealing::SealingKey::create_key_file(file));
  return sealing::public_key_text(created);
}

// Issues an organisation's key and client certificate into its folder with
// a profile, and its sealing key if it has none.
Result<OrganisationIdentity> issue_organisation_identity(const Layout& layout, const LoadedDeployment& deployment,
                                                const std::string& name, const std::string& display_name,
                                                pki::KeyType key_type, int days) {
  WEFT_TRY(auto ca, load_ca(layout));
  WEFT_TRY(auto key, pki::generate_key(key_type));
  pki::CertificateSpec spec;
  spec.common_name = name;
  spec.organisation = display_name.empty() ? name : display_name;
  spec.usage = pki::Usage::kClient;
  spec.lifetime = std::chrono::hours(24) * days;
  WEFT_TRY(auto cert, pki::issue(spec, key.get(), ca.cert.get(), ca.key.get()));
  WEFT_TRY(auto pin, pki::spki_sha256_hex(cert.get()));

  const fs::path org_dir = layout.org_dir(name);
  WEFT_TRY(files::make_directory(org_dir, 0700));
  WEFT_TRY(write_pem_pair(org_dir, cert.get(), key.get(), "org"));
  WEFT_TRY(auto ca_pem, files::read_file(deployment.ca_cert_path));
  WEFT_TRY(files::write_file_atomic(org_dir / "ca.pem", ca_pem, 0644));
  WEFT_TRY(auto sealing_public_key, ensure_sealing_key(org_dir / "sealing.key"));
  WEFT_TRY(auto signing_public_key, ensure_signing_key(org_dir / "signing.key"));
  WEFT_TRY(auto broker_provenance_key, provenance::SigningKey::load(layout.provenance_key()));

  v1::ClientProfile profile;
  profile.set_organisation(name);
  profile.set_broker_address(deployment.config.advertised_address().empty() ? deployment.config.listen()
                                                                            : deployment.config.advertised_address());
  profile.set_ca_file("ca.pem");
  profile.set_cert_file("cert.pem");
  profile.set_key_file("key.pem");
  profile.set_sealing_key_file("sealing.key");
  profile.set_signing_key_file("signing.key");
  // Like the audit key: recipients check the broker's attestations with this key only.
  profile.set_broker_provenance_key(broker_provenance_key.verifying_key().to_text());
  // The audit log's public key travels with the profile over the same secure
  // channel, so `weft audit` trusts what this deployment signs and nothing else.
  WEFT_TRY(auto audit_signer, audit::NoteSigner::load(deployment.audit_key_path));
  profile.set_audit_verifier_key(audit_signer->verifier_key());
  const std::string text = text_proto::print(
      profile, "weft client profile for organisation '" + name +
                   "' (weft.v1.ClientProfile).\nUse it with: weft --profile " + (org_dir / "profile.conf").string() +
                   " ...\nHand this folder to the organisation over a secure channel; key.pem, sealing.key and "
                   "signing.key are its secrets.");
  WEFT_TRY(files::write_file_atomic(org_dir / "profile.conf", text, 0644));
  return OrganisationIdentity{pin, sealing_public_key, signing_public_key};
}

Result<void> check_sector(const std::string& sector) {
  if (sector.empty() || sector.size() > 64 ||
      !std::all_of(sector.begin(), sector.end(), [](unsigned char c) {
        return std::islower(c) || std::isdigit(c) || c == '-' || c == '_';
      })) {
    return make_error(v1::VALIDATION_FAILED,
                      "sector must be 1-64 lower-case letters, digits, '-' or '_' (e.g. finance, energy, government)");
  }
  return ok();
}

// Applies `edit` to one organisation's registry entry under the admin lock
// and saves the registry with a new revision. `edit` returns false when there
// is nothing to change.
Result<void> edit_organisation(const Layout& layout, const std::string& name,
                               const std::function<Result<bool>(const LoadedDeployment&, v1::Organisation&)>& edit) {
  WEFT_TRY(auto deployment, load_deployment(layout));
  WEFT_TRY(auto lock, files::FileLock::acquire(layout.lock()));
  WEFT_TRY(auto registry, Registry::load(deployment.registry_path));
  v1::Registry next = registry.proto();
  auto it = std::find_if(next.mutable_organisations()->begin(), next.mutable_organisations()->end(),
                         [&name](const v1::Organisation& org) { return org.name() == name; });
  if (it == next.mutable_organisations()->end()) {
    return make_error(v1::NOT_FOUND, "no organisation named '" + name + "' is registered");
  }
  WEFT_TRY(auto changed, edit(deployment, *it));
  if (!changed) {
    return ok();
  }
  next.set_revision(next.revision() + 1);
  return save_registry(deployment.registry_path, next);
}

}  // namespace

Result<void> admin_init(const InitOptions& options, std::ostream& out) {
  const Layout layout(options.dir);
  if (fs::exists(layout.config())) {
    return make_error(v1::CONFIG_INVALID,
                      layout.config().string() + " already exists; this folder is already a weft deployment");
  }
  std::string listen_host;
  std::uint16_t listen_port = 0;
  if (auto parsed = parse_host_port(options.listen, listen_host, listen_port); !parsed) {
    return make_error(v1::VALIDATION_FAILED, "--listen: " + parsed.error().message);
  }
  const std::string advertised = options.advertised_address.empty() ? options.listen : options.advertised_address;
  std::string advertised_host;
  std::uint16_t advertised_port = 0;
  if (auto parsed = parse_host_port(advertised, advertised_host, advertised_port); !parsed) {
    return make_error(v1::VALIDATION_FAILED, "--advertise: " + parsed.error().message);
  }

  WEFT_TRY(files::make_directory(layout.dir, 0700));
  WEFT_TRY(files::make_directory(layout.dir / "ca", 0700));
  WEFT_TRY(files::make_directory(layout.dir / "broker", 0700));
  WEFT_TRY(files::make_directory(layout.dir / "orgs", 0700));
  WEFT_TRY(files::make_directory(layout.dir / "data", 0700));

  WEFT_TRY(auto ca_key, pki::generate_key(options.key_type));
  pki::CertificateSpec ca_spec;
  ca_spec.common_name = options.broker_id + " deployment CA";
  ca_spec.usage = pki::Usage::kCertificateAuthority;
  ca_spec.lifetime = std::chrono::hours(24) * options.ca_days;
  WEFT_TRY(auto ca_cert, pki::issue(ca_spec, ca_key.get(), nullptr, nullptr));
  WEFT_TRY(write_pem_pair(layout.dir / "ca", ca_cert.get(), ca_key.get(), "ca"));

  // The broker certificate names every way clients may reach it.
  std::set<std::string> dns_names{"localhost", "weftd"};
  std::set<std::string> ips{"127.0.0.1", "::1"};
  for (const auto& name : std::vector<std::string>{listen_host, advertised_host, options.broker_id}) {
    boost::system::error_code not_ip;
    const auto address = boost::asio::ip::make_address(name, not_ip);
    if (!not_ip) {
      if (!address.is_unspecified()) {
        ips.insert(address.to_string());
      }
    } else if (!name.empty()) {
      dns_names.insert(name);
    }
  }
  for (const auto& name : split_commas(options.extra_names)) {
    boost::system::error_code not_ip;
    boost::asio::ip::make_address(name, not_ip);
    (not_ip ? dns_names : ips).insert(name);
  }
  WEFT_TRY(auto broker_key, pki::generate_key(options.key_type));
  pki::CertificateSpec broker_spec;
  broker_spec.common_name = options.broker_id;
  broker_spec.usage = pki::Usage::kServer;
  broker_spec.lifetime = std::chrono::hours(24) * options.broker_days;
  broker_spec.dns_names.assign(dns_names.begin(), dns_names.end());
  broker_spec.ip_addresses.assign(ips.begin(), ips.end());
  WEFT_TRY(auto broker_cert, pki::issue(broker_spec, broker_key.get(), ca_cert.get(), ca_key.get()));
  WEFT_TRY(write_pem_pair(layout.dir / "broker", broker_cert.get(), broker_key.get(), "broker"));

  // The shipped data-protection policies, in selection order.
  WEFT_TRY(files::make_directory(layout.policies(), 0755));
  std::vector<std::string> policy_files;
  for (const auto& shipped : policies::shipped_policies()) {
    const std::string file = "policies/" + std::string(shipped.name) + ".textproto";
    WEFT_TRY(files::write_file_atomic(layout.dir / file, shipped.text, 0644));
    policy_files.push_back(file);
  }
  // The keys behind pseudonyms and storage encryption: never leave this folder.
  WEFT_TRY(files::make_directory(layout.dir / "keys", 0700));
  if (sodium_init() < 0) {
    return make_error(v1::INTERNAL, "libsodium failed to initialise");
  }
  for (const auto& key_file : {layout.pseudonym_key(), layout.storage_key(), layout.audit_fingerprint_key()}) {
    std::string key(32, '\0');
    randombytes_buf(key.data(), key.size());
    const auto key_written = files::write_file_atomic(key_file, key, 0600);
    sodium_memzero(key.data(), key.size());
    WEFT_TRY(key_written);
  }

  // The audit log signs its checkpoints with this key; its name is the log's
  // origin, the first line of every checkpoint.
  const std::string audit_origin =
      options.audit_origin.empty() ? (advertised_host + "/" + options.broker_id + "/audit") : options.audit_origin;
  WEFT_TRY(audit::NoteSigner::create_key_file(layout.audit_key(), audit_origin));
  // Signs the broker's attestation of what it changed in each delivered report.
  WEFT_TRY(provenance::SigningKey::create_key_file(layout.provenance_key()));
  WEFT_TRY(auto audit_signer, audit::NoteSigner::load(layout.audit_key()));

  WEFT_TRY(save_registry(layout.registry(), v1::Registry{}));

  v1::BrokerConfig config;
  config.set_listen(options.listen);
  if (!options.advertised_address.empty()) {
    config.set_advertised_address(options.advertised_address);
  }
  config.set_ca_file("ca/ca.pem");
  config.set_cert_file("broker/cert.pem");
  config.set_key_file("broker/key.pem");
  config.set_registry_file("registry.textproto");
  config.set_data_dir("data");
  config.set_broker_id(options.broker_id);
  for (const auto& file : policy_files) {
    config.add_policy_files(file);
  }
  config.set_pseudonym_key_file("keys/pseudonym.key");
  config.set_provenance_key_file("keys/provenance.key");
  WEFT_TRY(files::write_file_atomic(
      layout.config(),
      text_proto::print(config,
                        "weftd configuration (weft.v1.BrokerConfig, protobuf text format).\n"
                        "Run: weftd --config " + layout.config().string() +
                            "\nLimits (frame size, timeouts, queue bounds) have safe defaults; see "
                            "proto/weft/v1/config.proto\nto override them in a `limits { ... }` block.\n"
                            "policy_files are tried in order: the first policy whose selector matches a "
                            "recipient applies.\nReports are kept in data/weft.db, encrypted with keys/storage.key, "
                            "for 30 days (TLP:RED 7);\n`storage { ... }` and `retention { ... }` blocks change that "
                            "(see docs/storage.md)."),
      0644));

  // The operator's own organisation, for `weft admin policy reload`.
  OrgAddOptions operator_org;
  operator_org.dir = layout.dir;
  operator_org.name = kOperatorOrganisation;
  operator_org.display_name = "Broker operator";
  operator_org.roles = "admin";
  operator_org.jurisdiction = "EU";
  operator_org.sector = "operator";
  operator_org.key_type = options.key_type;
  operator_org.days = options.broker_days;
  std::ostringstream ignored;
  WEFT_TRY(admin_org_add(operator_org, ignored));

  out << "Initialised a weft deployment in " << layout.dir.string() << "\n"
      << "  deployment CA      " << layout.ca_cert().string() << " (key " << layout.ca_key().string()
      << ", keep it offline if you can)\n"
      << "  broker certificate " << layout.broker_cert().string() << " for " << join({dns_names.begin(), dns_names.end()}, ", ")
      << ", " << join({ips.begin(), ips.end()}, ", ") << "\n"
      << "  broker config      " << layout.config().string() << " (listens on " << options.listen << ")\n"
      << "  policies           " << layout.policies().string()
      << "/ (cert-peer, eu-baseline, third-country, public)\n"
      << "  pseudonym key      " << layout.pseudonym_key().string() << " (mode 0600)\n"
      << "  storage key        " << layout.storage_key().string()
      << " (mode 0600; reports are stored encrypted with it in data/weft.db)\n"
      << "  audit log key      " << layout.audit_key().string() << " (mode 0600; signs the audit log's checkpoints)\n"
      << "  audit verifier key " << audit_signer->verifier_key() << "\n"
      << "                     (publish it; auditors pin it; it is in every client profile)\n"
      << "  registry           " << layout.registry().string()
      << " (the 'operator' organisation, role admin, for weft admin policy reload)\n"
      << "Next: weft admin org add --dir " << layout.dir.string()
      << " --name NAME --roles publisher,subscriber --jurisdiction DE --sector finance\n";
  return ok();
}

Result<void> admin_org_add(const OrgAddOptions& options, std::ostream& out) {
  const Layout layout(options.dir);
  WEFT_TRY(auto deployment, load_deployment(layout));
  WEFT_TRY(names::check_organisation(options.name));
  WEFT_TRY(auto roles, parse_roles(options.roles));
  WEFT_TRY(auto jurisdiction, names::normalise_jurisdiction(options.jurisdiction));
  WEFT_TRY(check_sector(options.sector));
  const auto feeds = split_commas(options.feeds);
  auto publish_feeds = split_commas(options.publish_feeds);
  auto read_feeds = split_commas(options.read_feeds);
  for (const auto& feed : feeds) {
    publish_feeds.push_back(feed);
    read_feeds.push_back(feed);
  }
  for (const auto& pattern : publish_feeds) {
    if (auto checked = names::check_feed_pattern(pattern); !checked) {
      return make_error(v1::VALIDATION_FAILED, "feed '" + pattern + "': " + checked.error().message);
    }
  }
  for (const auto& pattern : read_feeds) {
    if (auto checked = names::check_feed_pattern(pattern); !checked) {
      return make_error(v1::VALIDATION_FAILED, "feed '" + pattern + "': " + checked.error().message);
    }
  }
  if (!options.policy.empty()) {
    if (auto checked = names::check_organisation(options.policy); !checked) {
      return make_error(v1::VALIDATION_FAILED, "--policy '" + options.policy + "' is not a policy name");
    }
    bool loaded = false;
    for (const auto& file : deployment.config.policy_files()) {
      auto policy = policies::load_policy_file(files::resolve(layout.dir, file));
      loaded = loaded || (policy && policy.value()->name() == options.policy);
    }
    if (!loaded) {
      return make_error(v1::VALIDATION_FAILED, "--policy '" + options.policy +
                                                   "' is not one of the policies in weftd.conf (policy_files)");
    }
  }
  const auto groups = split_commas(options.groups);
  for (const auto& group : groups) {
    if (auto checked = names::check_organisation(group); !checked) {
      return make_error(v1::VALIDATION_FAILED, "group '" + group + "': " + checked.error().message);
    }
  }

  WEFT_TRY(auto lock, files::FileLock::acquire(layout.lock()));
  WEFT_TRY(auto registry, Registry::load(deployment.registry_path));
  if (registry.find_by_name(options.name) != nullptr) {
    return make_error(v1::VALIDATION_FAILED, "organisation '" + options.name +
                                                 "' is already registered; to give it a new certificate use "
                                                 "'weft admin org renew " + options.name + "'");
  }
  WEFT_TRY(auto identity, issue_organisation_identity(layout, deployment, options.name, options.display_name,
                                                      options.key_type, options.days));
  const std::string& pin = identity.pin;
  v1::Registry next = registry.proto();
  next.set_revision(next.revision() + 1);
  v1::Organisation& org = *next.add_organisations();
  org.set_name(options.name);
  org.set_display_name(options.display_name.empty() ? options.name : options.display_name);
  for (auto role : roles) {
    org.add_roles(role);
  }
  org.set_jurisdiction(jurisdiction);
  org.set_sector(options.sector);
  for (const auto& feed : publish_feeds) {
    org.add_publish_feeds(feed);
  }
  for (const auto& feed : read_feeds) {
    org.add_read_feeds(feed);
  }
  for (const auto& group : groups) {
    org.add_groups(group);
  }
  org.add_spki_sha256(pin);
  org.set_policy(options.policy);
  org.set_redistributes_to_clients(options.redistributes_to_clients);
  org.set_sealing_public_key(identity.sealing_public_key);
  org.set_signing_public_key(identity.signing_public_key);
  *org.mutable_created_at() = google::protobuf::util::TimeUtil::GetCurrentTime();
  WEFT_TRY(Registry::from_proto(next, deployment.registry_path.string()));
  WEFT_TRY(save_registry(deployment.registry_path, next));

  std::vector<std::string> role_names;
  for (auto role : roles) {
    role_names.push_back(role_name(role));
  }
  out << "Registered organisation '" << options.name << "' (" << join(role_names, ", ") << "; " << jurisdiction
      << "; sector " << options.sector << ")\n";
  if (std::find(roles.begin(), roles.end(), v1::PUBLISHER) != roles.end()) {
    out << "  may publish to " << (publish_feeds.empty() ? std::string("every feed") : join(publish_feeds, ", "))
        << "\n";
  }
  if (std::find(roles.begin(), roles.end(), v1::SUBSCRIBER) != roles.end()) {
    out << "  may read       " << (read_feeds.empty() ? std::string("every feed") : join(read_feeds, ", ")) << "\n";
  }
  if (options.redistributes_to_clients) {
    out << "  clients        passes information on to its clients: gets TLP:AMBER, never TLP:AMBER+STRICT\n";
  }
  out << "  policy         " << (options.policy.empty() ? std::string("chosen by the policies' selectors") : options.policy)
      << "\n"
      << "  key pin        sha256:" << pin << "\n"
      << "  client profile " << (layout.org_dir(options.name) / "profile.conf").string() << "\n";
  return ok();
}

Result<void> admin_org_list(const fs::path& dir, bool json, std::ostream& out) {
  const Layout layout(dir);
  WEFT_TRY(auto deployment, load_deployment(layout));
  WEFT_TRY(auto registry, Registry::load(deployment.registry_path));
  if (json) {
    google::protobuf::util::JsonPrintOptions print_options;
    print_options.preserve_proto_field_names = true;
    for (const auto& org : registry.proto().organisations()) {
      std::string line;
      google::protobuf::util::MessageToJsonString(org, &line, print_options);
      out << line << "\n";
    }
    return ok();
  }
  if (registry.proto().organisations().empty()) {
    out << "No organisations registered. Add one with: weft admin org add --dir " << dir.string() << " ...\n";
    return ok();
  }
  out << std::left << std::setw(20) << "NAME" << std::setw(30) << "ROLES" << std::setw(6) << "JUR" << std::setw(14)
      << "SECTOR" << std::setw(9) << "STATUS" << "KEY PIN\n";
  for (const auto& org : registry.proto().organisations()) {
    std::vector<std::string> role_names;
    for (int role : org.roles()) {
      role_names.push_back(role_name(static_cast<v1::Role>(role)));
    }
    const std::string pin = org.spki_sha256().empty() ? "-" : "sha256:" + org.spki_sha256(0).substr(0, 16) + "...";
    out << std::left << std::setw(20) << org.name() << std::setw(30) << join(role_names, ",") << std::setw(6)
        << org.jurisdiction() << std::setw(14) << org.sector() << std::setw(9) << (org.revoked() ? "revoked" : "active")
        << pin << "\n";
  }
  return ok();
}

Result<void> admin_org_revoke(const fs::path& dir, const std::string& name, std::ostream& out) {
  bool already = false;
  WEFT_TRY(edit_organisation(Layout(dir), name, [&](const LoadedDeployment&, v1::Organisation& org) -> Result<bool> {
    if (org.revoked()) {
      already = true;
      return false;
    }
    org.set_revoked(true);
    *org.mutable_revoked_at() = google::protobuf::util::TimeUtil::GetCurrentTime();
    return true;
  }));
  if (already) {
    out << "Organisation '" << name << "' was already revoked.\n";
  } else {
    out << "Revoked organisation '" << name
        << "'. A running broker closes its sessions within a second; it cannot connect again.\n";
  }
  return ok();
}

Result<void> admin_org_renew(const fs::path& dir, const std::string& name, int days, pki::KeyType key_type,
                             std::ostream& out) {
  const Layout layout(dir);
  std::string pin;
  WEFT_TRY(edit_organisation(layout, name, [&](const LoadedDeployment& deployment, v1::Organisation& org) -> Result<bool> {
    if (org.revoked()) {
      return make_error(v1::REVOKED, "organisation '" + name + "' is revoked; a revoked organisation is not renewed");
    }
    WEFT_TRY(auto identity, issue_organisation_identity(layout, deployment, name, org.display_name(), key_type, days));
    pin = identity.pin;
    org.clear_spki_sha256();
    org.add_spki_sha256(pin);
    org.set_sealing_public_key(identity.sealing_public_key);
    org.set_signing_public_key(identity.signing_public_key);
    return true;
  }));
  out << "Issued a new key and certificate for '" << name << "' (valid " << days
      << " days); the old key can no longer connect.\n"
      << "  key pin        sha256:" << pin << "\n"
      << "  client profile " << (layout.org_dir(name) / "profile.conf").string() << "\n";
  return ok();
}

Result<void> admin_broker_renew(const fs::path& dir, int days, std::ostream& out) {
  const Layout layout(dir);
  WEFT_TRY(auto deployment, load_deployment(layout));
  WEFT_TRY(auto lock, files::FileLock::acquire(layout.lock()));
  WEFT_TRY(auto ca, load_ca(layout));
  const fs::path cert_path = files::resolve(layout.dir, deployment.config.cert_file());
  const fs::path key_path = files::resolve(layout.dir, deployment.config.key_file());
  WEFT_TRY(auto old_cert, pki::load_certificate(cert_path));
  // Keep the names of the current certificate.
  pki::CertificateSpec spec;
  spec.common_name = deployment.config.broker_id().empty() ? "weftd" : deployment.config.broker_id();
  spec.usage = pki::Usage::kServer;
  spec.lifetime = std::chrono::hours(24) * days;
  auto* names = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(old_cert.get(), NID_subject_alt_name, nullptr, nullptr));
  if (names != nullptr) {
    for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
      const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
      if (name->type == GEN_DNS) {
        spec.dns_names.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(name->d.dNSName)),
                                    static_cast<std::size_t>(ASN1_STRING_length(name->d.dNSName)));
      } else if (name->type == GEN_IPADD) {
        const auto* bytes = ASN1_STRING_get0_data(name->d.iPAddress);
        const int length = ASN1_STRING_length(name->d.iPAddress);
        if (length == 4) {
          boost::asio::ip::address_v4::bytes_type v4{};
          std::copy_n(bytes, 4, v4.begin());
          spec.ip_addresses.push_back(boost::asio::ip::address_v4(v4).to_string());
        } else if (length == 16) {
          boost::asio::ip::address_v6::bytes_type v6{};
          std::copy_n(bytes, 16, v6.begin());
          spec.ip_addresses.push_back(boost::asio::ip::address_v6(v6).to_string());
        }
      }
    }
    GENERAL_NAMES_free(names);
  }
  const auto key_type = EVP_PKEY_get_id(X509_get0_pubkey(old_cert.get())) == EVP_PKEY_ED25519 ? pki::KeyType::kEd25519
                                                                                               : pki::KeyType::kEcP256;
  WEFT_TRY(auto key, pki::generate_key(key_type));
  WEFT_TRY(auto cert, pki::issue(spec, key.get(), ca.cert.get(), ca.key.get()));
  WEFT_TRY(files::write_file_atomic(key_path, pki::private_key_pem(key.get()), 0600));
  WEFT_TRY(files::write_file_atomic(cert_path, pki::certificate_pem(cert.get()), 0644));
  out << "Issued a new broker certificate (valid " << days << " days) in " << cert_path.string()
      << ". Restart weftd to use it.\n";
  return ok();
}

}  // namespace weft::cli
