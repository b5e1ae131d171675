// A real weft deployment for one test: `weft admin init` in a temporary
// folder, organisations added with `weft admin org add`, and a real weftd
// on 127.0.0.1 with an OS-chosen port read from its ready file.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tests/harness/process.h"
#include "weft/v1/report.pb.h"

namespace weft::testing {

class TestDeployment {
 public:
  explicit TestDeployment(const std::string& name);
  ~TestDeployment();
  TestDeployment(const TestDeployment&) = delete;
  TestDeployment& operator=(const TestDeployment&) = delete;

  // Runs `weft admin org add`; fails the test on error.
  void add_org(const std::string& name, const std::string& roles, const std::vector<std::string>& extra_args = {},
               const std::string& jurisdiction = "DE", const std::string& sector = "finance");
  // Appends text-format lines to weftd.conf (e.g. a limits block).
  void append_config(const std::string& text);

  void start_broker(const std::vector<std::string>& extra_args = {});
  // Starts weftd again on the port it had, so clients configured with that
  // address find it (e.g. after kill_broker()).
  void restart_broker(const std::vector<std::string>& extra_args = {});
  // SIGTERM and wait; returns weftd's exit status.
  int stop_broker();
  // SIGKILL, as the OOM killer would; returns once the process is gone.
  void kill_broker();
  // Runs weftd in the foreground expecting it to refuse to start.
  CommandResult run_broker_expecting_exit(std::chrono::milliseconds timeout = std::chrono::seconds(20)) const;
  std::filesystem::path database_file() const { return dir_ / "data" / "weft.db"; }
  ChildProcess& broker() { return *broker_; }
  std::string broker_log() const;
  // Whether weftd's log shows `text` within `timeout`. A client can see the
  // broker's answer before the broker has written its log line about it.
  bool broker_logged(std::string_view text, std::chrono::milliseconds timeout = std::chrono::seconds(5)) const;
  std::uint16_t port() const { return port_; }
  // The TAXII port from the ready file; 0 when weftd serves no TAXII.
  std::uint16_t taxii_port() const { return taxii_port_; }

  const std::filesystem::path& dir() const { return dir_; }
  std::filesystem::path profile(const std::string& org) const { return dir_ / "orgs" / org / "profile.conf"; }
  std::filesystem::path org_file(const std::string& org, const std::string& file) const {
    return dir_ / "orgs" / org / file;
  }
  std::filesystem::path ca_cert() const { return dir_ / "ca" / "ca.pem"; }
  std::filesystem::path ca_key() const { return dir_ / "ca" / "ca.key"; }
  std::string broker_address() const { return "127.0.0.1:" + std::to_string(port_); }

  // `weft --profile <org profile> --broker <address> ARGS...`
  CommandResult weft(const std::string& org, const std::vector<std::string>& args, const std::string& stdin_text = {},
                     std::chrono::milliseconds timeout = std::chrono::seconds(30)) const;
  std::vector<std::string> weft_argv(const std::string& org, const std::vector<std::string>& args) const;
  // `weft admin ARGS... --dir <dir>`
  CommandResult admin(const std::vector<std::string>& args) const;

 private:
  void launch_broker(const std::string& listen, const std::vector<std::string>& extra_args);

  std::filesystem::path dir_;
  std::unique_ptr<ChildProcess> broker_;
  int broker_starts_ = 0;
  std::uint16_t port_ = 0;
  std::uint16_t taxii_port_ = 0;
};

// A report with a fresh random UUID.
v1::Report make_report(const std::string& feed, v1::Tlp tlp = v1::GREEN, const std::string& title = "Test report");
std::string random_uuid();
std::string to_json(const v1::Report& report);

}  // namespace weft::testing
