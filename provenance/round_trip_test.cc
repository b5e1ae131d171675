// sign_report -> check_publication -> attest -> verify_delivery, without a
// policy: the delivered report is the published one, or one a broker changed
// at random.
#include <gtest/gtest.h>

#include <random>

#include "provenance/attestation.h"
#include "provenance/content.h"
#include "provenance/publication.h"
#include "provenance/publisher.h"
#include "provenance/test_support.h"
#include "provenance/verify.h"

namespace weft::provenance {
namespace {

using testing::kPublisher;

TEST(ProvenanceRoundTrip, UnchangedDeliveryDisclosesEverything) {
  const SigningKey publisher = SigningKey::generate();
  const SigningKey broker = SigningKey::generate();
  const testing::Delivery delivery =
      testing::deliver(testing::phishing_report(), nullptr, "acme-bank", publisher, broker);
  const auto verified =
      verify_delivery(delivery.delivered, delivery.provenance,
                      testing::lookup_for(kPublisher, publisher.verifying_key()), broker.verifying_key());
  ASSERT_TRUE(verified) << verified.error().describe();
  EXPECT_EQ(verified.value().describe(), "verified: signed by cert-nl; nothing withheld");
  EXPECT_EQ(verified.value().publisher, "cert-nl");
  EXPECT_EQ(verified.value().report_id, "5f0c6c1e-8d1b-4a57-9a43-0d6f4f3c2b10");
  EXPECT_EQ(verified.value().recipient, "acme-bank");
  EXPECT_EQ(verified.value().broker_id, "broker-1");
  EXPECT_EQ(verified.value().replaced + verified.value().withheld + verified.value().modified, 0U);
  v1::ProvenanceManifest manifest;
  ASSERT_TRUE(manifest.ParseFromString(delivery.provenance.manifest().manifest()));
  EXPECT_EQ(verified.value().disclosed, static_cast<std::size_t>(manifest.parts_size()));
  EXPECT_GT(verified.value().disclosed, 20U);
}

TEST(ProvenanceRoundTrip, DescribeCountsAndNamesModifiedParts) {
  VerifiedProvenance result;
  result.publisher = "cert-nl";
  result.policy = "eu-baseline";
  result.policy_version = 2;
  result.replaced = 2;
  result.withheld = 1;
  EXPECT_EQ(result.describe(), "verified: signed by cert-nl; 3 parts withheld or replaced by policy eu-baseline v2");
  result.modified = 1;
  result.modified_paths = {"description#4"};
  EXPECT_EQ(result.describe(),
            "verified: signed by cert-nl; 3 parts withheld or replaced by policy eu-baseline v2; 1 part modified by "
            "the broker under policy eu-baseline v2 (description#4)");
  result.replaced = 0;
  result.withheld = 0;
  result.modified = 7;
  result.modified_paths = {"a", "b", "c", "d", "e", "f", "g"};
  EXPECT_EQ(result.describe(),
            "verified: signed by cert-nl; nothing withheld; 7 parts modified by the broker under policy eu-baseline "
            "v2 (a, b, c, d, e and 2 more)");
}

// A broker changing a report the ways a policy can, at random: elements
// dropped, text and values rewritten or cleared.
void change_at_random(v1::Report& report, std::mt19937_64& random) {
  const auto maybe = [&random](int one_in) { return random() % static_cast<unsigned>(one_in) == 0; };
  const auto rewrite = [&](std::string& text) {
    if (text.empty() || !maybe(3)) {
      return;
    }
    const std::size_t begin = random() % text.size();
    std::size_t end = begin + random() % (text.size() - begin + 1);
    while (end < text.size() && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) {
      ++end;
    }
    std::size_t start = begin;
    while (start > 0 && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) {
      --start;
    }
    text.replace(start, end - start, maybe(2) ? "" : "[REDACTED:X]");
  };
  const auto drop_some = [&](auto& field) {
    for (int i = field.size() - 1; i >= 0; --i) {
      if (maybe(4)) {
        field.DeleteSubrange(i, 1);
      }
    }
  };
  rewrite(*report.mutable_title());
  rewrite(*report.mutable_description());
  if (report.has_created() && maybe(5)) {
    report.mutable_created()->set_seconds(report.created().seconds() / 2);
  }
  for (auto& label : *report.mutable_labels()) {
    rewrite(label);
  }
  drop_some(*report.mutable_labels());
  drop_some(*report.mutable_recipients());
  for (auto& contact : *report.mutable_contacts()) {
    for (std::string* field : {contact.mutable_name(), contact.mutable_email(), contact.mutable_role()}) {
      rewrite(*field);
    }
    if (maybe(3)) {
      contact.clear_phone();
    }
  }
  drop_some(*report.mutable_contacts());
  for (int i = report.contacts_size() - 1; i >= 0; --i) {
    if (report.contacts(i).ByteSizeLong() == 0) {
      report.mutable_contacts()->DeleteSubrange(i, 1);  // as the redactor does
    }
  }
  for (auto& indicator : *report.mutable_indicators()) {
    rewrite(*indicator.mutable_value());
    if (indicator.value().empty()) {
      indicator.set_value("0.0.0.0/0");
    }
    rewrite(*indicator.mutable_description());
    for (auto& label : *indicator.mutable_labels()) {
      rewrite(label);
    }
    drop_some(*indicator.mutable_labels());
  }
  drop_some(*report.mutable_indicators());
  // Empty labels cannot be delivered: the redactor removes them too.
  for (int i = report.labels_size() - 1; i >= 0; --i) {
    if (report.labels(i).empty()) {
      report.mutable_labels()->DeleteSubrange(i, 1);
    }
  }
  for (auto& indicator : *report.mutable_indicators()) {
    for (int l = indicator.labels_size() - 1; l >= 0; --l) {
      if (indicator.labels(l).empty()) {
        indicator.mutable_labels()->DeleteSubrange(l, 1);
      }
    }
  }
}

TEST(ProvenanceRoundTripProperty, WhateverTheBrokerChangesVerifiesAndAddsUp) {
  const SigningKey publisher = SigningKey::generate();
  const SigningKey broker = SigningKey::generate();
  const KeyLookup keys = testing::lookup_for(kPublisher, publisher.verifying_key());
  std::mt19937_64 random(424242);
  for (int round = 0; round < 300; ++round) {
    v1::Report report = testing::random_report(random);
    const auto publication = sign_report(report, kPublisher, publisher, testing::random_spans);
    ASSERT_TRUE(publication) << publication.error().describe();
    const v1::Report stored = testing::stamped(report);
    ASSERT_TRUE(check_publication(stored, kPublisher, publication.value(), publisher.verifying_key()));
    v1::Report delivered = stored;
    change_at_random(delivered, random);
    AttestationContext context;
    context.recipient = "acme-bank";
    context.policy = "random";
    context.policy_version = 1;
    const auto attested = attest(publication.value(), delivered, context, broker);
    ASSERT_TRUE(attested) << "round " << round << ": " << attested.error().describe();
    const auto verified = verify_delivery(delivered, attested.value(), keys, broker.verifying_key());
    ASSERT_TRUE(verified) << "round " << round << ": " << verified.error().describe();
    EXPECT_EQ(
        verified.value().disclosed + verified.value().replaced + verified.value().withheld + verified.value().modified,
        static_cast<std::size_t>(publication.value().openings_size()));
    if (same_content(content_of(delivered), content_of(stored))) {
      EXPECT_EQ(verified.value().describe(), "verified: signed by cert-nl; nothing withheld");
    }
  }
}

TEST(ProvenanceAttest, RefusesWhatItCannotExpress) {
  const SigningKey publisher = SigningKey::generate();
  const SigningKey broker = SigningKey::generate();
  v1::Report report = testing::phishing_report();
  report.clear_description();
  const auto publication = sign_report(report, kPublisher, publisher, nullptr).value();
  const AttestationContext context{"acme-bank", "p", 1, "broker-1", {}};

  v1::Report added_text = report;
  added_text.set_description("the broker wrote this");
  auto refused = attest(publication, added_text, context, broker);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, v1::INTERNAL);
  EXPECT_NE(refused.error().message.find("description has text where the publisher's report had none"),
            std::string::npos);

  v1::Report added_indicator = report;
  added_indicator.add_indicators()->set_value("x");
  added_indicator.mutable_indicators()->rbegin()->set_type(v1::Indicator::DOMAIN);
  EXPECT_FALSE(attest(publication, added_indicator, context, broker));

  v1::Report added_field = report;
  added_field.mutable_indicators(2)->set_confidence(5);
  refused = attest(publication, added_field, context, broker);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("content the publisher's parts cannot express"), std::string::npos);

  v1::PublisherProvenance forged = publication;
  forged.mutable_openings(0)->set_value("another-id");
  refused = attest(forged, report, context, broker);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, v1::PROVENANCE_INVALID);
}

}  // namespace
}  // namespace weft::provenance
