#include "tests/harness/end_to_end_checker.h"

#include <gtest/gtest.h>

namespace weft::testing {
namespace {

v1::Report report(const std::string& id, const std::string& description = "clean") {
  v1::Report report;
  report.set_id(id);
  report.set_description(description);
  return report;
}

TEST(EndToEndChecker, AHistoryWhereEveryAckedReportArrivedOnceIsClean) {
  EndToEndHistory history;
  history.subscribed("soc");
  history.new_session("soc");
  history.attempted("a", {"alice@victim.example"});
  history.acknowledged("a");
  history.delivered("soc", report("a", "[REDACTED:EMAIL]"));
  EXPECT_TRUE(history.all_acknowledged_delivered());
  const auto verdict = history.check();
  EXPECT_TRUE(verdict.ok()) << verdict.describe();
  EXPECT_EQ(verdict.acknowledged, 1U);
}

TEST(EndToEndChecker, AnAcknowledgedReportThatNeverArrivesIsLost) {
  EndToEndHistory history;
  history.subscribed("soc");
  history.attempted("a");
  history.acknowledged("a");
  EXPECT_FALSE(history.all_acknowledged_delivered());
  const auto verdict = history.check();
  EXPECT_FALSE(verdict.ok());
  EXPECT_EQ(verdict.lost, std::vector<std::string>{"soc:a"});
}

TEST(EndToEndChecker, AfterAFinalStopOnlyWhatCameAfterTheLastDeliveryIsStranded) {
  EndToEndHistory history;
  history.subscribed("soc");
  history.new_session("soc");
  for (const char* id : {"skipped", "arrived", "tail"}) {
    history.attempted(id);
    history.acknowledged(id);
    if (std::string(id) == "arrived") {
      history.delivered("soc", report(id));
    }
  }
  EXPECT_EQ(history.check().lost.size(), 2U) << "while the broker may still deliver, both are lost";
  history.broker_stopped_for_good();
  const auto verdict = history.check();
  EXPECT_FALSE(verdict.ok()) << "a report skipped before a later delivery is lost even then";
  EXPECT_EQ(verdict.lost, std::vector<std::string>{"soc:skipped"});
  EXPECT_EQ(verdict.stranded, std::vector<std::string>{"soc:tail"});
}

TEST(EndToEndChecker, DeliveriesNeverAttemptedOrRefusedAreUnexpected) {
  EndToEndHistory history;
  history.subscribed("soc");
  history.attempted("refused");
  history.refused("refused");
  history.delivered("soc", report("refused"));
  history.delivered("soc", report("never-sent"));
  const auto verdict = history.check();
  EXPECT_FALSE(verdict.ok());
  EXPECT_EQ(verdict.unexpected.size(), 2U) << verdict.describe();
}

TEST(EndToEndChecker, AnUnansweredPublishThatArrivesIsRecoveredNotAFailure) {
  EndToEndHistory history;
  history.subscribed("soc");
  history.attempted("a");
  history.indeterminate("a");
  history.delivered("soc", report("a"));
  const auto verdict = history.check();
  EXPECT_TRUE(verdict.ok()) << verdict.describe();
  EXPECT_EQ(verdict.recovered, std::vector<std::string>{"a"});
}

TEST(EndToEndChecker, ARetryAcknowledgedAfterARefusalCountsAsAcknowledged) {
  EndToEndHistory history;
  history.subscribed("soc");
  history.attempted("a");
  history.refused("a");
  history.acknowledged("a");
  history.refused("a");  // a late answer never undoes an acknowledgement
  EXPECT_EQ(history.acknowledged_count(), 1U);
  EXPECT_EQ(history.check().lost.size(), 1U);
}

TEST(EndToEndChecker, TwiceInOneSessionIsDuplicatedButAgainAfterAReconnectIsARedelivery) {
  EndToEndHistory history;
  history.subscribed("soc");
  history.attempted("a");
  history.acknowledged("a");
  history.attempted("b");
  history.acknowledged("b");
  history.new_session("soc");
  history.delivered("soc", report("a"));
  history.delivered("soc", report("b"));
  history.new_session("soc");
  history.delivered("soc", report("b"));  // redelivered after reconnect: allowed
  auto verdict = history.check();
  EXPECT_TRUE(verdict.ok()) << verdict.describe();
  EXPECT_EQ(verdict.redelivered, 1U);
  history.delivered("soc", report("b"));  // second copy in the same session
  verdict = history.check();
  EXPECT_EQ(verdict.duplicated, std::vector<std::string>{"soc:b"});
}

TEST(EndToEndChecker, AWithheldMarkerInADeliveryIsLeaked) {
  EndToEndHistory history;
  history.subscribed("soc");
  history.attempted("a", {"alice@victim.example", "NL91 ABNA 0417 1643 00"});
  history.acknowledged("a");
  history.delivered("soc", report("a", "mail alice@victim.example now"));
  const auto verdict = history.check();
  EXPECT_FALSE(verdict.ok());
  EXPECT_EQ(verdict.leaked, std::vector<std::string>{"soc:a"});
}

TEST(EndToEndChecker, EverySubscriberMustReceiveEveryAcknowledgedReport) {
  EndToEndHistory history;
  history.subscribed("soc");
  history.subscribed("bank");
  history.attempted("a");
  history.acknowledged("a");
  history.delivered("soc", report("a"));
  EXPECT_FALSE(history.all_acknowledged_delivered());
  EXPECT_EQ(history.check().lost, std::vector<std::string>{"bank:a"});
}

}  // namespace
}  // namespace weft::testing
