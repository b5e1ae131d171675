// One pass over the scan text that finds runs of digits with single
// separators ("203.0.113.7", "4111 1111 1111 1111", "030/1234567",
// "DE89 3704 ...") and runs of hex digits and colons ("2001:db8::1"), and
// hands each plausible run to the IPv4, payment-card, phone, IBAN and IPv6
// extractors. Digit-heavy patterns are the slow case for an automaton
// scanner (incident text is full of timestamps and hashes); here a run's
// shape rules most of them out before any extractor runs, and the text is
// classified 64 bytes at a time.
#pragma once

#include <functional>
#include <string_view>

#include "policies/detectors/extractors.h"

namespace weft::policies::detectors {

enum class NumericCategory { kIpv4, kIpv6, kPaymentCard, kPhone, kIban };

// Calls `found` for every validated candidate, in text order.
void scan_numeric_runs(std::string_view text, const std::function<void(NumericCategory, Span)>& found);

}  // namespace weft::policies::detectors
