#include "broker/config.h"

#include <gtest/gtest.h>

#include "common/text_proto.h"

namespace weft::broker {
namespace {

v1::BrokerConfig minimal() {
  v1::BrokerConfig config;
  config.set_listen("127.0.0.1:7443");
  config.set_ca_file("ca/ca.pem");
  config.set_cert_file("broker/cert.pem");
  config.set_key_file("broker/key.pem");
  config.set_registry_file("registry.textproto");
  config.add_policy_files("policies/eu-baseline.textproto");
  config.add_policy_files("policies/public.textproto");
  return config;
}

TEST(Config, DefaultsAndResolvedPaths) {
  auto settings = settings_from_config(minimal(), "/etc/weft", "weftd.conf");
  ASSERT_TRUE(settings) << settings.error().describe();
  EXPECT_EQ(settings.value().listen_host, "127.0.0.1");
  EXPECT_EQ(settings.value().listen_port, 7443);
  EXPECT_EQ(settings.value().ca_file, "/etc/weft/ca/ca.pem");
  EXPECT_EQ(settings.value().data_dir, "/etc/weft/data");
  EXPECT_EQ(settings.value().limits.max_frame_bytes, 1U << 20);
  EXPECT_EQ(settings.value().limits.handshake_timeout.count(), 5000);
  EXPECT_EQ(settings.value().limits.subscriber_queue_frames, 1024U);
  EXPECT_EQ(settings.value().network_threads, 1U);
  EXPECT_EQ(settings.value().verify_threads, 1U);
  ASSERT_EQ(settings.value().policy_files.size(), 2U);
  EXPECT_EQ(settings.value().policy_files[0], "/etc/weft/policies/eu-baseline.textproto");
  EXPECT_EQ(settings.value().pseudonym_key_file, "/etc/weft/keys/pseudonym.key");
}

TEST(Config, VerifyThreadsZeroChecksInlineAndTooManyIsRefused) {
  auto config = minimal();
  config.set_verify_threads(0);
  auto inline_checks = settings_from_config(config, "/etc/weft", "weftd.conf");
  ASSERT_TRUE(inline_checks) << inline_checks.error().describe();
  EXPECT_EQ(inline_checks.value().verify_threads, 0U);
  config.set_verify_threads(65);
  auto too_many = settings_from_config(config, "/etc/weft", "weftd.conf");
  ASSERT_FALSE(too_many);
  EXPECT_NE(too_many.error().message.find("verify_threads must be at most 64"), std::string::npos)
      << too_many.error().message;
}

TEST(Config, RefusesToRunWithoutPolicies) {
  auto config = minimal();
  config.clear_policy_files();
  auto settings = settings_from_config(config, "/etc/weft", "weftd.conf");
  ASSERT_FALSE(settings);
  EXPECT_NE(settings.error().message.find("policy_files is empty"), std::string::npos);
}

TEST(Config, AbsolutePathsStay) {
  auto config = minimal();
  config.set_key_file("/secure/key.pem");
  EXPECT_EQ(settings_from_config(config, "/etc/weft", "c").value().key_file, "/secure/key.pem");
}

TEST(Config, RefusesFrameLimitOverHardCap) {
  auto config = minimal();
  config.mutable_limits()->set_max_frame_bytes(9U << 20);
  auto settings = settings_from_config(config, "/etc/weft", "weftd.conf");
  ASSERT_FALSE(settings);
  EXPECT_NE(settings.error().message.find("max_frame_bytes"), std::string::npos);
}

TEST(Config, RefusesMissingFields) {
  auto config = minimal();
  config.clear_registry_file();
  auto settings = settings_from_config(config, "/etc/weft", "weftd.conf");
  ASSERT_FALSE(settings);
  EXPECT_EQ(settings.error().message, "weftd.conf: registry_file is missing");
  config = minimal();
  config.clear_listen();
  EXPECT_FALSE(settings_from_config(config, "/", "c"));
}

TEST(Config, RefusesIdleTimeoutShorterThanHeartbeat) {
  auto config = minimal();
  config.mutable_limits()->set_heartbeat_interval_ms(10000);
  config.mutable_limits()->set_idle_timeout_ms(5000);
  EXPECT_FALSE(settings_from_config(config, "/", "c"));
}

TEST(Config, TextErrorsNameLineAndColumn) {
  v1::BrokerConfig config;
  auto parsed = text_proto::parse("listen: \"127.0.0.1:1\"\nlimits {\n  max_frame_byts: 3\n}\n", "weftd.conf", config);
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().message.rfind("weftd.conf:3:", 0), 0U) << parsed.error().message;
}

TEST(Config, TaxiiIsOffUnlessListenIsSet) {
  auto settings = settings_from_config(minimal(), "/etc/weft", "weftd.conf");
  ASSERT_TRUE(settings);
  EXPECT_FALSE(settings.value().taxii.enabled);
}

TEST(Config, TaxiiDefaultsAndLimits) {
  auto config = minimal();
  config.mutable_taxii()->set_listen("127.0.0.1:0");
  auto settings = settings_from_config(config, "/etc/weft", "weftd.conf");
  ASSERT_TRUE(settings) << settings.error().describe();
  const TaxiiSettings& taxii = settings.value().taxii;
  EXPECT_TRUE(taxii.enabled);
  EXPECT_EQ(taxii.listen_host, "127.0.0.1");
  EXPECT_EQ(taxii.listen_port, 0);
  EXPECT_EQ(taxii.max_page, 100U);
  EXPECT_EQ(taxii.max_header_bytes, 8192U);
  EXPECT_EQ(taxii.max_connections, 256U);
  EXPECT_EQ(taxii.idle_timeout.count(), 30000);

  const std::pair<void (*)(v1::TaxiiConfig&), const char*> refused[] = {
      {[](v1::TaxiiConfig& t) { t.set_listen("nowhere"); }, "taxii.listen"},
      {[](v1::TaxiiConfig& t) { t.set_max_page(20000); }, "taxii.max_page"},
      {[](v1::TaxiiConfig& t) { t.set_max_header_bytes(100); }, "taxii.max_header_bytes"},
      {[](v1::TaxiiConfig& t) { t.set_max_body_bytes(2U << 20); }, "taxii.max_body_bytes"},
      {[](v1::TaxiiConfig& t) { t.set_listen("127.0.0.1:7443"); }, "must differ from listen"},
  };
  for (const auto& [change, named] : refused) {
    auto bad = config;
    change(*bad.mutable_taxii());
    auto refusal = settings_from_config(bad, "/etc/weft", "weftd.conf");
    ASSERT_FALSE(refusal) << named;
    EXPECT_NE(refusal.error().message.find(named), std::string::npos) << refusal.error().message;
  }
}

}  // namespace
}  // namespace weft::broker
