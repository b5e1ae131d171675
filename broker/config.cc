#include "broker/config.h"

#include <unistd.h>

#include "common/address.h"
#include "common/files.h"
#include "common/names.h"
#include "common/text_proto.h"
#include "proto/frame_codec.h"

namespace weft::broker {
namespace {

template <class T>
T or_default(T value, T fallback) {
  return value == 0 ? fallback : value;
}

std::chrono::milliseconds ms_or_default(std::uint32_t value, std::uint32_t fallback) {
  return std::chrono::milliseconds(or_default(value, fallback));
}

Error config_error(std::string_view source, const std::string& problem) {
  return make_error(v1::CONFIG_INVALID, std::string(source) + ": " + problem);
}

Result<void> taxii_from_config(const v1::TaxiiConfig& in, std::string_view source, TaxiiSettings& out) {
  if (in.listen().empty()) {
    return ok();
  }
  out.enabled = true;
  if (auto parsed = parse_host_port(in.listen(), out.listen_host, out.listen_port); !parsed) {
    return config_error(source, "taxii.listen: " + parsed.error().message);
  }
  out.max_page = or_default(in.max_page(), 100U);
  out.max_header_bytes = or_default(in.max_header_bytes(), 8192U);
  out.max_body_bytes = or_default(in.max_body_bytes(), 4096U);
  out.max_connections = or_default(in.max_connections(), 256U);
  out.max_requests_per_connection = or_default(in.max_requests_per_connection(), 1000U);
  out.idle_timeout = ms_or_default(in.idle_timeout_ms(), 30000);
  out.request_timeout = ms_or_default(in.request_timeout_ms(), 10000);
  out.max_scan_reports = or_default(in.max_scan_reports(), 1000U);
  if (out.max_page > 10000) {
    return config_error(source, "taxii.max_page must be at most 10000 objects");
  }
  if (out.max_header_bytes < 1024 || out.max_header_bytes > 65536) {
    return config_error(source, "taxii.max_header_bytes must be between 1024 and 65536");
  }
  if (out.max_body_bytes > 1U << 20) {
    return config_error(source, "taxii.max_body_bytes must be at most 1048576 (the read side takes no uploads)");
  }
  if (out.max_connections > 100000) {
    return config_error(source, "taxii.max_connections must be at most 100000");
  }
  if (out.max_scan_reports > 100000) {
    return config_error(source, "taxii.max_scan_reports must be at most 100000");
  }
  return ok();
}

}  // namespace

Result<Settings> settings_from_config(const v1::BrokerConfig& config, const std::filesystem::path& config_dir,
                                      std::string_view source) {
  Settings settings;
  if (config.listen().empty()) {
    return config_error(source, "listen is missing (e.g. listen: \"127.0.0.1:7443\")");
  }
  if (auto parsed = parse_host_port(config.listen(), settings.listen_host, settings.listen_port); !parsed) {
    return config_error(source, "listen: " + parsed.error().message);
  }
  const auto required_path = [&](const std::string& value, const char* field,
                                 std::filesystem::path& out) -> Result<void> {
    if (value.empty()) {
      return config_error(source, std::string(field) + " is missing");
    }
    out = config_dir / value;
    if (std::filesystem::path(value).is_absolute()) {
      out = value;
    }
    return ok();
  };
  WEFT_TRY(required_path(config.ca_file(), "ca_file", settings.ca_file));
  WEFT_TRY(required_path(config.cert_file(), "cert_file", settings.cert_file));
  WEFT_TRY(required_path(config.key_file(), "key_file", settings.key_file));
  WEFT_TRY(required_path(config.registry_file(), "registry_file", settings.registry_file));
  WEFT_TRY(required_path(config.data_dir().empty() ? std::string("data") : config.data_dir(), "data_dir",
                         settings.data_dir));

  if (config.policy_files().empty()) {
    return config_error(source,
                        "policy_files is empty: weftd delivers nothing without data-protection policies "
                        "(weft admin init installs the shipped ones into policies/)");
  }
  for (const auto& file : config.policy_files()) {
    settings.policy_files.push_back(files::resolve(config_dir, file));
  }
  settings.provenance_key_file = files::resolve(
      config_dir, config.provenance_key_file().empty() ? std::string("keys/provenance.key") : config.provenance_key_file());
  settings.pseudonym_key_file = files::resolve(
      config_dir, config.pseudonym_key_file().empty() ? std::string("keys/pseudonym.key") : config.pseudonym_key_file());

  const v1::StorageConfig& storage = config.storage();
  settings.database_file = files::resolve(
      config_dir, storage.database_file().empty() ? std::string("data/weft.db") : storage.database_file());
  settings.storage_key_file = files::resolve(
      config_dir, storage.storage_key_file().empty() ? std::string("keys/storage.key") : storage.storage_key_file());
  settings.max_database_bytes = storage.max_database_bytes();
  settings.storage_max_batch = or_default(storage.max_batch(), 512U);
  settings.storage_queue_limit = or_default(storage.queue_limit(), 8192U);

  const v1::RetentionConfig& retention = config.retention();
  settings.retention.default_max_age = std::chrono::seconds(or_default<std::uint64_t>(retention.default_max_age_s(), 30 * 86400));
  settings.retention.red_max_age = std::chrono::seconds(or_default<std::uint64_t>(retention.red_max_age_s(), 7 * 86400));
  for (const auto& feed : retention.feeds()) {
    if (auto checked = names::check_feed(feed.feed()); !checked || feed.max_age_s() == 0) {
      return config_error(source, "retention.feeds: each entry needs a valid feed and a max_age_s above 0");
    }
    settings.retention.feeds.emplace_back(feed.feed(), std::chrono::seconds(feed.max_age_s()));
  }
  settings.retention.sweep_interval = ms_or_default(retention.sweep_interval_ms(), 60000);
  settings.retention.sweep_batch = or_default(retention.sweep_batch(), 1000U);

  const v1::AuditConfig& audit = config.audit();
  const auto audit_path = [&](const std::string& given, const char* fallback) {
    return files::resolve(config_dir, given.empty() ? std::string(fallback) : given);
  };
  settings.audit.database_file = audit_path(audit.database_file(), "data/audit.db");
  settings.audit.checkpoint_file = audit_path(audit.checkpoint_file(), "data/audit.checkpoint");
  settings.audit.signing_key_file = audit_path(audit.signing_key_file(), "keys/audit.key");
  settings.audit.fingerprint_key_file = audit_path(audit.fingerprint_key_file(), "keys/audit-fingerprint.key");
  settings.audit.checkpoint_interval = ms_or_default(audit.checkpoint_interval_ms(), 1000);
  settings.audit.max_batch = or_default(audit.max_batch(), 4096U);
  settings.audit.queue_limit = or_default(audit.queue_limit(), 65536U);
  if (settings.audit.queue_limit < settings.audit.max_batch) {
    return config_error(source, "audit.queue_limit must be at least audit.max_batch");
  }

  if (config.broker_id().empty()) {
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    settings.broker_id = host[0] != '\0' ? host : "weftd";
  } else {
    settings.broker_id = config.broker_id();
  }
  settings.network_threads = or_default(config.network_threads(), 1U);
  if (settings.network_threads > 64) {
    return config_error(source, "network_threads must be at most 64");
  }
  settings.verify_threads = config.has_verify_threads() ? config.verify_threads() : 1U;
  if (settings.verify_threads > 64) {
    return config_error(source, "verify_threads must be at most 64");
  }
  settings.registry_poll = ms_or_default(config.registry_poll_ms(), 250);

  WEFT_TRY(taxii_from_config(config.taxii(), source, settings.taxii));
  if (settings.taxii.enabled && settings.taxii.listen_host == settings.listen_host &&
      settings.taxii.listen_port == settings.listen_port && settings.listen_port != 0) {
    return config_error(source, "taxii.listen must differ from listen (" + config.listen() + ")");
  }

  const v1::BrokerLimits& in = config.limits();
  Limits& limits = settings.limits;
  limits.max_frame_bytes = or_default(in.max_frame_bytes(), proto::kDefaultMaxFrameBytes);
  if (limits.max_frame_bytes > proto::kHardMaxFrameBytes) {
    return config_error(source, "limits.max_frame_bytes must be at most " +
                                    std::to_string(proto::kHardMaxFrameBytes) + " (8 MiB)");
  }
  if (limits.max_frame_bytes < 1024) {
    return config_error(source, "limits.max_frame_bytes must be at least 1024");
  }
  limits.handshake_timeout = ms_or_default(in.handshake_timeout_ms(), 5000);
  limits.hello_timeout = ms_or_default(in.hello_timeout_ms(), 5000);
  limits.heartbeat_interval = ms_or_default(in.heartbeat_interval_ms(), 30000);
  limits.idle_timeout = ms_or_default(in.idle_timeout_ms(), 90000);
  limits.frame_timeout = ms_or_default(in.frame_timeout_ms(), 10000);
  limits.write_timeout = ms_or_default(in.write_timeout_ms(), 10000);
  limits.subscriber_queue_frames = or_default(in.subscriber_queue_frames(), 1024U);
  limits.subscriber_queue_bytes = or_default<std::uint64_t>(in.subscriber_queue_bytes(), 16ULL << 20);
  limits.max_connections = or_default(in.max_connections(), 10000U);
  limits.max_connections_per_org = or_default(in.max_connections_per_org(), 1000U);
  limits.max_preauth_per_ip = or_default(in.max_preauth_per_ip(), 256U);
  limits.max_subscriptions = or_default(in.max_subscriptions(), 64U);
  limits.max_decode_errors = or_default(in.max_decode_errors(), 3U);
  limits.shutdown_grace = ms_or_default(in.shutdown_grace_ms(), 5000);
  limits.max_unacked = or_default(in.max_unacked(), 256U);
  limits.max_inflight_publishes = or_default(in.max_inflight_publishes(), 64U);
  if (limits.idle_timeout <= limits.heartbeat_interval) {
    return config_error(source, "limits.idle_timeout_ms must be longer than limits.heartbeat_interval_ms");
  }
  if (limits.subscriber_queue_bytes < limits.max_frame_bytes) {
    return config_error(source, "limits.subscriber_queue_bytes must hold at least one maximum-size frame");
  }
  return settings;
}

Result<Settings> load_settings(const std::filesystem::path& config_file) {
  WEFT_TRY(auto config, text_proto::load<v1::BrokerConfig>(config_file));
  const auto dir = config_file.has_parent_path() ? config_file.parent_path() : std::filesystem::path(".");
  return settings_from_config(config, dir, config_file.string());
}

}  // namespace weft::broker
