#include "client-lib/backoff.h"

#include <set>

#include <gtest/gtest.h>

namespace weft::client {
namespace {

using std::chrono::milliseconds;

TEST(Backoff, GrowsExponentiallyWithinJitterBounds) {
  Backoff backoff({milliseconds(100), milliseconds(10000), milliseconds(0)});
  std::int64_t ceiling = 100;
  for (int attempt = 0; attempt < 6; ++attempt) {
    const auto delay = backoff.next_delay().count();
    EXPECT_GE(delay, ceiling / 2) << "attempt " << attempt;
    EXPECT_LE(delay, ceiling) << "attempt " << attempt;
    ceiling *= 2;
  }
}

TEST(Backoff, NeverExceedsTheCapEvenAfterManyFailures) {
  Backoff backoff({milliseconds(50), milliseconds(800), milliseconds(0)});
  for (int attempt = 0; attempt < 200; ++attempt) {
    const auto delay = backoff.next_delay();
    EXPECT_LE(delay, milliseconds(800));
    EXPECT_GE(delay, milliseconds(1));
  }
  EXPECT_EQ(backoff.failures(), 200u);
}

TEST(Backoff, JitterSpreadsClientsApart) {
  std::set<std::int64_t> delays;
  for (int client = 0; client < 50; ++client) {
    Backoff backoff({milliseconds(1000), milliseconds(60000), milliseconds(0)});
    backoff.next_delay();
    delays.insert(backoff.next_delay().count());  // somewhere in [1000, 2000]
  }
  EXPECT_GT(delays.size(), 10u);
}

TEST(Backoff, ResetStartsOverFromTheInitialDelay) {
  Backoff backoff({milliseconds(100), milliseconds(10000), milliseconds(0)});
  for (int i = 0; i < 8; ++i) {
    backoff.next_delay();
  }
  backoff.reset();
  EXPECT_EQ(backoff.failures(), 0u);
  EXPECT_LE(backoff.next_delay(), milliseconds(100));
}

TEST(Backoff, NonsensePolicyIsClampedRatherThanSpinning) {
  Backoff backoff({milliseconds(0), milliseconds(0), milliseconds(0)});
  EXPECT_GE(backoff.next_delay(), milliseconds(1));
}

}  // namespace
}  // namespace weft::client
