// The registry snapshot in force. Readers take a shared_ptr and keep using
// it even if a newer snapshot is swapped in meanwhile.
//
// Thread safety: all members may be called from any thread.
#pragma once

#include <memory>
#include <mutex>

#include "common/registry.h"

namespace weft::broker {

class RegistryHolder {
 public:
  explicit RegistryHolder(std::shared_ptr<const Registry> initial) : current_(std::move(initial)) {}

  std::shared_ptr<const Registry> current() const {
    std::lock_guard lock(mutex_);
    return current_;
  }
  void replace(std::shared_ptr<const Registry> next) {
    std::lock_guard lock(mutex_);
    current_ = std::move(next);
  }

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const Registry> current_;  // guarded by mutex_
};

}  // namespace weft::broker
