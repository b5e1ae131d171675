#include "broker/taxii/taxii_routes.h"

#include <gtest/gtest.h>

#include <vector>

namespace weft::broker::taxii {
namespace {

constexpr const char* kId = "8d1e0c3a-5b8e-5f3a-9c1d-2b3a4c5d6e7f";

TEST(TaxiiRoutes, FindsEachEndpoint) {
  const std::string collection = std::string("/weft/api/collections/") + kId;
  const std::pair<std::string, Endpoint> cases[] = {
      {"/taxii2/", Endpoint::kDiscovery},
      {"/taxii2", Endpoint::kDiscovery},
      {"/weft/api/", Endpoint::kApiRoot},
      {"/weft/api/collections/", Endpoint::kCollections},
      {collection + "/", Endpoint::kCollection},
      {collection + "/objects/?limit=2", Endpoint::kObjects},
      {collection + "/manifest/", Endpoint::kManifest},
      {collection + "/objects/indicator--0b8c4a5e-6f1d-4c55-9a3e-1a2b3c4d5e6f/", Endpoint::kObject},
  };
  for (const auto& [target, endpoint] : cases) {
    const auto route = route_for(target);
    ASSERT_TRUE(route) << target;
    EXPECT_EQ(route->endpoint, endpoint) << target;
  }
  const auto objects = route_for(collection + "/objects/?limit=2&match%5Btype%5D=x");
  EXPECT_EQ(objects->collection_id, kId);
  EXPECT_EQ(objects->query, "limit=2&match%5Btype%5D=x");
  EXPECT_EQ(route_for(collection + "/objects/indicator--x/")->object_id, "indicator--x");
}

TEST(TaxiiRoutes, UnknownPathsAreNotFound) {
  const std::string collection = std::string("/weft/api/collections/") + kId;
  for (const std::string& target : std::vector<std::string>{
           "", "/", "taxii2/", "/taxii2/x/", "/weft/", "/weft/api/x/", "/weft/api//collections/",
        "/weft/api/collections/not-a-uuid/", collection + "/status/",
           collection + "/objects/a/versions/", "/weft/api/collections/%zz/",
        "/weft/api/../taxii2/"}) {
    EXPECT_FALSE(route_for(target)) << target;
  }
}

}  // namespace
}  // namespace weft::broker::taxii
