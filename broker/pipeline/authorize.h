// Stage "authorize": may this organisation do this? Every refusal carries
// the reason, which goes to the requester and to the broker log.
#pragma once

#include <string_view>

#include "proto/error.h"
#include "weft/v1/registry.pb.h"
#include "weft/v1/report.pb.h"

namespace weft::broker::pipeline {

// Publisher role, feed permission, and the TLP levels this broker can carry
// safely: TLP:RED needs end-to-end sealing to named recipients and is refused
// until that exists; TLP:AMBER and AMBER+STRICT need named recipients.
Result<void> authorize_publish(const v1::Organisation& publisher, const v1::Report& report);

// Subscriber role and read permission on the feed.
Result<void> authorize_subscribe(const v1::Organisation& subscriber, std::string_view feed);

// The TLP gate on every delivery: CLEAR and GREEN go to the feed's
// subscribers; AMBER and AMBER+STRICT only to organisations the publisher
// named (by name or by one of their groups); RED never fans out.
bool tlp_allows_delivery(const v1::Organisation& recipient, const v1::Report& report);

}  // namespace weft::broker::pipeline
