#include "policies/pseudonymizer.h"

#include <sodium.h>

#include <cstring>
#include <new>
#include <stdexcept>

namespace weft::policies {
namespace {

constexpr char kContext[crypto_kdf_CONTEXTBYTES] = {'w', 'e', 'f', 't', 'p', 's', 'd', 'n'};
constexpr std::size_t kTokenBytes = 16;

}  // namespace

Pseudonymizer::Pseudonymizer() {
  if (sodium_init() < 0) {
    throw std::runtime_error("libsodium failed to initialise");
  }
  key_ = static_cast<unsigned char*>(sodium_malloc(kKeyBytes));
  if (key_ == nullptr) {
    throw std::bad_alloc();
  }
}

Pseudonymizer::~Pseudonymizer() { sodium_free(key_); }

Result<std::shared_ptr<const Pseudonymizer>> Pseudonymizer::create(std::span<const unsigned char> master_key) {
  if (master_key.size() != kKeyBytes) {
    return make_error(v1::CONFIG_INVALID, "the pseudonymisation key must be " + std::to_string(kKeyBytes) +
                                              " bytes, not " + std::to_string(master_key.size()));
  }
  std::shared_ptr<Pseudonymizer> pseudonymizer(new Pseudonymizer());
  std::memcpy(pseudonymizer->key_, master_key.data(), kKeyBytes);
  return std::shared_ptr<const Pseudonymizer>(std::move(pseudonymizer));
}

std::shared_ptr<const Pseudonymizer> Pseudonymizer::with_random_key() {
  std::shared_ptr<Pseudonymizer> pseudonymizer(new Pseudonymizer());
  crypto_kdf_keygen(pseudonymizer->key_);
  return pseudonymizer;
}

std::string Pseudonymizer::token(std::string_view category, std::string_view canonical_value,
                                 std::string_view recipient) const {
  unsigned char recipient_hash[8];
  crypto_generichash(recipient_hash, sizeof recipient_hash, reinterpret_cast<const unsigned char*>(recipient.data()),
                     recipient.size(), nullptr, 0);
  std::uint64_t subkey_id = 0;
  std::memcpy(&subkey_id, recipient_hash, sizeof subkey_id);
  unsigned char subkey[crypto_generichash_KEYBYTES];
  crypto_kdf_derive_from_key(subkey, sizeof subkey, subkey_id, kContext, key_);

  crypto_generichash_state state;
  crypto_generichash_init(&state, subkey, sizeof subkey, kTokenBytes);
  crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>(category.data()), category.size());
  const unsigned char separator = 0;
  crypto_generichash_update(&state, &separator, 1);
  crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>(canonical_value.data()),
                            canonical_value.size());
  unsigned char digest[kTokenBytes];
  crypto_generichash_final(&state, digest, sizeof digest);
  sodium_memzero(subkey, sizeof subkey);

  char hex[kTokenBytes * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  return std::string(category) + ":" + hex;
}

}  // namespace weft::policies
