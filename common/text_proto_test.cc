#include "common/text_proto.h"

#include <gtest/gtest.h>

#include "weft/v1/config.pb.h"

namespace weft::text_proto {
namespace {

TEST(TextProto, ParsesAConfig) {
  v1::BrokerConfig config;
  ASSERT_TRUE(parse("listen: \"127.0.0.1:7443\"\nlimits { max_frame_bytes: 2048 }\n", "weftd.conf", config));
  EXPECT_EQ(config.listen(), "127.0.0.1:7443");
  EXPECT_EQ(config.limits().max_frame_bytes(), 2048U);
}

TEST(TextProto, UnknownFieldNamesFileLineAndColumn) {
  v1::BrokerConfig config;
  auto result = parse("listen: \"x\"\n\n  lisen: \"y\"\n", "weftd.conf", config);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, v1::CONFIG_INVALID);
  EXPECT_EQ(result.error().message.rfind("weftd.conf:3:", 0), 0U) << result.error().message;
  EXPECT_NE(result.error().message.find("lisen"), std::string::npos);
}

TEST(TextProto, WrongValueTypeIsAnError) {
  v1::BrokerConfig config;
  auto result = parse("network_threads: \"many\"\n", "weftd.conf", config);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().message.rfind("weftd.conf:1:", 0), 0U) << result.error().message;
}

TEST(TextProto, MissingFileIsAnError) {
  v1::BrokerConfig config;
  auto result = load("/nonexistent/weftd.conf", config);
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().message.find("/nonexistent/weftd.conf"), std::string::npos);
}

TEST(TextProto, PrintWithHeaderParsesBack) {
  v1::ClientProfile profile;
  profile.set_organisation("acme-bank");
  profile.set_broker_address("127.0.0.1:7443");
  const std::string text = print(profile, "client profile\nfor acme-bank");
  EXPECT_EQ(text.rfind("# client profile\n# for acme-bank\n", 0), 0U);
  v1::ClientProfile parsed;
  ASSERT_TRUE(parse(text, "profile.conf", parsed));
  EXPECT_EQ(parsed.organisation(), "acme-bank");
}

}  // namespace
}  // namespace weft::text_proto
