// What the delivery pipeline needs from the audit log (broker/audit_log.h),
// as an interface so pipeline stages can be tested without one.
#pragma once

#include <string>
#include <string_view>

#include "weft/v1/audit.pb.h"

namespace weft::broker {

// What the delivery pipeline needs from the audit log.
class AuditTrail {
 public:
  virtual ~AuditTrail() = default;
  // False while the log cannot keep up or cannot write: callers then hold
  // deliveries back, because nothing may leave the broker unrecorded.
  virtual bool has_room() const = 0;
  // Queues a record; the log assigns its index.
  virtual void record(v1::AuditRecord record) = 0;
  // Keyed BLAKE2b-256 under the operator's audit key.
  virtual std::string fingerprint(std::string_view bytes) const = 0;
};

}  // namespace weft::broker
