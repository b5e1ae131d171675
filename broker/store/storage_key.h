// The key that encrypts stored reports at rest (XChaCha20-Poly1305, libsodium)
// and keys the content fingerprints used to tell a re-publish from a
// conflicting one. Lives in libsodium guarded memory, read-only once loaded
// (common/secret_memory.h); never written anywhere but its 0600 key file.
//
// Thread safety: const members may be called from any thread.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "common/secret_memory.h"
#include "proto/error.h"

namespace weft::broker::store {

class StorageKey {
 public:
  static constexpr std::size_t kKeyBytes = 32;

  // Reads a 32-byte key file; refuses files other users can read.
  static Result<std::unique_ptr<StorageKey>> load(const std::filesystem::path& file);
  // `bytes` must be kKeyBytes long (tests and benchmarks).
  static std::unique_ptr<StorageKey> from_bytes(std::string_view bytes);
  explicit StorageKey(SecretBytes key);
  StorageKey(const StorageKey&) = delete;
  StorageKey& operator=(const StorageKey&) = delete;

  // nonce (24 bytes) || ciphertext || tag (16 bytes), bound to `associated`.
  std::string seal(std::string_view plaintext, std::string_view associated) const;
  Result<std::string> open(std::string_view sealed, std::string_view associated) const;
  // Keyed BLAKE2b-256 of `content` under a subkey of this key.
  std::string fingerprint(std::string_view content) const;

 private:
  // Both sealed read-only: read on every publish and every stored report
  // read, from several threads.
  SecretBytes key_;              // kKeyBytes
  SecretBytes fingerprint_key_;  // crypto_generichash_KEYBYTES, derived from key_
};

}  // namespace weft::broker::store
