#include "broker/store/storage_key.h"

#include <sodium.h>

#include <span>
#include <stdexcept>

#include "common/secret_files.h"

namespace weft::broker::store {
namespace {

constexpr char kFingerprintContext[crypto_kdf_CONTEXTBYTES] = {'w', 'e', 'f', 't', 'f', 'p', 'r', 't'};

}  // namespace

StorageKey::StorageKey(SecretBytes key)
    : key_(std::move(key)), fingerprint_key_(crypto_generichash_KEYBYTES) {
  if (key_.size() != kKeyBytes) {
    throw std::invalid_argument("a storage key is 32 bytes");
  }
  crypto_kdf_derive_from_key(fingerprint_key_.writable().data(), fingerprint_key_.size(), 1, kFingerprintContext,
                             key_.read().data());
  key_.seal(SecretBytes::WhenIdle::kReadOnly);
  fingerprint_key_.seal(SecretBytes::WhenIdle::kReadOnly);
}

std::unique_ptr<StorageKey> StorageKey::from_bytes(std::string_view bytes) {
  return std::make_unique<StorageKey>(SecretBytes::copy_of(
      std::span<const unsigned char>(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size())));
}

Result<std::unique_ptr<StorageKey>> StorageKey::load(const std::filesystem::path& file) {
  WEFT_TRY(auto key, files::read_raw_key_file(file, "storage key", kKeyBytes));
  return std::make_unique<StorageKey>(std::move(key));
}

std::string StorageKey::seal(std::string_view plaintext, std::string_view associated) const {
  std::string out(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + plaintext.size() +
                      crypto_aead_xchacha20poly1305_ietf_ABYTES,
                  '\0');
  auto* nonce = reinterpret_cast<unsigned char*>(out.data());
  randombytes_buf(nonce, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
  unsigned long long written = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(
      nonce + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, &written,
      reinterpret_cast<const unsigned char*>(plaintext.data()), plaintext.size(),
      reinterpret_cast<const unsigned char*>(associated.data()), associated.size(), nullptr, nonce, key_.read().data());
  out.resize(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + written);
  return out;
}

Result<std::string> StorageKey::open(std::string_view sealed, std::string_view associated) const {
  constexpr std::size_t kOverhead = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + crypto_aead_xchacha20poly1305_ietf_ABYTES;
  if (sealed.size() < kOverhead) {
    return make_error(v1::STORAGE_UNAVAILABLE, "stored report is truncated");
  }
  std::string plaintext(sealed.size() - kOverhead, '\0');
  const auto* nonce = reinterpret_cast<const unsigned char*>(sealed.data());
  unsigned long long length = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          reinterpret_cast<unsigned char*>(plaintext.data()), &length, nullptr,
          nonce + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, sealed.size() - crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
          reinterpret_cast<const unsigned char*>(associated.data()), associated.size(), nonce, key_.read().data()) != 0) {
    return make_error(v1::STORAGE_UNAVAILABLE,
                      "stored report does not decrypt: wrong storage key, or the row was altered");
  }
  plaintext.resize(length);
  return plaintext;
}

std::string StorageKey::fingerprint(std::string_view content) const {
  unsigned char digest[32];
  crypto_generichash(digest, sizeof digest, reinterpret_cast<const unsigned char*>(content.data()), content.size(),
                     fingerprint_key_.read().data(), fingerprint_key_.size());
  return std::string(reinterpret_cast<const char*>(digest), sizeof digest);
}

}  // namespace weft::broker::store
