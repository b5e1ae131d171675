// TLP:RED on the client side. The publisher's library filters the report for
// each named recipient with that recipient's policy (fetched from the broker
// with its sealing key), seals each copy for the recipient alone, and sends
// only the sealed copies; the recipient's library opens its own copy.
//
// Pseudonyms in sealed copies come from a key made for this one report, not
// from the broker's pseudonym key (which never leaves the broker): they are
// stable within the report and mean nothing outside it.
#pragma once

#include <vector>

#include "proto/error.h"
#include "sealing/sealing.h"
#include "weft/v1/frame.pb.h"
#include "weft/v1/report.pb.h"

namespace weft::client {

// The report as it travels: id, feed, TLP, created and the named recipients
// in the clear, everything else inside one sealed copy per recipient (or a
// withheld marker where its policy withholds the report). `recipients` must
// answer for every name in report.recipients. VALIDATION_FAILED or
// POLICY_INVALID naming the recipient otherwise.
Result<v1::Report> seal_red_report(const v1::Report& report, const std::vector<v1::SealingRecipient>& recipients);

// The recipient's own copy of a delivered TLP:RED report, opened: the
// publisher's filtered report with the broker's stamp. Refuses a copy sealed
// for another key, altered, or belonging to another report (the sealed
// report's id, feed and TLP must be the delivered ones).
Result<v1::Report> open_red_copy(const v1::Report& delivered, const sealing::SealingKey& key);

}  // namespace weft::client
