// C2SP signed notes (c2sp.org/signed-note) with Ed25519 signatures, key type
// 0x01, in the key string formats of golang.org/x/mod/sumdb/note, so that
// Go tooling and other C2SP implementations read our notes and keys.
//
// A signed note is a text ending in '\n', a blank line, and signature lines
// "— <key name> <base64(4-byte big-endian key id || signature)>\n".
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "common/secret_memory.h"
#include "proto/error.h"

namespace weft::audit {

using Ed25519PublicKey = std::array<std::uint8_t, 32>;

// At most this many signature lines are read; a longer note is refused
// before any signature is checked (the spec asks verifiers to accept 16).
inline constexpr std::size_t kMaxNoteSignatures = 100;

// Key names: non-empty, no Unicode or ASCII whitespace, no '+' (the key
// string separator), valid UTF-8 without control characters. CONFIG_INVALID.
Result<void> check_key_name(std::string_view name);

// Note text: non-empty, ends in '\n', valid UTF-8, no control characters
// other than '\n' (so no CR). AUDIT_INVALID.
Result<void> check_note_text(std::string_view text);

// First 4 bytes, big-endian, of SHA-256(name || 0x0A || 0x01 || public key).
std::uint32_t key_id(std::string_view name, const Ed25519PublicKey& public_key);

class NoteVerifier;

// Signs notes. Owns the Ed25519 secret key in guarded memory
// (common/secret_memory.h): guard pages, mlock'ed where the limits allow,
// no access at all except while signing (the broker signs at most one
// checkpoint per interval), wiped when freed. Immutable once made; sign()
// may run on several threads.
class NoteSigner {
 public:
  // A new random key.
  static Result<std::unique_ptr<NoteSigner>> generate(std::string name);
  // Parses "PRIVATE+KEY+<name>+<8 hex digit id>+<base64(0x01 || 32-byte seed)>"
  // and checks that the id belongs to the name and key.
  static Result<std::unique_ptr<NoteSigner>> from_private_key_string(std::string_view text);
  // Reads that string from a file (one trailing newline allowed). Refuses a
  // file that group or others may read.
  static Result<std::unique_ptr<NoteSigner>> load(const std::filesystem::path& file);
  // Writes a new random key to `file` with mode 0600; refuses to replace an
  // existing file, so a key that has signed checkpoints is never lost.
  static Result<void> create_key_file(const std::filesystem::path& file, std::string name);

  NoteSigner(const NoteSigner&) = delete;
  NoteSigner& operator=(const NoteSigner&) = delete;
  ~NoteSigner();

  // The secret key string from_private_key_string() reads.
  std::string private_key_string() const;
  // "<name>+<8 hex digit id>+<base64(0x01 || 32-byte public key)>"
  std::string verifier_key() const;
  NoteVerifier verifier() const;

  const std::string& name() const { return name_; }
  std::uint32_t id() const { return id_; }
  const Ed25519PublicKey& public_key() const { return public_key_; }

  // `text` (see check_note_text), a blank line and this key's signature line.
  Result<std::string> sign(std::string_view text) const;

 private:
  static Result<std::unique_ptr<NoteSigner>> from_seed(std::string name, const unsigned char* seed);
  NoteSigner(std::string name, SecretBytes secret_key, const Ed25519PublicKey& public_key);

  std::string name_;
  SecretBytes secret_key_;  // libsodium layout: seed || public key
  Ed25519PublicKey public_key_{};
  std::uint32_t id_ = 0;
};

// Checks notes signed by one key. An immutable value: copy and share freely.
class NoteVerifier {
 public:
  // Parses "<name>+<8 hex digit id>+<base64(0x01 || 32-byte public key)>";
  // recomputes the id and refuses a mismatch. Only Ed25519 (type 0x01) keys.
  static Result<NoteVerifier> parse(std::string_view verifier_key);

  const std::string& name() const { return name_; }
  std::uint32_t id() const { return id_; }
  const Ed25519PublicKey& public_key() const { return public_key_; }
  std::string verifier_key() const;

  // Opens a signed note and returns its text (with its final '\n'). The note
  // must be well formed as a whole, including signature lines from other
  // keys, which are otherwise ignored (witnesses, rotated keys). Every line
  // from this key must verify, and there must be at least one.
  Result<std::string> open(std::string_view note) const;

 private:
  friend class NoteSigner;  // builds its own verifier from a checked name
  NoteVerifier(std::string name, const Ed25519PublicKey& public_key);

  std::string name_;
  Ed25519PublicKey public_key_{};
  std::uint32_t id_ = 0;
};

}  // namespace weft::audit
