#include "formats/report_parts.h"

#include "formats/identifiers.h"
#include "formats/indicator_values.h"

namespace weft::formats {

void split_oversized_reports(Imported& imported) {
  std::vector<ImportedReport> fitted;
  for (auto& entry : imported.reports) {
    const auto total = static_cast<std::size_t>(entry.report.indicators_size());
    if (total <= kMaxIndicators) {
      fitted.push_back(std::move(entry));
      continue;
    }
    const std::size_t parts = (total + kMaxIndicators - 1) / kMaxIndicators;
    imported.not_carried.push_back(
        {entry.source, "has " + std::to_string(total) + " indicators, more than the " + std::to_string(kMaxIndicators) +
                           " a report holds: published as " + std::to_string(parts) + " reports (part 1 keeps id " +
                           entry.report.id() + ")"});
    v1::Report shell = entry.report;
    shell.clear_indicators();
    for (std::size_t part = 0; part < parts; ++part) {
      ImportedReport piece{entry.source + " (part " + std::to_string(part + 1) + " of " + std::to_string(parts) + ")",
                           shell};
      if (part > 0) {
        piece.report.set_id(name_based_uuid(entry.report.id() + "/part/" + std::to_string(part + 1)));
      }
      const std::string suffix = " (part " + std::to_string(part + 1) + " of " + std::to_string(parts) + ")";
      piece.report.set_title(cut_utf8(shell.title(), kMaxTitleBytes - suffix.size()) + suffix);
      const std::size_t first = part * kMaxIndicators;
      const std::size_t last = std::min(total, first + kMaxIndicators);
      piece.report.mutable_indicators()->Reserve(static_cast<int>(last - first));
      for (std::size_t i = first; i < last; ++i) {
        *piece.report.add_indicators() = std::move(*entry.report.mutable_indicators(static_cast<int>(i)));
      }
      fitted.push_back(std::move(piece));
    }
  }
  imported.reports = std::move(fitted);
}

}  // namespace weft::formats
