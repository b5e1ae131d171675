#include "client-lib/report_signer.h"

#include "common/names.h"
#include "provenance/publisher.h"
#include "provenance/segments.h"

namespace weft::client {
namespace {

// One set of built-in detectors per process: compiling them takes a while.
Result<std::shared_ptr<const policies::Detector>> builtin_detector() {
  static const auto detector = policies::Detector::create();
  if (!detector) {
    return detector.error();
  }
  return detector.value();
}

}  // namespace

Result<std::shared_ptr<const ReportSigner>> ReportSigner::load(const std::filesystem::path& key_file,
                                                               std::string organisation) {
  WEFT_TRY(auto key, provenance::SigningKey::load(key_file));
  WEFT_TRY(auto detector, builtin_detector());
  return std::make_shared<const ReportSigner>(std::move(key), std::move(organisation), std::move(detector));
}

ReportSigner::ReportSigner(provenance::SigningKey key, std::string organisation,
                           std::shared_ptr<const policies::Detector> detector)
    : key_(std::move(key)), organisation_(std::move(organisation)), detector_(std::move(detector)) {}

Result<void> ReportSigner::sign(v1::Report& report) const {
  if (report.tlp() == v1::RED) {
    return ok();
  }
  report.clear_provenance();
  report.set_id(names::to_lower(report.id()));
  const auto find_personal = [this](std::string_view text) {
    std::vector<provenance::Span> spans;
    for (const auto& finding : detector_->find(text)) {
      spans.emplace_back(finding.begin, finding.end);
    }
    return spans;
  };
  WEFT_TRY(auto signed_parts, provenance::sign_report(report, organisation_, key_, find_personal));
  *report.mutable_provenance()->mutable_from_publisher() = std::move(signed_parts);
  return ok();
}

Result<provenance::VerifiedProvenance> verify_delivered(const v1::Report& delivered,
                                                        const provenance::VerifyingKey& broker_key) {
  if (!delivered.provenance().has_delivered()) {
    return make_error(v1::PROVENANCE_INVALID, "not signed by its publisher");
  }
  const v1::BrokerStamp& stamp = delivered.broker();
  const provenance::KeyLookup publisher_keys =
      [&stamp](std::string_view organisation) -> std::optional<provenance::VerifyingKey> {
    if (organisation != stamp.source_organisation()) {
      return std::nullopt;
    }
    auto key = provenance::VerifyingKey::parse(stamp.source_signing_key());
    return key ? std::optional(key.value()) : std::nullopt;
  };
  return provenance::verify_delivery(delivered, delivered.provenance().delivered(), publisher_keys, broker_key);
}

}  // namespace weft::client
