#include "provenance/crypto.h"

#include <sodium.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <stdexcept>

namespace weft::provenance {
namespace {

static_assert(crypto_hash_sha256_BYTES == std::tuple_size_v<Sha256>);

const unsigned char* bytes_of(std::string_view text) { return reinterpret_cast<const unsigned char*>(text.data()); }

// lp(x) = 4-byte big-endian length || x. Protobuf strings are below 2 GiB,
// so every length fits.
void hash_length_prefixed(crypto_hash_sha256_state& state, std::string_view field) {
  if (field.size() > std::numeric_limits<std::uint32_t>::max()) {
    throw std::length_error("provenance: a field longer than 4 GiB");
  }
  const auto length = static_cast<std::uint32_t>(field.size());
  const unsigned char prefix[4] = {static_cast<unsigned char>(length >> 24), static_cast<unsigned char>(length >> 16),
                                   static_cast<unsigned char>(length >> 8), static_cast<unsigned char>(length)};
  crypto_hash_sha256_update(&state, prefix, sizeof prefix);
  crypto_hash_sha256_update(&state, bytes_of(field), field.size());
}

std::string with_context(std::string_view context, std::string_view bytes) {
  std::string message;
  message.reserve(context.size() + 1 + bytes.size());
  message.append(context).push_back('\0');
  message.append(bytes);
  return message;
}

}  // namespace

void require_sodium() {
  if (sodium_init() < 0) {
    throw std::runtime_error("libsodium failed to initialise");
  }
}

Sha256 sha256(std::string_view bytes) {
  require_sodium();
  Sha256 digest{};
  crypto_hash_sha256(digest.data(), bytes_of(bytes), bytes.size());
  return digest;
}

Salt random_salt() {
  require_sodium();
  Salt salt{};
  randombytes_buf(salt.data(), salt.size());
  return salt;
}

std::optional<Salt> salt_from_bytes(std::string_view bytes) {
  if (bytes.size() != kSaltBytes) {
    return std::nullopt;
  }
  Salt salt{};
  std::copy(bytes.begin(), bytes.end(), salt.begin());
  return salt;
}

Sha256 part_commitment(std::string_view report_id, std::string_view path, const Salt& salt, std::string_view value) {
  require_sodium();
  static constexpr unsigned char kSeparator = 0x00;
  crypto_hash_sha256_state state;
  crypto_hash_sha256_init(&state);
  crypto_hash_sha256_update(&state, bytes_of(kPartContext), kPartContext.size());
  crypto_hash_sha256_update(&state, &kSeparator, 1);
  hash_length_prefixed(state, report_id);
  hash_length_prefixed(state, path);
  crypto_hash_sha256_update(&state, salt.data(), salt.size());
  hash_length_prefixed(state, value);
  Sha256 commitment{};
  crypto_hash_sha256_final(&state, commitment.data());
  return commitment;
}

std::string manifest_message(std::string_view manifest_bytes) { return with_context(kManifestContext, manifest_bytes); }

std::string attestation_message(std::string_view attestation_bytes) {
  return with_context(kAttestationContext, attestation_bytes);
}

std::string to_bytes(const Sha256& digest) { return std::string(digest.begin(), digest.end()); }

}  // namespace weft::provenance
