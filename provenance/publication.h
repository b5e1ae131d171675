// The broker's side, on publish: the provenance a publisher sent with a
// report, opened and checked against the report before the report is
// accepted (docs/provenance.md, "Publication").
//
// Errors are PROVENANCE_INVALID; messages name the part (index and path),
// never its value. Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "proto/error.h"
#include "provenance/keys.h"
#include "provenance/manifest.h"
#include "weft/v1/provenance.pb.h"
#include "weft/v1/report.pb.h"

namespace weft::provenance {

// The publisher's signature verifies under `publisher_key`; the manifest is
// well formed (read_manifest), names `publisher` and the report's id; there
// is one opening per part, each with a 32-byte salt, opening its
// commitment; and the parts are exactly the report's canonical parts (same
// paths, values and segmentation, personal data marked at least where it is
// by nature), so they rebuild the report's content exactly.
Result<void> check_publication(const v1::Report& report, std::string_view publisher,
                               const v1::PublisherProvenance& provenance, const VerifyingKey& publisher_key);

struct OpenedPart {
  PartPath path;
  std::string path_text;
  std::string_view value;  // into the PublisherProvenance's openings
  std::string_view salt;   // likewise
  bool personal = false;
};

struct OpenedPublication {
  ReadManifest manifest;
  std::vector<OpenedPart> parts;  // manifest order
};

// Reads the manifest and checks each opening against its commitment, without
// the signature (the broker checked it when the report was published) or
// the report. The result refers into `provenance`, which must outlive it.
Result<OpenedPublication> open_publication(const v1::PublisherProvenance& provenance);

}  // namespace weft::provenance
