// The publisher's signed manifest: signing it, and reading one back from
// its exact signed bytes (never re-serialized) with the checks every reader
// makes, broker and recipient alike.
//
// Errors are PROVENANCE_INVALID and name the part (index and path), never a
// value. Pure; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "proto/error.h"
#include "provenance/keys.h"
#include "provenance/paths.h"
#include "weft/v1/provenance.pb.h"

namespace weft::provenance {

inline constexpr std::uint32_t kManifestVersion = 1;
// Bounds what hostile input can make a reader allocate and hash. A report
// the broker accepts has far fewer parts.
inline constexpr std::size_t kMaxParts = 100'000;
inline constexpr std::size_t kMaxManifestBytes = 16 << 20;

// The manifest in its deterministic serialization, signed.
v1::SignedManifest sign_manifest(const v1::ProvenanceManifest& manifest, const SigningKey& key);

struct ReadManifest {
  v1::ProvenanceManifest manifest;
  std::vector<PartPath> paths;  // parsed, one per part
};

// Parses SignedManifest.manifest and checks its shape: version 1, a report
// id and a publisher, at most kMaxParts parts, every path in the grammar and
// the paths strictly in canonical order (so none repeats), every commitment
// 32 bytes. Does not check the signature.
Result<ReadManifest> read_manifest(const v1::SignedManifest& signed_manifest);

// Whether `key` signed exactly these manifest bytes.
Result<void> check_manifest_signature(const v1::SignedManifest& signed_manifest, const VerifyingKey& key);

}  // namespace weft::provenance
