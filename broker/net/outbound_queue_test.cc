#include "broker/net/outbound_queue.h"

#include <gtest/gtest.h>

#include <thread>

namespace weft::broker::net {
namespace {

SharedFrame frame_of(std::size_t size) { return std::make_shared<const std::string>(size, 'x'); }

TEST(OutboundQueue, FirstPushAsksForWakeUpThenNot) {
  OutboundQueue queue(10, 1000);
  EXPECT_EQ(queue.push(frame_of(10)), OutboundQueue::PushResult::kQueuedWakeUp);
  EXPECT_EQ(queue.push(frame_of(10)), OutboundQueue::PushResult::kQueued);
  std::vector<SharedFrame> out;
  queue.take_all(out);
  EXPECT_EQ(out.size(), 2U);
  // The writer found frames and stays awake: no wake-up needed yet.
  EXPECT_EQ(queue.push(frame_of(10)), OutboundQueue::PushResult::kQueued);
  out.clear();
  queue.take_all(out);
  out.clear();
  queue.take_all(out);  // empty: the writer goes idle
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(queue.push(frame_of(10)), OutboundQueue::PushResult::kQueuedWakeUp);
}

TEST(OutboundQueue, BoundedInFramesAndBytes) {
  OutboundQueue by_count(2, 1000);
  EXPECT_NE(by_count.push(frame_of(1)), OutboundQueue::PushResult::kFull);
  EXPECT_NE(by_count.push(frame_of(1)), OutboundQueue::PushResult::kFull);
  EXPECT_EQ(by_count.push(frame_of(1)), OutboundQueue::PushResult::kFull);
  EXPECT_EQ(by_count.frames(), 2U);

  OutboundQueue by_bytes(100, 25);
  EXPECT_NE(by_bytes.push(frame_of(20)), OutboundQueue::PushResult::kFull);
  EXPECT_EQ(by_bytes.push(frame_of(6)), OutboundQueue::PushResult::kFull);
  EXPECT_NE(by_bytes.push(frame_of(5)), OutboundQueue::PushResult::kFull);
  EXPECT_EQ(by_bytes.bytes(), 25U);
}

TEST(OutboundQueue, ControlFramesPassTheBoundButNotClose) {
  OutboundQueue queue(1, 10);
  queue.push(frame_of(10));
  EXPECT_EQ(queue.push(frame_of(5)), OutboundQueue::PushResult::kFull);
  EXPECT_NE(queue.push_control(frame_of(5)), OutboundQueue::PushResult::kFull);
  queue.close();
  EXPECT_EQ(queue.push_control(frame_of(5)), OutboundQueue::PushResult::kClosed);
  EXPECT_EQ(queue.push(frame_of(1)), OutboundQueue::PushResult::kClosed);
}

TEST(OutboundQueue, DropAllEmptiesIt) {
  OutboundQueue queue(10, 1000);
  queue.push(frame_of(100));
  queue.drop_all();
  EXPECT_EQ(queue.frames(), 0U);
  EXPECT_EQ(queue.bytes(), 0U);
}

TEST(OutboundQueue, ConcurrentProducersNeverExceedTheBound) {
  OutboundQueue queue(100, 1U << 20);
  std::vector<std::thread> producers;
  std::atomic<int> accepted{0};
  for (int t = 0; t < 4; ++t) {
    producers.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) {
        const auto result = queue.push(frame_of(8));
        if (result == OutboundQueue::PushResult::kQueued || result == OutboundQueue::PushResult::kQueuedWakeUp) {
          ++accepted;
        }
      }
    });
  }
  for (auto& p : producers) {
    p.join();
  }
  EXPECT_EQ(accepted.load(), 100);
  EXPECT_EQ(queue.frames(), 100U);
}

}  // namespace
}  // namespace weft::broker::net
