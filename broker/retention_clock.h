// The time the retention sweeper measures report age against.
//
// A wall clock that jumps forward (a bad NTP step, an operator's typo, a VM
// restored from a snapshot) must not make every stored report look expired
// at once. The sweeper's "now" therefore advances with the steady clock from
// the last wall time it trusted. While the two agree within the tolerance,
// the wall clock is followed (and slews are absorbed); when they diverge,
// the earlier of the two is used, so a jump can only delay deletions, never
// bring them forward, and the divergence is reported. A restart trusts the
// wall clock again.
//
// Not thread-safe; the sweeper owns one.
#pragma once

#include <chrono>

namespace weft::broker {

class RetentionClock {
 public:
  using WallTime = std::chrono::system_clock::time_point;
  using SteadyTime = std::chrono::steady_clock::time_point;

  struct Reading {
    WallTime now;                        // what to sweep against
    std::chrono::milliseconds divergence;  // wall clock minus trusted time
    bool diverged = false;               // beyond the tolerance
  };

  RetentionClock(WallTime wall, SteadyTime steady, std::chrono::milliseconds tolerance);

  Reading read(WallTime wall, SteadyTime steady);

 private:
  WallTime anchor_wall_;
  SteadyTime anchor_steady_;
  std::chrono::milliseconds tolerance_;
};

}  // namespace weft::broker
