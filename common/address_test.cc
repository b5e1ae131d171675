#include "common/address.h"

#include <gtest/gtest.h>

namespace weft {
namespace {

TEST(Address, HostPortParsing) {
  std::string host;
  std::uint16_t port = 0;
  ASSERT_TRUE(parse_host_port("127.0.0.1:0", host, port));
  EXPECT_EQ(host, "127.0.0.1");
  EXPECT_EQ(port, 0);
  ASSERT_TRUE(parse_host_port("[::1]:8443", host, port));
  EXPECT_EQ(host, "::1");
  EXPECT_EQ(port, 8443);
  ASSERT_TRUE(parse_host_port("broker.example.org:7443", host, port));
  EXPECT_EQ(host, "broker.example.org");
  EXPECT_FALSE(parse_host_port("localhost", host, port));
  EXPECT_FALSE(parse_host_port("host:99999", host, port));
  EXPECT_FALSE(parse_host_port(":80", host, port));
  EXPECT_FALSE(parse_host_port("::1:80", host, port));
  EXPECT_FALSE(parse_host_port("h:8x", host, port));
  EXPECT_FALSE(parse_host_port("h:", host, port));
}

}  // namespace
}  // namespace weft
