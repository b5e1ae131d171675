// Every hash input of the scheme, byte by byte (docs/provenance.md,
// "Commitments and signatures"), on libsodium. Each input starts with its
// own context string and a 0x00 byte, so a value hashed or signed for one
// purpose can never pass for another; variable-length fields are
// length-prefixed (lp(x) = 4-byte big-endian length || x), so no two
// different inputs give the same bytes.
//
// Pure apart from random_salt(); thread-safe.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace weft::provenance {

inline constexpr std::size_t kSaltBytes = 32;
using Sha256 = std::array<unsigned char, 32>;
using Salt = std::array<unsigned char, kSaltBytes>;

inline constexpr std::string_view kPartContext = "weft/provenance/part/v1";
inline constexpr std::string_view kManifestContext = "weft/provenance/manifest/v1";
inline constexpr std::string_view kAttestationContext = "weft/provenance/attestation/v1";

// Initialises libsodium once; throws std::runtime_error if it cannot.
void require_sodium();

Sha256 sha256(std::string_view bytes);

// 32 bytes from libsodium's CSPRNG.
Salt random_salt();
// The salt in a protobuf bytes field, if it is exactly kSaltBytes long.
std::optional<Salt> salt_from_bytes(std::string_view bytes);

// SHA-256(kPartContext || 0x00 || lp(report_id) || lp(path) || salt || lp(value)).
Sha256 part_commitment(std::string_view report_id, std::string_view path, const Salt& salt, std::string_view value);

// What the publisher signs: kManifestContext || 0x00 || manifest bytes.
std::string manifest_message(std::string_view manifest_bytes);
// What the broker signs: kAttestationContext || 0x00 || attestation bytes.
std::string attestation_message(std::string_view attestation_bytes);

// A digest or salt as the bytes of a protobuf bytes field (Sha256 and Salt
// are the same type).
std::string to_bytes(const Sha256& digest);

}  // namespace weft::provenance
