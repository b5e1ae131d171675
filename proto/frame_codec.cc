#include "proto/frame_codec.h"

#include <algorithm>
#include <cstring>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/reflection.h>
#include <google/protobuf/unknown_field_set.h>

namespace weft::proto {

void write_length_prefix(std::uint32_t length, char* header) {
  header[0] = static_cast<char>((length >> 24) & 0xFF);
  header[1] = static_cast<char>((length >> 16) & 0xFF);
  header[2] = static_cast<char>((length >> 8) & 0xFF);
  header[3] = static_cast<char>(length & 0xFF);
}

std::uint32_t read_length_prefix(const char* header) {
  const auto byte = [header](int i) { return static_cast<std::uint32_t>(static_cast<unsigned char>(header[i])); };
  return (byte(0) << 24) | (byte(1) << 16) | (byte(2) << 8) | byte(3);
}

void append_frame(const v1::Frame& frame, std::string& out) {
  const std::size_t body_size = frame.ByteSizeLong();
  const std::size_t start = out.size();
  out.resize(start + kFrameHeaderBytes + body_size);
  write_length_prefix(static_cast<std::uint32_t>(body_size), out.data() + start);
  frame.SerializeWithCachedSizesToArray(reinterpret_cast<std::uint8_t*>(out.data() + start + kFrameHeaderBytes));
}

std::string encode_frame(const v1::Frame& frame) {
  std::string out;
  append_frame(frame, out);
  return out;
}

std::size_t discard_unknown_fields(google::protobuf::Message& message) {
  const google::protobuf::Reflection* reflection = message.GetReflection();
  std::size_t discarded = static_cast<std::size_t>(reflection->GetUnknownFields(message).field_count());
  if (discarded > 0) {
    reflection->MutableUnknownFields(&message)->Clear();
  }
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);
  for (const auto* field : fields) {
    if (field->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) {
      continue;
    }
    if (field->is_repeated()) {
      const int count = reflection->FieldSize(message, field);
      for (int i = 0; i < count; ++i) {
        discarded += discard_unknown_fields(*reflection->MutableRepeatedMessage(&message, field, i));
      }
    } else {
      discarded += discard_unknown_fields(*reflection->MutableMessage(&message, field));
    }
  }
  return discarded;
}

Result<void> decode_frame_body(std::string_view body, v1::Frame& frame, std::size_t* unknown_fields) {
  frame.Clear();
  google::protobuf::io::CodedInputStream input(reinterpret_cast<const std::uint8_t*>(body.data()),
                                               static_cast<int>(body.size()));
  input.SetRecursionLimit(kRecursionLimit);
  if (!frame.MergeFromCodedStream(&input) || !input.ConsumedEntireMessage()) {
    frame.Clear();
    return make_error(v1::DECODE_ERROR,
                      "frame body is not a valid weft.v1.Frame (malformed protobuf, invalid UTF-8 in a "
                      "string field, or nesting deeper than " +
                          std::to_string(kRecursionLimit) + " levels)");
  }
  const std::size_t unknown = discard_unknown_fields(frame);
  if (unknown_fields != nullptr) {
    *unknown_fields += unknown;
  }
  return ok();
}

FrameAssembler::FrameAssembler(std::uint32_t max_frame_bytes)
    : max_frame_bytes_(std::min(max_frame_bytes, kHardMaxFrameBytes)) {}

FrameAssembler::Next FrameAssembler::next() {
  const std::size_t available = written_ - read_;
  if (available < kFrameHeaderBytes) {
    return {};
  }
  const std::uint32_t length = read_length_prefix(buffer_.data() + read_);
  if (length == 0) {
    return {Status::kEmptyFrame, {}, 0};
  }
  if (length > max_frame_bytes_) {
    return {Status::kFrameTooLarge, {}, length};
  }
  const std::size_t total = kFrameHeaderBytes + length;
  if (available < total) {
    pending_frame_bytes_ = total;
    return {};
  }
  Next frame{Status::kFrame, std::string_view(buffer_.data() + read_ + kFrameHeaderBytes, length), length};
  read_ += total;
  pending_frame_bytes_ = 0;
  if (read_ == written_) {
    read_ = written_ = 0;
  }
  return frame;
}

std::span<char> FrameAssembler::prepare() {
  if (read_ == written_) {
    read_ = written_ = 0;
  }
  // Room for the rest of a checked frame, or one read chunk.
  const std::size_t wanted_tail = std::max(kReadChunk, pending_frame_bytes_ > 0 ? pending_frame_bytes_ - (written_ - read_) : 0);
  if (buffer_.size() - written_ < wanted_tail && read_ > 0) {
    std::memmove(buffer_.data(), buffer_.data() + read_, written_ - read_);
    written_ -= read_;
    read_ = 0;
  }
  if (buffer_.size() - written_ < wanted_tail) {
    buffer_.resize(written_ + wanted_tail);
  }
  return {buffer_.data() + written_, buffer_.size() - written_};
}

std::span<char> FrameAssembler::prepare_idle() {
  if (read_ != written_) {
    return prepare();
  }
  read_ = written_ = 0;
  pending_frame_bytes_ = 0;
  if (buffer_.size() != kIdleChunk) {
    std::vector<char>(kIdleChunk).swap(buffer_);
  }
  return {buffer_.data(), buffer_.size()};
}

void FrameAssembler::commit(std::size_t bytes) { written_ = std::min(written_ + bytes, buffer_.size()); }

void FrameAssembler::release_if_empty() {
  if (read_ == written_ && !buffer_.empty()) {
    std::vector<char>().swap(buffer_);
    read_ = written_ = 0;
    pending_frame_bytes_ = 0;
  }
}

}  // namespace weft::proto
