#include "provenance/paths.h"

#include <gtest/gtest.h>

namespace weft::provenance {
namespace {

TEST(ProvenancePaths, RoundTripAndFieldPaths) {
  const struct {
    std::string_view path;
    std::string_view field;
    std::string_view element;
    bool text;
  } cases[] = {
      {"id", "id", "", false},
      {"created", "created", "", false},
      {"title#0", "title", "", true},
      {"description#12", "description", "", true},
      {"labels[3]#0", "labels[3]", "", true},
      {"recipients[0]", "recipients[0]", "", false},
      {"contacts[1].organisation", "contacts[1].organisation", "contacts[1]", false},
      {"indicators[2].value", "indicators[2].value", "indicators[2]", false},
      {"indicators[2].valid_until", "indicators[2].valid_until", "indicators[2]", false},
      {"indicators[2].description#1", "indicators[2].description", "indicators[2]", true},
      {"indicators[2].labels[4]#0", "indicators[2].labels[4]", "indicators[2]", true},
  };
  for (const auto& entry : cases) {
    const auto path = parse_path(entry.path);
    ASSERT_TRUE(path) << entry.path;
    EXPECT_EQ(format_path(*path), entry.path);
    EXPECT_EQ(field_path(*path), entry.field);
    EXPECT_EQ(element_path(*path), entry.element);
    EXPECT_EQ(path->is_text(), entry.text) << entry.path;
  }
}

TEST(ProvenancePaths, OutsideTheGrammar) {
  for (const std::string_view text :
       {"", "title", "id#0", "labels[0]", "labels[01]#0", "labels[-1]#0", "labels[1000000000]#0", "recipients[0]#0",
        "contacts[0]", "contacts[0].foo", "contacts[0].name#0", "indicators[0].labels#0", "indicators[0].labels[0]",
        "indicators[0].description", "indicators[0].value ", "Title#0", "description#", "description#1x",
        "indicators[0]..value"}) {
    EXPECT_FALSE(parse_path(text)) << text;
  }
}

TEST(ProvenancePaths, CanonicalOrder) {
  const std::string_view in_order[] = {"id",
                                       "feed",
                                       "tlp",
                                       "title#0",
                                       "title#1",
                                       "description#0",
                                       "created",
                                       "labels[0]#0",
                                       "labels[0]#1",
                                       "labels[1]#0",
                                       "recipients[0]",
                                       "recipients[2]",
                                       "contacts[0].role",
                                       "contacts[0].name",
                                       "contacts[0].organisation",
                                       "contacts[0].email",
                                       "contacts[0].phone",
                                       "contacts[1].role",
                                       "indicators[0].type",
                                       "indicators[0].value",
                                       "indicators[0].description#0",
                                       "indicators[0].confidence",
                                       "indicators[0].valid_from",
                                       "indicators[0].valid_until",
                                       "indicators[0].labels[0]#0",
                                       "indicators[0].labels[0]#1",
                                       "indicators[0].labels[1]#0",
                                       "indicators[1].type",
                                       "indicators[10].type"};
  for (std::size_t i = 1; i < std::size(in_order); ++i) {
    EXPECT_LT(*parse_path(in_order[i - 1]), *parse_path(in_order[i])) << in_order[i - 1] << " < " << in_order[i];
  }
}

}  // namespace
}  // namespace weft::provenance
