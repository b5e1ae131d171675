// Reconnect delays: exponential growth with jitter, so a thousand clients
// cut off by one broker restart do not all come back in the same instant.
#pragma once

#include <chrono>
#include <cstdint>
#include <random>

namespace weft::client {

struct BackoffPolicy {
  std::chrono::milliseconds initial{100};
  std::chrono::milliseconds max{10000};
  // Give up after failing for this long; zero means never.
  std::chrono::milliseconds give_up_after{0};
};

class Backoff {
 public:
  explicit Backoff(BackoffPolicy policy);

  // The delay before the next attempt: a uniform pick between half and all
  // of initial * 2^failures, capped at `max`.
  std::chrono::milliseconds next_delay();
  // After a success: the next failure starts again from `initial`.
  void reset();
  std::uint32_t failures() const { return failures_; }
  const BackoffPolicy& policy() const { return policy_; }

 private:
  BackoffPolicy policy_;
  std::uint32_t failures_ = 0;
  std::mt19937_64 random_;
};

}  // namespace weft::client
