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

TEST(Log, EscapesEveryLineBreakAndFormatCharacter) {
  // CR, NEL (U+0085), LINE SEPARATOR (U+2028), zero-width space, C1 CSI
  // (which some terminals act on) and DEL: none survives as itself.
  EXPECT_EQ(escape_value("a\rb"), "a\\x0db");
  EXPECT_EQ(escape_value("\xc2\x85|\xe2\x80\xa8|\xe2\x80\x8b|\xc2\x9b|\x7f"),
            "\\xc2\\x85|\\xe2\\x80\\xa8|\\xe2\\x80\\x8b|\\xc2\\x9b|\\x7f");
  // A forged second entry stays inside the first value.
  EXPECT_EQ(escape_value("x\n2026-01-01T00:00:00.000Z INFO report.accepted org=acme"),
            "x\\x0a2026-01-01T00:00:00.000Z INFO report.accepted org=acme");
}

TEST(Log, CutsLongValuesAndSaysHowMuchWasLeftOut) {
  const std::string exact(kMaxValueBytes, 'a');
  EXPECT_EQ(escape_value(exact), exact);
  EXPECT_EQ(escape_value(exact + "bcd"), exact + "...[3 more bytes]");
  // Cut before escaping: an escaped value is at most four times the limit.
  const std::string newlines(10 * kMaxValueBytes, '\n');
  EXPECT_LE(escape_value(newlines).size(), 4 * kMaxValueBytes + 32);
}

TEST(Log, ParsesLevels) {
  Level level = Level::kInfo;
  EXPECT_TRUE(parse_level("debug", level));
  EXPECT_EQ(level, Level::kDebug);
  EXPECT_FALSE(parse_level("loud", level));
}

}  // namespace
}  // namespace weft::log
