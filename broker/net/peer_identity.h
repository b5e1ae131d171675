// Who is on the other end of a mutual-TLS connection: the organisation
// registered for the key of its client certificate (the SPKI pin), never the
// certificate's names. The weft protocol and the TAXII read side both
// identify peers with this, so the two cannot drift apart.
#pragma once

#include <openssl/ssl.h>

#include <string>

#include "common/registry.h"

namespace weft::broker::net {

struct PeerIdentity {
  enum class Status { kKnown, kUnknown, kRevoked };
  Status status = Status::kUnknown;
  // Lower-case hex SHA-256 of the peer's SubjectPublicKeyInfo; empty when
  // the connection carries no certificate.
  std::string pin;
  // Set for kKnown and kRevoked; points into the registry looked up.
  const v1::Organisation* org = nullptr;

  // The start of the pin, safe to log; "none" without a certificate.
  std::string shown_pin() const { return pin.empty() ? std::string("none") : pin.substr(0, 16); }
};

// On an established connection.
PeerIdentity identify_peer(SSL* ssl, const Registry& registry);
// Again, for a pin taken earlier, against the registry in force now (a
// revocation must reach connections that are already open).
PeerIdentity identify_pin(const std::string& pin, const Registry& registry);

}  // namespace weft::broker::net
