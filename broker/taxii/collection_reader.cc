#include "broker/taxii/collection_reader.h"

#include <algorithm>

#include "broker/pipeline/fan_out.h"
#include "broker/report_content.h"
#include "broker/taxii/storage_await.h"
#include "formats/identifiers.h"

namespace weft::broker::taxii {
namespace {

// Reports asked of the store at a time: one page of the feed per read.
constexpr std::size_t kReadBatch = 64;

std::int64_t millis(const google::protobuf::Timestamp& time) {
  return time.seconds() * 1000 + time.nanos() / 1'000'000;
}

// Where a scan stands. Kept outside the coroutine: the work per report is
// plain code.
struct Scan {
  Scan(Services& services_in, const PageRequest& request_in)
      : services(services_in),
        request(request_in),
        page(request.query),
        resume(request.query.next.value_or(PagePosition{1, 0})),
        after(resume.sequence - 1),
        attester{services.provenance_key, services.settings.broker_id} {}

  Services& services;
  const PageRequest& request;
  PageBuilder page;
  // The first object neither on this page nor passed over: where the next
  // page starts.
  PagePosition resume;
  std::uint64_t after;  // the last sequence read from the store
  std::uint32_t scanned = 0;
  // The page is full; later reports are only looked at to tell whether
  // there is more, and nothing is recorded for them (the next page will).
  bool peeking = false;
  bool done = false;
  bool more = false;
  pipeline::Attester attester;
  std::vector<v1::AuditRecord> records;
  std::vector<store::RememberedCopy> remembered;
  std::uint32_t served = 0;
  std::uint32_t withheld = 0;
};

bool added_in_range(const v1::Report& report, const ObjectQuery& query) {
  // Compared at the millisecond precision of date_added, so that a client
  // passing back the last date_added it saw does not get that object again.
  return !query.added_after || millis(report.broker().received_at()) > millis(*query.added_after);
}

ReportObjects objects_of(const v1::Report& stored, const v1::Report& copy) {
  return {stored.broker().sequence(), formats::rfc3339_millis(stored.broker().received_at()),
          formats::stix_objects(copy)};
}

void look_at(Scan& scan, const v1::Report& report, const v1::Organisation& reader,
             const policies::PolicySet& policy_set) {
  const std::uint64_t sequence = report.broker().sequence();
  scan.after = sequence;
  ++scan.scanned;
  const std::uint32_t first = sequence == scan.resume.sequence ? scan.resume.object : 0;
  if (report.tlp() == v1::RED || !added_in_range(report, scan.request.query)) {
    if (!scan.peeking) {
      scan.resume = {sequence + 1, 0};
    }
    return;
  }
  auto copy = pipeline::copy_for(report, reader, policy_set, scan.services.policies.pseudonymizer(),
                                 scan.services.audit, &scan.attester);
  if (scan.peeking) {
    if (copy.report && scan.page.has_match(objects_of(report, *copy.report))) {
      scan.more = true;
      scan.done = true;
    }
    return;
  }
  copy.record.set_channel(scan.request.channel);
  if (!copy.report) {
    ++scan.withheld;
    scan.records.push_back(std::move(copy.record));
    scan.resume = {sequence + 1, 0};
    return;
  }
  const auto added = scan.page.add(objects_of(report, *copy.report), first);
  if (added.count > 0) {
    ++scan.served;
    scan.records.push_back(std::move(copy.record));
    if (is_restricted(copy.report->tlp())) {
      // What a recipient got under AMBER may not come back from it as its own.
      scan.remembered.push_back(
          {copy.report->id(), report.broker().source_organisation(), comparable_content(*copy.report)});
    }
  }
  if (added.stopped_at) {
    scan.resume = {sequence, *added.stopped_at};
    scan.more = true;
    scan.done = true;
    return;
  }
  scan.resume = {sequence + 1, 0};
  scan.peeking = scan.page.full();
}

// `asked`: how many reports were asked of the store; fewer means the end
// of the feed, so "more" is known to be false without another read.
void look_at_batch(Scan& scan, const std::vector<v1::Report>& reports, std::size_t asked) {
  if (reports.empty()) {
    scan.done = true;
    return;
  }
  const auto policy_set = scan.services.policies.current();
  for (const v1::Report& report : reports) {
    look_at(scan, report, *scan.request.reader, *policy_set);
    if (scan.done) {
      return;
    }
  }
  if (reports.size() < asked) {
    scan.done = true;
    return;
  }
  if (scan.scanned >= scan.request.max_scan_reports) {
    // Enough for one request: the client asks again from `resume`.
    scan.more = true;
    scan.done = true;
  }
}

Result<CollectionPage> finish(Scan& scan) {
  if (!scan.page.entries().empty() && !scan.services.audit.has_room()) {
    scan.services.counters.deliveries_held_for_audit.fetch_add(scan.served, std::memory_order_relaxed);
    return make_error(v1::STORAGE_UNAVAILABLE, "the audit log cannot record deliveries right now; try again later");
  }
  for (auto& record : scan.records) {
    scan.services.audit.record(std::move(record));
  }
  for (auto& copy : scan.remembered) {
    scan.services.storage.remember_copy(std::move(copy));
  }
  scan.services.counters.deliveries_withheld.fetch_add(scan.withheld, std::memory_order_relaxed);
  scan.services.counters.taxii_reports_served.fetch_add(scan.served, std::memory_order_relaxed);
  CollectionPage page;
  page.entries = scan.page.entries();
  page.more = scan.more;
  if (scan.more) {
    page.next = scan.resume;
  }
  page.reports_served = scan.served;
  page.reports_withheld = scan.withheld;
  return page;
}

}  // namespace

boost::asio::awaitable<Result<CollectionPage>> read_collection_page(Services& services, PageRequest request) {
  auto scan = std::make_unique<Scan>(services, request);
  while (!scan->done) {
    const std::size_t limit = std::min<std::size_t>(kReadBatch, request.max_scan_reports - scan->scanned);
    auto reports = co_await await_storage<std::vector<v1::Report>>(
        [&services, &request, after = scan->after, limit](auto executor, auto done) {
          services.storage.read_feed(request.feed, after, limit, executor, std::move(done));
        });
    if (!reports) {
      co_return make_error(v1::STORAGE_UNAVAILABLE, "the broker cannot read feed '" + request.feed + "' now");
    }
    look_at_batch(*scan, reports.value(), limit);
  }
  co_return finish(*scan);
}

}  // namespace weft::broker::taxii
