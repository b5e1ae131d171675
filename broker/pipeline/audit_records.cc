#include "broker/pipeline/audit_records.h"

#include <chrono>

#include "common/names.h"
#include "proto/deterministic.h"
#include "proto/error.h"

namespace weft::broker::pipeline {
namespace {

void set_now(google::protobuf::Timestamp& time) {
  const auto since_epoch = std::chrono::system_clock::now().time_since_epoch();
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(since_epoch);
  time.set_seconds(seconds.count());
  time.set_nanos(
      static_cast<std::int32_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(since_epoch - seconds).count()));
}

// Deterministic, so that whoever holds a copy (and the audit key) can
// recompute its fingerprint from the same message.
std::string canonical_bytes(const v1::Report& report) { return proto::deterministic_bytes(report); }

std::string transfer_class(std::string_view jurisdiction) {
  if (names::in_eea(jurisdiction)) {
    return "EEA";
  }
  if (names::in_eea_or_adequate(jurisdiction)) {
    return "ADEQUATE";
  }
  return "THIRD_COUNTRY";
}

}  // namespace

v1::AuditRecord report_record(const v1::Report& report, const AuditTrail& trail) {
  v1::AuditRecord record;
  set_now(*record.mutable_time());
  record.set_report_id(report.id());
  record.set_publisher(report.broker().source_organisation());
  record.set_feed(report.feed());
  record.set_tlp(report.tlp());
  record.set_feed_sequence(report.broker().sequence());
  // The report as published: without what the broker stamped on it.
  v1::Report published = report;
  published.clear_broker();
  record.set_input_fingerprint(trail.fingerprint(canonical_bytes(published)));
  return record;
}

v1::AuditRecord recipient_record(const v1::AuditRecord& base, const v1::Organisation& recipient,
                                 v1::AuditRecord::Outcome outcome) {
  v1::AuditRecord record = base;
  record.set_outcome(outcome);
  record.set_recipient(recipient.name());
  record.set_recipient_jurisdiction(recipient.jurisdiction());
  record.set_transfer(transfer_class(recipient.jurisdiction()));
  return record;
}

void set_policy(v1::AuditRecord& record, const policies::Policy& policy,
                const std::vector<v1::RedactionDecision>& decisions) {
  auto& ref = *record.mutable_policy();
  ref.set_name(policy.name());
  ref.set_version(policy.version());
  ref.set_sha256(policy.canonical_sha256());
  for (const auto& decision : decisions) {
    *record.add_decisions() = decision;
  }
}

std::string copy_fingerprint(const v1::Report& delivered, const AuditTrail& trail) {
  return trail.fingerprint(canonical_bytes(delivered));
}

v1::AuditRecord refused_record(const v1::Report& report, std::string_view publisher, v1::ErrorCode code) {
  v1::AuditRecord record;
  set_now(*record.mutable_time());
  record.set_outcome(v1::AuditRecord::PUBLISH_REFUSED);
  record.set_publisher(std::string(publisher));
  if (names::is_uuid(report.id())) {
    record.set_report_id(report.id());
  }
  if (names::check_feed(report.feed())) {
    record.set_feed(report.feed());
  }
  record.set_tlp(report.tlp());
  record.set_rule(std::string(error_code_name(code)));
  return record;
}

}  // namespace weft::broker::pipeline
