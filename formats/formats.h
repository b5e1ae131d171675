// Reading and writing the formats CERTs and SOCs already use — STIX 2.1
// bundles, MISP event JSON, CSV — as weft reports, and back.
//
// Pure: no networking, no storage, no clock (times come from the reports).
// Import never drops silently: what cannot be carried is named in
// Imported::not_carried; an object that cannot be imported at all is named in
// Imported::problems and the rest go on (the CLI's --strict turns any problem
// into a refusal of the whole file). Messages name the object (its STIX id,
// MISP uuid or CSV line) and the problem, never a personal-data value.
//
// weft carries properties it has no field for as namespaced labels (see
// docs/formats.md): "stix-id:", "kill-chain:", "indicator-type:", "misp-…:",
// and "to-ids:false" for context that is not a detection indicator.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "proto/error.h"
#include "weft/v1/report.pb.h"

namespace weft::formats {

// kValues is output only: a plain block list.
enum class Format { kJsonl, kStix, kMisp, kCsv, kValues };

// "jsonl", "stix", "misp", "csv", "values"; INVALID_INPUT names the accepted ones.
Result<Format> parse_format(std::string_view name);
std::string_view format_name(Format format);

struct ImportOptions {
  // The feed for formats that carry none (STIX, CSV; MISP unless tagged).
  std::string feed;
  // When the input carries no TLP marking: TLP_UNSPECIFIED refuses it.
  v1::Tlp default_tlp = v1::TLP_UNSPECIFIED;
};

struct Problem {
  std::string object;   // "indicator--5b7f… (object 4)", "Attribute 3 (uuid …)", "line 7"
  std::string message;  // what is wrong with it
};

struct ImportedReport {
  std::string source;  // the object the report came from: "report--…", "Event …", "file.csv"
  v1::Report report;   // id, feed, tlp, title, ... ; never broker fields
};

struct Imported {
  std::vector<ImportedReport> reports;
  std::vector<Problem> problems;     // objects skipped: invalid, or of a kind weft refuses
  std::vector<Problem> not_carried;  // parts of accepted objects that weft does not carry
};

// A whole-input failure (not JSON, not a bundle, no feed) is an error with
// code INVALID_INPUT; problems with single objects are in Imported.
Result<Imported> import_stix(std::string_view text, const ImportOptions& options);
Result<Imported> import_misp(std::string_view text, const ImportOptions& options);
Result<Imported> import_csv(std::string_view text, const ImportOptions& options);

// One serialized STIX object of a delivered report, for TAXII's objects and
// manifest endpoints.
struct StixObject {
  std::string id;        // "indicator--…"
  std::string type;      // "indicator"
  std::string modified;  // its version: `modified`, or `created` for marking definitions
  std::string json;      // the object, compact JSON
};

// Everything a report becomes in STIX 2.1: the TLP 2.0 marking definition,
// the publisher's identity, indicators (and vulnerabilities, observables for
// context), the redaction summary as a note, and a report that refers to
// them. Deterministic: the same report gives the same ids and bytes.
std::vector<StixObject> stix_objects(const v1::Report& report);
// One bundle per report, as one line of compact JSON.
std::string stix_bundle(const v1::Report& report);
// A bundle of `objects` (already serialized), as one line of compact JSON; its
// id is derived from `identity`, so the same contents give the same bundle.
std::string stix_bundle_of(std::string_view identity, const std::vector<StixObject>& objects);
// One MISP event ({"Event": {...}}) per report, as one line of compact JSON.
std::string misp_event(const v1::Report& report);

// Block-list CSV: a header line once, then one row per detection indicator
// (context and OTHER values are not block-list entries).
std::string csv_header();
std::string csv_rows(const v1::Report& report);
// The plainest block list (an ipset, a firewall's URL table): the value of
// each detection indicator, one per line; with `only` set, that type's alone.
std::string value_lines(const v1::Report& report, v1::Indicator::Type only = v1::Indicator::TYPE_UNSPECIFIED);

}  // namespace weft::formats
