// End-to-end sealing of TLP:RED reports: a publisher seals each named
// recipient's copy with that recipient's X25519 public key (libsodium sealed
// boxes: an ephemeral key per box, so the publisher cannot open it again and
// the broker, which relays it, never can). Each organisation's key pair is
// made by `weft admin org add`: the secret stays in its folder (0600), the
// public key goes into the registry as "x25519:<base64>".
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "common/secret_memory.h"
#include "proto/error.h"

namespace weft::sealing {

using PublicKey = std::array<std::uint8_t, 32>;

// "x25519:<standard base64 of the 32-byte key>".
std::string public_key_text(const PublicKey& key);
// CONFIG_INVALID naming the problem for anything else.
Result<PublicKey> parse_public_key(std::string_view text);

// Seals `plaintext` for the holder of `recipient`'s secret key. The sealed
// box is 48 bytes longer than the plaintext.
std::string seal(std::string_view plaintext, const PublicKey& recipient);

// An organisation's key pair. The secret key lives in guarded memory
// (common/secret_memory.h): guard pages, mlock'ed, no access except while a
// box is opened (a few times per received TLP:RED report), wiped when freed.
class SealingKey {
 public:
  static std::unique_ptr<SealingKey> generate();
  // Reads "x25519-secret:<base64 32 bytes>" from a file only its owner may read.
  static Result<std::unique_ptr<SealingKey>> load(const std::filesystem::path& file);
  // A new key pair in `file` (0600); never replaces an existing file.
  // Returns the new public key.
  static Result<PublicKey> create_key_file(const std::filesystem::path& file);

  // For make_unique; callers use the factories above. Seals `secret_key`.
  struct Private {};
  SealingKey(Private, SecretBytes secret_key, const PublicKey& public_key);
  SealingKey(const SealingKey&) = delete;
  SealingKey& operator=(const SealingKey&) = delete;

  const PublicKey& public_key() const { return public_key_; }
  // The plaintext of a box sealed for this key; CRYPTO_FAILED-style
  // VALIDATION_FAILED when it was sealed for another key or altered.
  Result<std::string> open(std::string_view sealed) const;

 private:
  // The key file's content, newline included; the caller wipes it.
  std::string key_file_content() const;

  PublicKey public_key_{};
  SecretBytes secret_key_;  // 32 bytes
};

}  // namespace weft::sealing
