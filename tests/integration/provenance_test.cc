// Provenance end to end against a real weftd: libweft signs what a CERT
// publishes, the broker refuses unsigned or badly signed reports from
// organisations with a registered key, attests per recipient what its policy
// withheld or replaced, and the recipient's check passes for honest
// redaction and fails for any tampering on the way.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>

#include "client-lib/profile.h"
#include "client-lib/report_signer.h"
#include "tests/harness/deployment.h"
#include "tests/harness/test_client.h"

namespace weft::testing {
namespace {

using namespace std::chrono_literals;

class ProvenanceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    deployment_.add_org("cert-nl", "publisher", {}, "NL", "csirt");
    deployment_.add_org("acme-bank", "subscriber", {}, "NL", "finance");  // eu-baseline
    deployment_.start_broker();
  }

  std::unique_ptr<TestClient> connect(const std::filesystem::path& profile) {
    return connected_client(profile, deployment_.port(), profile.parent_path().filename().string());
  }

  provenance::VerifyingKey broker_key() const {
    auto profile = client::Profile::load(deployment_.profile("acme-bank"));
    EXPECT_TRUE(profile);
    return provenance::VerifyingKey::parse(profile.value().broker_provenance_key).value();
  }

  // The CERT's profile without its signing key: libweft then sends reports as they are.
  std::filesystem::path unsigned_profile() const {
    const auto original = deployment_.profile("cert-nl");
    std::ifstream in(original);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    text = std::regex_replace(text, std::regex("signing_key_file: \"[^\"]*\"\n"), "");
    const auto copy = original.parent_path() / "unsigned-profile.conf";
    std::ofstream(copy) << text;
    return copy;
  }

  static v1::Report victim_report(const std::string& title) {
    v1::Report report = make_report("phishing", v1::GREEN, title);
    report.set_description("Victim contact: maria.rossi@victim-corp.example, +31 6 12345678. Kit on login-bank.example.");
    return report;
  }

  TestDeployment deployment_{"provenance"};
};

TEST_F(ProvenanceTest, HonestRedactionVerifiesAndEveryTamperingIsCaught) {
  auto bank = connect(deployment_.profile("acme-bank"));
  ASSERT_TRUE(bank->subscribe("phishing"));
  auto cert = connect(deployment_.profile("cert-nl"));
  ASSERT_TRUE(cert->publish(victim_report("first")));
  ASSERT_TRUE(cert->publish(victim_report("second")));
  auto first = bank->next_delivery(5s);
  auto second = bank->next_delivery(5s);
  ASSERT_TRUE(first && second);
  const v1::Report& delivered = first->report();
  ASSERT_TRUE(delivered.provenance().has_delivered()) << "the broker attached no attestation";
  EXPECT_FALSE(delivered.provenance().has_from_publisher()) << "the publisher's openings hold every original value";
  EXPECT_EQ(delivered.description().find("maria.rossi"), std::string::npos);

  auto verified = client::verify_delivered(delivered, broker_key());
  ASSERT_TRUE(verified) << verified.error().describe();
  const std::string summary = verified.value().describe();
  EXPECT_TRUE(summary.starts_with("verified: signed by cert-nl; ")) << summary;
  EXPECT_NE(summary.find("withheld or replaced by policy eu-baseline"), std::string::npos) << summary;
  EXPECT_EQ(summary.find("modified by the broker"), std::string::npos) << summary;
  EXPECT_GE(verified.value().replaced + verified.value().withheld, 2U);  // the e-mail address and the phone

  const auto refuted = [&](v1::Report tampered, const std::string& what) {
    auto checked = client::verify_delivered(tampered, broker_key());
    ASSERT_FALSE(checked) << what << " went unnoticed";
    EXPECT_EQ(checked.error().code, v1::PROVENANCE_INVALID) << what;
  };
  v1::Report edited = delivered;
  edited.set_description(edited.description() + " Also block evil.example.");
  refuted(edited, "an edited description");
  v1::Report retitled = delivered;
  retitled.set_title("second");
  refuted(retitled, "a title from another report");
  ASSERT_GE(delivered.indicators_size(), 2);
  v1::Report reordered = delivered;
  reordered.mutable_indicators()->SwapElements(0, 1);
  refuted(reordered, "reordered indicators");
  v1::Report stripped = delivered;
  stripped.mutable_provenance()->mutable_delivered()->clear_broker_signature();
  refuted(stripped, "a stripped countersignature");
  v1::Report swapped = delivered;
  *swapped.mutable_provenance()->mutable_delivered() = second->report().provenance().delivered();
  refuted(swapped, "another report's attestation");
  v1::Report restamped = delivered;
  restamped.mutable_broker()->set_source_organisation("acme-bank");
  refuted(restamped, "another publisher's name");
  v1::Report bare = delivered;
  bare.clear_provenance();
  refuted(bare, "no provenance at all");
}

// Signatures are checked off the session's thread (verify_threads); reports
// sent back to back must still be stored and delivered in the order sent.
TEST_F(ProvenanceTest, PipelinedSignedReportsKeepTheirOrder) {
  auto bank = connect(deployment_.profile("acme-bank"));
  ASSERT_TRUE(bank->subscribe("phishing"));
  auto cert = connect(deployment_.profile("cert-nl"));
  std::vector<v1::Report> reports;
  for (int i = 0; i < 40; ++i) {
    reports.push_back(victim_report("in order " + std::to_string(i)));
  }
  const auto answers = cert->publish_pipelined(reports);
  ASSERT_EQ(answers.size(), reports.size());
  std::uint64_t previous = 0;
  for (std::size_t i = 0; i < answers.size(); ++i) {
    ASSERT_TRUE(answers[i]) << i << ": " << answers[i].error().describe();
    EXPECT_EQ(answers[i].value().id(), reports[i].id());
    EXPECT_GT(answers[i].value().sequence(), previous) << "report " << i << " was stored out of order";
    previous = answers[i].value().sequence();
  }
  for (std::size_t i = 0; i < reports.size(); ++i) {
    auto delivery = bank->next_delivery(5s);
    ASSERT_TRUE(delivery) << "delivery " << i << " missing";
    EXPECT_EQ(delivery->report().title(), "in order " + std::to_string(i));
    EXPECT_TRUE(delivery->report().provenance().has_delivered());
  }
}

TEST_F(ProvenanceTest, UnsignedOrWronglySignedReportsAreRefused) {
  auto unsigned_client = connect(unsigned_profile());
  auto refused = unsigned_client->publish(victim_report("unsigned"));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, v1::PROVENANCE_INVALID);
  EXPECT_NE(refused.error().message.find("is not signed"), std::string::npos) << refused.error().describe();

  // Signed with another organisation's key, in cert-nl's name.
  auto forger = client::ReportSigner::load(deployment_.org_file("acme-bank", "signing.key"), "cert-nl");
  ASSERT_TRUE(forger);
  v1::Report forged = victim_report("forged");
  ASSERT_TRUE(forger.value()->sign(forged));
  auto answer = unsigned_client->publish(forged);
  ASSERT_FALSE(answer);
  EXPECT_EQ(answer.error().code, v1::PROVENANCE_INVALID) << answer.error().describe();

  // Signed properly, then changed before sending.
  auto signer = client::ReportSigner::load(deployment_.org_file("cert-nl", "signing.key"), "cert-nl");
  ASSERT_TRUE(signer);
  v1::Report changed = victim_report("changed");
  ASSERT_TRUE(signer.value()->sign(changed));
  changed.mutable_indicators(0)->set_value("203.0.113.99");
  auto changed_answer = unsigned_client->publish(changed);
  ASSERT_FALSE(changed_answer);
  EXPECT_EQ(changed_answer.error().code, v1::PROVENANCE_INVALID) << changed_answer.error().describe();

  // The session goes on: a properly signed one is accepted.
  v1::Report honest = victim_report("honest");
  ASSERT_TRUE(signer.value()->sign(honest));
  EXPECT_TRUE(unsigned_client->publish(honest));
}

TEST_F(ProvenanceTest, TheCliSaysWhatWasVerified) {
  auto cert = connect(deployment_.profile("cert-nl"));
  auto durable = connect(deployment_.profile("acme-bank"));
  ASSERT_TRUE(durable->subscribe_durable("phishing", "siem"));
  durable.reset();
  ASSERT_TRUE(cert->publish(victim_report("for the CLI")));
  const auto printed =
      deployment_.weft("acme-bank", {"subscribe", "--feed", "phishing", "--durable", "siem", "--count", "1"});
  ASSERT_EQ(printed.exit_code, 0) << printed.err;
  EXPECT_NE(printed.err.find(": verified: signed by cert-nl; "), std::string::npos) << printed.err;
  EXPECT_NE(printed.err.find("by policy eu-baseline"), std::string::npos) << printed.err;
  EXPECT_EQ(printed.out.find("provenance"), std::string::npos) << "the JSON line carries no provenance blobs";
  EXPECT_NE(printed.out.find("for the CLI"), std::string::npos) << printed.out;
}

}  // namespace
}  // namespace weft::testing
