// One page of a collection's objects or manifest: the objects of successive
// reports' copies that the query matches, each id at most once, up to the
// limit; and where the next page starts when the limit cut a report short.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "broker/taxii/taxii_paging.h"
#include "formats/formats.h"

namespace weft::broker::taxii {

// A report's copy as STIX, all of it added when the broker received the report.
struct ReportObjects {
  std::uint64_t sequence = 0;
  std::string date_added;  // RFC 3339, milliseconds
  std::vector<formats::StixObject> objects;
};

struct PageEntry {
  formats::StixObject object;
  std::string date_added;
};

class PageBuilder {
 public:
  explicit PageBuilder(const ObjectQuery& query) : query_(query) {}

  struct Added {
    std::uint32_t count = 0;  // objects of this report now on the page
    // The page filled up while a matching object of this report (at this
    // index) was left: the next page starts there.
    std::optional<std::uint32_t> stopped_at;
  };
  // Objects of `report` from index `first` on that the query matches;
  // identities and marking definitions that every report repeats go on the
  // page once.
  Added add(ReportObjects report, std::uint32_t first);
  // Whether `report` holds anything the query matches (after a full page:
  // is there more?).
  bool has_match(const ReportObjects& report) const;

  bool full() const { return entries_.size() >= query_.limit; }
  const std::vector<PageEntry>& entries() const { return entries_; }

 private:
  const ObjectQuery& query_;
  std::vector<PageEntry> entries_;
  std::set<std::string> ids_;
};

}  // namespace weft::broker::taxii
