#include "provenance/publication.h"

#include <algorithm>
#include <map>
#include <string>

#include "provenance/content.h"
#include "provenance/crypto.h"
#include "provenance/invalid.h"
#include "provenance/parts.h"

namespace weft::provenance {
namespace {

std::string part_name(std::size_t index, std::string_view path) {
  return "part " + std::to_string(index) + " (" + std::string(path) + ")";
}

// The personal spans the manifest declares, per field: what a span finder
// must return for parts_of to cut the report exactly as the manifest does.
std::map<std::string, std::vector<Span>, std::less<>> declared_spans(const OpenedPublication& publication) {
  std::map<std::string, std::vector<Span>, std::less<>> spans;
  std::map<std::string, std::size_t, std::less<>> offsets;
  for (const OpenedPart& part : publication.parts) {
    const std::string field = field_path(part.path);
    std::size_t& offset = offsets[field];
    if (part.personal) {
      spans[field].emplace_back(offset, offset + part.value.size());
    }
    if (part.path.is_text()) {
      offset += part.value.size();
    }
  }
  return spans;
}

Result<void> check_describes(const v1::Report& report, const OpenedPublication& publication) {
  const auto spans = declared_spans(publication);
  const FieldSpanFinder declared = [&spans](std::string_view field, std::string_view) {
    const auto found = spans.find(field);
    return found == spans.end() ? std::vector<Span>{} : found->second;
  };
  auto canonical = parts_of_fields(report, declared);
  if (!canonical) {
    return provenance_invalid("the report cannot carry provenance: " + canonical.error().message);
  }
  const std::vector<Part>& expected = canonical.value();
  const std::vector<OpenedPart>& parts = publication.parts;
  for (std::size_t i = 0; i < std::min(expected.size(), parts.size()); ++i) {
    if (expected[i].path != parts[i].path_text) {
      return provenance_invalid(part_name(i, parts[i].path_text) + " of the manifest is not the report's part " +
                                std::to_string(i) + " (" + expected[i].path + ")");
    }
    if (expected[i].value != parts[i].value) {
      return provenance_invalid(part_name(i, parts[i].path_text) + " of the manifest does not match the report");
    }
    if (expected[i].personal != parts[i].personal) {
      return provenance_invalid(part_name(i, parts[i].path_text) +
                                " is personal data by nature but the manifest does not mark it");
    }
  }
  if (expected.size() != parts.size()) {
    return provenance_invalid("the manifest has " + std::to_string(parts.size()) + " parts; the report has " +
                              std::to_string(expected.size()));
  }
  // Implied by the comparison above (rebuild inverts parts_of); checked
  // anyway because everything downstream relies on it.
  std::vector<PartValue> values;
  values.reserve(parts.size());
  for (std::size_t i = 0; i < parts.size(); ++i) {
    values.push_back({i, parts[i].path_text, parts[i].value});
  }
  WEFT_TRY(auto rebuilt, rebuild(values));
  if (!same_content(rebuilt, content_of(report))) {
    return provenance_invalid("the manifest does not describe this report");
  }
  return ok();
}

}  // namespace

Result<OpenedPublication> open_publication(const v1::PublisherProvenance& provenance) {
  OpenedPublication opened;
  WEFT_TRY(opened.manifest, read_manifest(provenance.manifest()));
  const v1::ProvenanceManifest& manifest = opened.manifest.manifest;
  if (provenance.openings_size() != manifest.parts_size()) {
    return provenance_invalid("the publisher sent " + std::to_string(provenance.openings_size()) + " openings for " +
                              std::to_string(manifest.parts_size()) + " manifest parts");
  }
  opened.parts.reserve(static_cast<std::size_t>(manifest.parts_size()));
  for (int i = 0; i < manifest.parts_size(); ++i) {
    const v1::PartCommitment& commitment = manifest.parts(i);
    const v1::PartOpening& opening = provenance.openings(i);
    const auto index = static_cast<std::size_t>(i);
    const auto salt = salt_from_bytes(opening.salt());
    if (!salt) {
      return provenance_invalid(part_name(index, commitment.path()) + ": the salt is not 32 bytes");
    }
    if (opening.value().empty()) {
      return provenance_invalid(part_name(index, commitment.path()) + ": the opening has no value");
    }
    if (to_bytes(part_commitment(manifest.report_id(), commitment.path(), *salt, opening.value())) !=
        commitment.commitment()) {
      return provenance_invalid(part_name(index, commitment.path()) + ": the opening does not match its commitment");
    }
    opened.parts.push_back(
        {opened.manifest.paths[index], commitment.path(), opening.value(), opening.salt(), commitment.personal()});
  }
  return opened;
}

Result<void> check_publication(const v1::Report& report, std::string_view publisher,
                               const v1::PublisherProvenance& provenance, const VerifyingKey& publisher_key) {
  WEFT_TRY(check_manifest_signature(provenance.manifest(), publisher_key));
  // Reads the manifest once, for the checks below and the openings.
  WEFT_TRY(auto opened, open_publication(provenance));
  const ReadManifest& read = opened.manifest;
  if (read.manifest.publisher() != publisher) {
    return provenance_invalid("the manifest is signed for publisher '" + read.manifest.publisher() + "', not '" +
                              std::string(publisher) + "'");
  }
  if (read.manifest.report_id() != report.id()) {
    return provenance_invalid("the manifest is for another report");
  }
  return check_describes(report, opened);
}

}  // namespace weft::provenance
