#include "client-lib/backoff.h"

#include <algorithm>

namespace weft::client {

Backoff::Backoff(BackoffPolicy policy) : policy_(policy), random_(std::random_device{}()) {
  policy_.initial = std::max(policy_.initial, std::chrono::milliseconds(1));
  policy_.max = std::max(policy_.max, policy_.initial);
}

std::chrono::milliseconds Backoff::next_delay() {
  // Doubling stops once the cap is reached, so the shift never overflows.
  std::int64_t ceiling = policy_.initial.count();
  for (std::uint32_t i = 0; i < failures_ && ceiling < policy_.max.count(); ++i) {
    ceiling *= 2;
  }
  ceiling = std::min<std::int64_t>(ceiling, policy_.max.count());
  ++failures_;
  std::uniform_int_distribution<std::int64_t> pick(ceiling / 2, ceiling);
  return std::chrono::milliseconds(std::max<std::int64_t>(pick(random_), 1));
}

void Backoff::reset() { failures_ = 0; }

}  // namespace weft::client
