// Signs the reports an organisation publishes so that recipients can check,
// after the broker's policy filtered them, that what they got is what the
// publisher wrote (provenance/, docs/provenance.md). Text is cut into parts
// at the personal data the built-in detectors find, so that the broker can
// withhold exactly those parts without breaking the signature.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "policies/detector.h"
#include "proto/error.h"
#include "provenance/keys.h"
#include "provenance/verify.h"
#include "weft/v1/report.pb.h"

namespace weft::client {

class ReportSigner {
 public:
  // The key from `key_file`, signing as `organisation` (the name the broker
  // knows the organisation by).
  static Result<std::shared_ptr<const ReportSigner>> load(const std::filesystem::path& key_file,
                                                          std::string organisation);

  ReportSigner(provenance::SigningKey key, std::string organisation,
               std::shared_ptr<const policies::Detector> detector);

  // Attaches the publisher's provenance (its signed manifest and the
  // openings of every part). TLP:RED is left alone: its copies are sealed.
  // The id is lower-cased first, as the broker stores it.
  Result<void> sign(v1::Report& report) const;

 private:
  provenance::SigningKey key_;
  std::string organisation_;
  std::shared_ptr<const policies::Detector> detector_;
};

// Checks a delivered report's provenance: the publisher's signature (with
// the key the broker stamped as the publisher's registered key) over the
// parts the recipient got, and the broker's attestation of what it changed
// (with `broker_key`, pinned in the profile). PROVENANCE_INVALID naming what
// failed; an unsigned report is PROVENANCE_INVALID too ("not signed").
Result<provenance::VerifiedProvenance> verify_delivered(const v1::Report& delivered,
                                                        const provenance::VerifyingKey& broker_key);

}  // namespace weft::client
