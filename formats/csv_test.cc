#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>

#include "formats/formats.h"
#include "formats/identifiers.h"

namespace weft::formats {
namespace {

std::string read_data(const std::string& name) {
  std::ifstream in(std::string(WEFT_TEST_DATA_DIR) + "/csv/" + name, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

ImportOptions options(v1::Tlp default_tlp = v1::TLP_UNSPECIFIED) {
  ImportOptions out;
  out.feed = "blocklist.nl";
  out.default_tlp = default_tlp;
  return out;
}

bool mentions(const std::vector<Problem>& list, const std::string& object, const std::string& message_part) {
  return std::any_of(list.begin(), list.end(), [&](const Problem& p) {
    return p.object == object && p.message.find(message_part) != std::string::npos;
  });
}

std::string all_text(const Imported& imported) {
  std::string text;
  for (const auto* list : {&imported.problems, &imported.not_carried}) {
    for (const auto& p : *list) {
      text += p.object + ": " + p.message + "\n";
    }
  }
  return text;
}

TEST(CsvImport, HeaderVariationsQuotingAndBadRows) {
  const std::string text = read_data("blocklist.csv");
  auto result = import_csv(text, options());
  ASSERT_TRUE(result) << result.error().describe();
  const Imported& imported = result.value();

  EXPECT_TRUE(mentions(imported.not_carried, "CSV header", "'severity' not carried")) << all_text(imported);
  EXPECT_EQ(imported.not_carried.size(), 1U) << "unknown columns are named once, not per row";

  EXPECT_TRUE(mentions(imported.problems, "line 6", "unknown indicator type")) << all_text(imported);
  EXPECT_TRUE(mentions(imported.problems, "line 7", "not an IPv4 address"));
  EXPECT_TRUE(mentions(imported.problems, "line 8", "confidence"));
  EXPECT_TRUE(mentions(imported.problems, "line 9", "tlp red differs from tlp amber on line 2"));
  EXPECT_EQ(imported.problems.size(), 4U) << all_text(imported);
  EXPECT_EQ(all_text(imported).find("10.0.0.300"), std::string::npos) << "never the value";

  ASSERT_EQ(imported.reports.size(), 1U);
  const v1::Report& report = imported.reports[0].report;
  EXPECT_EQ(report.id(), name_based_uuid("csv:" + text));
  EXPECT_EQ(report.feed(), "blocklist.nl");
  EXPECT_EQ(report.tlp(), v1::AMBER);
  EXPECT_EQ(report.title(), "CSV import (4 indicators)");
  ASSERT_EQ(report.indicators_size(), 4);

  const v1::Indicator& ip = report.indicators(0);
  EXPECT_EQ(ip.type(), v1::Indicator::IPV4);
  EXPECT_EQ(ip.value(), "203.0.113.7");
  EXPECT_EQ(ip.description(), "C2, seen in \"Operation X\"");
  EXPECT_EQ(ip.confidence(), 80U);
  EXPECT_EQ(rfc3339_millis(ip.valid_from()), "2026-03-01T00:00:00.000Z");
  EXPECT_EQ(rfc3339_millis(ip.valid_until()), "2026-04-01T00:00:00.000Z");
  ASSERT_EQ(ip.labels_size(), 2);
  EXPECT_EQ(ip.labels(0), "c2");
  EXPECT_EQ(ip.labels(1), "apt");

  EXPECT_EQ(report.indicators(1).type(), v1::Indicator::DOMAIN);
  EXPECT_EQ(report.indicators(1).description(), "two\r\nlines") << "line breaks inside quotes are kept";
  EXPECT_EQ(report.indicators(2).type(), v1::Indicator::SHA256) << "sha-256 is an alias";
  EXPECT_EQ(report.indicators(3).type(), v1::Indicator::FILENAME);
  EXPECT_EQ(report.indicators(3).value(), "=HYPERLINK(\"http://evil.example\")");

  auto again = import_csv(text, options());
  ASSERT_TRUE(again);
  EXPECT_EQ(again.value().reports.at(0).report.id(), report.id()) << "re-import is idempotent";
  auto changed = import_csv(text + "domain,other.example,,,,,,amber,\r\n", options());
  ASSERT_TRUE(changed);
  EXPECT_NE(changed.value().reports.at(0).report.id(), report.id());
}

TEST(CsvImport, TypeAliases) {
  const std::string text =
      "value,type\n"
      "192.0.2.1,ip\n"
      "2001:db8::1,IP-DST\n"
      "192.0.2.0/24,ip-src\n"
      "2001:db8::/48,cidr\n"
      "evil.example,Hostname\n"
      "https://evil.example/a,URI\n"
      "x@evil.example,email-src\n"
      "d41d8cd98f00b204e9800998ecf8427e,hash\n"
      "da39a3ee5e6b4b0d3255bfef95601890afd80709,SHA-1\n"
      "CVE-2024-3094,vulnerability\n"
      "AS64496,as\n"
      "HKLM\\Run\\x,Registry Key\n"
      "Mozilla/5.0 (evil),user_agent\n"
      "e7d705a3286e19ea42f587b344ee6865,ja3\n"
      "3:AXGBicFlgVNhBGcL6wCrFQEv:AXGHsNhxLsr2C,SSDEEP\n"
      "Global\\m,mutex\n"
      "a note,other\n";
  auto result = import_csv(text, options(v1::GREEN));
  ASSERT_TRUE(result) << result.error().describe();
  EXPECT_TRUE(result.value().problems.empty()) << all_text(result.value());
  const v1::Report& report = result.value().reports.at(0).report;
  EXPECT_EQ(report.tlp(), v1::GREEN);
  using I = v1::Indicator;
  const I::Type expected[] = {I::IPV4,   I::IPV6,         I::IPV4_CIDR,  I::IPV6_CIDR, I::DOMAIN, I::URL,
                              I::EMAIL,  I::MD5,          I::SHA1,       I::CVE,       I::ASN,    I::REGISTRY_KEY,
                              I::USER_AGENT, I::JA3,      I::SSDEEP,     I::MUTEX,     I::OTHER};
  ASSERT_EQ(report.indicators_size(), static_cast<int>(std::size(expected)));
  for (int i = 0; i < report.indicators_size(); ++i) {
    EXPECT_EQ(report.indicators(i).type(), expected[i]) << "row " << i + 2;
  }
}

TEST(CsvImport, RecordErrors) {
  const std::string text =
      "type,value,description\n"
      "domain,a.example,ok\n"
      "domain,b.example,ok,extra\n"
      "domain,c.example,\"closed\"junk\n"
      "domain,hxxp://d.example,defanged\n"
      ",e.example,no type\n"
      "\n"
      "domain,f.example,\"never closed\n"
      "domain,g.example,swallowed\n";
  auto result = import_csv(text, options(v1::AMBER));
  ASSERT_TRUE(result) << result.error().describe();
  const Imported& imported = result.value();
  EXPECT_TRUE(mentions(imported.problems, "line 3", "3 fields, but the header names 3") ||
              mentions(imported.problems, "line 3", "4 fields"))
      << all_text(imported);
  EXPECT_TRUE(mentions(imported.problems, "line 4", "after the closing quote"));
  EXPECT_TRUE(mentions(imported.problems, "line 5", "defanged"));
  EXPECT_TRUE(mentions(imported.problems, "line 6", "no type"));
  EXPECT_TRUE(mentions(imported.problems, "line 8", "not closed"));
  EXPECT_EQ(imported.problems.size(), 5U) << all_text(imported);
  ASSERT_EQ(imported.reports.size(), 1U);
  ASSERT_EQ(imported.reports[0].report.indicators_size(), 1);
  EXPECT_EQ(imported.reports[0].report.indicators(0).value(), "a.example");
}

// CSV is bytes, not JSON: a spreadsheet's Windows-1252 export or a stray
// control character would make the broker refuse the whole report (protobuf
// does not parse a string that is not UTF-8), so each is a problem of its line.
TEST(CsvImport, TextTheBrokerRefusesIsAProblemOfItsLine) {
  const std::string text =
      "type,value,description,labels\n"
      "domain,a.example,ok,fine\n"
      "domain,b.example,caf\xE9,\n"
      "domain,c.example,del\x7F,\n"
      "domain,d.example,,\x1B\n"
      "filename,\xFF.exe,,\n"
      "other,\"two\r\nlines\",,\n";
  auto result = import_csv(text, options(v1::AMBER));
  ASSERT_TRUE(result) << result.error().describe();
  const Imported& imported = result.value();
  EXPECT_TRUE(mentions(imported.problems, "line 3", "description is not UTF-8")) << all_text(imported);
  EXPECT_TRUE(mentions(imported.problems, "line 4", "description contains the control character U+007F"));
  EXPECT_TRUE(mentions(imported.problems, "line 5", "a label contains the control character U+001B"));
  EXPECT_TRUE(mentions(imported.problems, "line 6", "value is not UTF-8"));
  EXPECT_EQ(imported.problems.size(), 4U) << all_text(imported);
  ASSERT_EQ(imported.reports.size(), 1U);
  const v1::Report& report = imported.reports[0].report;
  ASSERT_EQ(report.indicators_size(), 2);
  EXPECT_EQ(report.indicators(0).value(), "a.example");
  EXPECT_EQ(report.indicators(1).value(), "two\r\nlines");
}

TEST(CsvImport, WholeInputFailures) {
  auto no_columns = import_csv("kind,indicator\nipv4,192.0.2.1\n", options(v1::GREEN));
  ASSERT_FALSE(no_columns);
  EXPECT_EQ(no_columns.error().code, v1::INVALID_INPUT);
  auto empty = import_csv("\xEF\xBB\xBF", options(v1::GREEN));
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().code, v1::INVALID_INPUT);
  auto no_feed = import_csv("type,value\nipv4,192.0.2.1\n", ImportOptions{});
  ASSERT_FALSE(no_feed);
  EXPECT_EQ(no_feed.error().code, v1::INVALID_INPUT);

  auto no_tlp = import_csv("type,value\nipv4,192.0.2.1\n", options());
  ASSERT_TRUE(no_tlp);
  EXPECT_TRUE(no_tlp.value().reports.empty());
  EXPECT_TRUE(mentions(no_tlp.value().problems, "CSV", "no tlp"));
}

TEST(CsvImport, RowsGroupByReportId) {
  const std::string text =
      "type,value,report_id,tlp\n"
      "ipv4,192.0.2.1,7D1F3A52-9B0C-4E1D-8F2A-3C4B5D6E7F80,green\n"
      "ipv4,192.0.2.2,11111111-2222-4333-8444-555555555555,TLP:AMBER\n"
      "ipv4,192.0.2.3,7d1f3a52-9b0c-4e1d-8f2a-3c4b5d6e7f80,\n"
      "ipv4,192.0.2.4,not-a-uuid,green\n";
  auto result = import_csv(text, options());
  ASSERT_TRUE(result);
  const Imported& imported = result.value();
  EXPECT_TRUE(mentions(imported.problems, "line 5", "report_id is not a UUID"));
  ASSERT_EQ(imported.reports.size(), 2U);
  EXPECT_EQ(imported.reports[0].report.id(), "7d1f3a52-9b0c-4e1d-8f2a-3c4b5d6e7f80");
  EXPECT_EQ(imported.reports[0].report.tlp(), v1::GREEN);
  EXPECT_EQ(imported.reports[0].report.indicators_size(), 2);
  EXPECT_EQ(imported.reports[1].report.tlp(), v1::AMBER);
}

TEST(CsvImport, MoreIndicatorsThanAReportHoldsArePublishedAsPartsNotDropped) {
  std::string text = "type,value\n";
  constexpr int kRows = 25'000;
  for (int i = 0; i < kRows; ++i) {
    text += "ipv4,10." + std::to_string(i / 65536) + "." + std::to_string(i / 256 % 256) + "." +
            std::to_string(i % 256) + "\n";
  }
  auto result = import_csv(text, options(v1::GREEN));
  ASSERT_TRUE(result);
  const Imported& imported = result.value();
  EXPECT_TRUE(imported.problems.empty()) << all_text(imported).substr(0, 500);
  ASSERT_EQ(imported.reports.size(), 3U);
  int total = 0;
  for (const auto& part : imported.reports) {
    EXPECT_LE(part.report.indicators_size(), 10000);
    total += part.report.indicators_size();
  }
  EXPECT_EQ(total, kRows);
  EXPECT_EQ(imported.reports[2].report.indicators(4999).value(), "10.0.97.167");
  EXPECT_NE(imported.reports[1].report.id(), imported.reports[0].report.id());
  EXPECT_NE(imported.reports[2].report.title().find("(part 3 of 3)"), std::string::npos);
  EXPECT_NE(all_text(imported).find("published as 3 reports"), std::string::npos) << all_text(imported);
  // The same file gives the same parts.
  auto again = import_csv(text, options(v1::GREEN));
  ASSERT_TRUE(again);
  EXPECT_EQ(again.value().reports[2].report.id(), imported.reports[2].report.id());
}

TEST(ValuesExport, OneDetectionValuePerLineOptionallyOfOneType) {
  v1::Report report;
  const auto add = [&report](v1::Indicator::Type type, const std::string& value, bool context = false) {
    auto* indicator = report.add_indicators();
    indicator->set_type(type);
    indicator->set_value(value);
    if (context) {
      indicator->add_labels("to-ids:false");
    }
  };
  add(v1::Indicator::IPV4, "192.0.2.1");
  add(v1::Indicator::DOMAIN, "bad.example");
  add(v1::Indicator::IPV4, "192.0.2.2", true);  // context: never a block-list entry
  add(v1::Indicator::OTHER, "a note");
  add(v1::Indicator::IPV4_CIDR, "198.51.100.0/24");
  EXPECT_EQ(value_lines(report), "192.0.2.1\nbad.example\n198.51.100.0/24\n");
  EXPECT_EQ(value_lines(report, v1::Indicator::IPV4), "192.0.2.1\n");
  EXPECT_EQ(value_lines(report, v1::Indicator::URL), "");
}

TEST(CsvExport, HeaderRowsAndQuoting) {
  EXPECT_EQ(csv_header(), "type,value,description,confidence,valid_from,valid_until,labels,report_id,tlp,publisher\n");
  v1::Report report;
  report.set_id("7d1f3a52-9b0c-4e1d-8f2a-3c4b5d6e7f80");
  report.set_tlp(v1::AMBER_STRICT);
  report.mutable_broker()->set_source_organisation("CERT, \"Example\"");
  auto* ip = report.add_indicators();
  ip->set_type(v1::Indicator::IPV4);
  ip->set_value("192.0.2.1");
  ip->set_description("line one\nline \"two\"");
  ip->set_confidence(85);
  *ip->mutable_valid_from() = *parse_rfc3339("2026-01-01T00:00:00Z");
  ip->add_labels("c2");
  ip->add_labels("apt");
  auto* context = report.add_indicators();
  context->set_type(v1::Indicator::DOMAIN);
  context->set_value("cdn.example");
  context->add_labels("to-ids:false");
  auto* other = report.add_indicators();
  other->set_type(v1::Indicator::OTHER);
  other->set_value("a note");
  auto* formula = report.add_indicators();
  formula->set_type(v1::Indicator::FILENAME);
  formula->set_value("=1+1");
  formula->set_description("@SUM(A1)");
  auto* apostrophe = report.add_indicators();
  apostrophe->set_type(v1::Indicator::REGISTRY_KEY);
  apostrophe->set_value("'=already");

  EXPECT_EQ(csv_rows(report),
            "ipv4,192.0.2.1,\"line one\nline \"\"two\"\"\",85,2026-01-01T00:00:00.000Z,,c2;apt,"
            "7d1f3a52-9b0c-4e1d-8f2a-3c4b5d6e7f80,amber+strict,\"CERT, \"\"Example\"\"\"\n"
            "filename,\"'=1+1\",\"'@SUM(A1)\",,,,,7d1f3a52-9b0c-4e1d-8f2a-3c4b5d6e7f80,amber+strict,"
            "\"CERT, \"\"Example\"\"\"\n"
            "registry_key,''=already,,,,,,7d1f3a52-9b0c-4e1d-8f2a-3c4b5d6e7f80,amber+strict,"
            "\"CERT, \"\"Example\"\"\"\n");

  auto back = import_csv(csv_header() + csv_rows(report), options());
  ASSERT_TRUE(back) << back.error().describe();
  const v1::Report& again = back.value().reports.at(0).report;
  ASSERT_EQ(again.indicators_size(), 3);
  EXPECT_EQ(again.indicators(1).value(), "=1+1") << "the formula guard comes off again";
  EXPECT_EQ(again.indicators(1).description(), "@SUM(A1)");
  EXPECT_EQ(again.indicators(2).value(), "'=already");
  EXPECT_EQ(again.tlp(), v1::AMBER_STRICT);
  EXPECT_TRUE(mentions(back.value().not_carried, "CSV header", "publisher"));
}

TEST(CsvRoundTrip, KeepsEveryCarriedColumn) {
  const std::string text = read_data("roundtrip.csv");
  auto result = import_csv(text, options());
  ASSERT_TRUE(result) << result.error().describe();
  EXPECT_TRUE(result.value().problems.empty()) << all_text(result.value());
  ASSERT_EQ(result.value().reports.size(), 1U);
  v1::Report report = result.value().reports[0].report;
  EXPECT_EQ(report.indicators_size(), 5);
  EXPECT_EQ(report.indicators(2).value(), "=cmd|' /C calc'!A0");
  report.mutable_broker()->set_source_organisation("CERT-Example");
  EXPECT_EQ(csv_header() + csv_rows(report), text);
}

}  // namespace
}  // namespace weft::formats
