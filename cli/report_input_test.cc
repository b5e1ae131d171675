#include "cli/report_input.h"

#include <gtest/gtest.h>

namespace weft::cli {
namespace {

constexpr const char* kContractReport =
    R"({"id":"5f0c6c1e-8d1b-4a57-9a43-0d6f4f3c2b10","feed":"phishing","tlp":"GREEN","title":"Phishing wave",)"
    R"("description":"Kit on a look-alike domain.","indicators":[{"type":"DOMAIN","value":"login-secure-bank.example"},)"
    R"({"type":"IPV4","value":"203.0.113.7"},{"type":"SHA256","value":)"
    R"("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"},)"
    R"({"type":"URL","value":"https://cdn.bad-loader.example/p.bin"}]})";

TEST(ReportInput, ParsesTheContractReport) {
  auto reports = parse_reports(kContractReport, "r.json");
  ASSERT_EQ(reports.size(), 1U);
  ASSERT_TRUE(reports[0].report) << reports[0].report.error().message;
  const v1::Report& report = reports[0].report.value();
  EXPECT_EQ(report.id(), "5f0c6c1e-8d1b-4a57-9a43-0d6f4f3c2b10");
  EXPECT_EQ(report.tlp(), v1::GREEN);
  ASSERT_EQ(report.indicators_size(), 4);
  EXPECT_EQ(report.indicators(3).type(), v1::Indicator::URL);
}

TEST(ReportInput, ArrayWithOneBadReportKeepsTheOthers) {
  const std::string input = std::string("[\n") + kContractReport + ",\n" +
                            R"({"id":"x","titel":"typo"},)" + "\n" + kContractReport + "\n]";
  auto reports = parse_reports(input, "r.json");
  ASSERT_EQ(reports.size(), 3U);
  EXPECT_TRUE(reports[0].report);
  ASSERT_FALSE(reports[1].report);
  EXPECT_NE(reports[1].report.error().message.find("titel"), std::string::npos) << reports[1].report.error().message;
  EXPECT_EQ(reports[1].where, "r.json:3 (report 2)");
  EXPECT_TRUE(reports[2].report);
}

TEST(ReportInput, JsonLines) {
  const std::string input = std::string(kContractReport) + "\n\n" + kContractReport + "\n";
  auto reports = parse_reports(input, "r.jsonl");
  ASSERT_EQ(reports.size(), 2U);
  EXPECT_TRUE(reports[1].report);
  EXPECT_EQ(reports[1].where, "r.jsonl:3 (report 2)");
}

TEST(ReportInput, UnknownEnumNameIsAnError) {
  auto reports = parse_reports(R"({"id":"5f0c6c1e-8d1b-4a57-9a43-0d6f4f3c2b10","tlp":"PURPLE"})", "r.json");
  ASSERT_EQ(reports.size(), 1U);
  EXPECT_FALSE(reports[0].report);
}

TEST(ReportInput, BracesInsideStringsDoNotConfuseTheSplitter) {
  auto values = split_json_values(R"([{"title":"a } ] \" {"},{"title":"b"}])");
  ASSERT_TRUE(values);
  ASSERT_EQ(values.value().size(), 2U);
  EXPECT_EQ(values.value()[1].text, R"({"title":"b"})");
}

TEST(ReportInput, UnbalancedInputIsOneClearError) {
  auto reports = parse_reports("[{\"id\":\"a\"", "r.json");
  ASSERT_EQ(reports.size(), 1U);
  ASSERT_FALSE(reports[0].report);
  EXPECT_NE(reports[0].report.error().message.find("line 1"), std::string::npos);
  auto empty = parse_reports("  \n", "r.json");
  ASSERT_EQ(empty.size(), 1U);
  EXPECT_EQ(empty[0].report.error().message, "no reports in the input");
}

TEST(ReportInput, FeedAndTlpDefaultsFillOnlyGaps) {
  const std::string input = std::string(kContractReport) + "\n" +
                            R"({"id":"6f0c6c1e-8d1b-4a57-9a43-0d6f4f3c2b10","title":"bare"})" + "\n";
  ImportSettings settings;
  settings.feed = "malware";
  settings.default_tlp = v1::AMBER;
  auto read = read_reports(input, "r.jsonl", settings);
  ASSERT_EQ(read.reports.size(), 2U);
  EXPECT_EQ(read.reports[0].report.value().feed(), "phishing");
  EXPECT_EQ(read.reports[0].report.value().tlp(), v1::GREEN);
  EXPECT_EQ(read.reports[1].report.value().feed(), "malware");
  EXPECT_EQ(read.reports[1].report.value().tlp(), v1::AMBER);
}

TEST(ReportInput, ObjectsAFormatCannotImportAreEntriesNamingThem) {
  ImportSettings settings;
  settings.format = formats::Format::kCsv;
  settings.feed = "phishing";
  settings.default_tlp = v1::GREEN;
  auto read = read_reports("type,value,colour\nipv4,198.51.100.7,red\nipv4,nope,blue\n", "list.csv", settings);
  ASSERT_EQ(read.reports.size(), 2U);
  ASSERT_TRUE(read.reports[0].report);
  EXPECT_EQ(read.reports[0].report.value().indicators_size(), 1);
  ASSERT_FALSE(read.reports[1].report);
  EXPECT_TRUE(read.reports[1].where.starts_with("list.csv: line 3")) << read.reports[1].where;
  EXPECT_EQ(read.reports[1].report.error().message.find("nope"), std::string::npos);
  ASSERT_EQ(read.not_carried.size(), 1U);
  EXPECT_NE(read.not_carried[0].find("colour"), std::string::npos) << read.not_carried[0];

  auto garbage = read_reports("{\"Event\": [", "event.json", {formats::Format::kMisp, "phishing", v1::GREEN});
  ASSERT_EQ(garbage.reports.size(), 1U);
  ASSERT_FALSE(garbage.reports[0].report);
  EXPECT_EQ(garbage.reports[0].report.error().code, v1::INVALID_INPUT);
}

}  // namespace
}  // namespace weft::cli
