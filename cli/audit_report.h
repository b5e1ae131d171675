// `weft audit report`: a data-protection officer's summary of what the broker
// did with personal data over a period, rendered from audit records the
// caller has already fetched and verified against a checkpoint.
//
// Pure: no networking, no files, no clock. The same records and options give
// the same bytes (every table is sorted by its keys), so the output can be
// compared, archived and diffed.
//
// What it shows: the period and the signed state the figures come from;
// outcomes (delivered, withheld, failed closed, refused); personal-data items
// per category and action, also per policy; transfers per jurisdiction and
// transfer class, with the items kept unredacted for third-country recipients
// highlighted; per recipient organisation; and per UTC day. Items are the
// `count`s of RedactionDecisions on DELIVERED records: a report delivered to
// three recipients counts three times, once per copy that left the broker.
// Only aggregates: report ids are counted, never printed.
//
// Every string taken from a record (organisations, categories, jurisdictions,
// policy names) and from the options is treated as untrusted and escaped for
// the output format. The HTML page is self-contained (inline CSS and SVG, no
// scripts, no external resources) and carries a Content-Security-Policy that
// forbids scripts should anything ever slip through.
//
// Thread safety: render_audit_report keeps no state; call it from any thread.
#pragma once

#include <google/protobuf/timestamp.pb.h>

#include <cstdint>
#include <string>
#include <vector>

#include "weft/v1/audit.pb.h"

namespace weft::cli {

struct AuditReportOptions {
  std::string title = "weft audit report";
  std::string log_origin;  // the log's origin (the checkpoint's first line)
  // The checkpoint the records were verified against.
  std::uint64_t checkpoint_size = 0;
  std::string checkpoint_root_base64;
  // The period [since, until), compared in milliseconds like the broker's
  // audit query. Unset (zero) since: from the start of the log; unset until:
  // up to the checkpoint. Records outside the period are left out and counted.
  google::protobuf::Timestamp since;
  google::protobuf::Timestamp until;
};

enum class AuditReportFormat { kMarkdown, kHtml };

std::string render_audit_report(const std::vector<v1::AuditRecord>& records, const AuditReportOptions& options,
                                AuditReportFormat format);

}  // namespace weft::cli
