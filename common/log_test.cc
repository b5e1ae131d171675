#include "common/log.h"

#include <gtest/gtest.h>

namespace weft::log {
namespace {

TEST(Log, EscapesControlAndNonAsciiBytes) {
  EXPECT_EQ(escape_value("plain"), "plain");
  EXPECT_EQ(escape_value("line\nbreak"), "line\\x0abreak");
  EXPECT_EQ(escape_value("quote\"d"), "quote\\\"d");
  // U+202E RIGHT-TO-LEFT OVERRIDE cannot reorder a log line.
  EXPECT_EQ(escape_value("a\xe2\x80\xae" "b"), "a\\xe2\\x80\\xaeb");
}

TEST(Log, ParsesLevels) {
  Level level = Level::kInfo;
  EXPECT_TRUE(parse_level("debug", level));
  EXPECT_EQ(level, Level::kDebug);
  EXPECT_FALSE(parse_level("loud", level));
}

}  // namespace
}  // namespace weft::log
