#include "sealing/sealing.h"

#include <sodium.h>

#include <algorithm>
#include <stdexcept>
#include <vector>

#include "common/base64.h"
#include "common/secret_files.h"

namespace weft::sealing {
namespace {

constexpr std::string_view kPublicPrefix = "x25519:";
constexpr std::string_view kSecretPrefix = "x25519-secret:";
constexpr std::size_t kMaxKeyFileBytes = 256;

static_assert(crypto_box_PUBLICKEYBYTES == 32 && crypto_box_SECRETKEYBYTES == 32);

void require_sodium() {
  if (sodium_init() < 0) {
    throw std::runtime_error("libsodium failed to initialise");
  }
}

Error config_invalid(std::string message) { return make_error(v1::CONFIG_INVALID, std::move(message)); }

// Exactly `size` bytes of standard padded base64 into `out`, else false.
bool decode_exactly(std::string_view encoded, unsigned char* out, std::size_t size) {
  auto decoded = base64::decode(encoded);
  if (!decoded) {
    return false;
  }
  const bool exact = decoded->size() == size;
  if (exact) {
    std::copy_n(decoded->begin(), size, out);
  }
  sodium_memzero(decoded->data(), decoded->size());
  return exact;
}

}  // namespace

std::string public_key_text(const PublicKey& key) {
  require_sodium();
  return std::string(kPublicPrefix) + base64::encode(key.data(), key.size());
}

Result<PublicKey> parse_public_key(std::string_view text) {
  require_sodium();
  if (!text.starts_with(kPublicPrefix)) {
    return config_invalid("a sealing key must look like x25519:<base64 of 32 bytes>");
  }
  PublicKey key{};
  if (!decode_exactly(text.substr(kPublicPrefix.size()), key.data(), key.size())) {
    return config_invalid("a sealing key must hold 32 bytes in standard base64 after 'x25519:'");
  }
  return key;
}

std::string seal(std::string_view plaintext, const PublicKey& recipient) {
  require_sodium();
  std::string sealed(plaintext.size() + crypto_box_SEALBYTES, '\0');
  crypto_box_seal(reinterpret_cast<unsigned char*>(sealed.data()), reinterpret_cast<const unsigned char*>(plaintext.data()),
                  plaintext.size(), recipient.data());
  return sealed;
}

SealingKey::SealingKey(Private, SecretBytes secret_key, const PublicKey& public_key)
    : public_key_(public_key), secret_key_(std::move(secret_key)) {
  secret_key_.seal(SecretBytes::WhenIdle::kNoAccess);
}

std::unique_ptr<SealingKey> SealingKey::generate() {
  SecretBytes secret_key(crypto_box_SECRETKEYBYTES);
  PublicKey public_key{};
  crypto_box_keypair(public_key.data(), secret_key.writable().data());
  return std::make_unique<SealingKey>(Private{}, std::move(secret_key), public_key);
}

Result<std::unique_ptr<SealingKey>> SealingKey::load(const std::filesystem::path& file) {
  WEFT_TRY(auto content, files::read_secret_file(file, "sealing key", kMaxKeyFileBytes));
  const WipeOnExit wipe_content(content);
  std::string_view text = content;
  if (text.ends_with('\n')) {
    text.remove_suffix(1);
  }
  SecretBytes secret_key(crypto_box_SECRETKEYBYTES);
  if (!text.starts_with(kSecretPrefix) ||
      !decode_exactly(text.substr(kSecretPrefix.size()), secret_key.writable().data(), secret_key.size())) {
    return config_invalid("sealing key " + file.string() + " is not an x25519-secret:<base64 of 32 bytes> line");
  }
  PublicKey public_key{};
  crypto_scalarmult_base(public_key.data(), secret_key.read().data());
  return std::make_unique<SealingKey>(Private{}, std::move(secret_key), public_key);
}

Result<PublicKey> SealingKey::create_key_file(const std::filesystem::path& file) {
  const auto key = generate();
  std::string content = key->key_file_content();
  const WipeOnExit wipe_content(content);
  WEFT_TRY(files::create_secret_file(file, content, "sealing key"));
  return key->public_key();
}

std::string SealingKey::key_file_content() const {
  std::string encoded;
  {
    const auto secret = secret_key_.read();
    encoded = base64::encode(secret.data(), secret.size());
  }
  const WipeOnExit wipe_encoded(encoded);
  // Sized up front so that no append reallocates and leaves a copy behind.
  std::string content;
  content.reserve(kSecretPrefix.size() + encoded.size() + 1);
  content.append(kSecretPrefix).append(encoded).push_back('\n');
  return content;
}

Result<std::string> SealingKey::open(std::string_view sealed) const {
  if (sealed.size() < crypto_box_SEALBYTES) {
    return make_error(v1::VALIDATION_FAILED, "a sealed copy is shorter than a sealed box can be");
  }
  std::string plaintext(sealed.size() - crypto_box_SEALBYTES, '\0');
  if (crypto_box_seal_open(reinterpret_cast<unsigned char*>(plaintext.data()),
                           reinterpret_cast<const unsigned char*>(sealed.data()), sealed.size(), public_key_.data(),
                           secret_key_.read().data()) != 0) {
    return make_error(v1::VALIDATION_FAILED,
                      "the sealed copy does not open with this organisation's key (sealed for another key, or altered)");
  }
  return plaintext;
}

}  // namespace weft::sealing
