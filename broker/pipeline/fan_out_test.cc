#include "broker/pipeline/fan_out.h"

#include <gtest/gtest.h>

#include "proto/frame_codec.h"
#include "weft/v1/frame.pb.h"

namespace weft::broker::pipeline {
namespace {

class RecordingTarget final : public DeliveryTarget {
 public:
  bool offer(const std::shared_ptr<const std::string>& frame, const DeliveryInfo&) override {
    frames.push_back(frame);
    return true;
  }
  v1::Report report(std::size_t i) const {
    v1::Frame frame;
    EXPECT_TRUE(proto::decode_frame_body(std::string_view(*frames.at(i)).substr(4), frame));
    return frame.delivery().report();
  }
  std::vector<std::shared_ptr<const std::string>> frames;
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
                                                           {"ghost", "NL", "finance", "missing"}}) {
      v1::Organisation org;
      org.set_name(name);
      org.set_jurisdiction(jurisdiction);
      org.set_sector(sector);
      org.set_policy(assigned);
      orgs.push_back(org);
    }
    for (auto& org : orgs) {
      targets.push_back(std::make_shared<RecordingTarget>());
      recipients.push_back({targets.back(), &org, false});
    }
  }
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
  const FanOutResult result = fan_out(report(), f.recipients, *f.policies, *f.pseudonymizer);
  EXPECT_EQ(result.delivered, 4U);
  EXPECT_EQ(result.withheld, 1U);       // corp-us
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
}

}  // namespace
}  // namespace weft::broker::pipeline
