#include "formats/formats.h"
#include "formats/identifiers.h"

namespace weft::formats {

std::string stix_bundle_of(std::string_view identity, const std::vector<StixObject>& objects) {
  // The objects are serialized JSON already; a bundle is their array plus an id.
  std::string bundle = "{\"type\":\"bundle\",\"id\":\"bundle--" + name_based_uuid("bundle:" + std::string(identity)) + "\"";
  if (!objects.empty()) {
    bundle += ",\"objects\":[";
    for (std::size_t i = 0; i < objects.size(); ++i) {
      bundle += (i == 0 ? "" : ",") + objects[i].json;
    }
    bundle += "]";
  }
  return bundle + "}";
}

}  // namespace weft::formats
