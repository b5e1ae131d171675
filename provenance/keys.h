// Ed25519 keys for provenance signatures (libsodium).
//
// A SigningKey holds its secret key in guarded memory (common/secret_memory.h:
// guard pages, mlock'ed, read-only, wiped when freed); it is move-only. The
// broker signs an attestation on every delivery of a signed report, from
// several threads, so the pages stay readable rather than no-access between
// uses. A VerifyingKey is a public key,
// an immutable value; its text form is "ed25519:" followed by the 32 key
// bytes in standard base64 with padding, e.g. for a publisher's key in a
// recipient's configuration.
//
// Both are thread-safe for const use.
#pragma once

#include <array>
#include <filesystem>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "common/secret_memory.h"
#include "proto/error.h"

namespace weft::provenance {

class VerifyingKey {
 public:
  static constexpr std::size_t kBytes = 32;
  static constexpr std::string_view kTextPrefix = "ed25519:";

  // CONFIG_INVALID unless exactly kBytes that encode a valid Ed25519 point
  // of large order.
  static Result<VerifyingKey> from_bytes(std::span<const unsigned char> bytes);
  // "ed25519:<base64>"; CONFIG_INVALID otherwise.
  static Result<VerifyingKey> parse(std::string_view text);

  std::string to_text() const;
  const std::array<unsigned char, kBytes>& bytes() const { return bytes_; }

  // Whether `signature` is this key's Ed25519 signature of `message`.
  bool verify(std::string_view message, std::string_view signature) const;

  bool operator==(const VerifyingKey&) const = default;

 private:
  friend class SigningKey;
  explicit VerifyingKey(const std::array<unsigned char, kBytes>& bytes) : bytes_(bytes) {}

  std::array<unsigned char, kBytes> bytes_{};
};

class SigningKey {
 public:
  static constexpr std::size_t kSeedBytes = 32;
  static constexpr std::size_t kSignatureBytes = 64;

  // A new random key.
  static SigningKey generate();
  // The key derived from a 32-byte seed (RFC 8032 private key); CONFIG_INVALID
  // for another length. The caller wipes its copy of the seed.
  static Result<SigningKey> from_seed(std::span<const unsigned char> seed);
  // Reads "ed25519-secret:<base64 of the 32-byte seed>" from a file only its
  // owner may read (an organisation's or the broker's signing key).
  static Result<SigningKey> load(const std::filesystem::path& file);
  // A new random key in `file` (0600); never replaces an existing file.
  static Result<VerifyingKey> create_key_file(const std::filesystem::path& file);

  SigningKey(SigningKey&& other) noexcept = default;
  SigningKey& operator=(SigningKey&& other) noexcept = default;
  SigningKey(const SigningKey&) = delete;
  SigningKey& operator=(const SigningKey&) = delete;

  const VerifyingKey& verifying_key() const { return verifying_key_; }

  // The 64-byte Ed25519 signature of `message`.
  std::string sign(std::string_view message) const;

 private:
  SigningKey(SecretBytes secret_key, const VerifyingKey& verifying_key);

  SecretBytes secret_key_;  // 64 bytes, libsodium layout: seed || public key
  VerifyingKey verifying_key_;
};

}  // namespace weft::provenance
