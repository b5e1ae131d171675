#include "provenance/keys.h"

#include <sodium.h>

#include <algorithm>
#include <vector>

#include "common/base64.h"
#include "common/secret_files.h"
#include "provenance/crypto.h"

namespace weft::provenance {
namespace {

static_assert(crypto_sign_PUBLICKEYBYTES == VerifyingKey::kBytes);
static_assert(crypto_sign_SECRETKEYBYTES == 64);
static_assert(crypto_sign_SEEDBYTES == SigningKey::kSeedBytes);
static_assert(crypto_sign_BYTES == SigningKey::kSignatureBytes);

Error config_invalid(std::string message) { return make_error(v1::CONFIG_INVALID, std::move(message)); }

const unsigned char* bytes_of(std::string_view text) { return reinterpret_cast<const unsigned char*>(text.data()); }

}  // namespace

Result<VerifyingKey> VerifyingKey::from_bytes(std::span<const unsigned char> bytes) {
  require_sodium();
  if (bytes.size() != kBytes) {
    return config_invalid("an Ed25519 public key is " + std::to_string(kBytes) + " bytes, not " +
                          std::to_string(bytes.size()));
  }
  // Refuses encodings that are not points and points of small order, for
  // which signatures prove nothing.
  if (crypto_core_ed25519_is_valid_point(bytes.data()) != 1) {
    return config_invalid("not a valid Ed25519 public key");
  }
  std::array<unsigned char, kBytes> key{};
  std::copy(bytes.begin(), bytes.end(), key.begin());
  return VerifyingKey(key);
}

Result<VerifyingKey> VerifyingKey::parse(std::string_view text) {
  if (!text.starts_with(kTextPrefix)) {
    return config_invalid("a public key must look like ed25519:<base64 of 32 bytes>");
  }
  // Standard base64 with padding and nothing else: one spelling per key.
  const auto decoded = base64::decode(text.substr(kTextPrefix.size()));
  if (!decoded) {
    return config_invalid("a public key's base64 after ed25519: is not standard base64 with padding");
  }
  return from_bytes(*decoded);
}

std::string VerifyingKey::to_text() const {
  return std::string(kTextPrefix) + base64::encode(bytes_.data(), bytes_.size());
}

bool VerifyingKey::verify(std::string_view message, std::string_view signature) const {
  require_sodium();
  return signature.size() == crypto_sign_BYTES &&
         crypto_sign_verify_detached(bytes_of(signature), bytes_of(message), message.size(), bytes_.data()) == 0;
}

SigningKey::SigningKey(SecretBytes secret_key, const VerifyingKey& verifying_key)
    : secret_key_(std::move(secret_key)), verifying_key_(verifying_key) {
  secret_key_.seal(SecretBytes::WhenIdle::kReadOnly);
}

SigningKey SigningKey::generate() {
  const SecretBytes seed = SecretBytes::random(kSeedBytes);
  const auto seed_bytes = seed.read();
  return std::move(from_seed(std::span(seed_bytes.data(), seed_bytes.size()))).value();  // 32 bytes always make a key
}

Result<SigningKey> SigningKey::from_seed(std::span<const unsigned char> seed) {
  require_sodium();
  if (seed.size() != kSeedBytes) {
    return config_invalid("an Ed25519 seed is " + std::to_string(kSeedBytes) + " bytes, not " +
                          std::to_string(seed.size()));
  }
  SecretBytes secret_key(crypto_sign_SECRETKEYBYTES);
  std::array<unsigned char, VerifyingKey::kBytes> public_key{};
  crypto_sign_seed_keypair(public_key.data(), secret_key.writable().data(), seed.data());
  return SigningKey(std::move(secret_key), VerifyingKey(public_key));
}

std::string SigningKey::sign(std::string_view message) const {
  std::string signature(crypto_sign_BYTES, '\0');
  crypto_sign_detached(reinterpret_cast<unsigned char*>(signature.data()), nullptr, bytes_of(message), message.size(),
                       secret_key_.read().data());
  return signature;
}

namespace {

constexpr std::string_view kSecretPrefix = "ed25519-secret:";

Error invalid_key_file(const std::filesystem::path& file) {
  return config_invalid("signing key " + file.string() + " is not an ed25519-secret:<base64 of 32 bytes> line");
}

}  // namespace

Result<SigningKey> SigningKey::load(const std::filesystem::path& file) {
  WEFT_TRY(auto content, files::read_secret_file(file, "signing key", 256));
  const WipeOnExit wipe_content(content);
  std::string_view text = content;
  if (text.ends_with('\n')) {
    text.remove_suffix(1);
  }
  auto seed = text.starts_with(kSecretPrefix) ? base64::decode(text.substr(kSecretPrefix.size()))
                                             : std::optional<std::vector<unsigned char>>();
  if (!seed) {
    return invalid_key_file(file);
  }
  const WipeOnExit wipe_seed(*seed);
  if (seed->size() != kSeedBytes) {
    return invalid_key_file(file);
  }
  return from_seed(*seed);
}

Result<VerifyingKey> SigningKey::create_key_file(const std::filesystem::path& file) {
  const SigningKey key = generate();
  std::array<unsigned char, kSeedBytes> seed{};
  const WipeOnExit wipe_seed(seed);
  crypto_sign_ed25519_sk_to_seed(seed.data(), key.secret_key_.read().data());
  std::string encoded = base64::encode(seed.data(), seed.size());
  const WipeOnExit wipe_encoded(encoded);
  // Sized up front so that no append reallocates and leaves a copy behind.
  std::string content;
  content.reserve(kSecretPrefix.size() + encoded.size() + 1);
  const WipeOnExit wipe_content(content);
  content.append(kSecretPrefix).append(encoded).push_back('\n');
  WEFT_TRY(files::create_secret_file(file, content, "signing key"));
  return key.verifying_key();
}

}  // namespace weft::provenance
