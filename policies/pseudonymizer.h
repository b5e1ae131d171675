// PSEUDONYMISE: stable keyed tokens such as "EMAIL:7f3a9c...".
//
// token = CATEGORY ":" hex(BLAKE2b-128(key_r, CATEGORY 0x00 canonical_value))
// where key_r = crypto_kdf_derive_from_key(master, id(recipient), "weftpsdn")
// and id(recipient) is the first 8 bytes of BLAKE2b(recipient name). The
// same value gets the same token for one recipient, so it can still
// correlate; two recipients get unrelated tokens, so they cannot join their
// data; without the master key nobody can test a guess (a plain hash of an
// IPv4 address is reversed by trying all 2^32).
//
// The master key lives in libsodium guarded memory, read-only once made
// (common/secret_memory.h). Thread-safe.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/secret_memory.h"
#include "proto/error.h"

namespace weft::policies {

class Pseudonymizer {
 public:
  static constexpr std::size_t kKeyBytes = 32;

  // `master_key` must be kKeyBytes long; it is sealed read-only here.
  static Result<std::shared_ptr<const Pseudonymizer>> create(SecretBytes master_key);
  // A fresh random key (for `weft policy test`, where tokens need not match the broker's).
  static std::shared_ptr<const Pseudonymizer> with_random_key();
  // For make_shared; callers use the factories above.
  struct Private {};
  Pseudonymizer(Private, SecretBytes master_key);
  Pseudonymizer(const Pseudonymizer&) = delete;
  Pseudonymizer& operator=(const Pseudonymizer&) = delete;

  std::string token(std::string_view category, std::string_view canonical_value, std::string_view recipient) const;

 private:
  SecretBytes key_;  // kKeyBytes, sealed read-only: read on every pseudonymised delivery
};

}  // namespace weft::policies
