#include "client-lib/profile.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace weft::client {
namespace {

std::filesystem::path write_profile(const std::string& name, const std::string& text) {
  const auto dir = std::filesystem::path(::testing::TempDir()) / ("profile_" + name);
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "profile.conf") << text;
  return dir / "profile.conf";
}

TEST(Profile, LoadsAndResolvesRelativePaths) {
  const auto path = write_profile("ok",
                                  "organisation: \"acme-bank\"\n"
                                  "broker_address: \"127.0.0.1:7443\"\n"
                                  "ca_file: \"../ca.pem\"\n"
                                  "cert_file: \"cert.pem\"\n"
                                  "key_file: \"/abs/key.pem\"\n");
  auto profile = Profile::load(path);
  ASSERT_TRUE(profile) << profile.error().describe();
  EXPECT_EQ(profile.value().host, "127.0.0.1");
  EXPECT_EQ(profile.value().port, 7443);
  EXPECT_EQ(profile.value().server_name, "127.0.0.1");
  EXPECT_EQ(profile.value().cert_file, path.parent_path() / "cert.pem");
  EXPECT_EQ(profile.value().key_file, "/abs/key.pem");
  ASSERT_TRUE(profile.value().override_broker_address("127.0.0.1:9999"));
  EXPECT_EQ(profile.value().port, 9999);
}

TEST(Profile, ExplicitServerNameSurvivesOverride) {
  const auto path = write_profile("named",
                                  "broker_address: \"10.0.0.1:7443\"\nserver_name: \"weftd\"\n"
                                  "ca_file: \"a\"\ncert_file: \"b\"\nkey_file: \"c\"\n");
  auto profile = Profile::load(path).value();
  ASSERT_TRUE(profile.override_broker_address("127.0.0.1:1234"));
  EXPECT_EQ(profile.server_name, "weftd");
}

TEST(Profile, ErrorsNameTheProblem) {
  auto missing = Profile::load(write_profile("missing", "broker_address: \"127.0.0.1:7443\"\n"));
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("ca_file is missing"), std::string::npos);
  auto bad_port = Profile::load(write_profile("port", "broker_address: \"127.0.0.1:0\"\nca_file: \"a\"\n"
                                                      "cert_file: \"b\"\nkey_file: \"c\"\n"));
  ASSERT_FALSE(bad_port);
  EXPECT_NE(bad_port.error().message.find("has no port"), std::string::npos);
  auto typo = Profile::load(write_profile("typo", "brokr_address: \"x\"\n"));
  ASSERT_FALSE(typo);
  EXPECT_NE(typo.error().message.find("profile.conf:1:"), std::string::npos) << typo.error().message;
}

}  // namespace
}  // namespace weft::client
