// Which TAXII 2.1 endpoint a request target names. Pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace weft::broker::taxii {

enum class Endpoint { kDiscovery, kApiRoot, kCollections, kCollection, kObjects, kObject, kManifest };

struct Route {
  Endpoint endpoint = Endpoint::kDiscovery;
  std::string collection_id;  // lower-case UUID, for kCollection and below
  std::string object_id;      // for kObject
  std::string query;          // after '?', still percent-encoded
};

// "/weft/api/collections/<uuid>/objects/?limit=5" -> kObjects. nullopt:
// nothing is served there (404). The trailing '/' TAXII writes is optional.
std::optional<Route> route_for(std::string_view target);

}  // namespace weft::broker::taxii
