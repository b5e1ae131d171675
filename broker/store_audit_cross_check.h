// The start-up cross-check between the report store and the audit log.
//
// SQLite cannot tell that its WAL lost its tail (a media fault truncating
// weft.db-wal) or that weft.db was swapped for an older copy: the last
// committed transactions, acknowledged reports among them, are simply gone,
// and the store would hand out their sequence numbers again. The audit log
// is a second, independently verified record of those sequences: every
// delivery decision names the report's feed and feed_sequence. So the
// highest sequence the audit log records per feed must not exceed the last
// sequence the store has assigned in that feed. The audit writer may lag the
// store by a batch on a crash (audit below store is normal), never lead it.
// See docs/storage.md.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string_view>

#include "broker/store/report_store.h"
#include "proto/error.h"

namespace weft::broker {

// The highest feed_sequence per feed over audit records of stored reports
// (every outcome but PUBLISH_REFUSED, whose report was never stored).
class AuditedFeedEnds {
 public:
  // `leaf` is a serialized AuditRecord, exactly as the log stores it. Only
  // outcome, feed and feed_sequence are read, straight from the wire format:
  // a full parse (decisions, fingerprints) would make the start-up
  // verification, which already reads every leaf, markedly slower. False
  // when the bytes are not a well-formed record.
  bool add(std::string_view leaf);
  const store::FeedEnds& ends() const { return ends_; }

 private:
  store::FeedEnds ends_;
};

// STORE_BEHIND_AUDIT_LOG, naming every feed whose audited sequence is
// beyond the store's end and what the operator can do, when the store lost
// reports the audit log saw; ok otherwise. The paths only go into the message.
Result<void> check_store_covers_audit_log(const store::FeedEnds& audited, const store::FeedEnds& stored,
                                          const std::filesystem::path& database_file,
                                          const std::filesystem::path& audit_file);

}  // namespace weft::broker
