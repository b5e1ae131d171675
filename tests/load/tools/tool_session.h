// What the load generators in this folder share: the broker address and a
// TLS client context taken from a client profile, opening a raw session
// (TCP, TLS 1.3 with the organisation's certificate, Hello -> Welcome) with
// one deadline, reading frames off it, and the progress lines the load tests
// parse from their standard output.
//
// The generators talk the wire protocol themselves rather than through
// client-lib's Connection where they need what Connection hides on purpose:
// thousands of sessions sharing one TLS context, or writes that block when
// the broker stops reading.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>

#include "proto/error.h"
#include "proto/frame_codec.h"
#include "weft/v1/frame.pb.h"

namespace weft::load {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using TlsStream = asio::ssl::stream<tcp::socket>;

struct Target {
  tcp::endpoint broker;
  std::string server_name;
  std::shared_ptr<asio::ssl::context> tls;
  std::filesystem::path signing_key_file;  // empty when the profile has none
};

// The profile's broker (or `broker_override`, "HOST:PORT", when not empty)
// and one TLS context for every session of this process.
Result<Target> load_target(const std::filesystem::path& profile_file, const std::string& broker_override);

// Connect, TLS handshake, Hello, Welcome, all within `deadline`; on success
// the Welcome (its limits carry the heartbeat interval).
asio::awaitable<Result<v1::Welcome>> open_session(TlsStream& stream, const Target& target,
                                                  std::chrono::milliseconds deadline, const std::string& software);

// Reads the next whole frame from `stream` into `frame`. An error when the
// connection ends or sends something that is not a frame.
asio::awaitable<Result<void>> read_frame(TlsStream& stream, proto::FrameAssembler& assembler, v1::Frame& frame);

// One line on standard output, flushed at once: the tests poll for them.
void say(const std::string& line);

}  // namespace weft::load
