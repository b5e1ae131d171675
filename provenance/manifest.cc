#include "provenance/manifest.h"

#include "provenance/content.h"
#include "provenance/crypto.h"
#include "provenance/invalid.h"

namespace weft::provenance {

v1::SignedManifest sign_manifest(const v1::ProvenanceManifest& manifest, const SigningKey& key) {
  v1::SignedManifest signed_manifest;
  signed_manifest.set_manifest(deterministic_bytes(manifest));
  signed_manifest.set_signature(key.sign(manifest_message(signed_manifest.manifest())));
  return signed_manifest;
}

Result<ReadManifest> read_manifest(const v1::SignedManifest& signed_manifest) {
  if (signed_manifest.manifest().size() > kMaxManifestBytes) {
    return provenance_invalid("the publisher's manifest is larger than " + std::to_string(kMaxManifestBytes) +
                              " bytes");
  }
  ReadManifest read;
  if (!read.manifest.ParseFromString(signed_manifest.manifest())) {
    return provenance_invalid("the publisher's manifest does not parse");
  }
  const v1::ProvenanceManifest& manifest = read.manifest;
  if (manifest.version() != kManifestVersion) {
    return provenance_invalid("the publisher's manifest has version " + std::to_string(manifest.version()) +
                              "; this reader knows version " + std::to_string(kManifestVersion));
  }
  if (manifest.report_id().empty()) {
    return provenance_invalid("the publisher's manifest names no report");
  }
  if (manifest.publisher().empty()) {
    return provenance_invalid("the publisher's manifest names no publisher");
  }
  if (static_cast<std::size_t>(manifest.parts_size()) > kMaxParts) {
    return provenance_invalid("the publisher's manifest has more than " + std::to_string(kMaxParts) + " parts");
  }
  read.paths.reserve(static_cast<std::size_t>(manifest.parts_size()));
  for (int i = 0; i < manifest.parts_size(); ++i) {
    const v1::PartCommitment& part = manifest.parts(i);
    const auto path = parse_path(part.path());
    if (!path) {
      return provenance_invalid("part " + std::to_string(i) + " of the publisher's manifest has an invalid path");
    }
    const std::string named = "part " + std::to_string(i) + " (" + part.path() + ")";
    if (!read.paths.empty() && !(read.paths.back() < *path)) {
      return provenance_invalid(named + " is out of canonical order or repeated in the publisher's manifest");
    }
    if (part.commitment().size() != std::tuple_size_v<Sha256>) {
      return provenance_invalid(named + " has a commitment that is not 32 bytes");
    }
    read.paths.push_back(*path);
  }
  return read;
}

Result<void> check_manifest_signature(const v1::SignedManifest& signed_manifest, const VerifyingKey& key) {
  if (!key.verify(manifest_message(signed_manifest.manifest()), signed_manifest.signature())) {
    return provenance_invalid("the publisher's signature on the manifest does not verify");
  }
  return ok();
}

}  // namespace weft::provenance
