// weftd: parses flags, builds the Broker and runs it. The only file of the
// broker that tests do not link.
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <iostream>

#include <CLI/CLI.hpp>
#include <google/protobuf/stubs/logging.h>

#include "broker/broker.h"
#include "broker/config.h"
#include "common/address.h"
#include "common/core_dumps.h"
#include "common/files.h"
#include "common/log.h"

// jemalloc, linked into weftd unless the sanitizers are on, takes its
// options from this symbol (MALLOC_CONF still overrides it). Its background
// thread gives memory back to the system while the broker is quiet:
// without it, what a burst of thousands of sessions freed stays resident
// until later allocations happen to trigger a purge.
extern "C" {
extern const char* malloc_conf;
const char* malloc_conf = "background_thread:true";
}

namespace {

void route_protobuf_logs(google::protobuf::LogLevel level, const char* /*file*/, int /*line*/,
                         const std::string& message) {
  weft::log::write(level >= google::protobuf::LOGLEVEL_ERROR ? weft::log::Level::kWarn : weft::log::Level::kDebug,
                   "protobuf", {{"message", message}});
}

}  // namespace

int main(int argc, char** argv) {
  // First, before anything can read a key: this process holds the audit,
  // storage, pseudonymisation and provenance keys.
  if (auto hardened = weft::keep_secrets_out_of_core_dumps(); !hardened) {
    std::cerr << "weftd: " << hardened.error().message << "\n";
    return 1;
  }
  CLI::App app{"weftd - the weft broker for incident information sharing"};
  std::string config_file;
  std::string ready_file;
  std::string listen_override;
  std::string log_level = "info";
  app.add_option("--config", config_file, "Broker configuration (protobuf text format, weft.v1.BrokerConfig)")
      ->required();
  app.add_option("--ready-file", ready_file,
                 "Once listening, write {\"pid\":...,\"port\":...[,\"taxii_port\":...]} to this file (for "
                 "supervisors and tests)");
  app.add_option("--listen", listen_override, "Override the config's listen address (HOST:PORT; port 0 = any)");
  app.add_option("--log-level", log_level, "debug, info, warn or error")->capture_default_str();
  app.set_version_flag("--version", "weftd 0.1.0");
  CLI11_PARSE(app, argc, argv);

  weft::log::Level level{};
  if (!weft::log::parse_level(log_level, level)) {
    std::cerr << "weftd: --log-level must be debug, info, warn or error\n";
    return 2;
  }
  weft::log::set_level(level);
  google::protobuf::SetLogHandler(route_protobuf_logs);
  // OpenSSL writes to the sessions' sockets with write(2) (tls::SocketStream),
  // which raises SIGPIPE when the peer has reset the connection: without
  // this, one client vanishing at the wrong moment ends weftd instead of
  // that session (EPIPE).
  std::signal(SIGPIPE, SIG_IGN);

  auto settings = weft::broker::load_settings(config_file);
  if (!settings) {
    std::cerr << "weftd: " << settings.error().message << "\n";
    return 1;
  }
  if (!listen_override.empty()) {
    auto parsed = weft::parse_host_port(listen_override, settings.value().listen_host,
                                                settings.value().listen_port);
    if (!parsed) {
      std::cerr << "weftd: --listen: " << parsed.error().message << "\n";
      return 2;
    }
  }
  auto broker = weft::broker::Broker::create(std::move(settings).value());
  if (!broker) {
    std::cerr << "weftd: cannot start: " << broker.error().describe() << "\n";
    return 1;
  }
  auto port = broker.value()->listen();
  if (!port) {
    std::cerr << "weftd: cannot start: " << port.error().describe() << "\n";
    return 1;
  }
  if (!ready_file.empty()) {
    std::string ready = "{\"pid\":" + std::to_string(::getpid()) + ",\"port\":" + std::to_string(port.value());
    if (const auto taxii_port = broker.value()->taxii_port()) {
      ready += ",\"taxii_port\":" + std::to_string(*taxii_port);
    }
    ready += "}\n";
    if (auto written = weft::files::write_file_atomic(ready_file, ready, 0644); !written) {
      std::cerr << "weftd: cannot write the ready file: " << written.error().message << "\n";
      return 1;
    }
  }
  broker.value()->run();
  return 0;
}
