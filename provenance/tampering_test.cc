// Every way to pass off something else as the publisher's report must fail
// verification, with a message that says what failed.
#include <gtest/gtest.h>

#include <functional>

#include "provenance/attestation.h"
#include "provenance/content.h"
#include "provenance/crypto.h"
#include "provenance/manifest.h"
#include "provenance/publisher.h"
#include "provenance/test_support.h"
#include "provenance/verify.h"

namespace weft::provenance {
namespace {

using testing::kPublisher;

class ProvenanceTampering : public ::testing::Test {
 protected:
  void SetUp() override {
    policy_ = testing::shipped_policy("eu-baseline");
    delivery_ = testing::deliver(testing::phishing_report(), policy_.get(), "acme-bank", publisher_, broker_);
    ASSERT_TRUE(manifest_.ParseFromString(delivery_.provenance.manifest().manifest()));
    ASSERT_TRUE(verify(delivery_.delivered, delivery_.provenance)) << "the untampered delivery must verify";
  }

  Result<VerifiedProvenance> verify(const v1::Report& delivered, const v1::DeliveredProvenance& provenance) const {
    return verify_delivery(delivered, provenance, testing::lookup_for(kPublisher, publisher_.verifying_key()),
                           broker_.verifying_key());
  }

  static void expect_refused(const Result<VerifiedProvenance>& result, std::string_view message_part) {
    ASSERT_FALSE(result) << "verified: " << result.value().describe();
    EXPECT_EQ(result.error().code, v1::PROVENANCE_INVALID);
    EXPECT_NE(result.error().message.find(message_part), std::string::npos) << result.error().message;
  }

  // The attestation changed by `change` and signed again by `key`; its
  // delivered digest is recomputed over `delivered`, as a dishonest broker
  // holding the key would.
  v1::DeliveredProvenance resigned(const std::function<void(v1::BrokerAttestation&)>& change, const SigningKey& key,
                                   const v1::Report* delivered = nullptr) const {
    v1::DeliveredProvenance changed = delivery_.provenance;
    v1::BrokerAttestation attestation;
    EXPECT_TRUE(attestation.ParseFromString(changed.attestation()));
    change(attestation);
    if (delivered != nullptr) {
      attestation.set_delivered_sha256(to_bytes(delivered_digest(*delivered)));
    }
    changed.set_attestation(deterministic_bytes(attestation));
    changed.set_broker_signature(key.sign(attestation_message(changed.attestation())));
    return changed;
  }

  int index_of(std::string_view path) const {
    for (int i = 0; i < manifest_.parts_size(); ++i) {
      if (manifest_.parts(i).path() == path) {
        return i;
      }
    }
    ADD_FAILURE() << "no part " << path;
    return 0;
  }

  SigningKey publisher_ = SigningKey::generate();
  SigningKey broker_ = SigningKey::generate();
  std::shared_ptr<const policies::Policy> policy_;
  testing::Delivery delivery_;
  v1::ProvenanceManifest manifest_;
};

TEST_F(ProvenanceTampering, DisclosedValueChangedInTheDeliveredReport) {
  v1::Report changed = delivery_.delivered;
  changed.mutable_indicators(1)->set_value("203.0.113.99");
  expect_refused(verify(changed, delivery_.provenance), "the attestation covers another delivery");
}

TEST_F(ProvenanceTampering, DisclosedValueChangedInTheAttestationByAnotherKey) {
  const int feed = index_of("feed");
  const SigningKey attacker = SigningKey::generate();
  expect_refused(
      verify(delivery_.delivered,
             resigned([feed](v1::BrokerAttestation& a) { a.mutable_parts(feed)->set_value("ransomware"); }, attacker)),
      "the broker's countersignature does not verify");
}

TEST_F(ProvenanceTampering, DisclosedValueThatIsNotTheOriginalSignedByTheBroker) {
  const int feed = index_of("feed");
  v1::Report changed = delivery_.delivered;
  changed.set_feed("ransomware");
  expect_refused(
      verify(changed, resigned([feed](v1::BrokerAttestation& a) { a.mutable_parts(feed)->set_value("ransomware"); },
                               broker_, &changed)),
      "part 1 (feed) is not the publisher's original");
}

TEST_F(ProvenanceTampering, ReorderedDisclosures) {
  const int first = index_of("labels[0]#0");
  const int second = index_of("labels[1]#0");
  v1::Report changed = delivery_.delivered;
  changed.mutable_labels()->SwapElements(0, 1);
  expect_refused(
      verify(changed, resigned([&](v1::BrokerAttestation& a) { a.mutable_parts()->SwapElements(first, second); },
                               broker_, &changed)),
      "(labels[0]#0) is not the publisher's original");
}

TEST_F(ProvenanceTampering, SwappedTextSegmentsInTheDeliveredReport) {
  // "The victim's contact person is " and " (" swapped around the name.
  const int first = index_of("description#0");
  const int third = index_of("description#2");
  v1::Report changed = delivery_.delivered;
  std::string& text = *changed.mutable_description();
  const std::string a = manifest_.parts(first).path(), b = manifest_.parts(third).path();
  const std::string head = "The victim's contact person is ";
  ASSERT_TRUE(text.starts_with(head));
  const std::string rest = text.substr(head.size());
  const auto open = rest.find(" (");
  ASSERT_NE(open, std::string::npos);
  text = " (" + rest.substr(0, open) + head + rest.substr(open + 2);
  expect_refused(verify(changed, delivery_.provenance), "the attestation covers another delivery");
  // Even when the broker signs for the swapped text, the parts rebuild the original order.
  expect_refused(verify(changed, resigned([](v1::BrokerAttestation&) {}, broker_, &changed)),
                 "the delivered report is not what the attested parts rebuild");
}

TEST_F(ProvenanceTampering, PartReplayedFromAnotherReport) {
  v1::Report other = testing::phishing_report();
  other.set_id("7a0c6c1e-8d1b-4a57-9a43-0d6f4f3c2b10");
  other.set_description("The suspect's contact person is nobody.");
  const auto other_publication =
      sign_report(other, kPublisher, publisher_, testing::detector_finder(testing::builtin_detector())).value();
  // Both have description#0; take the other report's opening of it.
  v1::ProvenanceManifest other_manifest;
  ASSERT_TRUE(other_manifest.ParseFromString(other_publication.manifest().manifest()));
  int other_index = -1;
  for (int i = 0; i < other_manifest.parts_size(); ++i) {
    if (other_manifest.parts(i).path() == "description#0") {
      other_index = i;
    }
  }
  ASSERT_GE(other_index, 0);
  const v1::PartOpening& replayed = other_publication.openings(other_index);
  const int description = index_of("description#0");
  v1::Report changed = delivery_.delivered;
  const std::string original = delivery_.publication.openings(description).value();
  changed.set_description(replayed.value() + changed.description().substr(original.size()));
  expect_refused(verify(changed, resigned(
                                     [&](v1::BrokerAttestation& a) {
                                       a.mutable_parts(description)->set_salt(replayed.salt());
                                       a.mutable_parts(description)->set_value(replayed.value());
                                     },
                                     broker_, &changed)),
                 "part 4 (description#0) is not the publisher's original");
}

TEST_F(ProvenanceTampering, AttestationOfAnotherRecipientsCopy) {
  // The same publication delivered to another recipient: its pseudonyms differ.
  AttestationContext context{"other-bank", policy_->name(), policy_->version(), "broker-1", {}};
  const v1::Report other_copy =
      testing::delivered_copy(testing::stamped(testing::phishing_report()), *policy_, "other-bank", &context.decisions);
  ASSERT_NE(other_copy.description(), delivery_.delivered.description());
  const auto other_provenance = attest(delivery_.publication, other_copy, context, broker_).value();
  ASSERT_TRUE(verify(other_copy, other_provenance));
  expect_refused(verify(delivery_.delivered, other_provenance), "the attestation covers another delivery");
}

TEST_F(ProvenanceTampering, StrippedBrokerSignature) {
  v1::DeliveredProvenance stripped = delivery_.provenance;
  stripped.clear_broker_signature();
  expect_refused(verify(delivery_.delivered, stripped), "the broker's countersignature does not verify");
  expect_refused(verify_delivery(delivery_.delivered, delivery_.provenance,
                                 testing::lookup_for(kPublisher, publisher_.verifying_key()),
                                 SigningKey::generate().verifying_key()),
                 "the broker's countersignature does not verify");
}

TEST_F(ProvenanceTampering, WrongOrUnknownPublisherKey) {
  expect_refused(
      verify_delivery(delivery_.delivered, delivery_.provenance,
                      testing::lookup_for(kPublisher, SigningKey::generate().verifying_key()), broker_.verifying_key()),
      "the publisher's signature on the manifest does not verify");
  expect_refused(verify_delivery(delivery_.delivered, delivery_.provenance,
                                 testing::lookup_for("cert-de", publisher_.verifying_key()), broker_.verifying_key()),
                 "no key is known for the publisher 'cert-nl'");
}

TEST_F(ProvenanceTampering, ManifestOfAnotherReport) {
  v1::Report other = testing::phishing_report();
  other.set_id("7a0c6c1e-8d1b-4a57-9a43-0d6f4f3c2b10");
  const auto other_publication = sign_report(other, kPublisher, publisher_, nullptr).value();
  v1::DeliveredProvenance swapped = delivery_.provenance;
  *swapped.mutable_manifest() = other_publication.manifest();
  expect_refused(verify(delivery_.delivered, swapped), "the attestation is for another manifest");
}

TEST_F(ProvenanceTampering, ManifestPartRemovedOrChanged) {
  const auto with_manifest = [this](const std::function<void(v1::ProvenanceManifest&)>& change) {
    v1::ProvenanceManifest manifest = manifest_;
    change(manifest);
    v1::DeliveredProvenance changed = delivery_.provenance;
    changed.mutable_manifest()->set_manifest(deterministic_bytes(manifest));
    return changed;
  };
  const int name = index_of("contacts[0].name");
  expect_refused(verify(delivery_.delivered, with_manifest([name](v1::ProvenanceManifest& m) {
                          m.mutable_parts()->DeleteSubrange(name, 1);
                        })),
                 "the publisher's signature on the manifest does not verify");
  expect_refused(verify(delivery_.delivered, with_manifest([name](v1::ProvenanceManifest& m) {
                          m.mutable_parts(name)->set_personal(false);
                        })),
                 "the publisher's signature on the manifest does not verify");
  // Signed by someone else in the publisher's name.
  v1::DeliveredProvenance forged = delivery_.provenance;
  v1::ProvenanceManifest manifest = manifest_;
  manifest.mutable_parts(name)->set_personal(false);
  *forged.mutable_manifest() = sign_manifest(manifest, SigningKey::generate());
  expect_refused(verify(delivery_.delivered, forged), "the publisher's signature on the manifest does not verify");
}

TEST_F(ProvenanceTampering, ExtraOrMissingDisclosure) {
  expect_refused(
      verify(delivery_.delivered, resigned([](v1::BrokerAttestation& a) { *a.add_parts() = a.parts(0); }, broker_)),
      "disclosures for " + std::to_string(manifest_.parts_size()) + " manifest parts");
  expect_refused(
      verify(delivery_.delivered, resigned([](v1::BrokerAttestation& a) { a.mutable_parts()->RemoveLast(); }, broker_)),
      "disclosures for");
}

TEST_F(ProvenanceTampering, BrokerChangePassedOffAsPolicyReplacement) {
  const int feed = index_of("feed");
  v1::Report changed = delivery_.delivered;
  changed.set_feed("ransomware");
  expect_refused(verify(changed, resigned(
                                     [feed](v1::BrokerAttestation& a) {
                                       v1::PartDisclosure& part = *a.mutable_parts(feed);
                                       part.set_status(v1::PartDisclosure::REPLACED);
                                       part.clear_salt();
                                       part.set_value("ransomware");
                                     },
                                     broker_, &changed)),
                 "part 1 (feed) is called replaced by policy, but the publisher did not mark it as personal data");
}

TEST_F(ProvenanceTampering, WithheldPartThatLeaksItsValue) {
  const int name = index_of("contacts[0].name");
  expect_refused(verify(delivery_.delivered, resigned(
                                                 [name](v1::BrokerAttestation& a) {
                                                   a.mutable_parts(name)->set_status(v1::PartDisclosure::WITHHELD);
                                                 },
                                                 broker_)),
                 "is withheld but carries a value or salt");
}

TEST_F(ProvenanceTampering, StampNamesAnotherPublisher) {
  v1::Report restamped = delivery_.delivered;
  restamped.mutable_broker()->set_source_organisation("cert-de");
  AttestationContext context{"acme-bank", policy_->name(), policy_->version(), "broker-1", {}};
  const auto provenance = attest(delivery_.publication, restamped, context, broker_).value();
  expect_refused(verify(restamped, provenance),
                 "the broker says 'cert-de' published the report, but the manifest is signed by 'cert-nl'");
}

TEST_F(ProvenanceTampering, ReportDeliveredUnderAnotherId) {
  v1::Report renamed = delivery_.delivered;
  renamed.set_id("7a0c6c1e-8d1b-4a57-9a43-0d6f4f3c2b10");
  AttestationContext context{"acme-bank", policy_->name(), policy_->version(), "broker-1", {}};
  const auto provenance = attest(delivery_.publication, renamed, context, broker_).value();
  expect_refused(verify(renamed, provenance), "the manifest is for another report");
}

}  // namespace
}  // namespace weft::provenance
