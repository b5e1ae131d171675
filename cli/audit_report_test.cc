#include "cli/audit_report.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace weft::cli {
namespace {

constexpr std::int64_t kMay1 = 1714521600;  // 2024-05-01T00:00:00Z
constexpr std::int64_t kHour = 3600;
constexpr std::int64_t kDay = 24 * kHour;
constexpr const char* kEvil = "<script>alert(1)</script>|x";

struct Recipient {
  const char* name;
  const char* jurisdiction;
  const char* transfer;
  const char* policy;
  std::uint32_t version;
};

const Recipient kCertNl{"CERT-NL", "NL", "EEA", "eea-default", 2};
const Recipient kAcme{"Acme US", "US", "THIRD_COUNTRY", "third-country", 1};
const Recipient kSwiss{"Swiss CSIRT", "CH", "ADEQUATE", "eea-default", 2};
const Recipient kEvilOrg{kEvil, "BR", "THIRD_COUNTRY", "third-country", 1};

std::string report_id(char letter) { return std::string(8, letter) + "-1111-4111-8111-111111111111"; }

v1::AuditRecord base_record(std::int64_t seconds, v1::AuditRecord::Outcome outcome, char report) {
  v1::AuditRecord record;
  record.mutable_time()->set_seconds(seconds);
  record.set_outcome(outcome);
  record.set_report_id(report_id(report));
  record.set_publisher("Bank");
  record.set_feed("phishing");
  record.set_tlp(v1::GREEN);
  return record;
}

v1::AuditRecord for_recipient(std::int64_t seconds, v1::AuditRecord::Outcome outcome, char report,
                              const Recipient& recipient) {
  v1::AuditRecord record = base_record(seconds, outcome, report);
  record.set_recipient(recipient.name);
  record.set_recipient_jurisdiction(recipient.jurisdiction);
  record.set_transfer(recipient.transfer);
  return record;
}

struct Decision {
  const char* category;
  v1::Action action;
  std::uint32_t count;
};

v1::AuditRecord delivered(std::int64_t seconds, char report, const Recipient& recipient,
                          const std::vector<Decision>& decisions) {
  v1::AuditRecord record = for_recipient(seconds, v1::AuditRecord::DELIVERED, report, recipient);
  record.mutable_policy()->set_name(recipient.policy);
  record.mutable_policy()->set_version(recipient.version);
  record.mutable_policy()->set_sha256(std::string(recipient.version == 2 ? "aa" : "bb") + std::string(62, '0'));
  for (const auto& [category, action, count] : decisions) {
    auto& decision = *record.add_decisions();
    decision.set_category(category);
    decision.set_place("description");
    decision.set_action(action);
    decision.set_rule("rule-" + std::string(category));
    decision.set_count(count);
  }
  return record;
}

// Twelve records over three days; the expected figures in the tests below
// are worked out from this list by hand.
std::vector<v1::AuditRecord> fixture() {
  const std::int64_t day1 = kMay1 + 10 * kHour;
  const std::int64_t day2 = day1 + kDay;
  const std::int64_t day3 = day2 + kDay;
  v1::AuditRecord withheld = for_recipient(day1 + 2, v1::AuditRecord::WITHHELD_POLICY, 'b', kAcme);
  withheld.set_rule("withhold-person");
  v1::AuditRecord refused = base_record(day1 + 3, v1::AuditRecord::PUBLISH_REFUSED, 'f');
  refused.set_rule("INVALID_REPORT");
  return {
      delivered(day1, 'a', kCertNl, {{"EMAIL", v1::PSEUDONYMISE, 2}, {"IPV4", v1::KEEP, 3}}),
      delivered(day1 + 1, 'a', kAcme, {{"EMAIL", v1::REDACT, 2}, {"IPV4", v1::GENERALISE, 3}}),
      withheld,
      refused,
      delivered(day2, 'c', kCertNl, {{"PHONE", v1::MASK, 1}}),
      delivered(day2 + 1, 'c', kAcme, {{"PHONE", v1::REDACT, 1}, {"EMAIL", v1::KEEP, 1}}),
      for_recipient(day2 + 2, v1::AuditRecord::WITHHELD_TLP, 'd', kAcme),
      delivered(day2 + 3, 'c', kSwiss, {{"PHONE", v1::MASK, 1}}),
      delivered(day3, 'e', kCertNl, {{"EMAIL", v1::PSEUDONYMISE, 1}}),
      delivered(day3 + 1, 'e', kAcme, {{"EMAIL", v1::KEEP, 2}}),
      for_recipient(day3 + 2, v1::AuditRecord::FAILED_CLOSED, 'e', kSwiss),
      delivered(day3 + 3, 'e', kEvilOrg, {{"EMAIL", v1::REDACT, 1}, {"IPV4", v1::DROP_INDICATOR, 1}}),
  };
}

AuditReportOptions options() {
  AuditReportOptions options;
  options.log_origin = "broker.example/weftd/audit";
  options.checkpoint_size = 42;
  options.checkpoint_root_base64 = "q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA=";
  options.since.set_seconds(kMay1);
  options.until.set_seconds(kMay1 + 3 * kDay);
  return options;
}

std::string markdown(const std::vector<v1::AuditRecord>& records) {
  return render_audit_report(records, options(), AuditReportFormat::kMarkdown);
}

std::string html(const std::vector<v1::AuditRecord>& records) {
  return render_audit_report(records, options(), AuditReportFormat::kHtml);
}

bool has_line(const std::string& text, const std::string& line) {
  return ("\n" + text + "\n").find("\n" + line + "\n") != std::string::npos;
}

std::size_t occurrences(const std::string& text, const std::string& needle) {
  std::size_t count = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
    ++count;
  }
  return count;
}

// Cell separators: pipes not escaped by a backslash.
std::size_t separators(const std::string& line) {
  std::size_t count = 0;
  for (std::size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '\\') {
      ++i;
    } else if (line[i] == '|') {
      ++count;
    }
  }
  return count;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream stream(text);
  for (std::string line; std::getline(stream, line);) {
    lines.push_back(line);
  }
  return lines;
}

// Every markdown table keeps the column count of its header on every row.
void expect_tables_intact(const std::string& md) {
  std::size_t columns = 0;
  for (const auto& line : lines_of(md)) {
    if (line.empty() || line[0] != '|') {
      columns = 0;
      continue;
    }
    if (columns == 0) {
      columns = separators(line);
    }
    EXPECT_EQ(separators(line), columns) << line;
  }
}

// The <svg> element whose markup contains `marker`.
std::string svg_containing(const std::string& page, const std::string& marker) {
  for (auto start = page.find("<svg"); start != std::string::npos; start = page.find("<svg", start + 1)) {
    const auto end = page.find("</svg>", start);
    std::string svg = page.substr(start, end - start);
    if (svg.find(marker) != std::string::npos) {
      return svg;
    }
  }
  return {};
}

TEST(AuditReport, HeaderNamesPeriodOriginAndCheckpoint) {
  const std::string md = markdown(fixture());
  EXPECT_TRUE(md.starts_with("# weft audit report\n")) << md;
  EXPECT_TRUE(has_line(md, "- **Period:** 2024-05-01T00:00:00Z to 2024-05-04T00:00:00Z (excluded)")) << md;
  EXPECT_TRUE(has_line(md, "- **Log origin:** broker.example/weftd/audit")) << md;
  EXPECT_TRUE(has_line(md, "- **Checkpoint size:** 42")) << md;
  EXPECT_TRUE(has_line(md, "- **Checkpoint root (base64):** q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA=")) << md;
  EXPECT_TRUE(has_line(md, "- **Records in the period:** 12")) << md;
}

TEST(AuditReport, OutcomeCounts) {
  const std::string md = markdown(fixture());
  EXPECT_TRUE(has_line(md, "| Delivered | 8 |")) << md;
  EXPECT_TRUE(has_line(md, "| Withheld by policy | 1 |")) << md;
  EXPECT_TRUE(has_line(md, "| Withheld by TLP | 1 |")) << md;
  EXPECT_TRUE(has_line(md, "| Failed closed | 1 |")) << md;
  EXPECT_TRUE(has_line(md, "| Publish refused | 1 |")) << md;
  EXPECT_TRUE(has_line(md, "8 deliveries of 3 distinct reports.")) << md;
}

TEST(AuditReport, PersonalDataPerCategoryAndAction) {
  const std::string md = markdown(fixture());
  EXPECT_TRUE(has_line(md, "| Category | KEEP | MASK | GENERALISE | PSEUDONYMISE | REDACT | DROP_INDICATOR | Total |"))
      << md;
  EXPECT_TRUE(has_line(md, "| EMAIL | 3 | 0 | 0 | 3 | 3 | 0 | 9 |")) << md;
  EXPECT_TRUE(has_line(md, "| IPV4 | 3 | 0 | 3 | 0 | 0 | 1 | 7 |")) << md;
  EXPECT_TRUE(has_line(md, "| PHONE | 0 | 2 | 0 | 0 | 1 | 0 | 3 |")) << md;
}

TEST(AuditReport, PersonalDataPerPolicy) {
  const std::string md = markdown(fixture());
  EXPECT_TRUE(has_line(md, "| eea-default | 2 | aa" + std::string(62, '0') + " | 4 |")) << md;
  EXPECT_TRUE(has_line(md, "| third-country | 1 | bb" + std::string(62, '0') + " | 4 |")) << md;
  EXPECT_TRUE(has_line(md, "| eea-default | 2 | EMAIL | 0 | 0 | 0 | 3 | 0 | 0 | 3 |")) << md;
  EXPECT_TRUE(has_line(md, "| eea-default | 2 | PHONE | 0 | 2 | 0 | 0 | 0 | 0 | 2 |")) << md;
  EXPECT_TRUE(has_line(md, "| third-country | 1 | EMAIL | 3 | 0 | 0 | 0 | 3 | 0 | 6 |")) << md;
  EXPECT_TRUE(has_line(md, "| third-country | 1 | IPV4 | 0 | 0 | 3 | 0 | 0 | 1 | 4 |")) << md;
}

TEST(AuditReport, TransfersPerClassAndJurisdiction) {
  const std::string md = markdown(fixture());
  EXPECT_TRUE(has_line(md, "| EEA | 3 |")) << md;
  EXPECT_TRUE(has_line(md, "| ADEQUATE | 1 |")) << md;
  EXPECT_TRUE(has_line(md, "| THIRD_COUNTRY | 4 |")) << md;
  EXPECT_TRUE(has_line(md, "| BR | THIRD_COUNTRY | 1 |")) << md;
  EXPECT_TRUE(has_line(md, "| CH | ADEQUATE | 1 |")) << md;
  EXPECT_TRUE(has_line(md, "| NL | EEA | 3 |")) << md;
  EXPECT_TRUE(has_line(md, "| US | THIRD_COUNTRY | 3 |")) << md;
}

TEST(AuditReport, KeptForThirdCountriesIsHighlighted) {
  const std::string md = markdown(fixture());
  EXPECT_TRUE(has_line(md, "| EMAIL | **3** | 3 |")) << md;
  EXPECT_TRUE(has_line(md, "| IPV4 | 0 | 4 |")) << md;
  EXPECT_TRUE(has_line(md, "| PHONE | 0 | 1 |")) << md;
  EXPECT_TRUE(has_line(md,
                       "**Warning: 3 personal-data items were delivered unredacted (KEEP) to recipients in third "
                       "countries.**"))
      << md;

  const std::string page = html(fixture());
  EXPECT_NE(page.find("<td class=\"num warn\">&#9888; 3</td>"), std::string::npos) << page;
  EXPECT_NE(page.find("<p class=\"warning\">"), std::string::npos);
  EXPECT_NE(page.find("td.warn {"), std::string::npos) << "the warning style is defined";
}

TEST(AuditReport, NothingKeptForThirdCountriesIsNotHighlighted) {
  const auto all = fixture();
  const std::vector<v1::AuditRecord> records{all[0], all[1]};  // IPV4 kept only for CERT-NL (EEA)
  const std::string md = markdown(records);
  EXPECT_TRUE(has_line(md, "| IPV4 | 0 | 3 |")) << md;
  EXPECT_EQ(md.find("**Warning"), std::string::npos) << md;
  EXPECT_TRUE(has_line(md, "No personal-data item was delivered unredacted to a recipient in a third country.")) << md;
  const std::string page = html(records);
  EXPECT_EQ(page.find("class=\"num warn\""), std::string::npos);
  EXPECT_EQ(page.find("<p class=\"warning\">"), std::string::npos);
}

TEST(AuditReport, PerRecipient) {
  const std::string md = markdown(fixture());
  EXPECT_TRUE(has_line(
      md, "| Recipient | Deliveries | Withheld | Items kept | Items pseudonymised | Items redacted or removed |"))
      << md;
  EXPECT_TRUE(has_line(md, "| Acme US | 3 | 2 | 3 | 0 | 6 |")) << md;
  EXPECT_TRUE(has_line(md, "| CERT-NL | 3 | 0 | 3 | 3 | 1 |")) << md;
  EXPECT_TRUE(has_line(md, "| Swiss CSIRT | 1 | 1 | 0 | 0 | 1 |")) << md;
}

TEST(AuditReport, PerDay) {
  const std::string md = markdown(fixture());
  EXPECT_TRUE(has_line(md,
                       "| Day (UTC) | Deliveries | Reports | KEEP | MASK | GENERALISE | PSEUDONYMISE | REDACT | "
                       "DROP_INDICATOR | Total |"))
      << md;
  EXPECT_TRUE(has_line(md, "| 2024-05-01 | 2 | 1 | 3 | 0 | 3 | 2 | 2 | 0 | 10 |")) << md;
  EXPECT_TRUE(has_line(md, "| 2024-05-02 | 3 | 1 | 1 | 2 | 0 | 0 | 1 | 0 | 4 |")) << md;
  EXPECT_TRUE(has_line(md, "| 2024-05-03 | 3 | 1 | 2 | 0 | 0 | 1 | 1 | 1 | 5 |")) << md;
}

TEST(AuditReport, QuietDaysInThePeriodAreListed) {
  AuditReportOptions wide = options();
  wide.until.set_seconds(kMay1 + 5 * kDay);
  const std::string md = render_audit_report(fixture(), wide, AuditReportFormat::kMarkdown);
  EXPECT_TRUE(has_line(md, "| 2024-05-05 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |")) << md;
  const std::string page = render_audit_report(fixture(), wide, AuditReportFormat::kHtml);
  EXPECT_EQ(occurrences(page, "<g class=\"day\">"), 5U);
}

TEST(AuditReport, MaliciousOrganisationNameIsEscapedInMarkdown) {
  auto records = fixture();
  // A line break would end the row and start a forged one.
  Recipient forged = kCertNl;
  forged.name = "Evil\n| forged | 9 | 9 | 9 | 9 | 9 |";
  records.push_back(delivered(kMay1 + 2 * kHour, 'g', forged, {{"EMAIL", v1::KEEP, 1}}));
  const std::string md = markdown(records);
  EXPECT_TRUE(has_line(md, "| \\<script\\>alert(1)\\</script\\>\\|x | 1 | 0 | 0 | 0 | 2 |")) << md;
  for (auto at = md.find('<'); at != std::string::npos; at = md.find('<', at + 1)) {
    EXPECT_TRUE(at > 0 && md[at - 1] == '\\') << "raw HTML at " << at;
  }
  EXPECT_EQ(md.find("\n| forged"), std::string::npos) << md;
  expect_tables_intact(md);
}

TEST(AuditReport, MaliciousOrganisationNameIsEscapedInHtml) {
  const std::string page = html(fixture());
  EXPECT_EQ(page.find("<script"), std::string::npos);
  EXPECT_NE(page.find("<td>&lt;script&gt;alert(1)&lt;/script&gt;|x</td>"), std::string::npos) << page;
}

TEST(AuditReport, HtmlHasADayChartWithLegend) {
  const std::string page = html(fixture());
  const std::string chart = svg_containing(page, "<g class=\"day\">");
  ASSERT_FALSE(chart.empty()) << page;
  EXPECT_EQ(occurrences(chart, "<g class=\"day\">"), 3U);
  for (const char* day : {"2024-05-01", "2024-05-02", "2024-05-03"}) {
    EXPECT_NE(chart.find(std::string(">") + day + "</text>"), std::string::npos) << day;
  }
  EXPECT_NE(chart.find(">Day (UTC)</text>"), std::string::npos);
  EXPECT_NE(chart.find(">Items</text>"), std::string::npos);
  EXPECT_NE(chart.find(">10</text>"), std::string::npos) << "the y axis reaches the busiest day";

  const std::string legend = chart.substr(chart.find("<g class=\"legend\">"));
  EXPECT_EQ(occurrences(legend, "<g class=\"legend-entry\">"), 6U);
  for (const char* action : {"KEEP", "MASK", "GENERALISE", "PSEUDONYMISE", "REDACT", "DROP_INDICATOR"}) {
    EXPECT_NE(legend.find(std::string(">") + action + "</text>"), std::string::npos) << action;
  }
  EXPECT_EQ(legend.find(">DROP_FIELD</text>"), std::string::npos) << "only actions present";
  std::set<std::string> colours;
  for (auto at = legend.find("fill=\"#"); at != std::string::npos; at = legend.find("fill=\"#", at + 1)) {
    colours.insert(legend.substr(at + 6, 7));
  }
  EXPECT_EQ(colours.size(), 6U);

  EXPECT_NE(svg_containing(page, "<g class=\"category\">"), "") << "the per-category chart";
}

TEST(AuditReport, HtmlIsSelfContained) {
  const std::string page = html(fixture());
  EXPECT_TRUE(page.starts_with("<!DOCTYPE html>"));
  EXPECT_NE(page.find("<style>"), std::string::npos);
  EXPECT_NE(page.find("Content-Security-Policy"), std::string::npos);
  for (const char* forbidden : {"<script", "http://", "https://", "src=", "href=", "url(", "@import", "<link", "<img",
                                "<iframe", "<object", "onload="}) {
    EXPECT_EQ(page.find(forbidden), std::string::npos) << forbidden;
  }
}

TEST(AuditReport, ReportIdsAreNeverPrinted) {
  const auto records = fixture();
  const std::string md = markdown(records);
  const std::string page = html(records);
  for (const auto& record : records) {
    EXPECT_EQ(md.find(record.report_id()), std::string::npos);
    EXPECT_EQ(page.find(record.report_id()), std::string::npos);
  }
}

TEST(AuditReport, OutputDoesNotDependOnRecordOrder) {
  auto records = fixture();
  const std::string md = markdown(records);
  const std::string page = html(records);
  std::reverse(records.begin(), records.end());
  EXPECT_EQ(markdown(records), md);
  EXPECT_EQ(html(records), page);
}

TEST(AuditReport, RecordsOutsideThePeriodAreLeftOutAndCounted) {
  auto records = fixture();
  records.push_back(delivered(kMay1 - 1, 'h', kAcme, {{"EMAIL", v1::KEEP, 50}}));
  records.push_back(delivered(kMay1 + 3 * kDay, 'i', kAcme, {{"EMAIL", v1::KEEP, 50}}));  // until is excluded
  const std::string md = markdown(records);
  EXPECT_TRUE(has_line(md, "- **Records in the period:** 12")) << md;
  EXPECT_TRUE(has_line(md, "- **Records outside the period, left out:** 2")) << md;
  EXPECT_TRUE(has_line(md, "| EMAIL | **3** | 3 |")) << md;
}

TEST(AuditReport, EmptyPeriodSaysSo) {
  const std::string md = markdown({});
  EXPECT_TRUE(has_line(md, "- **Records in the period:** 0")) << md;
  EXPECT_TRUE(has_line(md, "No records in this period.")) << md;
  EXPECT_EQ(md.find("## "), std::string::npos) << md;
  expect_tables_intact(md);

  const std::string page = html({});
  EXPECT_NE(page.find("<p>No records in this period.</p>"), std::string::npos) << page;
  EXPECT_NE(page.find("<dd>broker.example/weftd/audit</dd>"), std::string::npos) << page;
  EXPECT_EQ(page.find("<svg"), std::string::npos);
  EXPECT_TRUE(page.ends_with("</html>\n"));
}

TEST(AuditReport, OpenPeriodIsDescribed) {
  AuditReportOptions open = options();
  open.since.Clear();
  open.until.Clear();
  const std::string md = render_audit_report(fixture(), open, AuditReportFormat::kMarkdown);
  EXPECT_TRUE(has_line(md, "- **Period:** the start of the log to the checkpoint")) << md;
  EXPECT_TRUE(has_line(md, "| 2024-05-03 | 3 | 1 | 2 | 0 | 0 | 1 | 1 | 1 | 5 |")) << md;
}

TEST(AuditReport, AllTablesKeepTheirShape) { expect_tables_intact(markdown(fixture())); }

}  // namespace
}  // namespace weft::cli
