// weftd's settings: the BrokerConfig text file with defaults applied, paths
// resolved against the config file's folder, and every value checked.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "proto/error.h"
#include "weft/v1/config.pb.h"

namespace weft::broker {

struct Limits {
  std::uint32_t max_frame_bytes;
  std::chrono::milliseconds handshake_timeout;
  std::chrono::milliseconds hello_timeout;
  std::chrono::milliseconds heartbeat_interval;
  std::chrono::milliseconds idle_timeout;
  std::chrono::milliseconds frame_timeout;
  std::chrono::milliseconds write_timeout;
  std::uint32_t subscriber_queue_frames;
  std::uint64_t subscriber_queue_bytes;
  std::uint32_t max_connections;
  std::uint32_t max_connections_per_org;
  std::uint32_t max_preauth_per_ip;
  std::uint32_t max_subscriptions;
  std::uint32_t max_decode_errors;
  std::chrono::milliseconds shutdown_grace;
  std::uint32_t max_unacked;
  std::uint32_t max_inflight_publishes;
};

struct Retention {
  std::chrono::seconds default_max_age{30 * 86400};
  std::chrono::seconds red_max_age{7 * 86400};
  std::vector<std::pair<std::string, std::chrono::seconds>> feeds;
  std::chrono::milliseconds sweep_interval{60000};
  std::uint32_t sweep_batch = 1000;
};

struct AuditSettings {
  std::filesystem::path database_file;
  std::filesystem::path checkpoint_file;
  std::filesystem::path signing_key_file;
  std::filesystem::path fingerprint_key_file;
  std::chrono::milliseconds checkpoint_interval{1000};
  std::uint32_t max_batch = 4096;
  std::uint32_t queue_limit = 65536;
};

// The TAXII 2.1 read side; off unless `enabled`.
struct TaxiiSettings {
  bool enabled = false;
  std::string listen_host;
  std::uint16_t listen_port = 0;
  std::uint32_t max_page = 100;
  std::uint32_t max_header_bytes = 8192;
  std::uint32_t max_body_bytes = 4096;
  std::uint32_t max_connections = 256;
  std::uint32_t max_requests_per_connection = 1000;
  std::chrono::milliseconds idle_timeout{30000};
  std::chrono::milliseconds request_timeout{10000};
  std::uint32_t max_scan_reports = 1000;
};

struct Settings {
  std::string listen_host;
  std::uint16_t listen_port = 0;
  std::filesystem::path ca_file;
  std::filesystem::path cert_file;
  std::filesystem::path key_file;
  std::filesystem::path registry_file;
  std::filesystem::path data_dir;
  std::string broker_id;
  std::uint32_t network_threads = 1;
  std::uint32_t verify_threads = 1;
  std::chrono::milliseconds registry_poll{250};
  std::vector<std::filesystem::path> policy_files;  // selection order
  std::filesystem::path pseudonym_key_file;
  std::filesystem::path provenance_key_file;
  std::filesystem::path database_file;
  std::filesystem::path storage_key_file;
  std::uint64_t max_database_bytes = 0;
  std::uint32_t storage_max_batch = 512;
  std::uint32_t storage_queue_limit = 8192;
  Retention retention;
  AuditSettings audit;
  TaxiiSettings taxii;
  Limits limits{};
};

// Applies defaults and checks a parsed config. `config_dir` anchors
// relative paths; `source` names the file in error messages.
Result<Settings> settings_from_config(const v1::BrokerConfig& config, const std::filesystem::path& config_dir,
                                      std::string_view source);
Result<Settings> load_settings(const std::filesystem::path& config_file);

}  // namespace weft::broker
