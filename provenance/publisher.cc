#include "provenance/publisher.h"

#include <algorithm>
#include <vector>

#include "provenance/content.h"
#include "provenance/crypto.h"
#include "provenance/manifest.h"
#include "provenance/parts.h"

namespace weft::provenance {
namespace {

Error invalid_input(std::string message) { return make_error(v1::INVALID_INPUT, std::move(message)); }

// The parts must give the report back exactly, or the broker would refuse
// the publication; fields the parts do not cover (unknown to this version)
// would make it differ.
Result<void> check_parts_describe(const std::vector<Part>& parts, const v1::Report& report) {
  std::vector<PartValue> values;
  values.reserve(parts.size());
  for (std::size_t i = 0; i < parts.size(); ++i) {
    values.push_back({i, parts[i].path, parts[i].value});
  }
  WEFT_TRY(auto rebuilt, rebuild(values));
  if (!same_content(rebuilt, content_of(report))) {
    return invalid_input("the report has content its parts do not cover (fields unknown to this version?)");
  }
  return ok();
}

}  // namespace

Result<v1::PublisherProvenance> sign_report(const v1::Report& report, std::string_view publisher, const SigningKey& key,
                                            const SpanFinder& find_personal) {
  if (report.id().empty()) {
    return invalid_input("report.id is missing: provenance names the report by its id");
  }
  if (std::any_of(report.id().begin(), report.id().end(), [](char c) { return c >= 'A' && c <= 'Z'; })) {
    return invalid_input("report.id has upper-case letters; the broker stores ids in lower case, so sign that form");
  }
  if (publisher.empty()) {
    return invalid_input("the publisher's name is empty");
  }
  WEFT_TRY(auto parts, parts_of(report, find_personal));
  if (parts.size() > kMaxParts) {
    return invalid_input("the report has " + std::to_string(parts.size()) + " parts; at most " +
                         std::to_string(kMaxParts) + " can be signed");
  }
  WEFT_TRY(check_parts_describe(parts, report));

  v1::ProvenanceManifest manifest;
  manifest.set_version(kManifestVersion);
  manifest.set_report_id(report.id());
  manifest.set_publisher(std::string(publisher));
  v1::PublisherProvenance provenance;
  for (const Part& part : parts) {
    const Salt salt = random_salt();
    v1::PartCommitment& commitment = *manifest.add_parts();
    commitment.set_path(part.path);
    commitment.set_commitment(to_bytes(part_commitment(report.id(), part.path, salt, part.value)));
    commitment.set_personal(part.personal);
    v1::PartOpening& opening = *provenance.add_openings();
    opening.set_salt(to_bytes(salt));
    opening.set_value(part.value);
  }
  *provenance.mutable_manifest() = sign_manifest(manifest, key);
  return provenance;
}

}  // namespace weft::provenance
