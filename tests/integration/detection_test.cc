// Personal data written to slip past detection, through a real weftd: the
// evasion rows of the bad-input matrix (45-53) against the eu-baseline
// policy, plus the policy-engine rows a hostile or careless policy author
// can trigger (42: a catastrophic regex; 44: a category no rule covers).
#include <gtest/gtest.h>

#include <fstream>

#include "tests/harness/case_invariants.h"
#include "tests/harness/deployment.h"
#include "tests/harness/test_client.h"

namespace weft::testing {
namespace {

using namespace std::chrono_literals;

// A custom detector with a pattern that backtracking engines take
// exponential time on; weft's engine is linear, so it loads and runs.
constexpr const char* kLabPolicy = R"(name: "lab"
version: 1
detectors { name: "catastrophic" category: "LAB_SAMPLE" pattern: "(a+)+$" }
rules { id: "keep-addresses" categories: ["IPV4"] action: KEEP }
)";

struct Evasion {
  const char* row;
  std::string text;
  const char* category;  // what the redaction summary must count
  std::vector<std::string> must_not_survive;
};

std::vector<Evasion> evasions() {
  return {
      {"45 zero-width characters", "Mail ali\u200Bce@ex\u2060ample.com now.", "EMAIL", {"ce@ex", "ample.com"}},
      {"46 fullwidth at sign", "Mail bob\uFF20victim-corp.example now.", "EMAIL", {"victim-corp"}},
      {"46 Cyrillic look-alike", "Mail m\u0430ria@victim.example now.", "EMAIL", {"ria@victim", "victim.example"}},
      {"47 defanged e-mail", "Mail alice[at]example[.]com now.", "EMAIL", {"alice[at]", "example[.]com"}},
      {"47 defanged address", "Seen from 198.51.100[.]23 today.", "IPV4", {"100[.]23"}},
      {"48 bidi override in a name",
       "The victim's contact person is Maria\u202E Rossi.", "PERSON", {"Maria", "Rossi"}},
      {"49 percent-encoded e-mail in a URL",
       "Reset link https://portal.example/reset?user=carol%40victim.example was phished.", "EMAIL",
       {"carol%40", "carol@"}},
      {"49 base64 e-mail in a URL",
       "Reset link https://portal.example/reset?u=Y2Fyb2xAdmljdGltLmV4YW1wbGU= was phished.", "EMAIL",
       {"Y2Fyb2xAdmljdGltLmV4YW1wbGU"}},
      {"50 IPv4 in hex", "Victim host http://0xc6336417/ was used.", "IPV4", {"0xc6336417"}},
      {"50 IPv4 as one decimal number", "Victim host http://3325256727/ was used.", "IPV4", {"3325256727"}},
      {"50 IPv4 in octal", "Victim host 0306.063.0144.027 was used.", "IPV4", {"0306.063.0144.027"}},
      {"50 IPv4-mapped IPv6", "Victim host ::ffff:198.51.100.23 was used.", "IPV4", {"198.51.100.23"}},
      {"51 Arabic-Indic digits",
       "Call the victim on +\u0663\u0661 \u0666 \u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668.", "PHONE",
       {"\u0661\u0662\u0663\u0664"}},
      {"51 fullwidth digits",
       "Call the victim on \uFF0B\uFF13\uFF11 \uFF16 \uFF11\uFF12\uFF13\uFF14\uFF15\uFF16\uFF17\uFF18.", "PHONE",
       {"\uFF11\uFF12\uFF13\uFF14"}},
  };
}

int count_of(const v1::Report& report, const std::string& category) {
  int total = 0;
  for (const auto& count : report.redaction().counts()) {
    total += count.category() == category ? static_cast<int>(count.count()) : 0;
  }
  return total;
}

class DetectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::ofstream(deployment_.dir() / "policies" / "lab.textproto") << kLabPolicy;
    deployment_.append_config("policy_files: \"policies/lab.textproto\"");
    deployment_.add_org("cert-nl", "publisher", {}, "NL", "csirt");
    deployment_.add_org("acme-bank", "subscriber", {}, "NL", "finance");
    deployment_.add_org("lab", "subscriber", {"--policy", "lab"}, "NL", "research");
    invariants_.prepare();
    deployment_.start_broker();
    invariants_.begin();
    acme_ = subscriber("acme-bank");
    lab_ = subscriber("lab");
    publisher_ = connected_client(deployment_.profile("cert-nl"), deployment_.port(), "cert-nl");
  }

  void TearDown() override { invariants_.verify(); }

  std::unique_ptr<TestClient> subscriber(const std::string& org) {
    auto client = connected_client(deployment_.profile(org), deployment_.port(), org);
    EXPECT_TRUE(client->subscribe("phishing"));
    return client;
  }

  // Publishes a report with `description`; returns what `recipient` got.
  std::optional<v1::Report> delivered_to(TestClient& recipient, const std::string& description) {
    v1::Report report = make_report("phishing", v1::GREEN, "Evasion sample");
    report.set_description(description);
    const auto ack = publisher_->publish(report);
    EXPECT_TRUE(ack) << ack.error().describe();
    while (auto delivery = recipient.next_delivery(10s)) {
      if (delivery->report().id() == report.id()) {
        return delivery->report();
      }
    }
    return std::nullopt;
  }

  TestDeployment deployment_{"detection"};
  CaseInvariants invariants_{deployment_};
  std::unique_ptr<TestClient> acme_;
  std::unique_ptr<TestClient> lab_;
  std::unique_ptr<TestClient> publisher_;
};

TEST_F(DetectionTest, EveryEvasionIsFoundAndRedactedForAnEuRecipient) {
  for (const auto& evasion : evasions()) {
    SCOPED_TRACE(evasion.row);
    const auto copy = delivered_to(*acme_, evasion.text);
    ASSERT_TRUE(copy.has_value()) << "not delivered";
    EXPECT_GE(count_of(*copy, evasion.category), 1) << copy->description();
    for (const auto& fragment : evasion.must_not_survive) {
      EXPECT_EQ(copy->description().find(fragment), std::string::npos) << copy->description();
    }
  }
}

TEST_F(DetectionTest, ANulByteIsRefusedAsAControlCharacterNotATruncation) {
  v1::Report report = make_report("phishing");
  report.set_description(std::string("Note\0 write to dave@victim.example", 35));
  const auto refused = publisher_->publish(report);
  ASSERT_FALSE(refused) << "a description with U+0000 was accepted";
  EXPECT_EQ(refused.error().code, v1::VALIDATION_FAILED);
  EXPECT_NE(refused.error().message.find("report.description"), std::string::npos) << refused.error().message;
}

TEST_F(DetectionTest, AQuarterMegabyteLineIsScannedToItsEnd) {
  // The longest description weft accepts (256 KiB), one line, the e-mail
  // at the very end.
  const std::string tail = " mail erin@victim.example";
  std::string line(256 * 1024 - tail.size(), 'x');
  line += tail;
  const auto started = std::chrono::steady_clock::now();
  const auto copy = delivered_to(*acme_, line);
  ASSERT_TRUE(copy.has_value());
  EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);
  EXPECT_EQ(copy->description().find("erin@"), std::string::npos);
  EXPECT_EQ(count_of(*copy, "EMAIL"), 1);
  v1::Report too_long = make_report("phishing");
  too_long.set_description(line + "x");
  const auto refused = publisher_->publish(too_long);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("longer than"), std::string::npos) << refused.error().message;
}

TEST_F(DetectionTest, ACatastrophicPatternRunsInLinearTimeAndItsFindingsAreRedacted) {
  const auto started = std::chrono::steady_clock::now();
  const auto copy = delivered_to(*lab_, std::string(100 * 1000, 'a'));
  ASSERT_TRUE(copy.has_value());
  EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);
  EXPECT_EQ(copy->description().find("aaaa"), std::string::npos);
  EXPECT_EQ(count_of(*copy, "LAB_SAMPLE"), 1);
}

TEST_F(DetectionTest, ACategoryNoRuleCoversIsRedactedByDefault) {
  const auto copy = delivered_to(*lab_, "Mail frank@victim.example from 198.51.100.23.");
  ASSERT_TRUE(copy.has_value());
  EXPECT_EQ(copy->description().find("frank@"), std::string::npos) << copy->description();
  EXPECT_NE(copy->description().find("198.51.100.23"), std::string::npos) << "the lab policy keeps addresses";
  ASSERT_EQ(count_of(*copy, "EMAIL"), 1);
  for (const auto& count : copy->redaction().counts()) {
    if (count.category() == "EMAIL") {
      EXPECT_EQ(count.action(), v1::REDACT);
    }
  }
}

}  // namespace
}  // namespace weft::testing
