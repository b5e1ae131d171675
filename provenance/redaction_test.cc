// The whole path with weft's real redaction engine and shipped policies: the
// publisher marks personal data with the built-in detectors, the broker
// redacts by policy, the recipient verifies.
#include <gtest/gtest.h>

#include <map>

#include "provenance/test_support.h"
#include "provenance/verify.h"

namespace weft::provenance {
namespace {

using testing::kPublisher;

struct Outcome {
  VerifiedProvenance verified;
  std::map<std::string, v1::PartDisclosure> by_path;
};

class ProvenanceWithRealRedactor : public ::testing::Test {
 protected:
  Outcome deliver_and_verify(const v1::Report& report, const policies::Policy& policy,
                             std::string_view recipient = "acme-bank") {
    const testing::Delivery delivery = testing::deliver(report, &policy, recipient, publisher_, broker_);
    auto verified =
        verify_delivery(delivery.delivered, delivery.provenance,
                        testing::lookup_for(kPublisher, publisher_.verifying_key()), broker_.verifying_key());
    EXPECT_TRUE(verified) << verified.error().describe();
    Outcome outcome;
    if (!verified) {
      return outcome;
    }
    outcome.verified = std::move(verified).value();
    v1::ProvenanceManifest manifest;
    v1::BrokerAttestation attestation;
    EXPECT_TRUE(manifest.ParseFromString(delivery.provenance.manifest().manifest()));
    EXPECT_TRUE(attestation.ParseFromString(delivery.provenance.attestation()));
    for (int i = 0; i < manifest.parts_size(); ++i) {
      outcome.by_path[manifest.parts(i).path()] = attestation.parts(i);
    }
    return outcome;
  }

  SigningKey publisher_ = SigningKey::generate();
  SigningKey broker_ = SigningKey::generate();
};

TEST_F(ProvenanceWithRealRedactor, EuBaselineReplacesVictimDataAndKeepsIndicators) {
  const auto policy = testing::shipped_policy("eu-baseline");
  const Outcome outcome = deliver_and_verify(testing::phishing_report(), *policy);
  const VerifiedProvenance& verified = outcome.verified;
  EXPECT_GT(verified.replaced, 0U);
  EXPECT_GT(verified.replaced + verified.withheld, 3U);
  EXPECT_EQ(verified.modified, 0U) << verified.describe();
  EXPECT_EQ(verified.policy, "eu-baseline");
  EXPECT_EQ(verified.policy_version, 1U);
  EXPECT_TRUE(verified.describe().starts_with("verified: signed by cert-nl; ")) << verified.describe();
  EXPECT_TRUE(verified.describe().ends_with(" withheld or replaced by policy eu-baseline v1")) << verified.describe();

  const auto status = [&outcome](const std::string& path) { return outcome.by_path.at(path).status(); };
  const auto action = [&outcome](const std::string& path) { return outcome.by_path.at(path).action(); };
  EXPECT_EQ(status("contacts[0].name"), v1::PartDisclosure::REPLACED);
  EXPECT_EQ(outcome.by_path.at("contacts[0].name").value(), "[REDACTED:PERSON]");
  EXPECT_EQ(action("contacts[0].name"), v1::REDACT);
  EXPECT_EQ(status("contacts[0].email"), v1::PartDisclosure::REPLACED);
  EXPECT_EQ(status("contacts[0].role"), v1::PartDisclosure::DISCLOSED);
  EXPECT_EQ(status("recipients[0]"), v1::PartDisclosure::WITHHELD);  // the broker strips the distribution list
  EXPECT_EQ(status("indicators[0].value"), v1::PartDisclosure::DISCLOSED);
  EXPECT_EQ(status("indicators[1].value"), v1::PartDisclosure::DISCLOSED);
  EXPECT_EQ(status("title#0"), v1::PartDisclosure::DISCLOSED);
  EXPECT_EQ(status("description#0"), v1::PartDisclosure::DISCLOSED);
  // Every personal segment of the description was replaced, the victim IP by
  // a pseudonym; the text between them is the publisher's.
  int personal_segments = 0;
  for (const auto& [path, disclosure] : outcome.by_path) {
    if (!path.starts_with("description#")) {
      continue;
    }
    if (disclosure.status() == v1::PartDisclosure::REPLACED) {
      ++personal_segments;
      EXPECT_NE(disclosure.action(), v1::ACTION_UNSPECIFIED) << path;
    } else {
      EXPECT_EQ(disclosure.status(), v1::PartDisclosure::DISCLOSED) << path;
    }
  }
  EXPECT_GE(personal_segments, 4);
}

TEST_F(ProvenanceWithRealRedactor, ThirdCountryDropsEmailIndicatorsAsWithheld) {
  const auto policy = testing::shipped_policy("third-country");
  const Outcome outcome = deliver_and_verify(testing::phishing_report(), *policy);
  EXPECT_EQ(outcome.verified.modified, 0U) << outcome.verified.describe();
  for (const std::string path :
       {"indicators[0].type", "indicators[0].value", "indicators[0].description#0", "indicators[0].confidence"}) {
    EXPECT_EQ(outcome.by_path.at(path).status(), v1::PartDisclosure::WITHHELD) << path;
    EXPECT_EQ(outcome.by_path.at(path).action(), v1::DROP_INDICATOR) << path;
  }
  // The IPv4 indicator is now indicators[0] of the copy, generalised.
  EXPECT_EQ(outcome.by_path.at("indicators[1].type").status(), v1::PartDisclosure::DISCLOSED);
  EXPECT_EQ(outcome.by_path.at("indicators[1].value").status(), v1::PartDisclosure::REPLACED);
  EXPECT_EQ(outcome.by_path.at("indicators[1].value").value(), "203.0.113.0/24");
  EXPECT_EQ(outcome.by_path.at("indicators[1].value").action(), v1::GENERALISE);
  EXPECT_EQ(outcome.by_path.at("indicators[1].labels[0]#0").status(), v1::PartDisclosure::DISCLOSED);
  EXPECT_EQ(outcome.by_path.at("indicators[2].value").status(), v1::PartDisclosure::DISCLOSED);
  EXPECT_EQ(outcome.by_path.at("contacts[0].name").status(), v1::PartDisclosure::WITHHELD);
  EXPECT_EQ(outcome.by_path.at("contacts[0].name").action(), v1::DROP_FIELD);
}

TEST_F(ProvenanceWithRealRedactor, NoShippedPolicyLeavesAnythingModified) {
  for (const std::string name : {"cert-peer", "eu-baseline", "third-country", "public"}) {
    const auto policy = testing::shipped_policy(name);
    const Outcome outcome = deliver_and_verify(testing::phishing_report(), *policy);
    EXPECT_EQ(outcome.verified.modified, 0U) << name << ": " << outcome.verified.describe();
    EXPECT_EQ(outcome.verified.policy, name);
  }
}

TEST_F(ProvenanceWithRealRedactor, BrokerOnlyDetectorShowsAsModified) {
  const auto policy = testing::policy_from_text(R"(
    name: "finance-isac"
    version: 3
    applies_to { sectors: "finance" jurisdictions: "EEA" }
    detectors { name: "employee-id" category: "EMPLOYEE_ID" pattern: "EMP-[0-9]{6}" }
    rules { id: "keep-iocs"  categories: ["IPV4", "IPV6", "EMAIL"] places: INDICATOR_VALUE action: KEEP }
    rules { id: "mask-contacts" categories: ["EMAIL", "PHONE"] places: CONTACTS action: MASK }
    rules { id: "no-staff-ids" categories: "EMPLOYEE_ID" action: PSEUDONYMISE }
    rules { id: "redact-the-rest" categories: ["EMAIL", "PHONE", "PERSON", "IBAN", "CREDIT_CARD", "IPV4", "IPV6"]
            places: [FREE_TEXT, CONTACTS] action: REDACT }
  )");
  v1::Report report = testing::phishing_report();
  report.set_description("Reported by jan.devries@victim.example; employee EMP-123456 opened the attachment.");
  const Outcome outcome = deliver_and_verify(report, *policy);
  const VerifiedProvenance& verified = outcome.verified;
  ASSERT_EQ(verified.modified, 1U) << verified.describe();
  ASSERT_EQ(verified.modified_paths.size(), 1U);
  const std::string& path = verified.modified_paths[0];
  EXPECT_TRUE(path.starts_with("description#")) << path;
  EXPECT_NE(outcome.by_path.at(path).value().find("EMPLOYEE_ID:"), std::string::npos);
  // Actions are recorded per field: the strictest in the description.
  EXPECT_EQ(outcome.by_path.at(path).action(), v1::REDACT);
  EXPECT_NE(verified.describe().find("; 1 part modified by the broker under policy finance-isac v3 (" + path + ")"),
            std::string::npos)
      << verified.describe();
}

}  // namespace
}  // namespace weft::provenance
