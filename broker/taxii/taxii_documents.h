// The JSON bodies of TAXII 2.1 answers (discovery, API root, collections,
// envelopes, manifests, errors) and the names they share. Pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "broker/taxii/taxii_page.h"

namespace weft::broker::taxii {

inline constexpr std::string_view kDiscoveryPath = "/taxii2/";
// weftd serves one API root.
inline constexpr std::string_view kApiRootPath = "/weft/api/";
inline constexpr std::string_view kTaxiiMediaType = "application/taxii+json;version=2.1";
inline constexpr std::string_view kStixMediaType = "application/stix+json;version=2.1";

// A feed seen as a TAXII collection.
struct Collection {
  std::string id;  // formats::name_based_uuid("feed:" + feed)
  std::string feed;
};
Collection collection_for_feed(std::string_view feed);

// `api_root_url`: where clients find the API root, as they reach this server.
std::string discovery_document(std::string_view api_root_url);
std::string api_root_document(std::uint64_t max_content_length);
std::string collection_document(const Collection& collection);
std::string collections_document(const std::vector<Collection>& collections);
// The objects themselves, in page order.
std::string envelope_document(const std::vector<PageEntry>& entries, bool more, const std::optional<std::string>& next);
// One manifest record per object: id, date_added, version, media_type.
std::string manifest_document(const std::vector<PageEntry>& entries, bool more, const std::optional<std::string>& next);
// TAXII's error message: title, description, http_status (as a string, as
// the standard's examples write it).
std::string error_document(unsigned status, std::string_view title, std::string_view description);

}  // namespace weft::broker::taxii
