// Private to weft::formats: fitting imported reports into the broker's
// per-report indicator limit without losing any indicator.
#pragma once

#include "formats/formats.h"

namespace weft::formats {

// Splits every report with more indicators than the broker takes in one
// report into parts that fit: the first part keeps the report's id, part N
// gets an id derived from it (so a re-import gives the same parts) and every
// title says "(part N of M)". Each split is named in `not_carried`.
void split_oversized_reports(Imported& imported);

}  // namespace weft::formats
