#include "tests/harness/deployment.h"

#include "common/uuid.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <google/protobuf/util/json_util.h>

#include <fstream>
#include <random>
#include <regex>

namespace weft::testing {

TestDeployment::TestDeployment(const std::string& name) {
  static int counter = 0;
  dir_ = std::filesystem::path(::testing::TempDir()) /
         ("weft-" + name + "-" + std::to_string(::getpid()) + "-" + std::to_string(++counter));
  std::filesystem::remove_all(dir_);
  const auto result = run_command({(bin_dir() / "weft").string(), "admin", "init", "--dir", dir_.string()});
  if (result.exit_code != 0) {
    ADD_FAILURE() << "weft admin init failed: " << result.err;
  }
}

TestDeployment::~TestDeployment() {
  if (broker_) {
    broker_->stop(SIGKILL, std::chrono::seconds(5));
  }
  if (!::testing::Test::HasFailure()) {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
}

void TestDeployment::add_org(const std::string& name, const std::string& roles,
                             const std::vector<std::string>& extra_args, const std::string& jurisdiction,
                             const std::string& sector) {
  std::vector<std::string> args{"org", "add", "--name", name, "--roles", roles, "--jurisdiction", jurisdiction,
                                "--sector", sector};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  const auto result = admin(args);
  ASSERT_EQ(result.exit_code, 0) << "weft admin org add " << name << ": " << result.err;
}

void TestDeployment::append_config(const std::string& text) {
  std::ofstream(dir_ / "weftd.conf", std::ios::app) << "\n" << text << "\n";
}

void TestDeployment::start_broker(const std::vector<std::string>& extra_args) {
  launch_broker("127.0.0.1:0", extra_args);
}

void TestDeployment::restart_broker(const std::vector<std::string>& extra_args) {
  ASSERT_NE(port_, 0) << "restart_broker() needs a broker started before";
  launch_broker("127.0.0.1:" + std::to_string(port_), extra_args);
}

void TestDeployment::launch_broker(const std::string& listen, const std::vector<std::string>& extra_args) {
  if (broker_ && broker_->running()) {
    broker_->stop(SIGKILL, std::chrono::seconds(5));
  }
  const auto ready = dir_ / "ready.json";
  std::filesystem::remove(ready);
  std::vector<std::string> argv{(bin_dir() / "weftd").string(), "--config", (dir_ / "weftd.conf").string(),
                                "--listen", listen, "--ready-file", ready.string()};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  // Each start logs to its own files, so a test can read what the one before
  // a crash said.
  broker_ = std::make_unique<ChildProcess>(argv, dir_, "weftd-" + std::to_string(++broker_starts_));
  const bool started = eventually([&] { return std::filesystem::exists(ready) || !broker_->running(); },
                                  std::chrono::seconds(20));
  ASSERT_TRUE(started && broker_->running()) << "weftd did not start: " << broker_->stderr_text();
  std::smatch match;
  const std::string text = read_text(ready);
  ASSERT_TRUE(std::regex_search(text, match, std::regex("\"port\":([0-9]+)"))) << text;
  port_ = static_cast<std::uint16_t>(std::stoi(match[1]));
  taxii_port_ = std::regex_search(text, match, std::regex("\"taxii_port\":([0-9]+)"))
                    ? static_cast<std::uint16_t>(std::stoi(match[1]))
                    : 0;
}

void TestDeployment::kill_broker() {
  if (broker_) {
    broker_->stop(SIGKILL, std::chrono::seconds(5));
  }
}

CommandResult TestDeployment::run_broker_expecting_exit(std::chrono::milliseconds timeout) const {
  return run_command({(bin_dir() / "weftd").string(), "--config", (dir_ / "weftd.conf").string(), "--listen",
                      "127.0.0.1:0"},
                     {}, timeout);
}

int TestDeployment::stop_broker() {
  if (!broker_) {
    return -1;
  }
  return broker_->stop(SIGTERM, std::chrono::seconds(10));
}

std::string TestDeployment::broker_log() const { return broker_ ? broker_->stderr_text() : std::string(); }

bool TestDeployment::broker_logged(std::string_view text, std::chrono::milliseconds timeout) const {
  return eventually([&] { return broker_log().find(text) != std::string::npos; }, timeout);
}

std::vector<std::string> TestDeployment::weft_argv(const std::string& org, const std::vector<std::string>& args) const {
  std::vector<std::string> argv{(bin_dir() / "weft").string(), "--profile", profile(org).string(), "--broker",
                                broker_address()};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

CommandResult TestDeployment::weft(const std::string& org, const std::vector<std::string>& args,
                                   const std::string& stdin_text, std::chrono::milliseconds timeout) const {
  return run_command(weft_argv(org, args), stdin_text, timeout);
}

CommandResult TestDeployment::admin(const std::vector<std::string>& args) const {
  std::vector<std::string> argv{(bin_dir() / "weft").string(), "admin"};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.push_back("--dir");
  argv.push_back(dir_.string());
  return run_command(argv);
}

std::string random_uuid() {
  thread_local std::mt19937_64 generator{std::random_device{}()};
  return uuid::random_v4(generator);
}

v1::Report make_report(const std::string& feed, v1::Tlp tlp, const std::string& title) {
  v1::Report report;
  report.set_id(random_uuid());
  report.set_feed(feed);
  report.set_tlp(tlp);
  report.set_title(title);
  report.set_description("Phishing kit hosted on a look-alike domain.");
  auto* domain = report.add_indicators();
  domain->set_type(v1::Indicator::DOMAIN);
  domain->set_value("login-secure-bank.example");
  auto* ip = report.add_indicators();
  ip->set_type(v1::Indicator::IPV4);
  ip->set_value("203.0.113.7");
  return report;
}

std::string to_json(const v1::Report& report) {
  std::string json;
  google::protobuf::util::MessageToJsonString(report, &json);
  return json;
}

}  // namespace weft::testing
