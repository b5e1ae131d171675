#include "broker/pipeline/validate.h"

#include <gtest/gtest.h>

namespace weft::broker::pipeline {
namespace {

v1::Report valid_report() {
  v1::Report report;
  report.set_id("5F0C6C1E-8D1B-4A57-9A43-0D6F4F3C2B10");
  report.set_feed("phishing");
  report.set_tlp(v1::GREEN);
  report.set_title("Phishing wave");
  auto* indicator = report.add_indicators();
  indicator->set_type(v1::Indicator::DOMAIN);
  indicator->set_value("login-secure-bank.example");
  return report;
}

std::string message_of(v1::Report report) {
  auto result = validate_report(report);
  return result ? std::string() : result.error().message;
}

TEST(Validate, AcceptsAndNormalisesTheId) {
  auto report = valid_report();
  ASSERT_TRUE(validate_report(report));
  EXPECT_EQ(report.id(), "5f0c6c1e-8d1b-4a57-9a43-0d6f4f3c2b10");
}

TEST(Validate, ClearsBrokerStampSentByClient) {
  auto report = valid_report();
  report.mutable_broker()->set_source_organisation("someone-else");
  ASSERT_TRUE(validate_report(report));
  EXPECT_FALSE(report.has_broker());
}

TEST(Validate, RequiredFields) {
  auto no_id = valid_report();
  no_id.clear_id();
  EXPECT_EQ(message_of(no_id), "report.id: is missing (a UUID chosen by the publisher)");
  auto bad_id = valid_report();
  bad_id.set_id("not-a-uuid");
  EXPECT_EQ(message_of(bad_id), "report.id: not a UUID (8-4-4-4-12 hex digits)");
  auto no_tlp = valid_report();
  no_tlp.clear_tlp();
  EXPECT_NE(message_of(no_tlp).find("report.tlp: is missing"), std::string::npos);
  auto unknown_tlp = valid_report();
  unknown_tlp.set_tlp(static_cast<v1::Tlp>(42));
  EXPECT_EQ(message_of(unknown_tlp), "report.tlp: unknown TLP level 42");
  auto no_title = valid_report();
  no_title.clear_title();
  EXPECT_EQ(message_of(no_title), "report.title: is missing");
  auto no_feed = valid_report();
  no_feed.clear_feed();
  EXPECT_EQ(message_of(no_feed), "report.feed: is missing");
}

TEST(Validate, ControlCharactersAreRefused) {
  auto report = valid_report();
  report.set_description(std::string("line one\nline two\ttabbed"));
  EXPECT_TRUE(validate_report(report));
  report.set_description(std::string("hidden \x01 marker"));
  EXPECT_EQ(message_of(report), "report.description: contains the control character U+0001");
}

TEST(Validate, SizeLimits) {
  auto long_title = valid_report();
  long_title.set_title(std::string(513, 't'));
  EXPECT_EQ(message_of(long_title), "report.title: longer than 512 bytes");
  auto many = valid_report();
  for (int i = 0; i < 10001; ++i) {
    auto* indicator = many.add_indicators();
    indicator->set_type(v1::Indicator::IPV4);
    indicator->set_value("192.0.2.1");
  }
  EXPECT_EQ(message_of(many), "report.indicators: more than 10000 indicators");
  EXPECT_EQ(validate_report(many).error().code, v1::LIMIT_EXCEEDED);
}

TEST(Validate, IndicatorErrorsNameTheFieldButNotTheValue) {
  auto report = valid_report();
  auto* indicator = report.add_indicators();
  indicator->set_type(v1::Indicator::IPV4);
  indicator->set_value("jane.doe@example.org");
  const std::string message = message_of(report);
  EXPECT_EQ(message, "report.indicators[1].value: not an IPv4 address (dotted quad)");
  EXPECT_EQ(message.find("jane.doe"), std::string::npos);
}

TEST(Validate, ValidityWindowAndConfidence) {
  auto report = valid_report();
  auto* indicator = report.mutable_indicators(0);
  indicator->mutable_valid_from()->set_seconds(2000);
  indicator->mutable_valid_until()->set_seconds(1000);
  EXPECT_EQ(message_of(report), "report.indicators[0].valid_until: must be later than valid_from");
  indicator->mutable_valid_until()->set_seconds(3000);
  indicator->set_confidence(101);
  EXPECT_EQ(message_of(report), "report.indicators[0].confidence: must be between 0 and 100");
}

struct IndicatorCase {
  v1::Indicator::Type type;
  const char* value;
  bool valid;
};

void PrintTo(const IndicatorCase& c, std::ostream* out) {
  *out << v1::Indicator::Type_Name(c.type) << " " << c.value;
}

class IndicatorValues : public ::testing::TestWithParam<IndicatorCase> {};

TEST_P(IndicatorValues, Syntax) {
  const auto& c = GetParam();
  EXPECT_EQ(static_cast<bool>(check_indicator_value(c.type, c.value)), c.valid)
      << v1::Indicator::Type_Name(c.type) << " " << c.value;
}

INSTANTIATE_TEST_SUITE_P(
    Table, IndicatorValues,
    ::testing::Values(
        IndicatorCase{v1::Indicator::IPV4, "203.0.113.7", true},
        IndicatorCase{v1::Indicator::IPV4, "203.0.113.256", false},
        IndicatorCase{v1::Indicator::IPV4, "203.0.113[.]7", false},
        IndicatorCase{v1::Indicator::IPV6, "2001:db8::1", true},
        IndicatorCase{v1::Indicator::IPV6, "::ffff:192.0.2.1", true},
        IndicatorCase{v1::Indicator::IPV6, "2001:db8:::1", false},
        IndicatorCase{v1::Indicator::IPV4_CIDR, "198.51.100.0/24", true},
        IndicatorCase{v1::Indicator::IPV4_CIDR, "198.51.100.0/33", false},
        IndicatorCase{v1::Indicator::IPV6_CIDR, "2001:db8::/48", true},
        IndicatorCase{v1::Indicator::DOMAIN, "login-secure-bank.example", true},
        IndicatorCase{v1::Indicator::DOMAIN, "xn--bcher-kva.example", true},
        IndicatorCase{v1::Indicator::DOMAIN, "nodot", false},
        IndicatorCase{v1::Indicator::DOMAIN, "-bad.example", false},
        IndicatorCase{v1::Indicator::DOMAIN, "bad domain.example", false},
        IndicatorCase{v1::Indicator::URL, "https://cdn.bad-loader.example/p.bin", true},
        IndicatorCase{v1::Indicator::URL, "hxxps://cdn.bad-loader.example/p.bin", false},
        IndicatorCase{v1::Indicator::URL, "cdn.bad-loader.example/p.bin", false},
        IndicatorCase{v1::Indicator::URL, "https://a.example/has space", false},
        IndicatorCase{v1::Indicator::EMAIL, "phisher@bad-loader.example", true},
        IndicatorCase{v1::Indicator::EMAIL, "phisher[@]bad-loader.example", false},
        IndicatorCase{v1::Indicator::EMAIL, "no-at-sign.example", false},
        IndicatorCase{v1::Indicator::MD5, "d41d8cd98f00b204e9800998ecf8427e", true},
        IndicatorCase{v1::Indicator::MD5, "d41d8cd98f00b204e9800998ecf8427", false},
        IndicatorCase{v1::Indicator::SHA1, "da39a3ee5e6b4b0d3255bfef95601890afd80709", true},
        IndicatorCase{v1::Indicator::SHA256, "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", true},
        IndicatorCase{v1::Indicator::SHA256, "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a0g", false},
        IndicatorCase{v1::Indicator::CVE, "CVE-2024-3094", true},
        IndicatorCase{v1::Indicator::CVE, "CVE-2024-309", false},
        IndicatorCase{v1::Indicator::ASN, "AS64496", true},
        IndicatorCase{v1::Indicator::ASN, "64496", true},
        IndicatorCase{v1::Indicator::ASN, "AS4294967296", false},
        IndicatorCase{v1::Indicator::SSDEEP, "96:s4Ud1Lj96tHHlZDrwciQmA+4uy1I0G4HYuL8N3TzS8QsO/wqWXLcMSx:sF1LjEtHHlZDrwciQmA+4uyWxjzJ6", true},
        IndicatorCase{v1::Indicator::FILENAME, "invoice.pdf.exe", true},
        IndicatorCase{v1::Indicator::FILENAME, "bad\x01name", false}));

}  // namespace
}  // namespace weft::broker::pipeline
