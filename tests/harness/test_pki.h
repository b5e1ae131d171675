// Certificates the deployment would never issue, made with weft::pki for
// the refusal tests: foreign CAs, unregistered keys, expired or
// not-yet-valid certificates, server-only certificates.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>

#include "pki/pki.h"
#include "tests/harness/raw_tls_client.h"

namespace weft::testing {

struct IssuedIdentity {
  std::filesystem::path cert;
  std::filesystem::path key;
  std::string pin;
  RawTlsClient::Identity identity() const { return {cert, key}; }
};

// A fresh self-signed CA written to `dir` (ca.pem, ca.key).
void make_ca(const std::filesystem::path& dir);

// Issues a certificate with `spec` signed by the CA in `ca_cert`/`ca_key`,
// writing cert.pem and key.pem (0600) into `dir`.
IssuedIdentity issue_identity(const std::filesystem::path& dir, const std::filesystem::path& ca_cert,
                              const std::filesystem::path& ca_key, const pki::CertificateSpec& spec,
                              pki::KeyType key_type = pki::KeyType::kEcP256);

// Writes a client profile in `dir` for an identity, pointing at `ca_cert`.
std::filesystem::path write_profile(const std::filesystem::path& dir, const std::filesystem::path& ca_cert,
                                    const IssuedIdentity& identity);

}  // namespace weft::testing
