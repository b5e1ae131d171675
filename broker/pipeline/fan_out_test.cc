#include "broker/pipeline/fan_out.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "proto/frame_codec.h"
#include "weft/v1/frame.pb.h"

namespace weft::broker::pipeline {
namespace {

// Keeps records in memory; fingerprints are plain BLAKE2b-free stand-ins
// that still tell different inputs apart.
class MemoryTrail final : public AuditTrail {
 public:
  bool has_room() const override { return true; }
  void record(v1::AuditRecord record) override { records.push_back(std::move(record)); }
  std::string fingerprint(std::string_view bytes) const override { return "fp:" + std::to_string(std::hash<std::string_view>{}(bytes)); }
  const v1::AuditRecord* for_recipient(const std::string& name) const {
    for (const auto& record : records) {
      if (record.recipient() == name) {
        return &record;
      }
    }
    return nullptr;
  }
  std::vector<v1::AuditRecord> records;
};

// Takes every frame and, like a session, records the delivery it was given.
class RecordingTarget final : public DeliveryTarget {
 public:
  explicit RecordingTarget(AuditTrail& trail) : trail_(trail) {}
  bool offer(const std::shared_ptr<const std::string>& frame, const DeliveryInfo& info) override {
    if (frame) {
      frames.push_back(frame);
    } else {
      ++told_withheld;
    }
    if (info.record != nullptr) {
      trail_.record(*info.record);
    }
    return true;
  }
  v1::Report report(std::size_t i) const {
    v1::Frame frame;
    EXPECT_TRUE(proto::decode_frame_body(std::string_view(*frames.at(i)).substr(4), frame));
    return frame.delivery().report();
  }
  std::vector<std::shared_ptr<const std::string>> frames;
  int told_withheld = 0;

 private:
  AuditTrail& trail_;
};

std::shared_ptr<const policies::Policy> policy(const std::string& text) {
  auto parsed = policies::Policy::parse(text, "test");
  EXPECT_TRUE(parsed) << parsed.error().describe();
  return parsed.value();
}

struct Fixture {
  Fixture() {
    auto set = policies::PolicySet::create({
        policy("name: \"redacting\"\nversion: 1\napplies_to { jurisdictions: \"EEA\" }\n"
               "rules { id: \"all\" categories: \"*\" action: REDACT }\n"),
        policy("name: \"pseudonymising\"\nversion: 1\napplies_to { sectors: \"energy\" }\n"
               "rules { id: \"ips\" categories: \"IPV4\" action: PSEUDONYMISE }\n"),
        policy("name: \"withholding\"\nversion: 1\napplies_to { jurisdictions: \"US\" }\n"
               "rules { id: \"no-emails\" categories: \"EMAIL\" action: WITHHOLD_REPORT }\n"),
        policy("name: \"public\"\nversion: 1\n"),
    });
    policies = set.value();
    for (auto [name, jurisdiction, sector, assigned] :
         std::initializer_list<std::array<const char*, 4>>{{"bank-nl", "NL", "finance", ""},
                                                           {"bank-de", "DE", "finance", ""},
                                                           {"grid-a", "CH", "energy", ""},
                                                           {"grid-b", "CH", "energy", ""},
                                                           {"corp-us", "US", "retail", ""},
                                                           {"ghost", "NL", "finance", "missing"},
                                                           {"not-named", "NL", "finance", ""},
                                                           {"durable-us", "US", "retail", ""}}) {
      v1::Organisation org;
      org.set_name(name);
      org.set_jurisdiction(jurisdiction);
      org.set_sector(sector);
      org.set_policy(assigned);
      orgs.push_back(org);
    }
    for (auto& org : orgs) {
      targets.push_back(std::make_shared<RecordingTarget>(trail));
      const bool durable = org.name() == "durable-us";
      const bool withheld_by_tlp = org.name() == "not-named";
      recipients.push_back({targets.back(), &org, durable, withheld_by_tlp});
    }
  }
  MemoryTrail trail;
  std::shared_ptr<const policies::PolicySet> policies;
  std::shared_ptr<const policies::Pseudonymizer> pseudonymizer = policies::Pseudonymizer::with_random_key();
  std::vector<v1::Organisation> orgs;
  std::vector<std::shared_ptr<RecordingTarget>> targets;
  std::vector<Router::Recipient> recipients;
};

v1::Report report() {
  v1::Report r;
  r.set_id("5f0c6c1e-8d1b-4a57-9a43-0d6f4f3c2b10");
  r.set_feed("phishing");
  r.set_tlp(v1::GREEN);
  r.set_title("t");
  r.set_description("mail from jan@example.nl at 198.51.100.23");
  return r;
}

TEST(FanOut, OneVariantPerPolicyPseudonymsPerRecipientAndFailClosed) {
  Fixture f;
  const FanOutResult result = fan_out(report(), f.recipients, *f.policies, *f.pseudonymizer, f.trail);
  EXPECT_EQ(result.delivered, 4U);
  EXPECT_EQ(result.withheld, 3U);       // corp-us and durable-us (policy), not-named (TLP)
  EXPECT_EQ(result.failed_closed, 1U);  // ghost: assigned policy not loaded

  // The two EEA banks share one encoded frame.
  ASSERT_EQ(f.targets[0]->frames.size(), 1U);
  ASSERT_EQ(f.targets[1]->frames.size(), 1U);
  EXPECT_EQ(f.targets[0]->frames[0].get(), f.targets[1]->frames[0].get());
  EXPECT_EQ(f.targets[0]->report(0).description(), "mail from [REDACTED:EMAIL] at [REDACTED:IPV4]");
  EXPECT_EQ(f.targets[0]->report(0).redaction().policy(), "redacting");

  // The energy companies get their own pseudonyms.
  const std::string a = f.targets[2]->report(0).description();
  const std::string b = f.targets[3]->report(0).description();
  EXPECT_NE(a.find("IPV4:"), std::string::npos) << a;
  EXPECT_NE(a, b);
  EXPECT_EQ(a.find("198.51.100.23"), std::string::npos);

  EXPECT_TRUE(f.targets[4]->frames.empty());
  EXPECT_TRUE(f.targets[5]->frames.empty());
  EXPECT_TRUE(f.targets[6]->frames.empty());
  // A durable subscriber is told of what is withheld from it, to pass it in order.
  EXPECT_EQ(f.targets[7]->told_withheld, 1);
  EXPECT_EQ(f.targets[4]->told_withheld, 0);
}

TEST(FanOut, RecordsEveryOutcomeOncePerRecipientWithoutValues) {
  Fixture f;
  fan_out(report(), f.recipients, *f.policies, *f.pseudonymizer, f.trail);
  ASSERT_EQ(f.trail.records.size(), f.orgs.size());

  const auto* bank = f.trail.for_recipient("bank-nl");
  ASSERT_NE(bank, nullptr);
  EXPECT_EQ(bank->outcome(), v1::AuditRecord::DELIVERED);
  EXPECT_EQ(bank->report_id(), "5f0c6c1e-8d1b-4a57-9a43-0d6f4f3c2b10");
  EXPECT_EQ(bank->feed(), "phishing");
  EXPECT_EQ(bank->recipient_jurisdiction(), "NL");
  EXPECT_EQ(bank->transfer(), "EEA");
  EXPECT_EQ(bank->policy().name(), "redacting");
  EXPECT_EQ(bank->policy().version(), 1U);
  EXPECT_EQ(bank->policy().sha256().size(), 64U);
  bool email_redacted = false;
  for (const auto& decision : bank->decisions()) {
    if (decision.category() == "EMAIL") {
      email_redacted = decision.action() == v1::REDACT && decision.place() == "description" && decision.count() == 1;
    }
  }
  EXPECT_TRUE(email_redacted) << bank->DebugString();
  EXPECT_FALSE(bank->input_fingerprint().empty());
  // Both banks got the same bytes; each energy company its own pseudonyms.
  EXPECT_EQ(bank->output_fingerprint(), f.trail.for_recipient("bank-de")->output_fingerprint());
  EXPECT_NE(f.trail.for_recipient("grid-a")->output_fingerprint(),
            f.trail.for_recipient("grid-b")->output_fingerprint());
  EXPECT_EQ(f.trail.for_recipient("grid-a")->transfer(), "ADEQUATE");

  const auto* us = f.trail.for_recipient("corp-us");
  EXPECT_EQ(us->outcome(), v1::AuditRecord::WITHHELD_POLICY);
  EXPECT_EQ(us->rule(), "no-emails");
  EXPECT_EQ(us->transfer(), "THIRD_COUNTRY");
  EXPECT_TRUE(us->output_fingerprint().empty());
  EXPECT_EQ(f.trail.for_recipient("durable-us")->outcome(), v1::AuditRecord::WITHHELD_POLICY);
  EXPECT_EQ(f.trail.for_recipient("ghost")->outcome(), v1::AuditRecord::FAILED_CLOSED);
  EXPECT_EQ(f.trail.for_recipient("not-named")->outcome(), v1::AuditRecord::WITHHELD_TLP);

  for (const auto& record : f.trail.records) {
    const std::string bytes = record.SerializeAsString();
    EXPECT_EQ(bytes.find("jan@example.nl"), std::string::npos) << record.recipient();
    EXPECT_EQ(bytes.find("198.51.100.23"), std::string::npos) << record.recipient();
    EXPECT_EQ(bytes.find("IPV4:"), std::string::npos) << "a pseudonym in the record of " << record.recipient();
  }
}

TEST(FanOut, CopyForABacklogRecordsWhatItDecided) {
  Fixture f;
  auto delivered = copy_for(report(), f.orgs[0], *f.policies, *f.pseudonymizer, f.trail);
  ASSERT_TRUE(delivered.report);
  EXPECT_EQ(delivered.record.outcome(), v1::AuditRecord::DELIVERED);
  EXPECT_EQ(delivered.record.policy().name(), "redacting");
  auto withheld = copy_for(report(), f.orgs[4], *f.policies, *f.pseudonymizer, f.trail);
  EXPECT_FALSE(withheld.report);
  EXPECT_EQ(withheld.record.outcome(), v1::AuditRecord::WITHHELD_POLICY);
  auto amber = report();
  amber.set_tlp(v1::AMBER);
  amber.add_recipients("someone-else");
  auto by_tlp = copy_for(amber, f.orgs[0], *f.policies, *f.pseudonymizer, f.trail);
  EXPECT_FALSE(by_tlp.report);
  EXPECT_EQ(by_tlp.record.outcome(), v1::AuditRecord::WITHHELD_TLP);
  // copy_for only builds records; the caller records what it acted on.
  EXPECT_TRUE(f.trail.records.empty());
}

TEST(FanOut, ClearCarriesNoPersonalDataWhateverTheRecipientsPolicyAllows) {
  Fixture f;
  // grid-a's policy pseudonymises IPs; under TLP:CLEAR the public policy
  // (which here redacts everything it detects) goes first.
  auto green = copy_for(report(), f.orgs[2], *f.policies, *f.pseudonymizer, f.trail);
  ASSERT_TRUE(green.report);
  EXPECT_NE(green.report->description().find("IPV4:"), std::string::npos) << green.report->description();
  v1::Report clear = report();
  clear.set_tlp(v1::CLEAR);
  auto copy = copy_for(clear, f.orgs[2], *f.policies, *f.pseudonymizer, f.trail);
  ASSERT_TRUE(copy.report);
  const std::string& text = copy.report->description();
  EXPECT_EQ(text.find("198.51.100.23"), std::string::npos) << text;
  EXPECT_EQ(text.find("IPV4:"), std::string::npos) << "a pseudonym is still personal data: " << text;
  EXPECT_EQ(text.find("jan@example.nl"), std::string::npos) << text;
  EXPECT_EQ(copy.report->redaction().policy(), "pseudonymising");
  const auto& decisions = copy.record.decisions();
  EXPECT_TRUE(std::any_of(decisions.begin(), decisions.end(),
                          [](const v1::RedactionDecision& d) { return d.rule().starts_with("public/"); }));
}

TEST(FanOut, RedRelaysEachNamedRecipientItsOwnSealedCopyOnly) {
  Fixture f;
  v1::Report red;
  red.set_id("6f0c6c1e-8d1b-4a57-9a43-0d6f4f3c2b10");
  red.set_feed("phishing");
  red.set_tlp(v1::RED);
  for (const char* name : {"bank-nl", "bank-de", "corp-us"}) {
    red.add_recipients(name);
    v1::SealedCopy& copy = *red.add_sealed_copies();
    copy.set_recipient(name);
    copy.set_policy(std::string(name) == "corp-us" ? "withholding" : "redacting");
    copy.set_policy_version(1);
    if (std::string(name) == "corp-us") {
      copy.set_withheld(true);
    } else {
      copy.set_sealed("ciphertext for " + std::string(name));
    }
  }
  auto delivered = copy_for(red, f.orgs[0], *f.policies, *f.pseudonymizer, f.trail);
  ASSERT_TRUE(delivered.report);
  ASSERT_EQ(delivered.report->sealed_copies_size(), 1);
  EXPECT_EQ(delivered.report->sealed_copies(0).sealed(), "ciphertext for bank-nl");
  EXPECT_EQ(delivered.report->recipients_size(), 0);
  EXPECT_EQ(delivered.record.outcome(), v1::AuditRecord::DELIVERED);
  EXPECT_TRUE(delivered.record.sealed_by_publisher());
  EXPECT_EQ(delivered.record.policy().name(), "redacting");
  EXPECT_EQ(delivered.record.policy().sha256(), f.policies->find("redacting")->canonical_sha256());
  EXPECT_TRUE(delivered.record.decisions().empty());  // the broker never saw the content

  auto withheld = copy_for(red, f.orgs[4], *f.policies, *f.pseudonymizer, f.trail);
  EXPECT_FALSE(withheld.report);
  EXPECT_EQ(withheld.record.outcome(), v1::AuditRecord::WITHHELD_POLICY);
  auto unnamed = copy_for(red, f.orgs[2], *f.policies, *f.pseudonymizer, f.trail);
  EXPECT_FALSE(unnamed.report);
  EXPECT_EQ(unnamed.record.outcome(), v1::AuditRecord::WITHHELD_TLP);

  // Fan-out: only bank-nl and bank-de get frames, each with its own copy.
  const FanOutResult result = fan_out(red, f.recipients, *f.policies, *f.pseudonymizer, f.trail);
  EXPECT_EQ(result.delivered, 2U);
  EXPECT_TRUE(result.restricted_copies.empty());  // ciphertext is no content to compare
  for (std::size_t i = 0; i < f.orgs.size(); ++i) {
    const auto& frames = f.targets[i]->frames;
    const std::string& name = f.orgs[i].name();
    if (name == "bank-nl" || name == "bank-de") {
      ASSERT_EQ(frames.size(), 1U) << name;
      const v1::Report got = f.targets[i]->report(0);
      ASSERT_EQ(got.sealed_copies_size(), 1) << name;
      EXPECT_EQ(got.sealed_copies(0).recipient(), name);
    } else {
      EXPECT_TRUE(frames.empty()) << name;
    }
  }
}

}  // namespace
}  // namespace weft::broker::pipeline
