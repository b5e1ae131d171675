#include "broker/store/storage_key.h"

#include <sodium.h>

#include <cstring>
#include <new>
#include <stdexcept>

#include "common/files.h"
#include "pki/pki.h"

namespace weft::broker::store {
namespace {

constexpr char kFingerprintContext[crypto_kdf_CONTEXTBYTES] = {'w', 'e', 'f', 't', 'f', 'p', 'r', 't'};

}  // namespace

StorageKey::StorageKey() {
  if (sodium_init() < 0) {
    throw std::runtime_error("libsodium failed to initialise");
  }
  key_ = static_cast<unsigned char*>(sodium_malloc(kKeyBytes));
  fingerprint_key_ = static_cast<unsigned char*>(sodium_malloc(crypto_generichash_KEYBYTES));
  if (key_ == nullptr || fingerprint_key_ == nullptr) {
    throw std::bad_alloc();
  }
}

StorageKey::~StorageKey() {
  sodium_free(key_);
  sodium_free(fingerprint_key_);
}

std::unique_ptr<StorageKey> StorageKey::from_bytes(std::string_view bytes) {
  std::unique_ptr<StorageKey> key(new StorageKey());
  std::memcpy(key->key_, bytes.data(), kKeyBytes);
  crypto_kdf_derive_from_key(key->fingerprint_key_, crypto_generichash_KEYBYTES, 1, kFingerprintContext, key->key_);
  return key;
}

Result<std::unique_ptr<StorageKey>> StorageKey::load(const std::filesystem::path& file) {
  if (!std::filesystem::exists(file)) {
    return make_error(v1::CONFIG_INVALID,
                      "storage key " + file.string() + " is missing (weft admin init creates it)");
  }
  WEFT_TRY(pki::check_private_file_mode(file));
  WEFT_TRY(auto bytes, files::read_file(file, 64));
  if (bytes.size() != kKeyBytes) {
    sodium_memzero(bytes.data(), bytes.size());
    return make_error(v1::CONFIG_INVALID, "storage key " + file.string() + " must hold exactly 32 bytes");
  }
  auto key = from_bytes(bytes);
  sodium_memzero(bytes.data(), bytes.size());
  return key;
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
      reinterpret_cast<const unsigned char*>(associated.data()), associated.size(), nullptr, nonce, key_);
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
          reinterpret_cast<const unsigned char*>(associated.data()), associated.size(), nonce, key_) != 0) {
    return make_error(v1::STORAGE_UNAVAILABLE,
                      "stored report does not decrypt: wrong storage key, or the row was altered");
  }
  plaintext.resize(length);
  return plaintext;
}

std::string StorageKey::fingerprint(std::string_view content) const {
  unsigned char digest[32];
  crypto_generichash(digest, sizeof digest, reinterpret_cast<const unsigned char*>(content.data()), content.size(),
                     fingerprint_key_, crypto_generichash_KEYBYTES);
  return std::string(reinterpret_cast<const char*>(digest), sizeof digest);
}

}  // namespace weft::broker::store
