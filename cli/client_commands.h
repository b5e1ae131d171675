// The commands that talk to a broker as an organisation: publish, subscribe,
// whoami, ping. Each returns the process exit status (cli/exit_codes.h);
// results go to stdout as JSON lines, problems to stderr.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "cli/report_input.h"
#include "formats/formats.h"

namespace weft::cli {

// How received reports are written: weft JSON lines, a STIX bundle or MISP
// event per line, block-list CSV, or bare values (of one indicator type,
// when `only` is set).
struct OutputFormat {
  formats::Format format = formats::Format::kJsonl;
  v1::Indicator::Type only = v1::Indicator::TYPE_UNSPECIFIED;
};

struct ClientOptions {
  std::filesystem::path profile;
  std::string broker_override;  // HOST:PORT, replaces the profile's address
  double connect_timeout_s = 10;
  // How long publish and durable subscribe keep retrying a lost connection
  // or a temporary refusal; zero means without end.
  double retry_for_s = 60;
  // Reports publish keeps in flight at once.
  std::size_t window = 32;
};

// `strict`: any object that cannot be published stops the whole input
// before anything is sent.
int run_publish(const ClientOptions& options, const std::string& input_path, const ImportSettings& import,
                bool strict);
// With `durable` set (exactly one feed): a durable subscription of that name,
// each report acknowledged once printed.
int run_subscribe(const ClientOptions& options, const std::vector<std::string>& feeds, long count, double timeout_s,
                  const std::string& durable, const OutputFormat& output);
// `weft export`: everything a durable subscription has not yet acknowledged,
// until nothing new arrives for `idle_s` seconds (or `max_reports`), written
// to `out_path` (or stdout) in `output` — STIX as one bundle — and only then
// acknowledged, so a failed write loses nothing.
struct ExportOptions {
  std::string feed;
  std::string durable;
  OutputFormat output{formats::Format::kStix};
  std::filesystem::path out_path;  // empty: stdout
  double idle_s = 2;
  long max_reports = 0;  // 0: no limit
};
int run_export(const ClientOptions& options, const ExportOptions& export_options);
int run_whoami(const ClientOptions& options);
// Prints each report (one JSON line, as subscribe does) that the broker lets
// this organisation have; NOT_FOUND for the others, on stderr.
int run_get(const ClientOptions& options, const std::vector<std::string>& ids, const OutputFormat& output);
int run_ping(const ClientOptions& options, int count);
// `weft admin policy reload`: as the deployment's operator organisation
// (or `options.profile`), asks the broker to re-read its policies.
int run_admin_policy_reload(const std::filesystem::path& deployment_dir, ClientOptions options);

}  // namespace weft::cli
