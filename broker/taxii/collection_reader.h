// Reads one page of a collection for one organisation: the feed's stored
// reports in sequence order, each passed through exactly what a weft
// delivery does (TLP rules, the recipient's policy, pseudonyms, the broker's
// attestation), turned into STIX, filtered and paged. Every report whose
// objects go out is recorded in the audit log as delivered, and every
// report withheld from the organisation as withheld, like a durable
// subscription's backlog; if the log has no room, nothing goes out.
//
// TLP:RED reports are skipped and nothing is recorded for them: their
// content is sealed for each recipient and cannot be STIX; the weft
// protocol delivers them.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "broker/services.h"
#include "broker/taxii/taxii_page.h"
#include "broker/taxii/taxii_paging.h"
#include "common/registry.h"

namespace weft::broker::taxii {

struct CollectionPage {
  std::vector<PageEntry> entries;
  bool more = false;
  std::optional<PagePosition> next;  // set when `more`
  std::uint32_t reports_served = 0;
  std::uint32_t reports_withheld = 0;
};

struct PageRequest {
  std::shared_ptr<const Registry> registry;  // keeps `reader` alive
  const v1::Organisation* reader = nullptr;
  std::string feed;
  ObjectQuery query;
  std::uint32_t max_scan_reports = 1000;
  // The audit records' channel: "taxii" for objects, "taxii-manifest" when
  // only the manifest of the copies leaves.
  std::string channel;
};

// STORAGE_UNAVAILABLE when the store cannot be read or the audit log
// cannot record the page.
boost::asio::awaitable<Result<CollectionPage>> read_collection_page(Services& services, PageRequest request);

}  // namespace weft::broker::taxii
