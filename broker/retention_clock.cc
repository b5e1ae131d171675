#include "broker/retention_clock.h"

#include <algorithm>

namespace weft::broker {

RetentionClock::RetentionClock(WallTime wall, SteadyTime steady, std::chrono::milliseconds tolerance)
    : anchor_wall_(wall), anchor_steady_(steady), tolerance_(tolerance) {}

RetentionClock::Reading RetentionClock::read(WallTime wall, SteadyTime steady) {
  const WallTime trusted =
      anchor_wall_ + std::chrono::duration_cast<WallTime::duration>(steady - anchor_steady_);
  const auto divergence = std::chrono::duration_cast<std::chrono::milliseconds>(wall - trusted);
  if (std::chrono::abs(divergence) <= tolerance_) {
    anchor_wall_ = wall;
    anchor_steady_ = steady;
    return {wall, divergence, false};
  }
  return {std::min(wall, trusted), divergence, true};
}

}  // namespace weft::broker
