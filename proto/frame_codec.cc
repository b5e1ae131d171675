#include "proto/frame_codec.h"

#include <algorithm>
#include <cstring>

#include <optional>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/reflection.h>
#include <google/protobuf/stubs/common.h>
#include <google/protobuf/unknown_field_set.h>
#include <google/protobuf/wire_format_lite.h>

namespace weft::proto {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::internal::WireFormatLite;

// Why the parser refused a body, precisely enough for the sender to fix it.
struct Defect {
  v1::ErrorCode code;
  std::string field;  // e.g. "frame.publish.report.title"
};

// Walks a body the parser refused, tag by tag with protobuf's own wire
// primitives and the schema, looking for the two refusals a client can act
// on: a string field that is not UTF-8, and nesting past kRecursionLimit.
// Groups (absent from weft's proto3 schema, so always unknown fields) are
// counted without recursing, so no input can exhaust the stack here;
// known message fields recurse at most as deep as the schema.
std::optional<Defect> find_defect(std::string_view bytes, const google::protobuf::Descriptor& type,
                                  const std::string& path, int depth) {
  if (depth > kRecursionLimit) {
    return Defect{v1::TOO_DEEP, path};
  }
  google::protobuf::io::CodedInputStream input(reinterpret_cast<const std::uint8_t*>(bytes.data()),
                                               static_cast<int>(bytes.size()));
  int open_groups = 0;
  while (const std::uint32_t tag = input.ReadTag()) {
    switch (WireFormatLite::GetTagWireType(tag)) {
      case WireFormatLite::WIRETYPE_START_GROUP:
        if (depth + ++open_groups > kRecursionLimit) {
          return Defect{v1::TOO_DEEP, path};
        }
        break;
      case WireFormatLite::WIRETYPE_END_GROUP:
        if (--open_groups < 0) {
          return std::nullopt;
        }
        break;
      case WireFormatLite::WIRETYPE_LENGTH_DELIMITED: {
        std::uint32_t length = 0;
        std::string value;
        if (!input.ReadVarint32(&length) || !input.ReadString(&value, static_cast<int>(length))) {
          return std::nullopt;
        }
        const FieldDescriptor* field =
            open_groups == 0 ? type.FindFieldByNumber(WireFormatLite::GetTagFieldNumber(tag)) : nullptr;
        if (field == nullptr) {
          break;
        }
        const std::string field_path = path + "." + field->name();
        if (field->type() == FieldDescriptor::TYPE_STRING &&
            !google::protobuf::internal::IsStructurallyValidUTF8(value.data(), static_cast<int>(value.size()))) {
          return Defect{v1::INVALID_UTF8, field_path};
        }
        if (field->type() == FieldDescriptor::TYPE_MESSAGE) {
          if (auto defect = find_defect(value, *field->message_type(), field_path, depth + 1)) {
            return defect;
          }
        }
        break;
      }
      default:
        if (!WireFormatLite::SkipField(&input, tag)) {
          return std::nullopt;
        }
    }
  }
  return std::nullopt;
}

Error decode_error_for(std::string_view body) {
  if (const auto defect = find_defect(body, *v1::Frame::descriptor(), "frame", 0)) {
    if (defect->code == v1::INVALID_UTF8) {
      return make_error(v1::INVALID_UTF8, defect->field + " is not valid UTF-8 (string fields must be)");
    }
    return make_error(v1::TOO_DEEP, "frame nests groups or messages deeper than " + std::to_string(kRecursionLimit) +
                                        " levels (inside " + defect->field + ")");
  }
  return make_error(v1::DECODE_ERROR, "frame body is not a valid weft.v1.Frame (malformed protobuf)");
}

}  // namespace

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

namespace {

// What sweeping a parsed message's unknown fields found.
struct UnknownFieldSweep {
  std::size_t discarded = 0;
  // A field the schema knows, sent with another wire type: protobuf keeps it
  // as an unknown field, but it is a malformed frame, not a newer schema.
  std::optional<std::string> wrong_wire_type;
  // Names from the root to the message being swept (descriptor-owned), so
  // the field's path is spelled out only when there is something to report:
  // every frame is swept.
  std::vector<std::string_view> path;

  std::string path_to(std::string_view field) const {
    std::string out;
    for (const auto name : path) {
      out.append(name).append(".");
    }
    return out.append(field);
  }
};

void sweep_unknown_fields(google::protobuf::Message& message, UnknownFieldSweep& sweep) {
  const google::protobuf::Reflection* reflection = message.GetReflection();
  const google::protobuf::UnknownFieldSet& unknown = reflection->GetUnknownFields(message);
  if (unknown.field_count() > 0) {
    for (int i = 0; i < unknown.field_count() && !sweep.wrong_wire_type; ++i) {
      if (const auto* known = message.GetDescriptor()->FindFieldByNumber(unknown.field(i).number())) {
        sweep.wrong_wire_type = sweep.path_to(known->name());
      }
    }
    sweep.discarded += static_cast<std::size_t>(unknown.field_count());
    reflection->MutableUnknownFields(&message)->Clear();
  }
  std::vector<const FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);
  for (const auto* field : fields) {
    if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
      continue;
    }
    sweep.path.push_back(field->name());
    if (field->is_repeated()) {
      const int count = reflection->FieldSize(message, field);
      for (int i = 0; i < count; ++i) {
        sweep_unknown_fields(*reflection->MutableRepeatedMessage(&message, field, i), sweep);
      }
    } else {
      sweep_unknown_fields(*reflection->MutableMessage(&message, field), sweep);
    }
    sweep.path.pop_back();
  }
}

}  // namespace

std::size_t discard_unknown_fields(google::protobuf::Message& message) {
  UnknownFieldSweep sweep;
  sweep.path.push_back(message.GetDescriptor()->name());
  sweep_unknown_fields(message, sweep);
  return sweep.discarded;
}

Result<void> decode_frame_body(std::string_view body, v1::Frame& frame, std::size_t* unknown_fields) {
  frame.Clear();
  google::protobuf::io::CodedInputStream input(reinterpret_cast<const std::uint8_t*>(body.data()),
                                               static_cast<int>(body.size()));
  input.SetRecursionLimit(kRecursionLimit);
  if (!frame.MergeFromCodedStream(&input) || !input.ConsumedEntireMessage()) {
    frame.Clear();
    return decode_error_for(body);
  }
  UnknownFieldSweep sweep;
  sweep.path.push_back("frame");
  sweep_unknown_fields(frame, sweep);
  if (sweep.wrong_wire_type) {
    frame.Clear();
    return make_error(v1::DECODE_ERROR, *sweep.wrong_wire_type + " has the wrong wire type for its schema type");
  }
  if (unknown_fields != nullptr) {
    *unknown_fields += sweep.discarded;
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
