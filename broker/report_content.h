// What makes two reports "the same report" for the republishing rule: their
// content (title, description, labels, contacts, indicators), whatever id,
// feed, TLP, recipients, creation time, broker stamp or provenance they
// carry. Used by the store to spot a recipient publishing what it received
// under AMBER, AMBER+STRICT or RED as if it were its own.
#pragma once

#include <string>

#include "weft/v1/report.pb.h"

namespace weft::broker {

// Deterministic bytes of the report's content; equal content, equal bytes.
std::string comparable_content(const v1::Report& report);

// TLP levels whose recipients may not pass a report on as their own.
bool is_restricted(v1::Tlp tlp);

}  // namespace weft::broker
