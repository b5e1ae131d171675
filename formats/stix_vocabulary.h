// What STIX import and export must agree on: the TLP marking-definition ids
// and the namespaced labels that carry STIX properties weft has no field for.
#pragma once

#include <string_view>

#include "weft/v1/report.pb.h"

namespace weft::formats::stix {

// The TLP 2.0 property extension (oasis-open/cti-stix-common-objects,
// extension-definition-specifications/tlp-2.0).
inline constexpr std::string_view kTlp2ExtensionId = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d";
inline constexpr std::string_view kTlp2Created = "2022-10-01T00:00:00.000Z";

struct TlpMarking {
  std::string_view id;
  v1::Tlp tlp;
  std::string_view name;  // "TLP:AMBER+STRICT"
  bool tlp2;              // TLP 2.0 (extension) rather than the STIX 2.1 predefined TLP 1.0
};

inline constexpr TlpMarking kTlpMarkings[] = {
    {"marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487", v1::CLEAR, "TLP:CLEAR", true},
    {"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb", v1::GREEN, "TLP:GREEN", true},
    {"marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421", v1::AMBER, "TLP:AMBER", true},
    {"marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003", v1::AMBER_STRICT, "TLP:AMBER+STRICT", true},
    {"marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1", v1::RED, "TLP:RED", true},
    {"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9", v1::CLEAR, "TLP:WHITE", false},
    {"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da", v1::GREEN, "TLP:GREEN", false},
    {"marking-definition--f88d31f6-486f-44da-b317-01333bde0b82", v1::AMBER, "TLP:AMBER", false},
    {"marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed", v1::RED, "TLP:RED", false},
};

// Labels (docs/formats.md). Import writes them, export turns them back into
// STIX properties and leaves them out of `labels`.
inline constexpr std::string_view kStixIdLabel = "stix-id:";              // on the first weft indicator of a STIX object
inline constexpr std::string_view kStixNameLabel = "stix-name:";          // indicator `name`
inline constexpr std::string_view kIndicatorTypeLabel = "indicator-type:";  // each `indicator_types` entry
inline constexpr std::string_view kKillChainLabel = "kill-chain:";        // "kill-chain:<kill_chain_name>:<phase_name>"
inline constexpr std::string_view kReportTypeLabel = "report-type:";      // each report `report_types` entry
inline constexpr std::string_view kCreatedByLabel = "stix-created-by:";   // the creator identity's name (a plain label on export)
inline constexpr std::string_view kContextLabel = "to-ids:false";         // context, not a detection indicator
// An OTHER value that is a whole STIX pattern over objects weft has no
// indicator type for (an e-mail subject, say): carried as text, so no
// detection is lost, and exported as that pattern again.
inline constexpr std::string_view kStixPatternLabel = "stix-pattern";
inline constexpr std::string_view kMispTypeLabel = "misp-type:";          // the original kind of an OTHER value

}  // namespace weft::formats::stix
