#include "proto/frame_codec.h"

#include <gtest/gtest.h>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

namespace weft::proto {
namespace {

v1::Frame sample_publish() {
  v1::Frame frame;
  frame.set_correlation_id(7);
  auto* report = frame.mutable_publish()->mutable_report();
  report->set_id("5f0c6c1e-8d1b-4a57-9a43-0d6f4f3c2b10");
  report->set_feed("phishing");
  report->set_tlp(v1::GREEN);
  report->set_title("Phishing wave");
  auto* indicator = report->add_indicators();
  indicator->set_type(v1::Indicator::IPV4);
  indicator->set_value("203.0.113.7");
  return frame;
}

void feed(FrameAssembler& assembler, std::string_view bytes) {
  while (!bytes.empty()) {
    auto space = assembler.prepare();
    const std::size_t n = std::min(space.size(), bytes.size());
    std::copy_n(bytes.data(), n, space.data());
    assembler.commit(n);
    bytes.remove_prefix(n);
  }
}

TEST(FrameCodec, LengthPrefixIsBigEndian) {
  char header[4];
  write_length_prefix(0x01020304, header);
  EXPECT_EQ(header[0], 1);
  EXPECT_EQ(header[3], 4);
  EXPECT_EQ(read_length_prefix(header), 0x01020304U);
  write_length_prefix(0xFFFFFFFF, header);
  EXPECT_EQ(read_length_prefix(header), 0xFFFFFFFFU);
}

TEST(FrameCodec, EncodeDecodeRoundTrip) {
  const v1::Frame original = sample_publish();
  const std::string wire = encode_frame(original);
  ASSERT_EQ(read_length_prefix(wire.data()), wire.size() - kFrameHeaderBytes);
  v1::Frame decoded;
  ASSERT_TRUE(decode_frame_body(std::string_view(wire).substr(kFrameHeaderBytes), decoded));
  EXPECT_EQ(decoded.SerializeAsString(), original.SerializeAsString());
}

TEST(FrameCodec, GarbageBodyIsDecodeError) {
  v1::Frame frame;
  auto result = decode_frame_body("\xff\xff\xff\xff\xff\xff\xff", frame);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, v1::DECODE_ERROR);
}

TEST(FrameCodec, InvalidUtf8InStringFieldIsRefused) {
  // Field 21 (error) -> field 2 (message) holding 0xC3 0x28, which is not UTF-8.
  const std::string body("\xaa\x01\x04\x12\x02\xc3\x28", 7);
  v1::Frame frame;
  auto result = decode_frame_body(body, frame);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, v1::INVALID_UTF8);
  EXPECT_NE(result.error().message.find("frame.error.message"), std::string::npos) << result.error().message;
}

std::string nested_groups(int depth) {
  std::string groups;
  for (int i = 0; i < depth; ++i) {
    groups += "\x9b\x06";  // field 99, wire type 3 (start group)
  }
  for (int i = 0; i < depth; ++i) {
    groups += "\x9c\x06";  // matching end-group tags
  }
  return groups;
}

TEST(FrameCodec, NestingPastTheLimitIsTooDeepAndWithinItIsDroppedAsUnknown) {
  v1::Frame frame;
  std::size_t unknown = 0;
  ASSERT_TRUE(decode_frame_body(nested_groups(kRecursionLimit - 1), frame, &unknown));
  EXPECT_EQ(unknown, 1U);
  auto result = decode_frame_body(nested_groups(kRecursionLimit + 1), frame);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, v1::TOO_DEEP) << result.error().message;
}

TEST(FrameCodec, DeepNestingInsideAReportNamesWhereItIs) {
  v1::Frame frame = sample_publish();
  std::string report = frame.publish().report().SerializeAsString() + nested_groups(kRecursionLimit);
  // The publish frame is written by hand around the padded report.
  v1::Frame outer;
  outer.set_correlation_id(frame.correlation_id());
  std::string body = outer.SerializeAsString();
  std::string publish;
  {
    google::protobuf::io::StringOutputStream stream(&publish);
    google::protobuf::io::CodedOutputStream out(&stream);
    const auto* report_field = v1::Publish::descriptor()->FindFieldByName("report");
    out.WriteTag(static_cast<std::uint32_t>(report_field->number() << 3) | 2);
    out.WriteVarint32(static_cast<std::uint32_t>(report.size()));
    out.WriteString(report);
  }
  {
    google::protobuf::io::StringOutputStream stream(&body);
    google::protobuf::io::CodedOutputStream out(&stream);
    const auto* publish_field = v1::Frame::descriptor()->FindFieldByName("publish");
    out.WriteTag(static_cast<std::uint32_t>(publish_field->number() << 3) | 2);
    out.WriteVarint32(static_cast<std::uint32_t>(publish.size()));
    out.WriteString(publish);
  }
  v1::Frame decoded;
  auto result = decode_frame_body(body, decoded);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, v1::TOO_DEEP) << result.error().message;
  EXPECT_NE(result.error().message.find("frame.publish.report"), std::string::npos) << result.error().message;
}

TEST(FrameCodec, AKnownFieldWithTheWrongWireTypeIsADecodeErrorNamingIt) {
  v1::Frame frame = sample_publish();
  std::string body = frame.SerializeAsString();
  std::string wrong;
  google::protobuf::io::StringOutputStream stream(&wrong);
  {
    google::protobuf::io::CodedOutputStream out(&stream);
    // frame.correlation_id is a varint; send it length-delimited.
    const int number = v1::Frame::descriptor()->FindFieldByName("correlation_id")->number();
    out.WriteTag(static_cast<std::uint32_t>(number << 3) | 2);
    out.WriteVarint32(1);
    out.WriteRaw("x", 1);
  }
  body += wrong;
  v1::Frame decoded;
  auto result = decode_frame_body(body, decoded);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, v1::DECODE_ERROR);
  EXPECT_EQ(result.error().message, "frame.correlation_id has the wrong wire type for its schema type");
}

TEST(FrameCodec, MismatchedGroupsAreADecodeError) {
  v1::Frame frame;
  auto result = decode_frame_body(std::string("\x9c\x06", 2), frame);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, v1::DECODE_ERROR);
}

TEST(FrameCodec, DeepNestingIsRefusedWithoutStackOverflow) {
  // 10 000 nested unknown groups: start-group tags for field 99 without end.
  std::string body;
  for (int i = 0; i < 10000; ++i) {
    body += "\x9b\x06";  // field 99, wire type 3 (start group)
  }
  for (int i = 0; i < 10000; ++i) {
    body += "\x9c\x06";  // matching end-group tags
  }
  v1::Frame frame;
  auto result = decode_frame_body(body, frame);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, v1::TOO_DEEP);
}

TEST(FrameCodec, UnknownFieldsAreDroppedAndCounted) {
  v1::Frame frame = sample_publish();
  std::string body = frame.SerializeAsString();
  // Unknown varint field 900 at the top level.
  std::string unknown;
  google::protobuf::io::StringOutputStream stream(&unknown);
  {
    google::protobuf::io::CodedOutputStream out(&stream);
    out.WriteTag((900 << 3) | 0);
    out.WriteVarint64(42);
  }
  body += unknown;
  v1::Frame decoded;
  std::size_t unknown_count = 0;
  ASSERT_TRUE(decode_frame_body(body, decoded, &unknown_count));
  EXPECT_EQ(unknown_count, 1U);
  EXPECT_EQ(decoded.SerializeAsString(), frame.SerializeAsString());
}

TEST(FrameAssembler, WholeFrameAtOnce) {
  FrameAssembler assembler(kDefaultMaxFrameBytes);
  const std::string wire = encode_frame(sample_publish());
  feed(assembler, wire);
  auto next = assembler.next();
  ASSERT_EQ(next.status, FrameAssembler::Status::kFrame);
  EXPECT_EQ(next.body, std::string_view(wire).substr(kFrameHeaderBytes));
  EXPECT_EQ(assembler.next().status, FrameAssembler::Status::kNeedMore);
  EXPECT_FALSE(assembler.has_partial_frame());
}

TEST(FrameAssembler, OneByteAtATime) {
  FrameAssembler assembler(kDefaultMaxFrameBytes);
  const std::string wire = encode_frame(sample_publish());
  for (std::size_t i = 0; i + 1 < wire.size(); ++i) {
    feed(assembler, std::string_view(wire).substr(i, 1));
    EXPECT_EQ(assembler.next().status, FrameAssembler::Status::kNeedMore) << "at byte " << i;
    EXPECT_TRUE(assembler.has_partial_frame());
  }
  feed(assembler, std::string_view(wire).substr(wire.size() - 1));
  auto next = assembler.next();
  ASSERT_EQ(next.status, FrameAssembler::Status::kFrame);
  v1::Frame decoded;
  ASSERT_TRUE(decode_frame_body(next.body, decoded));
  EXPECT_EQ(decoded.publish().report().id(), "5f0c6c1e-8d1b-4a57-9a43-0d6f4f3c2b10");
}

TEST(FrameAssembler, SeveralFramesInOneRead) {
  FrameAssembler assembler(kDefaultMaxFrameBytes);
  std::string wire;
  for (int i = 1; i <= 5; ++i) {
    v1::Frame frame;
    frame.set_correlation_id(static_cast<std::uint64_t>(i));
    frame.mutable_ping()->set_nonce(static_cast<std::uint64_t>(i * 10));
    append_frame(frame, wire);
  }
  feed(assembler, wire);
  for (int i = 1; i <= 5; ++i) {
    auto next = assembler.next();
    ASSERT_EQ(next.status, FrameAssembler::Status::kFrame);
    v1::Frame decoded;
    ASSERT_TRUE(decode_frame_body(next.body, decoded));
    EXPECT_EQ(decoded.correlation_id(), static_cast<std::uint64_t>(i));
  }
  EXPECT_EQ(assembler.next().status, FrameAssembler::Status::kNeedMore);
}

TEST(FrameAssembler, OversizedPrefixIsRefusedBeforeAllocating) {
  FrameAssembler assembler(1024);
  const char header[4] = {'\xff', '\xff', '\xff', '\xff'};
  feed(assembler, std::string_view(header, 4));
  auto next = assembler.next();
  EXPECT_EQ(next.status, FrameAssembler::Status::kFrameTooLarge);
  EXPECT_EQ(next.declared_length, 0xFFFFFFFFU);
  EXPECT_LE(assembler.capacity(), 64U * 1024U);
}

TEST(FrameAssembler, LimitPlusOneIsTooLargeAndLimitIsAccepted) {
  constexpr std::uint32_t kLimit = 100000;
  {
    FrameAssembler assembler(kLimit);
    char header[4];
    write_length_prefix(kLimit + 1, header);
    feed(assembler, std::string_view(header, 4));
    EXPECT_EQ(assembler.next().status, FrameAssembler::Status::kFrameTooLarge);
  }
  {
    FrameAssembler assembler(kLimit);
    std::string wire(kFrameHeaderBytes + kLimit, 'x');
    write_length_prefix(kLimit, wire.data());
    feed(assembler, wire);
    auto next = assembler.next();
    ASSERT_EQ(next.status, FrameAssembler::Status::kFrame);
    EXPECT_EQ(next.body.size(), kLimit);
  }
}

TEST(FrameAssembler, ZeroLengthIsEmptyFrame) {
  FrameAssembler assembler(1024);
  feed(assembler, std::string_view("\0\0\0\0", 4));
  EXPECT_EQ(assembler.next().status, FrameAssembler::Status::kEmptyFrame);
}

TEST(FrameAssembler, HardCapAppliesOverConfiguredLimit) {
  FrameAssembler assembler(0xFFFFFFFF);
  EXPECT_EQ(assembler.max_frame_bytes(), kHardMaxFrameBytes);
}

TEST(FrameAssembler, ReleasesBufferWhenEmpty) {
  FrameAssembler assembler(kDefaultMaxFrameBytes);
  std::string wire(kFrameHeaderBytes + 500000, 'y');
  write_length_prefix(500000, wire.data());
  feed(assembler, wire);
  ASSERT_EQ(assembler.next().status, FrameAssembler::Status::kFrame);
  EXPECT_GE(assembler.capacity(), 500000U);
  assembler.release_if_empty();
  EXPECT_EQ(assembler.capacity(), 0U);
}

// An idle read gets a small buffer; a frame arriving in it, in pieces, still
// comes out whole, and the buffer grows back for the rest of the frame.
TEST(FrameAssembler, IdleReadsUseASmallBufferAndFramesStillAssemble) {
  FrameAssembler assembler(kDefaultMaxFrameBytes);
  std::string wire(kFrameHeaderBytes + 3000, 'z');
  write_length_prefix(3000, wire.data());
  std::string_view rest(wire);

  auto space = assembler.prepare_idle();
  EXPECT_LE(space.size(), 1024U);
  std::size_t n = std::min(space.size(), rest.size());
  std::memcpy(space.data(), rest.data(), n);
  assembler.commit(n);
  rest.remove_prefix(n);
  EXPECT_EQ(assembler.next().status, FrameAssembler::Status::kNeedMore);
  ASSERT_TRUE(assembler.has_partial_frame());

  // With part of a frame buffered, prepare_idle is prepare: room for the rest.
  space = assembler.prepare_idle();
  ASSERT_GE(space.size(), rest.size());
  std::memcpy(space.data(), rest.data(), rest.size());
  assembler.commit(rest.size());
  const auto frame = assembler.next();
  ASSERT_EQ(frame.status, FrameAssembler::Status::kFrame);
  EXPECT_EQ(frame.body, std::string(3000, 'z'));

  EXPECT_LE(assembler.prepare_idle().size(), 1024U);
}

}  // namespace
}  // namespace weft::proto
