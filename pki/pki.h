// Keys and certificates for a weft deployment, made with OpenSSL 3.
//
// A deployment has one CA. It issues the broker's server certificate and one
// client certificate per organisation. Organisations are identified by the
// SHA-256 of their certificate's DER SubjectPublicKeyInfo (the RFC 7469 pin
// construction), never by names in the certificate.
//
// Thread safety: free functions, no shared state.
#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "proto/error.h"

namespace weft::pki {

struct KeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct CertificateDeleter {
  void operator()(X509* cert) const { X509_free(cert); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, KeyDeleter>;
using CertificatePtr = std::unique_ptr<X509, CertificateDeleter>;

enum class KeyType { kEcP256, kEd25519 };
Result<KeyType> parse_key_type(std::string_view name);  // "p256" | "ed25519"

enum class Usage {
  kCertificateAuthority,
  kServer,  // serverAuth EKU, with subjectAltNames
  kClient,  // clientAuth EKU
};

struct CertificateSpec {
  std::string common_name;
  std::string organisation = "weft deployment";
  Usage usage = Usage::kClient;
  // Validity window relative to now; tests move it into the past or future.
  std::chrono::seconds not_before_offset = std::chrono::minutes(-5);
  std::chrono::seconds lifetime = std::chrono::hours(24 * 90);
  std::vector<std::string> dns_names;     // kServer only
  std::vector<std::string> ip_addresses;  // kServer only
};

Result<KeyPtr> generate_key(KeyType type);

// Issues a certificate for `subject_key`. With `issuer` empty the
// certificate is self-signed (a CA).
Result<CertificatePtr> issue(const CertificateSpec& spec, EVP_PKEY* subject_key, X509* issuer_certificate,
                             EVP_PKEY* issuer_key);

std::string certificate_pem(X509* certificate);
std::string private_key_pem(EVP_PKEY* key);

Result<CertificatePtr> load_certificate(const std::filesystem::path& pem_file);
Result<KeyPtr> load_private_key(const std::filesystem::path& pem_file);
Result<CertificatePtr> parse_certificate(std::string_view pem);

// Lower-case hex SHA-256 over the DER SubjectPublicKeyInfo.
Result<std::string> spki_sha256_hex(X509* certificate);

// The text of OpenSSL's error queue (emptied), for error messages.
std::string openssl_errors();

// Refuses a private-key file that other users can read (mode & 077), the way
// ssh refuses such keys.
Result<void> check_private_file_mode(const std::filesystem::path& path);

}  // namespace weft::pki
