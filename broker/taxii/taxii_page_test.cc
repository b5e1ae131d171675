#include "broker/taxii/taxii_page.h"

#include <gtest/gtest.h>

#include "broker/taxii/taxii_documents.h"

namespace weft::broker::taxii {
namespace {

formats::StixObject object(const std::string& type, int n) {
  const std::string id = type + "--00000000-0000-4000-8000-" + std::string(12 - std::to_string(n).size(), '0') +
                         std::to_string(n);
  return {id, type, "2026-01-01T00:00:00.000Z", "{\"type\":\"" + type + "\",\"id\":\"" + id + "\"}"};
}

ObjectQuery with_limit(std::uint32_t limit) {
  ObjectQuery query;
  query.limit = limit;
  return query;
}

// What every report's copy looks like: its marking and publisher identity
// (the same in each report), then its own objects.
ReportObjects report(std::uint64_t sequence, int first_own, int own) {
  ReportObjects objects{sequence, "2026-01-01T00:00:0" + std::to_string(sequence % 10) + ".000Z", {}};
  objects.objects.push_back(object("marking-definition", 1));
  objects.objects.push_back(object("identity", 1));
  for (int i = 0; i < own; ++i) {
    objects.objects.push_back(object("indicator", first_own + i));
  }
  return objects;
}

TEST(TaxiiPage, SharedObjectsAppearOncePerPage) {
  const ObjectQuery query = with_limit(100);
  PageBuilder page(query);
  EXPECT_EQ(page.add(report(1, 1, 2), 0).count, 4U);
  EXPECT_EQ(page.add(report(2, 3, 2), 0).count, 2U);
  ASSERT_EQ(page.entries().size(), 6U);
  EXPECT_EQ(page.entries()[4].date_added, "2026-01-01T00:00:02.000Z");
  EXPECT_FALSE(page.full());
}

TEST(TaxiiPage, StopsWhereTheLimitCutsAReport) {
  const ObjectQuery query = with_limit(3);
  PageBuilder page(query);
  const auto added = page.add(report(7, 1, 3), 0);
  EXPECT_EQ(added.count, 3U);
  ASSERT_TRUE(added.stopped_at);
  EXPECT_EQ(*added.stopped_at, 3U);
  // The next page starts there: the rest of the report, and its shared
  // objects again only if asked for from the start.
  PageBuilder next(query);
  const auto rest = next.add(report(7, 1, 3), *added.stopped_at);
  EXPECT_EQ(rest.count, 2U);
  EXPECT_FALSE(rest.stopped_at);
}

TEST(TaxiiPage, FiltersAndTellsWhetherMoreMatches) {
  auto query = parse_object_query("match[type]=indicator&limit=2", 100).value();
  PageBuilder page(query);
  const auto added = page.add(report(1, 1, 2), 0);
  EXPECT_EQ(added.count, 2U);
  EXPECT_FALSE(added.stopped_at) << "nothing of this report was left";
  EXPECT_TRUE(page.full());
  EXPECT_TRUE(page.has_match(report(2, 3, 1)));
  EXPECT_FALSE(page.has_match(report(3, 4, 0)));
}

TEST(TaxiiDocuments, EnvelopeSplicesObjectsAndOmitsEmptyParts) {
  const ObjectQuery query = with_limit(10);
  PageBuilder page(query);
  page.add(report(1, 1, 1), 0);
  const std::string more = envelope_document(page.entries(), true, std::string("abc"));
  EXPECT_EQ(more.rfind("{\"more\":true,\"next\":\"abc\",\"objects\":[{\"type\":\"marking-definition\"", 0), 0U) << more;
  EXPECT_EQ(envelope_document({}, false, std::nullopt), "{\"more\":false}");
  const std::string manifest = manifest_document(page.entries(), false, std::nullopt);
  EXPECT_NE(manifest.find("\"media_type\":\"application/stix+json;version=2.1\""), std::string::npos) << manifest;
  EXPECT_NE(manifest.find("\"date_added\":\"2026-01-01T00:00:01.000Z\""), std::string::npos) << manifest;
}

TEST(TaxiiDocuments, CollectionIdsAreDeterministic) {
  EXPECT_EQ(collection_for_feed("phishing").id, collection_for_feed("phishing").id);
  EXPECT_NE(collection_for_feed("phishing").id, collection_for_feed("malware").id);
  EXPECT_EQ(error_document(404, "Not found", "x"), "{\"title\":\"Not found\",\"description\":\"x\",\"http_status\":\"404\"}");
}

}  // namespace
}  // namespace weft::broker::taxii
