#include "policies/pseudonymizer.h"

#include <sodium.h>

#include <array>
#include <cstring>

namespace weft::policies {
namespace {

constexpr char kContext[crypto_kdf_CONTEXTBYTES] = {'w', 'e', 'f', 't', 'p', 's', 'd', 'n'};
constexpr std::size_t kTokenBytes = 16;

}  // namespace

Pseudonymizer::Pseudonymizer(Private, SecretBytes master_key) : key_(std::move(master_key)) {
  key_.seal(SecretBytes::WhenIdle::kReadOnly);
}

Result<std::shared_ptr<const Pseudonymizer>> Pseudonymizer::create(SecretBytes master_key) {
  if (master_key.size() != kKeyBytes) {
    return make_error(v1::CONFIG_INVALID, "the pseudonymisation key must be " + std::to_string(kKeyBytes) +
                                              " bytes, not " + std::to_string(master_key.size()));
  }
  return std::make_shared<const Pseudonymizer>(Private{}, std::move(master_key));
}

std::shared_ptr<const Pseudonymizer> Pseudonymizer::with_random_key() {
  return std::make_shared<const Pseudonymizer>(Private{}, SecretBytes::random(kKeyBytes));
}

std::string Pseudonymizer::token(std::string_view category, std::string_view canonical_value,
                                 std::string_view recipient) const {
  unsigned char recipient_hash[8];
  crypto_generichash(recipient_hash, sizeof recipient_hash, reinterpret_cast<const unsigned char*>(recipient.data()),
                     recipient.size(), nullptr, 0);
  std::uint64_t subkey_id = 0;
  std::memcpy(&subkey_id, recipient_hash, sizeof subkey_id);
  std::array<unsigned char, crypto_generichash_KEYBYTES> subkey{};
  const WipeOnExit wipe_subkey(subkey);
  crypto_kdf_derive_from_key(subkey.data(), subkey.size(), subkey_id, kContext, key_.read().data());

  // The state buffers the subkey as its first block.
  crypto_generichash_state state;
  const WipeOnExit wipe_state(state);
  crypto_generichash_init(&state, subkey.data(), subkey.size(), kTokenBytes);
  crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>(category.data()), category.size());
  const unsigned char separator = 0;
  crypto_generichash_update(&state, &separator, 1);
  crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>(canonical_value.data()),
                            canonical_value.size());
  unsigned char digest[kTokenBytes];
  crypto_generichash_final(&state, digest, sizeof digest);

  char hex[kTokenBytes * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  return std::string(category) + ":" + hex;
}

}  // namespace weft::policies
