// TLS settings for weft connections, in one place so broker and clients
// cannot drift apart.
//
// Both sides: TLS 1.3 only, the Mozilla "modern" cipher suites and groups,
// no compression, no renegotiation, no session tickets or resumption (a
// resumed session would skip client-certificate checks), no 0-RTT.
// Broker: a client certificate is required and verified against the
// deployment CA alone (never the system trust store), for the clientAuth
// purpose. Client: the broker certificate is verified against the profile's
// CA and the expected server name.
#pragma once

#include <openssl/ssl.h>

#include <filesystem>
#include <memory>
#include <string>

#include <boost/asio/ssl/context.hpp>

#include "proto/error.h"

namespace weft::tls {

struct ServerFiles {
  std::filesystem::path ca_file;
  std::filesystem::path cert_file;
  std::filesystem::path key_file;
};

struct ClientFiles {
  std::filesystem::path ca_file;
  std::filesystem::path cert_file;
  std::filesystem::path key_file;
};

// Contexts are shared by all sessions; they are heap objects so that a
// reload can build a new one while old sessions keep theirs.
Result<std::shared_ptr<boost::asio::ssl::context>> make_server_context(const ServerFiles& files);
Result<std::shared_ptr<boost::asio::ssl::context>> make_client_context(const ClientFiles& files);

// The SPKI pin (lower-case hex SHA-256) of the certificate the peer
// presented on an established connection.
Result<std::string> peer_spki_sha256(SSL* ssl);

// Why a handshake failed, from the verify result and OpenSSL's error queue.
std::string describe_handshake_failure(SSL* ssl);

inline constexpr const char* kCipherSuites =
    "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";
inline constexpr const char* kGroups = "X25519:prime256v1:secp384r1";

}  // namespace weft::tls
