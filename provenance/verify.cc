#include "provenance/verify.h"

#include <algorithm>

#include "provenance/content.h"
#include "provenance/crypto.h"
#include "provenance/invalid.h"
#include "provenance/manifest.h"
#include "provenance/parts.h"

namespace weft::provenance {
namespace {

// Paths named in describe(); the rest are counted.
constexpr std::size_t kPathsDescribed = 5;

std::string part_name(int index, const std::string& path) {
  return "part " + std::to_string(index) + " (" + path + ")";
}

std::string parts(std::size_t count) { return std::to_string(count) + (count == 1 ? " part" : " parts"); }

Result<v1::ProvenanceManifest> verified_manifest(const v1::SignedManifest& signed_manifest,
                                                 const KeyLookup& publisher_keys) {
  WEFT_TRY(auto read, read_manifest(signed_manifest));
  const std::optional<VerifyingKey> key =
      publisher_keys ? publisher_keys(read.manifest.publisher()) : std::optional<VerifyingKey>();
  if (!key) {
    return provenance_invalid("no key is known for the publisher '" + read.manifest.publisher() + "'");
  }
  WEFT_TRY(check_manifest_signature(signed_manifest, *key));
  return std::move(read.manifest);
}

Result<v1::BrokerAttestation> verified_attestation(const v1::Report& delivered,
                                                   const v1::DeliveredProvenance& provenance,
                                                   const VerifyingKey& broker_key) {
  if (provenance.attestation().size() > kMaxAttestationBytes) {
    return provenance_invalid("the broker's attestation is larger than " + std::to_string(kMaxAttestationBytes) +
                              " bytes");
  }
  if (!broker_key.verify(attestation_message(provenance.attestation()), provenance.broker_signature())) {
    return provenance_invalid("the broker's countersignature does not verify");
  }
  v1::BrokerAttestation attestation;
  if (!attestation.ParseFromString(provenance.attestation())) {
    return provenance_invalid("the broker's attestation does not parse");
  }
  if (attestation.manifest_sha256() != to_bytes(sha256(provenance.manifest().manifest()))) {
    return provenance_invalid("the attestation is for another manifest");
  }
  if (attestation.delivered_sha256() != to_bytes(delivered_digest(delivered))) {
    return provenance_invalid(
        "the attestation covers another delivery: this report is not the one the broker attested");
  }
  return attestation;
}

Result<void> check_disclosure(const v1::ProvenanceManifest& manifest, int index, const v1::PartDisclosure& disclosure) {
  const v1::PartCommitment& part = manifest.parts(index);
  const std::string named = part_name(index, part.path());
  const bool has_salt = !disclosure.salt().empty();
  const bool has_value = !disclosure.value().empty();
  switch (disclosure.status()) {
    case v1::PartDisclosure::DISCLOSED: {
      const auto salt = salt_from_bytes(disclosure.salt());
      if (!salt) {
        return provenance_invalid(named + " is disclosed with a salt that is not 32 bytes");
      }
      if (to_bytes(part_commitment(manifest.report_id(), part.path(), *salt, disclosure.value())) !=
          part.commitment()) {
        return provenance_invalid(named + " is not the publisher's original");
      }
      return ok();
    }
    case v1::PartDisclosure::REPLACED:
      if (!part.personal()) {
        return provenance_invalid(named +
                                  " is called replaced by policy, but the publisher did not mark it as personal data");
      }
      break;
    case v1::PartDisclosure::MODIFIED:
      if (part.personal()) {
        return provenance_invalid(named + " is personal data but called modified; it must be called replaced");
      }
      break;
    case v1::PartDisclosure::WITHHELD:
      if (has_value || has_salt) {
        return provenance_invalid(named + " is withheld but carries a value or salt");
      }
      return ok();
    default:
      return provenance_invalid(named + " has no valid disclosure status");
  }
  if (has_salt || !has_value) {
    return provenance_invalid(named + " is changed but has a salt or no value");
  }
  return ok();
}

void count(VerifiedProvenance& result, const v1::PartDisclosure& disclosure, const std::string& path) {
  switch (disclosure.status()) {
    case v1::PartDisclosure::DISCLOSED:
      ++result.disclosed;
      break;
    case v1::PartDisclosure::REPLACED:
      ++result.replaced;
      result.replaced_paths.push_back(path);
      break;
    case v1::PartDisclosure::WITHHELD:
      ++result.withheld;
      result.withheld_paths.push_back(path);
      break;
    case v1::PartDisclosure::MODIFIED:
      ++result.modified;
      result.modified_paths.push_back(path);
      break;
    default:
      break;
  }
}

}  // namespace

std::string VerifiedProvenance::describe() const {
  std::string text = "verified: signed by " + publisher;
  const std::string under = "policy " + policy + " v" + std::to_string(policy_version);
  if (withheld + replaced == 0) {
    text += "; nothing withheld";
  } else {
    text += "; " + parts(withheld + replaced) + " withheld or replaced by " + under;
  }
  if (modified > 0) {
    text += "; " + parts(modified) + " modified by the broker under " + under + " (";
    for (std::size_t i = 0; i < std::min(modified_paths.size(), kPathsDescribed); ++i) {
      text += (i == 0 ? "" : ", ") + modified_paths[i];
    }
    if (modified_paths.size() > kPathsDescribed) {
      text += " and " + std::to_string(modified_paths.size() - kPathsDescribed) + " more";
    }
    text += ")";
  }
  return text;
}

Result<VerifiedProvenance> verify_delivery(const v1::Report& delivered, const v1::DeliveredProvenance& provenance,
                                           const KeyLookup& publisher_keys, const VerifyingKey& broker_key) {
  // (1) The publisher's manifest.
  WEFT_TRY(auto manifest, verified_manifest(provenance.manifest(), publisher_keys));
  // (2) The broker's attestation of this delivery.
  WEFT_TRY(auto attestation, verified_attestation(delivered, provenance, broker_key));
  // (3) Each part.
  if (attestation.parts_size() != manifest.parts_size()) {
    return provenance_invalid("the attestation has " + std::to_string(attestation.parts_size()) + " disclosures for " +
                              std::to_string(manifest.parts_size()) + " manifest parts");
  }
  VerifiedProvenance result;
  std::vector<PartValue> present;
  for (int i = 0; i < manifest.parts_size(); ++i) {
    const v1::PartDisclosure& disclosure = attestation.parts(i);
    WEFT_TRY(check_disclosure(manifest, i, disclosure));
    count(result, disclosure, manifest.parts(i).path());
    if (disclosure.status() != v1::PartDisclosure::WITHHELD) {
      present.push_back({static_cast<std::size_t>(i), manifest.parts(i).path(), disclosure.value()});
    }
  }
  // (4) The parts are the delivered report.
  WEFT_TRY(auto rebuilt, rebuild(present));
  if (!same_content(rebuilt, content_of(delivered))) {
    return provenance_invalid("the delivered report is not what the attested parts rebuild");
  }
  if (manifest.report_id() != delivered.id()) {
    return provenance_invalid("the manifest is for another report");
  }
  const std::string& stamped = delivered.broker().source_organisation();
  if (!stamped.empty() && stamped != manifest.publisher()) {
    return provenance_invalid("the broker says '" + stamped +
                              "' published the report, but the manifest is signed by '" + manifest.publisher() + "'");
  }
  result.publisher = manifest.publisher();
  result.report_id = manifest.report_id();
  result.recipient = attestation.recipient();
  result.broker_id = attestation.broker_id();
  result.policy = attestation.policy();
  result.policy_version = attestation.policy_version();
  return result;
}

}  // namespace weft::provenance
