#include "broker/taxii/taxii_page.h"

#include <algorithm>

namespace weft::broker::taxii {

PageBuilder::Added PageBuilder::add(ReportObjects report, std::uint32_t first) {
  Added added;
  for (std::size_t i = first; i < report.objects.size(); ++i) {
    formats::StixObject& object = report.objects[i];
    if (!query_.matches(object) || ids_.contains(object.id)) {
      continue;
    }
    if (full()) {
      added.stopped_at = static_cast<std::uint32_t>(i);
      return added;
    }
    ids_.insert(object.id);
    entries_.push_back({std::move(object), report.date_added});
    ++added.count;
  }
  return added;
}

bool PageBuilder::has_match(const ReportObjects& report) const {
  return std::any_of(report.objects.begin(), report.objects.end(),
                     [&](const formats::StixObject& object) { return query_.matches(object); });
}

}  // namespace weft::broker::taxii
