#include "broker/net/peer_identity.h"

#include "tls/tls_context.h"

namespace weft::broker::net {

PeerIdentity identify_peer(SSL* ssl, const Registry& registry) {
  auto pin = tls::peer_spki_sha256(ssl);
  if (!pin) {
    return {};
  }
  return identify_pin(pin.value(), registry);
}

PeerIdentity identify_pin(const std::string& pin, const Registry& registry) {
  PeerIdentity identity;
  identity.pin = pin;
  identity.org = pin.empty() ? nullptr : registry.find_by_pin(pin);
  if (identity.org == nullptr) {
    identity.status = PeerIdentity::Status::kUnknown;
  } else if (identity.org->revoked()) {
    identity.status = PeerIdentity::Status::kRevoked;
  } else {
    identity.status = PeerIdentity::Status::kKnown;
  }
  return identity;
}

}  // namespace weft::broker::net
