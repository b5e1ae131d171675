#include "common/uuid.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>


namespace weft::uuid {
namespace {

TEST(Uuid, RandomV4HasTheVersionAndVariantBitsAndIsUnique) {
  std::mt19937_64 generator(42);
  const std::regex v4("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const std::string id = random_v4(generator);
    ASSERT_TRUE(std::regex_match(id, v4)) << id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

}  // namespace
}  // namespace weft::uuid
