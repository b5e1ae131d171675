#include "broker/retention_clock.h"

#include <gtest/gtest.h>

namespace weft::broker {
namespace {

using namespace std::chrono_literals;
using Wall = RetentionClock::WallTime;
using Steady = RetentionClock::SteadyTime;

const Wall kStartWall = Wall{} + 20000h;
const Steady kStartSteady = Steady{} + 5h;

TEST(RetentionClock, FollowsAWallClockThatAgreesWithTheSteadyClock) {
  RetentionClock clock(kStartWall, kStartSteady, 5min);
  const auto reading = clock.read(kStartWall + 1h + 2s, kStartSteady + 1h);
  EXPECT_FALSE(reading.diverged);
  EXPECT_EQ(reading.now, kStartWall + 1h + 2s);
}

TEST(RetentionClock, AForwardJumpIsReportedAndNotActedOn) {
  RetentionClock clock(kStartWall, kStartSteady, 5min);
  const auto reading = clock.read(kStartWall + 24h * 365 + 1min, kStartSteady + 1min);
  EXPECT_TRUE(reading.diverged);
  EXPECT_EQ(reading.now, kStartWall + 1min);
  EXPECT_EQ(reading.divergence, std::chrono::milliseconds(24h * 365));
  // Still held an hour later: the jump never becomes the sweeper's time.
  const auto later = clock.read(kStartWall + 24h * 365 + 61min, kStartSteady + 61min);
  EXPECT_TRUE(later.diverged);
  EXPECT_EQ(later.now, kStartWall + 61min);
}

TEST(RetentionClock, ABackwardJumpOnlyDelaysDeletions) {
  RetentionClock clock(kStartWall, kStartSteady, 5min);
  const auto reading = clock.read(kStartWall - 24h, kStartSteady + 1min);
  EXPECT_TRUE(reading.diverged);
  EXPECT_EQ(reading.now, kStartWall - 24h);
}

TEST(RetentionClock, SlewsWithinTheToleranceAccumulateWithoutAnAlarm) {
  RetentionClock clock(kStartWall, kStartSteady, 5min);
  // Each hour the wall clock runs 4 minutes fast: always re-anchored.
  for (int hour = 1; hour <= 10; ++hour) {
    const auto reading = clock.read(kStartWall + std::chrono::minutes(64 * hour), kStartSteady + hour * 1h);
    EXPECT_FALSE(reading.diverged) << hour;
  }
}

TEST(RetentionClock, AWallClockPutRightAfterAJumpIsFollowedAgain) {
  RetentionClock clock(kStartWall, kStartSteady, 5min);
  EXPECT_TRUE(clock.read(kStartWall + 24h * 365, kStartSteady + 1min).diverged);
  const auto reading = clock.read(kStartWall + 2min, kStartSteady + 2min);
  EXPECT_FALSE(reading.diverged);
  EXPECT_EQ(reading.now, kStartWall + 2min);
}

}  // namespace
}  // namespace weft::broker
