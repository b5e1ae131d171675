// Frame encoding and decoding for the weft wire protocol (docs/wire-format.md).
//
// A frame is a 4-byte big-endian length N followed by N bytes holding one
// serialized weft.v1.Frame. The length is checked against the session's
// maximum before any buffer is sized for the body, so a peer cannot make us
// allocate by declaring a large frame. Pure code: no I/O, no threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "proto/error.h"
#include "weft/v1/frame.pb.h"

namespace weft::proto {

inline constexpr std::size_t kFrameHeaderBytes = 4;
inline constexpr std::uint32_t kDefaultMaxFrameBytes = 1U << 20;
// No configuration may raise the frame limit past this.
inline constexpr std::uint32_t kHardMaxFrameBytes = 8U << 20;
// Deepest message nesting the schema needs is 4 (Frame > Delivery > Report >
// Indicator > Timestamp); anything far deeper is an attack.
inline constexpr int kRecursionLimit = 32;

// Appends the length prefix and the serialized frame to `out`.
void append_frame(const v1::Frame& frame, std::string& out);
std::string encode_frame(const v1::Frame& frame);

std::uint32_t read_length_prefix(const char* header);
void write_length_prefix(std::uint32_t length, char* header);

// Parses one frame body (the bytes after the length prefix) with the wire
// limits applied. Unknown fields are dropped; their number is added to
// `*unknown_fields` when given.
Result<void> decode_frame_body(std::string_view body, v1::Frame& frame,
                               std::size_t* unknown_fields = nullptr);

// Drops every unknown field in `message` and its sub-messages; returns how
// many there were. Unknown fields cannot be inspected by the policy engine,
// so they never travel on.
std::size_t discard_unknown_fields(google::protobuf::Message& message);

// Cuts a byte stream into frames. Read from the socket into prepare(), then
// commit() the bytes read and take frames with next() until it says
// kNeedMore. The buffer grows past its read chunk only for a frame whose
// declared length has already passed the limit check.
class FrameAssembler {
 public:
  enum class Status { kNeedMore, kFrame, kEmptyFrame, kFrameTooLarge };
  struct Next {
    Status status = Status::kNeedMore;
    // For kFrame: the body, valid until the next prepare().
    std::string_view body;
    // For kFrame and kFrameTooLarge: the length the peer declared.
    std::uint32_t declared_length = 0;
  };

  explicit FrameAssembler(std::uint32_t max_frame_bytes);

  Next next();
  // Writable space for the next read; never empty.
  std::span<char> prepare();
  // Like prepare(), for a read that may wait long: with nothing buffered,
  // the read buffer shrinks to a few hundred bytes, so an idle connection
  // keeps no read chunk. It grows back on the next prepare().
  std::span<char> prepare_idle();
  void commit(std::size_t bytes);

  // Some bytes of a frame have arrived but not all of it.
  bool has_partial_frame() const { return read_ < written_; }
  // Gives back a large buffer once it holds nothing (idle connections).
  void release_if_empty();
  std::size_t capacity() const { return buffer_.size(); }
  std::uint32_t max_frame_bytes() const { return max_frame_bytes_; }

 private:
  static constexpr std::size_t kReadChunk = 16 * 1024;
  static constexpr std::size_t kIdleChunk = 256;

  std::uint32_t max_frame_bytes_;
  std::vector<char> buffer_;
  std::size_t read_ = 0;
  std::size_t written_ = 0;
  // Bytes the frame at read_ needs in total, once its header has been checked.
  std::size_t pending_frame_bytes_ = 0;
};

}  // namespace weft::proto
