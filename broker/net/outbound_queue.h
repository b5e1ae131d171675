// A session's outbound queue: encoded frames waiting for the writer.
//
// Bounded in frames and bytes, because a peer that reads slowly must never
// make the broker grow. Producers (fan-out from any network thread) push;
// the session's writer takes everything at once. Frames are shared: one
// encoded delivery is referenced by every queue it was offered to.
//
// Thread safety: all members may be called from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace weft::broker::net {

using SharedFrame = std::shared_ptr<const std::string>;

class OutboundQueue {
 public:
  OutboundQueue(std::size_t max_frames, std::uint64_t max_bytes) : max_frames_(max_frames), max_bytes_(max_bytes) {}

  enum class PushResult {
    kQueued,         // the writer is already awake or will be woken
    kQueuedWakeUp,   // the queue was idle: the caller must wake the writer
    kFull,           // over a bound: the frame was not queued
    kClosed,         // the session is closing: the frame was not queued
  };

  PushResult push(SharedFrame frame);
  // Queues a frame even over the bounds (control frames such as the final
  // error); still refused once closed.
  PushResult push_control(SharedFrame frame);

  // Moves every queued frame into `out` (appending). When it finds nothing,
  // the queue is marked idle, so the next push asks for a wake-up.
  void take_all(std::vector<SharedFrame>& out);

  // Drops queued frames and refuses further pushes (except the final ones
  // the caller adds with push_control before closing).
  void drop_all();
  void close();

  std::size_t frames() const;
  std::uint64_t bytes() const;

 private:
  PushResult push_locked(SharedFrame frame, bool bounded);

  const std::size_t max_frames_;
  const std::uint64_t max_bytes_;
  mutable std::mutex mutex_;
  std::vector<SharedFrame> frames_;  // guarded by mutex_
  std::uint64_t bytes_ = 0;          // guarded by mutex_
  bool writer_idle_ = true;          // guarded by mutex_
  bool closed_ = false;              // guarded by mutex_
};

}  // namespace weft::broker::net
