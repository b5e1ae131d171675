#include "broker/taxii/taxii_routes.h"

#include <vector>

#include "broker/taxii/taxii_documents.h"
#include "broker/taxii/taxii_paging.h"
#include "common/names.h"

namespace weft::broker::taxii {
namespace {

// Path segments between '/'; empty segments (a doubled '/') make the path
// unknown rather than being folded.
std::optional<std::vector<std::string>> segments_of(std::string_view path) {
  if (path.empty() || path.front() != '/') {
    return std::nullopt;
  }
  path.remove_prefix(1);
  if (!path.empty() && path.back() == '/') {
    path.remove_suffix(1);
  }
  std::vector<std::string> segments;
  if (path.empty()) {
    return segments;
  }
  std::size_t start = 0;
  while (true) {
    const std::size_t end = path.find('/', start);
    const auto segment = percent_decode(path.substr(start, end == std::string_view::npos ? end : end - start));
    if (!segment || segment->empty() || segments.size() >= 8) {
      return std::nullopt;
    }
    segments.push_back(*segment);
    if (end == std::string_view::npos) {
      return segments;
    }
    start = end + 1;
  }
}

std::vector<std::string> root_segments(std::string_view root) {
  return *segments_of(root);
}

}  // namespace

std::optional<Route> route_for(std::string_view target) {
  Route route;
  const auto question = target.find('?');
  if (question != std::string_view::npos) {
    route.query = std::string(target.substr(question + 1));
    target = target.substr(0, question);
  }
  const auto segments = segments_of(target);
  if (!segments) {
    return std::nullopt;
  }
  if (*segments == root_segments(kDiscoveryPath)) {
    route.endpoint = Endpoint::kDiscovery;
    return route;
  }
  static const std::vector<std::string> root = root_segments(kApiRootPath);
  if (segments->size() < root.size() || !std::equal(root.begin(), root.end(), segments->begin())) {
    return std::nullopt;
  }
  const std::vector<std::string> rest(segments->begin() + static_cast<std::ptrdiff_t>(root.size()), segments->end());
  if (rest.empty()) {
    route.endpoint = Endpoint::kApiRoot;
    return route;
  }
  if (rest[0] != "collections") {
    return std::nullopt;
  }
  if (rest.size() == 1) {
    route.endpoint = Endpoint::kCollections;
    return route;
  }
  if (!names::is_uuid(rest[1])) {
    return std::nullopt;
  }
  route.collection_id = names::to_lower(rest[1]);
  if (rest.size() == 2) {
    route.endpoint = Endpoint::kCollection;
    return route;
  }
  if (rest.size() == 3 && rest[2] == "objects") {
    route.endpoint = Endpoint::kObjects;
    return route;
  }
  if (rest.size() == 3 && rest[2] == "manifest") {
    route.endpoint = Endpoint::kManifest;
    return route;
  }
  if (rest.size() == 4 && rest[2] == "objects" && rest[3].size() <= 300) {
    route.endpoint = Endpoint::kObject;
    route.object_id = rest[3];
    return route;
  }
  return std::nullopt;
}

}  // namespace weft::broker::taxii
