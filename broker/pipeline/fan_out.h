// Stages "per-recipient policy" and "deliver": groups the eligible
// recipients by their effective policy, redacts the report once per policy,
// encodes once per variant, and offers the bytes to each recipient's bounded
// queue. Pseudonyms are the only per-recipient work (a few keyed hashes).
//
// Fails closed: a recipient whose policy cannot be determined, or whose
// redaction fails, gets nothing; WITHHOLD_REPORT delivers nothing to that
// policy's recipients. Every such outcome is counted and logged (never with
// values).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "broker/router.h"
#include "policies/policy_set.h"
#include "policies/pseudonymizer.h"
#include "weft/v1/report.pb.h"

namespace weft::broker::pipeline {

struct FanOutResult {
  std::uint32_t delivered = 0;      // accepted by a recipient's queue
  std::uint32_t withheld = 0;       // a policy said WITHHOLD_REPORT
  std::uint32_t failed_closed = 0;  // no valid policy, or redaction failed
};

FanOutResult fan_out(const v1::Report& report, const std::vector<Router::Recipient>& recipients,
                     const policies::PolicySet& policy_set, const policies::Pseudonymizer& pseudonymizer);

// The Delivery frame of `report` for one recipient (backlog of a durable
// subscription), or nothing when its policy withholds the report or it has no
// valid policy (logged).
std::optional<std::shared_ptr<const std::string>> encode_for(const v1::Report& report,
                                                             const v1::Organisation& recipient,
                                                             const policies::PolicySet& policy_set,
                                                             const policies::Pseudonymizer& pseudonymizer);

}  // namespace weft::broker::pipeline
