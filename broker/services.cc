#include "broker/services.h"

namespace weft::broker {

std::string_view close_reason_name(CloseReason reason) {
  switch (reason) {
    case CloseReason::kPeerClosed:
      return "peer_closed";
    case CloseReason::kHandshakeFailed:
      return "tls_handshake_failed";
    case CloseReason::kHandshakeTimeout:
      return "tls_handshake_timeout";
    case CloseReason::kHelloTimeout:
      return "hello_timeout";
    case CloseReason::kIdleTimeout:
      return "idle_timeout";
    case CloseReason::kFrameTimeout:
      return "frame_timeout";
    case CloseReason::kProtocolError:
      return "protocol_error";
    case CloseReason::kUnknownIdentity:
      return "unknown_identity";
    case CloseReason::kRevoked:
      return "revoked";
    case CloseReason::kSlowConsumer:
      return "slow_consumer";
    case CloseReason::kTooManyConnections:
      return "too_many_connections";
    case CloseReason::kShutdown:
      return "shutdown";
    case CloseReason::kIoError:
      return "io_error";
    case CloseReason::kCount:
      break;
  }
  return "unknown";
}

}  // namespace weft::broker
