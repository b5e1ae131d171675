#include "broker/net/outbound_queue.h"

namespace weft::broker::net {

OutboundQueue::PushResult OutboundQueue::push(SharedFrame frame) {
  std::lock_guard lock(mutex_);
  return push_locked(std::move(frame), true);
}

OutboundQueue::PushResult OutboundQueue::push_control(SharedFrame frame) {
  std::lock_guard lock(mutex_);
  return push_locked(std::move(frame), false);
}

OutboundQueue::PushResult OutboundQueue::push_locked(SharedFrame frame, bool bounded) {
  if (closed_) {
    return PushResult::kClosed;
  }
  if (bounded && (frames_.size() + 1 > max_frames_ || bytes_ + frame->size() > max_bytes_)) {
    return PushResult::kFull;
  }
  bytes_ += frame->size();
  frames_.push_back(std::move(frame));
  if (writer_idle_) {
    writer_idle_ = false;
    return PushResult::kQueuedWakeUp;
  }
  return PushResult::kQueued;
}

void OutboundQueue::take_all(std::vector<SharedFrame>& out) {
  std::lock_guard lock(mutex_);
  if (frames_.empty()) {
    writer_idle_ = true;
    return;
  }
  if (out.empty()) {
    out.swap(frames_);
  } else {
    out.insert(out.end(), std::make_move_iterator(frames_.begin()), std::make_move_iterator(frames_.end()));
    frames_.clear();
  }
  bytes_ = 0;
}

void OutboundQueue::drop_all() {
  std::lock_guard lock(mutex_);
  frames_.clear();
  bytes_ = 0;
}

void OutboundQueue::close() {
  std::lock_guard lock(mutex_);
  closed_ = true;
}

std::size_t OutboundQueue::frames() const {
  std::lock_guard lock(mutex_);
  return frames_.size();
}

std::uint64_t OutboundQueue::bytes() const {
  std::lock_guard lock(mutex_);
  return bytes_;
}

}  // namespace weft::broker::net
