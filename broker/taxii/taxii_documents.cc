#include "broker/taxii/taxii_documents.h"

#include <boost/json.hpp>

#include "formats/identifiers.h"

namespace weft::broker::taxii {
namespace {

namespace json = boost::json;

json::object collection_object(const Collection& collection) {
  return json::object{
      {"id", collection.id},
      {"title", collection.feed},
      {"description", "weft feed '" + collection.feed + "', filtered by your data-protection policy and TLP"},
      {"can_read", true},
      {"can_write", false},
      {"media_types", json::array{kStixMediaType}},
  };
}

// `more` and `next` first; the entries are spliced in as they are, so that
// the objects' bytes are exactly what the exporter made.
std::string paged_document(const char* key, const std::vector<std::string>& items, bool more,
                           const std::optional<std::string>& next) {
  std::string out = "{\"more\":";
  out += more ? "true" : "false";
  if (next) {
    out += ",\"next\":" + json::serialize(json::string(*next));
  }
  if (!items.empty()) {
    out += ",\"";
    out += key;
    out += "\":[";
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (i > 0) {
        out += ',';
      }
      out += items[i];
    }
    out += ']';
  }
  out += '}';
  return out;
}

}  // namespace

Collection collection_for_feed(std::string_view feed) {
  return {formats::name_based_uuid("feed:" + std::string(feed)), std::string(feed)};
}

std::string discovery_document(std::string_view api_root_url) {
  return json::serialize(json::object{
      {"title", "weft"},
      {"description",
       "weft incident-information sharing: the feeds your organisation may read, filtered by your "
       "data-protection policy and the TLP rules"},
      {"default", api_root_url},
      {"api_roots", json::array{api_root_url}},
  });
}

std::string api_root_document(std::uint64_t max_content_length) {
  return json::serialize(json::object{
      {"title", "weft feeds"},
      {"description", "Read-only: reports are published with the weft protocol"},
      {"versions", json::array{kTaxiiMediaType}},
      {"max_content_length", max_content_length},
  });
}

std::string collection_document(const Collection& collection) {
  return json::serialize(collection_object(collection));
}

std::string collections_document(const std::vector<Collection>& collections) {
  if (collections.empty()) {
    return "{}";
  }
  json::array list;
  for (const auto& collection : collections) {
    list.push_back(collection_object(collection));
  }
  return json::serialize(json::object{{"collections", std::move(list)}});
}

std::string envelope_document(const std::vector<PageEntry>& entries, bool more,
                              const std::optional<std::string>& next) {
  std::vector<std::string> objects;
  objects.reserve(entries.size());
  for (const auto& entry : entries) {
    objects.push_back(entry.object.json);
  }
  return paged_document("objects", objects, more, next);
}

std::string manifest_document(const std::vector<PageEntry>& entries, bool more,
                              const std::optional<std::string>& next) {
  std::vector<std::string> records;
  records.reserve(entries.size());
  for (const auto& entry : entries) {
    records.push_back(json::serialize(json::object{
        {"id", entry.object.id},
        {"date_added", entry.date_added},
        {"version", entry.object.modified},
        {"media_type", kStixMediaType},
    }));
  }
  return paged_document("objects", records, more, next);
}

std::string error_document(unsigned status, std::string_view title, std::string_view description) {
  return json::serialize(json::object{
      {"title", title},
      {"description", description},
      {"http_status", std::to_string(status)},
  });
}

}  // namespace weft::broker::taxii
