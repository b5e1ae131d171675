#include "broker/store_audit_cross_check.h"

#include <gtest/gtest.h>

#include "proto/deterministic.h"
#include "weft/v1/audit.pb.h"

namespace weft::broker {
namespace {

std::string record_bytes(v1::AuditRecord::Outcome outcome, const std::string& feed, std::uint64_t sequence) {
  v1::AuditRecord record;
  record.set_index(7);
  record.mutable_time()->set_seconds(1'800'000'000);
  record.set_outcome(outcome);
  record.set_report_id("0b7c6c8e-1d7e-4c1e-9a51-6d1f2f8a9e10");
  record.set_publisher("cert-de");
  record.set_recipient("acme-bank");
  record.set_feed(feed);
  record.set_tlp(v1::AMBER);
  record.set_feed_sequence(sequence);
  record.mutable_policy()->set_name("eu-baseline");
  auto& decision = *record.add_decisions();
  decision.set_category("email");
  decision.set_rule("pseudonymise-email");
  record.set_input_fingerprint(std::string(32, '\x11'));
  record.set_output_fingerprint(std::string(32, '\x22'));
  return proto::deterministic_bytes(record);
}

const std::filesystem::path kDatabase = "data/weft.db";
const std::filesystem::path kAuditDatabase = "data/audit.db";

TEST(AuditedFeedEndsTest, KeepsTheHighestSequencePerFeedOfStoredReportsOnly) {
  AuditedFeedEnds ends;
  ASSERT_TRUE(ends.add(record_bytes(v1::AuditRecord::DELIVERED, "phishing", 12)));
  ASSERT_TRUE(ends.add(record_bytes(v1::AuditRecord::WITHHELD_TLP, "phishing", 40)));
  ASSERT_TRUE(ends.add(record_bytes(v1::AuditRecord::DELIVERED, "phishing", 39)));  // a backlog redelivery
  ASSERT_TRUE(ends.add(record_bytes(v1::AuditRecord::FAILED_CLOSED, "ransomware", 3)));
  ASSERT_TRUE(ends.add(record_bytes(v1::AuditRecord::WITHHELD_POLICY, "ransomware", 5)));
  // A refused publish was never stored, whatever it claims.
  ASSERT_TRUE(ends.add(record_bytes(v1::AuditRecord::PUBLISH_REFUSED, "phishing", 900)));
  ASSERT_TRUE(ends.add(record_bytes(v1::AuditRecord::PUBLISH_REFUSED, "malware", 1)));
  const store::FeedEnds expected{{"phishing", 40}, {"ransomware", 5}};
  EXPECT_EQ(ends.ends(), expected);
}

TEST(AuditedFeedEndsTest, ReadsTheSameFieldsAsAFullParse) {
  // Fields after feed_sequence and unknown fields must be skipped, not misread.
  v1::AuditRecord record;
  record.ParseFromString(record_bytes(v1::AuditRecord::DELIVERED, "phishing", 300));
  record.set_channel("taxii");
  record.set_sealed_by_publisher(true);
  std::string bytes = proto::deterministic_bytes(record);
  bytes += std::string("\xf8\x07\x2a", 3);  // field 127, varint 42: from a newer broker
  AuditedFeedEnds ends;
  ASSERT_TRUE(ends.add(bytes));
  const store::FeedEnds expected{{"phishing", 300}};
  EXPECT_EQ(ends.ends(), expected);
}

TEST(AuditedFeedEndsTest, RefusesBytesThatAreNotARecord) {
  const std::string whole = record_bytes(v1::AuditRecord::DELIVERED, "phishing", 12);
  AuditedFeedEnds ends;
  EXPECT_FALSE(ends.add(whole.substr(0, whole.size() - 5)));
  EXPECT_FALSE(ends.add(std::string("\x4a\x7f" "phish", 7)));  // feed claims 127 bytes
  EXPECT_FALSE(ends.add(std::string("\x07", 1)));             // wire type 7 does not exist
  EXPECT_TRUE(ends.ends().empty());
}

TEST(StoreAuditCrossCheckTest, PassesWhenTheStoreIsAtOrAheadOfTheAuditLog) {
  // The audit writer lags the store by up to a batch after a crash, and a
  // report stored without any recipient is in no record at all.
  const store::FeedEnds audited{{"phishing", 40}, {"ransomware", 5}};
  const store::FeedEnds stored{{"phishing", 40}, {"ransomware", 9}, {"malware", 3}};
  EXPECT_TRUE(check_store_covers_audit_log(audited, stored, kDatabase, kAuditDatabase));
  EXPECT_TRUE(check_store_covers_audit_log({}, stored, kDatabase, kAuditDatabase));
  EXPECT_TRUE(check_store_covers_audit_log({}, {}, kDatabase, kAuditDatabase));
}

TEST(StoreAuditCrossCheckTest, RefusesAStoreBehindTheAuditLogNamingFeedAndBothSequences) {
  const store::FeedEnds audited{{"phishing", 812}, {"ransomware", 5}};
  const store::FeedEnds stored{{"phishing", 640}, {"ransomware", 5}};
  const auto checked = check_store_covers_audit_log(audited, stored, kDatabase, kAuditDatabase);
  ASSERT_FALSE(checked);
  EXPECT_EQ(checked.error().code, v1::STORE_BEHIND_AUDIT_LOG);
  const std::string& message = checked.error().message;
  EXPECT_NE(message.find("feed 'phishing' reaches sequence 812 in the audit log but only 640 in the store"),
            std::string::npos)
      << message;
  EXPECT_EQ(message.find("ransomware"), std::string::npos) << message;
  EXPECT_NE(message.find("data/weft.db"), std::string::npos) << message;
  EXPECT_NE(message.find("data/audit.db"), std::string::npos) << message;
  EXPECT_NE(message.find("Restore data/weft.db from a backup"), std::string::npos) << message;
  EXPECT_FALSE(checked.error().retryable());
}

TEST(StoreAuditCrossCheckTest, AFeedMissingFromTheStoreIsBehindAtZero) {
  const auto checked = check_store_covers_audit_log({{"phishing", 1}}, {}, kDatabase, kAuditDatabase);
  ASSERT_FALSE(checked);
  EXPECT_NE(checked.error().message.find("feed 'phishing' reaches sequence 1 in the audit log but only 0"),
            std::string::npos)
      << checked.error().message;
}

TEST(StoreAuditCrossCheckTest, NamesAFewFeedsAndCountsTheRest) {
  store::FeedEnds audited;
  for (int i = 0; i < 8; ++i) {
    audited["feed-" + std::to_string(i)] = 10;
  }
  const auto checked = check_store_covers_audit_log(audited, {}, kDatabase, kAuditDatabase);
  ASSERT_FALSE(checked);
  EXPECT_NE(checked.error().message.find("feed 'feed-4'"), std::string::npos) << checked.error().message;
  EXPECT_EQ(checked.error().message.find("feed 'feed-5'"), std::string::npos) << checked.error().message;
  EXPECT_NE(checked.error().message.find("and 3 more feeds"), std::string::npos) << checked.error().message;
}

}  // namespace
}  // namespace weft::broker
