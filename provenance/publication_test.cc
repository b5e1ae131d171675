#include "provenance/publication.h"

#include <gtest/gtest.h>

#include "provenance/content.h"
#include "provenance/crypto.h"
#include "provenance/publisher.h"
#include "provenance/test_support.h"

namespace weft::provenance {
namespace {

using testing::kPublisher;

class ProvenanceCheckPublication : public ::testing::Test {
 protected:
  void SetUp() override {
    auto signed_report = sign_report(report_, kPublisher, key_, testing::detector_finder(testing::builtin_detector()));
    ASSERT_TRUE(signed_report) << signed_report.error().describe();
    publication_ = std::move(signed_report).value();
  }

  Result<void> check(const v1::PublisherProvenance& publication) const {
    return check_publication(testing::stamped(report_), kPublisher, publication, key_.verifying_key());
  }

  // The manifest changed and signed again by the publisher's own key: what a
  // careless or dishonest publisher could send.
  v1::PublisherProvenance with_manifest(const std::function<void(v1::ProvenanceManifest&)>& change) const {
    v1::PublisherProvenance changed = publication_;
    v1::ProvenanceManifest manifest;
    EXPECT_TRUE(manifest.ParseFromString(changed.manifest().manifest()));
    change(manifest);
    *changed.mutable_manifest() = sign_manifest(manifest, key_);
    return changed;
  }

  int index_of(std::string_view path) const {
    v1::ProvenanceManifest manifest;
    EXPECT_TRUE(manifest.ParseFromString(publication_.manifest().manifest()));
    for (int i = 0; i < manifest.parts_size(); ++i) {
      if (manifest.parts(i).path() == path) {
        return i;
      }
    }
    ADD_FAILURE() << "no part " << path;
    return 0;
  }

  static void expect_refused(const Result<void>& result, std::string_view message_part) {
    ASSERT_FALSE(result) << "accepted";
    EXPECT_EQ(result.error().code, v1::PROVENANCE_INVALID);
    EXPECT_NE(result.error().message.find(message_part), std::string::npos) << result.error().message;
  }

  v1::Report report_ = testing::phishing_report();
  SigningKey key_ = SigningKey::generate();
  v1::PublisherProvenance publication_;
};

TEST_F(ProvenanceCheckPublication, AcceptsTheSignedReport) {
  const auto checked = check(publication_);
  EXPECT_TRUE(checked) << checked.error().describe();
}

TEST_F(ProvenanceCheckPublication, RefusesAReportChangedAfterSigning) {
  report_.mutable_indicators(1)->set_value("203.0.113.8");
  expect_refused(check(publication_), "part 29 (indicators[1].value) of the manifest does not match the report");
}

TEST_F(ProvenanceCheckPublication, RefusesAnExtraFieldAfterSigning) {
  report_.add_labels("added");
  expect_refused(check(publication_), "is not the report's part");
}

TEST_F(ProvenanceCheckPublication, RefusesAnotherPublisherOrKey) {
  expect_refused(check_publication(report_, "cert-de", publication_, key_.verifying_key()),
                 "signed for publisher 'cert-nl', not 'cert-de'");
  expect_refused(check_publication(report_, kPublisher, publication_, SigningKey::generate().verifying_key()),
                 "the publisher's signature on the manifest does not verify");
}

TEST_F(ProvenanceCheckPublication, RefusesAnotherReportsManifest) {
  report_.set_id("6f0c6c1e-8d1b-4a57-9a43-0d6f4f3c2b10");
  expect_refused(check(publication_), "the manifest is for another report");
}

TEST_F(ProvenanceCheckPublication, RefusesMissingOpenings) {
  v1::PublisherProvenance missing = publication_;
  missing.mutable_openings()->RemoveLast();
  expect_refused(check(missing), "openings for");
}

TEST_F(ProvenanceCheckPublication, RefusesBadSaltsAndWrongOpenings) {
  v1::PublisherProvenance short_salt = publication_;
  short_salt.mutable_openings(3)->mutable_salt()->pop_back();
  expect_refused(check(short_salt), "part 3 (title#0): the salt is not 32 bytes");

  v1::PublisherProvenance wrong_value = publication_;
  wrong_value.mutable_openings(3)->set_value("Phishing wave against ACME customer");
  expect_refused(check(wrong_value), "part 3 (title#0): the opening does not match its commitment");
}

TEST_F(ProvenanceCheckPublication, RefusesUnmarkedPersonalDataAndNonCanonicalCuts) {
  const int name = index_of("contacts[0].name");
  expect_refused(
      check(with_manifest([name](v1::ProvenanceManifest& m) { m.mutable_parts(name)->set_personal(false); })),
      "is personal data by nature but the manifest does not mark it");
}

TEST_F(ProvenanceCheckPublication, RefusesMalformedManifests) {
  expect_refused(check(with_manifest([](v1::ProvenanceManifest& m) { m.set_version(2); })), "version 2");
  expect_refused(check(with_manifest([](v1::ProvenanceManifest& m) { m.mutable_parts()->SwapElements(3, 4); })),
                 "out of canonical order");
  expect_refused(check(with_manifest([](v1::ProvenanceManifest& m) { m.mutable_parts(2)->set_path("tlp#0"); })),
                 "part 2 of the publisher's manifest has an invalid path");
  expect_refused(
      check(with_manifest([](v1::ProvenanceManifest& m) { m.mutable_parts(0)->mutable_commitment()->pop_back(); })),
      "commitment that is not 32 bytes");
}

TEST_F(ProvenanceCheckPublication, BoundsHostileManifests) {
  const auto huge = with_manifest([](v1::ProvenanceManifest& m) {
    for (std::size_t i = 0; i <= kMaxParts; ++i) {
      m.add_parts()->set_path("recipients[" + std::to_string(i) + "]");
    }
  });
  expect_refused(check(huge), "more than 100000 parts");
}

TEST(ProvenanceSignReport, RefusesWhatTheBrokerWouldNotMatch) {
  const SigningKey key = SigningKey::generate();
  v1::Report report = testing::phishing_report();
  report.clear_id();
  auto refused = sign_report(report, kPublisher, key, nullptr);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, v1::INVALID_INPUT);
  EXPECT_NE(refused.error().message.find("report.id is missing"), std::string::npos);

  report.set_id("5F0C6C1E-8D1B-4A57-9A43-0D6F4F3C2B10");
  EXPECT_FALSE(sign_report(report, kPublisher, key, nullptr));
  report.set_id("r");
  EXPECT_FALSE(sign_report(report, "", key, nullptr));

  // Fields this version does not know (a newer publisher's) are not covered.
  report.GetReflection()->MutableUnknownFields(&report)->AddVarint(21, 1);
  refused = sign_report(report, kPublisher, key, nullptr);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("unknown to this version"), std::string::npos);
}

TEST(ProvenanceSignReport, FreshSaltsEveryTime) {
  const SigningKey key = SigningKey::generate();
  const auto first = sign_report(testing::phishing_report(), kPublisher, key, nullptr).value();
  const auto second = sign_report(testing::phishing_report(), kPublisher, key, nullptr).value();
  EXPECT_NE(first.openings(0).salt(), second.openings(0).salt());
  EXPECT_NE(first.manifest().manifest(), second.manifest().manifest());
}

}  // namespace
}  // namespace weft::provenance
