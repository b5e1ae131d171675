// weft: the command-line client. Thin: parses arguments and calls the
// admin and client commands.
#include <cctype>
#include <iostream>
#include <map>

#include <CLI/CLI.hpp>

#include "cli/admin.h"
#include "cli/audit_commands.h"
#include "cli/client_commands.h"
#include "cli/exit_codes.h"
#include "cli/policy_commands.h"
#include "common/core_dumps.h"
#include "formats/identifiers.h"

namespace {

using namespace weft::cli;
namespace formats = weft::formats;
namespace v1 = weft::v1;

// `--type T` is the weft indicator type (ipv4, ipv4_cidr, domain, sha256, ...)
// and only means something for bare values.
bool apply_type_filter(const std::string& name, OutputFormat& output) {
  if (name.empty()) {
    return true;
  }
  if (output.format != formats::Format::kValues) {
    std::cerr << "weft: --type goes with --format values\n";
    return false;
  }
  std::string upper;
  for (char c : name) {
    upper.push_back(c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  if (!v1::Indicator::Type_Parse(upper, &output.only) || output.only == v1::Indicator::TYPE_UNSPECIFIED) {
    std::cerr << "weft: --type: unknown indicator type '" << name
              << "'; use ipv4, ipv6, ipv4_cidr, ipv6_cidr, domain, url, email, md5, sha1, sha256, sha512, ...\n";
    return false;
  }
  return true;
}

int finish(const weft::Result<void>& result) {
  if (!result) {
    std::cerr << "weft: " << result.error().message << "\n";
    switch (result.error().code) {
      case weft::v1::CONFIG_INVALID:
        return kExitConfig;
      default:
        return kExitRefused;
    }
  }
  return kExitOk;
}

weft::pki::KeyType key_type_or_exit(const std::string& name) {
  auto parsed = weft::pki::parse_key_type(name);
  if (!parsed) {
    std::cerr << "weft: --key-type: " << parsed.error().message << "\n";
    std::exit(kExitUsage);
  }
  return parsed.value();
}

}  // namespace

constexpr const char* kDirHelp = "Deployment folder (default: $WEFT_DIR, else the current folder)";

int main(int argc, char** argv) {
  // The CLI holds an organisation's signing and sealing keys, and `weft
  // admin` the deployment's CA and broker keys.
  if (auto hardened = weft::keep_secrets_out_of_core_dumps(); !hardened) {
    std::cerr << "weft: " << hardened.error().message << "\n";
    return kExitConfig;
  }
  CLI::App app{
      "weft - share incident reports through a weft broker.\n"
      "Exit status: 0 ok, 1 refused by the broker or invalid input, 2 usage, 3 no session "
      "(connect/TLS/identity), 4 timeout, 5 local file or config problem, 6 the audit log did not verify, "
      "130 interrupted."};
  app.require_subcommand(1);
  app.fallthrough();
  app.set_version_flag("--version", "weft 0.1.0");

  ClientOptions client;
  app.add_option("--profile", client.profile, "Client profile of your organisation (DIR/orgs/NAME/profile.conf)");
  app.add_option("--broker", client.broker_override, "Broker address HOST:PORT, overriding the profile's");
  app.add_option("--connect-timeout", client.connect_timeout_s, "Seconds to establish a session")
      ->capture_default_str();

  // weft publish
  std::string publish_input = "-";
  auto* publish = app.add_subcommand(
      "publish",
      "Publish reports from a file: weft JSON (one report object, an array of them, or JSON Lines), a STIX 2.1\n"
      "bundle, MISP event JSON or CSV (--format); '-' reads stdin. Prints one JSON line per acknowledged report;\n"
      "refusals, skipped objects and what the format had that weft does not carry go to stderr.");
  publish->add_option("file", publish_input, "Report file, or - for standard input")->capture_default_str();
  const std::map<std::string, formats::Format> format_names = {{"jsonl", formats::Format::kJsonl},
                                                               {"stix", formats::Format::kStix},
                                                               {"misp", formats::Format::kMisp},
                                                               {"csv", formats::Format::kCsv}};
  ImportSettings import;
  std::string import_tlp;
  bool strict = false;
  publish->add_option("--format", import.format, "Input format: jsonl, stix, misp or csv")
      ->transform(CLI::CheckedTransformer(format_names, CLI::ignore_case))
      ->default_str("jsonl");
  publish->add_option("--feed", import.feed, "Feed for reports whose format names none (STIX, CSV, untagged MISP)");
  publish->add_option("--tlp", import_tlp,
                      "TLP for reports that carry no marking: clear, green, amber, amber+strict or red "
                      "(without it such reports are refused)");
  publish->add_flag("--strict", strict, "Publish nothing if any object in the file cannot be published");
  publish->add_option("--window", client.window, "Reports in flight at once (1 publishes strictly one by one)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  publish->add_option("--retry-for", client.retry_for_s,
                      "Seconds to keep retrying a lost connection or a temporary refusal (0: without end). "
                      "Safe: a report id is an idempotency key")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);

  // weft subscribe
  std::vector<std::string> feeds;
  long count = 0;
  double timeout_s = 0;
  auto* subscribe = app.add_subcommand(
      "subscribe", "Receive reports from feeds and print each as one JSON line (protobuf JSON mapping).");
  subscribe->add_option("--feed", feeds, "Feed to subscribe to (repeat for several)")->required();
  subscribe->add_option("--count", count, "Exit 0 after this many reports (default: run until interrupted)");
  auto output_names = format_names;
  output_names.emplace("values", formats::Format::kValues);
  OutputFormat output;
  std::string only_type;
  subscribe->add_option("--format", output.format,
                        "Output: jsonl (weft JSON), stix (a STIX 2.1 bundle per line), misp (a MISP event per line), "
                        "csv (block-list rows under one header) or values (one indicator value per line)")
      ->transform(CLI::CheckedTransformer(output_names, CLI::ignore_case))
      ->default_str("jsonl");
  subscribe->add_option("--type", only_type, "With --format values: only indicators of this type (ipv4, domain, ...)");
  subscribe->add_option("--timeout", timeout_s, "Exit 4 if --count reports have not arrived after this many seconds");
  std::string durable;
  double subscribe_retry_for_s = 0;
  subscribe->add_option("--durable", durable,
                        "Durable subscription NAME (one feed): created at the feed's end on first use, resumed "
                        "after the last acknowledged report later; each report is acknowledged once printed");
  subscribe->add_option("--retry-for", subscribe_retry_for_s,
                        "With --durable: seconds to keep reconnecting after the broker is lost (0: without end)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);

  // weft scan
  std::filesystem::path scan_policy;
  auto* scan = app.add_subcommand(
      "scan",
      "Find personal data: reads JSON lines {\"id\": ..., \"text\": ...} on stdin, writes one line per input:\n"
      "{\"id\": ..., \"findings\": [{\"start\": S, \"end\": E, \"category\": \"EMAIL\"}, ...]} "
      "(UTF-8 byte offsets, end exclusive).");
  scan->add_option("--policy", scan_policy, "Also run this policy's custom detectors");

  // weft policy ...
  auto* policy = app.add_subcommand("policy", "Check and try data-protection policies offline.");
  policy->require_subcommand(1);
  std::vector<std::filesystem::path> check_files;
  auto* policy_check = policy->add_subcommand("check", "Validate policy files; errors name file, line and column.");
  policy_check->add_option("files", check_files, "Policy files (.textproto)")->required();
  PolicyTestOptions policy_test_options;
  auto* policy_test = policy->add_subcommand(
      "test", "Apply a policy to a report as the broker would for a recipient; print the decisions and the result.");
  policy_test->add_option("--policy", policy_test_options.policy_file, "Policy file")->required();
  policy_test->add_option("--recipient-jurisdiction", policy_test_options.recipient_jurisdiction,
                          "Recipient's country (ISO 3166-1 alpha-2) or EU");
  policy_test->add_option("--recipient-sector", policy_test_options.recipient_sector, "Recipient's sector");
  policy_test->add_option("--recipient-name", policy_test_options.recipient_name,
                          "Recipient organisation name (pseudonyms depend on it)")
      ->capture_default_str();
  policy_test->add_flag("--json", policy_test_options.json, "One JSON object per report instead of text");
  policy_test->add_option("report", policy_test_options.report_path, "Report JSON file, or - for stdin")
      ->capture_default_str();

  // weft audit ...
  auto* audit = app.add_subcommand(
      "audit",
      "Inspect and verify the broker's audit log (role auditor). Everything printed is checked against the "
      "audit_verifier_key pinned in your profile.");
  audit->require_subcommand(1);
  auto* audit_key = audit->add_subcommand("key", "Print the log's verifier key: <name>+<key id>+<base64 key>.");
  auto* audit_checkpoint =
      audit->add_subcommand("checkpoint", "Print the latest signed checkpoint exactly as signed (C2SP signed note).");
  std::uint64_t audit_index = 0;
  auto* audit_entry = audit->add_subcommand(
      "entry", "Print entry N: {\"index\": N, \"leaf\": \"<base64 of the exact leaf bytes>\", \"record\": ...}.");
  audit_entry->add_option("index", audit_index, "Entry index (0-based)")->required();
  auto* audit_prove = audit->add_subcommand(
      "prove", "Print the inclusion proof of entry N for the latest checkpoint's size: "
               "{\"index\": N, \"size\": S, \"inclusion\": [...]} (RFC 9162, leaf to root).");
  audit_prove->add_option("index", audit_index, "Entry index (0-based)")->required();
  std::uint64_t consistency_from = 0;
  std::uint64_t consistency_to = 0;
  auto* audit_consistency = audit->add_subcommand(
      "consistency", "Print the consistency proof between two sizes: {\"from\": A, \"to\": B, \"proof\": [...]}.");
  audit_consistency->add_option("--from", consistency_from, "The older tree size")->required();
  auto* consistency_to_option =
      audit_consistency->add_option("--to", consistency_to, "The newer tree size (default: the latest checkpoint's)");
  std::filesystem::path audit_state;
  auto* audit_verify = audit->add_subcommand(
      "verify",
      "Download the whole log, recompute the tree, check the checkpoint signature and that the log only grew "
      "since last time; print OK or the first index where the log diverges (exit 6).");
  audit_verify->add_option("--state", audit_state,
                           "Where the checkpoint seen last time is kept (default: beside the profile)");
  AuditFilter audit_filter;
  const auto add_filters = [&audit_filter](CLI::App* command) {
    command->add_option("--since", audit_filter.since, "From this time (RFC 3339, or YYYY-MM-DD for a day's start, UTC)");
    command->add_option("--until", audit_filter.until, "Before this time");
    command->add_option("--org", audit_filter.organisation, "Publisher or recipient organisation");
    command->add_option("--policy", audit_filter.policy, "Policy name");
    command->add_option("--category", audit_filter.category, "Personal-data category, e.g. EMAIL");
    command->add_option("--action", audit_filter.action, "KEEP, MASK, GENERALISE, PSEUDONYMISE, REDACT, ...");
    command->add_option("--outcome", audit_filter.outcome,
                        "DELIVERED, WITHHELD_POLICY, WITHHELD_TLP, FAILED_CLOSED or PUBLISH_REFUSED");
    command->add_option("--feed", audit_filter.feed, "Feed");
    command->add_option("--limit", audit_filter.limit, "At most this many records");
  };
  auto* audit_query = audit->add_subcommand("query", "Print matching audit records, one JSON line each.");
  add_filters(audit_query);
  std::string report_format = "md";
  std::filesystem::path report_out;
  auto* audit_report = audit->add_subcommand(
      "report", "Summarise redactions per policy, category, action and recipient jurisdiction over a period.");
  add_filters(audit_report);
  audit_report->add_option("--format", report_format, "md or html")->capture_default_str();
  audit_report->add_option("--out", report_out, "Write to this file instead of stdout");

  std::vector<std::string> get_ids;
  auto* get = app.add_subcommand(
      "get", "Print stored reports by id, filtered by your policy like a delivery (NOT_FOUND when not for you).");
  get->add_option("id", get_ids, "Report ids (UUIDs)")->required();
  get->add_option("--format", output.format, "Output: jsonl, stix, misp, csv or values (as for subscribe)")
      ->transform(CLI::CheckedTransformer(output_names, CLI::ignore_case))
      ->default_str("jsonl");
  get->add_option("--type", only_type, "With --format values: only indicators of this type");

  // weft export
  ExportOptions export_options;
  auto* export_cmd = app.add_subcommand(
      "export",
      "Write what a durable subscription has not yet acknowledged to a file, for a SIEM, firewall or TIP:\n"
      "reads until nothing new arrives for --idle seconds, writes the file whole, then acknowledges.\n"
      "The next export starts after it.");
  export_cmd->add_option("--feed", export_options.feed, "Feed")->required();
  export_cmd->add_option("--durable", export_options.durable,
                         "Durable subscription NAME (created at the feed's end on first use)")
      ->required();
  export_cmd->add_option("--format", export_options.output.format,
                         "stix (one bundle), misp (an event per line), csv (block list), values (one indicator "
                         "value per line) or jsonl")
      ->transform(CLI::CheckedTransformer(output_names, CLI::ignore_case))
      ->default_str("stix");
  export_cmd->add_option("--type", only_type, "With --format values: only indicators of this type");
  export_cmd->add_option("--out", export_options.out_path, "File to write (replaced whole); default stdout");
  export_cmd->add_option("--idle", export_options.idle_s, "Seconds without a new report that end the export")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  export_cmd->add_option("--max", export_options.max_reports, "At most this many reports")
      ->check(CLI::NonNegativeNumber);
  auto* whoami = app.add_subcommand("whoami", "Show who the broker says you are: organisation, roles, limits.");
  int ping_count = 1;
  auto* ping = app.add_subcommand("ping", "Measure the round trip to the broker.");
  ping->add_option("--count", ping_count, "Number of pings")->capture_default_str();

  // weft admin ...
  auto* admin = app.add_subcommand("admin", "Set up a deployment and manage organisations (run on the broker host).");
  admin->require_subcommand(1);

  InitOptions init;
  std::string init_key_type = "p256";
  auto* init_cmd = admin->add_subcommand(
      "init", "Create a deployment: CA, broker key and certificate, broker config (DIR/weftd.conf), empty registry.");
  init_cmd->add_option("--dir", init.dir, "Deployment folder")->required();
  init_cmd->add_option("--listen", init.listen, "Address weftd listens on, HOST:PORT")->capture_default_str();
  init_cmd->add_option("--advertise", init.advertised_address,
                       "Address clients use to reach the broker, HOST:PORT (default: --listen)");
  init_cmd->add_option("--broker-id", init.broker_id, "Name of this broker (certificate and logs)")
      ->capture_default_str();
  init_cmd->add_option("--san", init.extra_names, "More DNS names or IP addresses for the broker certificate");
  init_cmd->add_option("--audit-origin", init.audit_origin,
                       "Name of the audit log and its signing key, a schema-less URL such as "
                       "weft.example.org/audit (default: HOST/BROKER-ID/audit)");
  init_cmd->add_option("--key-type", init_key_type, "p256 or ed25519")->capture_default_str();
  init_cmd->add_option("--broker-days", init.broker_days, "Broker certificate lifetime in days")->capture_default_str();

  auto* org = admin->add_subcommand("org", "Manage organisations.");
  org->require_subcommand(1);

  OrgAddOptions add;
  std::string add_key_type = "p256";
  auto* add_cmd = org->add_subcommand(
      "add", "Register an organisation: issue its key and certificate and write DIR/orgs/NAME/profile.conf.");
  add_cmd->add_option("--dir", add.dir, kDirHelp)->envname("WEFT_DIR")->capture_default_str();
  add_cmd->add_option("--name", add.name, "Organisation name: lower-case letters, digits, '-'")->required();
  add_cmd->add_option("--display-name", add.display_name, "Human-readable name");
  add_cmd->add_option("--roles", add.roles, "Comma-separated: publisher, subscriber, auditor, admin")->required();
  add_cmd->add_option("--jurisdiction", add.jurisdiction, "ISO 3166-1 alpha-2 country code, or EU")->required();
  add_cmd->add_option("--sector", add.sector, "Sector, e.g. finance, energy, government")->required();
  add_cmd->add_option("--feeds", add.feeds,
                      "Feeds it may publish to and read (comma-separated; NAME, PREFIX.* or *). Default: every feed");
  add_cmd->add_option("--publish-feeds", add.publish_feeds, "Feeds it may publish to (in addition to --feeds)");
  add_cmd->add_option("--read-feeds", add.read_feeds, "Feeds it may read (in addition to --feeds)");
  add_cmd->add_option("--groups", add.groups, "Groups it belongs to (e.g. a sector community), comma-separated");
  add_cmd->add_option("--policy", add.policy,
                      "Data-protection policy for deliveries to it, by name (default: chosen by the policies' "
                      "selectors, else public)");
  add_cmd->add_flag("--redistributes-to-clients", add.redistributes_to_clients,
                    "It passes what it receives on to its own clients (an MSSP, an ISAC): it then gets TLP:AMBER "
                    "but never TLP:AMBER+STRICT");
  add_cmd->add_option("--key-type", add_key_type, "p256 or ed25519")->capture_default_str();
  add_cmd->add_option("--days", add.days, "Certificate lifetime in days")->capture_default_str();

  std::filesystem::path list_dir = ".";
  bool list_json = false;
  auto* list_cmd = org->add_subcommand("list", "List registered organisations.");
  list_cmd->add_option("--dir", list_dir, kDirHelp)->envname("WEFT_DIR")->capture_default_str();
  list_cmd->add_flag("--json", list_json, "One JSON object per organisation");

  std::filesystem::path revoke_dir = ".";
  std::string revoke_name;
  auto* revoke_cmd = org->add_subcommand(
      "revoke", "Revoke an organisation: a running broker closes its sessions within a second.");
  revoke_cmd->add_option("--dir", revoke_dir, kDirHelp)->envname("WEFT_DIR")->capture_default_str();
  revoke_cmd->add_option("name", revoke_name, "Organisation name")->required();

  std::filesystem::path renew_dir = ".";
  std::string renew_name;
  int renew_days = 90;
  std::string renew_key_type = "p256";
  auto* renew_cmd = org->add_subcommand("renew", "Issue a new key and certificate for an organisation.");
  renew_cmd->add_option("--dir", renew_dir, kDirHelp)->envname("WEFT_DIR")->capture_default_str();
  renew_cmd->add_option("name", renew_name, "Organisation name")->required();
  renew_cmd->add_option("--days", renew_days, "Certificate lifetime in days")->capture_default_str();
  renew_cmd->add_option("--key-type", renew_key_type, "p256 or ed25519")->capture_default_str();

  auto* admin_policy = admin->add_subcommand("policy", "Manage the broker's policies.");
  admin_policy->require_subcommand(1);
  std::filesystem::path reload_dir = ".";
  auto* policy_reload = admin_policy->add_subcommand(
      "reload", "Make the running broker re-read its policy files; an invalid set is refused and the old one stays.");
  policy_reload->add_option("--dir", reload_dir, kDirHelp)->envname("WEFT_DIR")->capture_default_str();

  auto* broker = admin->add_subcommand("broker", "Manage the broker's own certificate.");
  broker->require_subcommand(1);
  std::filesystem::path broker_dir = ".";
  int broker_days = 365;
  auto* broker_renew = broker->add_subcommand("renew", "Issue a new broker certificate with the same names.");
  broker_renew->add_option("--dir", broker_dir, kDirHelp)->envname("WEFT_DIR")->capture_default_str();
  broker_renew->add_option("--days", broker_days, "Certificate lifetime in days")->capture_default_str();

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitUsage;
  }

  if (*publish) {
    if (!import_tlp.empty()) {
      import.default_tlp = formats::tlp_from_level_name(import_tlp);
      if (import.default_tlp == v1::TLP_UNSPECIFIED) {
        std::cerr << "weft: --tlp: unknown level '" << import_tlp
                  << "'; use clear, green, amber, amber+strict or red\n";
        return kExitUsage;
      }
    }
    return run_publish(client, publish_input, import, strict);
  }
  if (*export_cmd) {
    if (!apply_type_filter(only_type, export_options.output)) {
      return kExitUsage;
    }
    return run_export(client, export_options);
  }
  if (*subscribe) {
    if (count < 0 || timeout_s < 0) {
      std::cerr << "weft: --count and --timeout must not be negative\n";
      return kExitUsage;
    }
    if (!durable.empty() && feeds.size() != 1) {
      std::cerr << "weft: --durable names the subscription of one feed; give exactly one --feed\n";
      return kExitUsage;
    }
    client.retry_for_s = subscribe_retry_for_s;
    if (!apply_type_filter(only_type, output)) {
      return kExitUsage;
    }
    return run_subscribe(client, feeds, count, timeout_s, durable, output);
  }
  if (*get) {
    if (!apply_type_filter(only_type, output)) {
      return kExitUsage;
    }
    return run_get(client, get_ids, output);
  }
  if (*whoami) {
    return run_whoami(client);
  }
  if (*audit_key) {
    return run_audit_key(client);
  }
  if (*audit_checkpoint) {
    return run_audit_checkpoint(client);
  }
  if (*audit_entry) {
    return run_audit_entry(client, audit_index);
  }
  if (*audit_prove) {
    return run_audit_prove(client, audit_index);
  }
  if (*audit_consistency) {
    return run_audit_consistency(client, consistency_from,
                                 consistency_to_option->count() > 0 ? std::optional<std::uint64_t>(consistency_to)
                                                                    : std::nullopt);
  }
  if (*audit_verify) {
    return run_audit_verify(client, audit_state);
  }
  if (*audit_query) {
    return run_audit_query(client, audit_filter);
  }
  if (*audit_report) {
    return run_audit_report(client, audit_filter, report_format, report_out);
  }
  if (*scan) {
    return run_scan(std::cin, std::cout, std::cerr, scan_policy);
  }
  if (*policy_check) {
    return run_policy_check(check_files, std::cout, std::cerr);
  }
  if (*policy_test) {
    return run_policy_test(policy_test_options, std::cin, std::cout, std::cerr);
  }
  if (*policy_reload) {
    return run_admin_policy_reload(reload_dir, client);
  }
  if (*ping) {
    return run_ping(client, ping_count);
  }
  if (*init_cmd) {
    init.key_type = key_type_or_exit(init_key_type);
    return finish(admin_init(init, std::cout));
  }
  if (*add_cmd) {
    add.key_type = key_type_or_exit(add_key_type);
    return finish(admin_org_add(add, std::cout));
  }
  if (*list_cmd) {
    return finish(admin_org_list(list_dir, list_json, std::cout));
  }
  if (*revoke_cmd) {
    return finish(admin_org_revoke(revoke_dir, revoke_name, std::cout));
  }
  if (*renew_cmd) {
    return finish(admin_org_renew(renew_dir, renew_name, renew_days, key_type_or_exit(renew_key_type), std::cout));
  }
  if (*broker_renew) {
    return finish(admin_broker_renew(broker_dir, broker_days, std::cout));
  }
  return kExitUsage;
}
