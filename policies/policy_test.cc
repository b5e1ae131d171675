#include "policies/policy.h"

#include <gtest/gtest.h>

#include "policies/policy_set.h"
#include "policies/shipped_policies.h"

namespace weft::policies {
namespace {

constexpr const char* kValid = R"(name: "test-policy"
version: 3
applies_to { jurisdictions: ["EEA", "CH"] sectors: "finance" }
detectors { name: "employee-id" category: "EMPLOYEE_ID" pattern: "EMP-[0-9]{6}" }
rules { id: "keep-ips" categories: ["IPV4", "IPV6"] places: INDICATOR_VALUE action: KEEP }
rules { id: "mask-contacts" categories: ["EMAIL", "PHONE"] places: CONTACTS action: MASK }
rules { id: "hide-text" categories: ["*"] places: FREE_TEXT action: REDACT }
rules { id: "employees" categories: "EMPLOYEE_ID" action: PSEUDONYMISE }
)";

std::string error_of(const std::string& text) {
  auto policy = Policy::parse(text, "p.textproto");
  return policy ? std::string() : policy.error().message;
}

TEST(Policy, ParsesAndDecides) {
  auto parsed = Policy::parse(kValid, "p.textproto");
  ASSERT_TRUE(parsed) << parsed.error().describe();
  const Policy& policy = *parsed.value();
  EXPECT_EQ(policy.name(), "test-policy");
  EXPECT_EQ(policy.version(), 3U);
  EXPECT_EQ(policy.canonical_sha256().size(), 64U);
  EXPECT_EQ(policy.decide("IPV4", v1::INDICATOR_VALUE).action, v1::KEEP);
  EXPECT_EQ(policy.decide("IPV4", v1::INDICATOR_VALUE).rule, "keep-ips");
  // Strictest wins: EMAIL in free text is covered by "*" (REDACT) only.
  EXPECT_EQ(policy.decide("EMAIL", v1::FREE_TEXT).action, v1::REDACT);
  EXPECT_EQ(policy.decide("EMAIL", v1::CONTACTS).action, v1::MASK);
  // EMPLOYEE_ID in free text: PSEUDONYMISE (employees) vs REDACT (hide-text) -> REDACT.
  EXPECT_EQ(policy.decide("EMPLOYEE_ID", v1::FREE_TEXT).action, v1::REDACT);
  EXPECT_EQ(policy.decide("EMPLOYEE_ID", v1::CONTACTS).action, v1::PSEUDONYMISE);
  // No rule at all: redacted, and the decision says so.
  EXPECT_EQ(policy.decide("PERSON", v1::CONTACTS).action, v1::REDACT);
  EXPECT_EQ(policy.decide("PERSON", v1::CONTACTS).rule, "default");
}

TEST(Policy, SelectorMatching) {
  auto policy = Policy::parse(kValid, "p.textproto").value();
  v1::Organisation bank;
  bank.set_name("acme-bank");
  bank.set_jurisdiction("NL");
  bank.set_sector("finance");
  EXPECT_TRUE(policy->selects(bank));
  bank.set_jurisdiction("CH");
  EXPECT_TRUE(policy->selects(bank));
  bank.set_jurisdiction("US");
  EXPECT_FALSE(policy->selects(bank));
  bank.set_jurisdiction("DE");
  bank.set_sector("energy");
  EXPECT_FALSE(policy->selects(bank));
}

TEST(Policy, CanonicalHashChangesWithContentNotLayout) {
  auto a = Policy::parse(kValid, "a").value();
  auto b = Policy::parse(std::string("# a comment\n") + kValid, "b").value();
  EXPECT_EQ(a->canonical_sha256(), b->canonical_sha256());
  std::string changed = kValid;
  changed.replace(changed.find("version: 3"), 10, "version: 4");
  EXPECT_NE(Policy::parse(changed, "c").value()->canonical_sha256(), a->canonical_sha256());
}

TEST(Policy, ErrorsNameFileLineAndColumn) {
  EXPECT_EQ(error_of("name: \"x\"\nversion: 1\nrules { id: \"r\" categories: \"EMAIL\" action: SHRED }\n")
                .rfind("p.textproto:3:", 0),
            0U);
  const std::string unknown = error_of("name: \"x\"\nversion: 1\nrules {\n  id: \"r\"\n  categories: \"EMIAL\"\n  action: REDACT\n}\n");
  EXPECT_EQ(unknown.rfind("p.textproto:5:", 0), 0U) << unknown;
  EXPECT_NE(unknown.find("unknown category 'EMIAL'"), std::string::npos) << unknown;
  const std::string generalise =
      error_of("name: \"x\"\nversion: 1\nrules { id: \"g\" categories: [\"IPV4\", \"EMAIL\"] action: GENERALISE }\n");
  EXPECT_NE(generalise.find("GENERALISE applies to IPV4 and IPV6 only"), std::string::npos) << generalise;
  EXPECT_EQ(generalise.rfind("p.textproto:3:", 0), 0U) << generalise;
}

TEST(Policy, RefusesIncompleteOrContradictoryPolicies) {
  EXPECT_NE(error_of("version: 1\n").find("name is missing"), std::string::npos);
  EXPECT_NE(error_of("name: \"x\"\n").find("version is missing"), std::string::npos);
  EXPECT_NE(error_of("name: \"x\"\nversion: 1\nrules { categories: \"EMAIL\" action: KEEP }\n").find("needs an id"),
            std::string::npos);
  EXPECT_NE(error_of("name: \"x\"\nversion: 1\nrules { id: \"a\" categories: \"EMAIL\" action: KEEP }\n"
                     "rules { id: \"a\" categories: \"PHONE\" action: KEEP }\n")
                .find("used twice"),
            std::string::npos);
  EXPECT_NE(error_of("name: \"x\"\nversion: 1\nrules { id: \"a\" categories: \"EMAIL\" }\n").find("no action"),
            std::string::npos);
  EXPECT_NE(error_of("name: \"x\"\nversion: 1\napplies_to { jurisdictions: \"Germany\" }\n").find("'Germany'"),
            std::string::npos);
}

TEST(Policy, CustomPatternThatCannotCompileIsRefusedAtLoad) {
  const std::string message =
      error_of("name: \"x\"\nversion: 1\ndetectors { name: \"bad\" category: \"BAD_ID\" pattern: \"(a|b\\\\1)\" }\n");
  EXPECT_NE(message.find("custom detector 'bad'"), std::string::npos) << message;
  const std::string catastrophic =
      error_of("name: \"x\"\nversion: 1\ndetectors { name: \"bt\" category: \"BT\" pattern: \"(a+)+$\" }\n");
  // Vectorscan compiles (a+)+$ into an automaton: accepted, and linear at run time.
  EXPECT_TRUE(catastrophic.empty()) << catastrophic;
}

TEST(Policy, ShippedPoliciesLoadAndFormAValidSet) {
  std::vector<std::shared_ptr<const Policy>> loaded;
  for (const auto& shipped : shipped_policies()) {
    auto policy = Policy::parse(shipped.text, shipped.name);
    ASSERT_TRUE(policy) << policy.error().describe();
    EXPECT_EQ(policy.value()->name(), shipped.name);
    loaded.push_back(policy.value());
  }
  ASSERT_EQ(loaded.size(), 4U);
  auto set = PolicySet::create(loaded);
  ASSERT_TRUE(set) << set.error().describe();

  const auto effective = [&](const std::string& jurisdiction, const std::string& sector, const std::string& assigned) {
    v1::Organisation org;
    org.set_name("org");
    org.set_jurisdiction(jurisdiction);
    org.set_sector(sector);
    org.set_policy(assigned);
    auto policy = set.value()->effective_for(org);
    return policy ? policy.value()->name() : "error: " + policy.error().message;
  };
  EXPECT_EQ(effective("NL", "finance", ""), "eu-baseline");
  EXPECT_EQ(effective("CH", "finance", ""), "eu-baseline");
  EXPECT_EQ(effective("DE", "csirt", ""), "cert-peer");
  EXPECT_EQ(effective("US", "csirt", ""), "third-country");
  EXPECT_EQ(effective("US", "finance", ""), "third-country");
  EXPECT_EQ(effective("", "finance", ""), "public");
  EXPECT_EQ(effective("NL", "finance", "public"), "public");
  EXPECT_EQ(effective("NL", "finance", "missing").rfind("error: organisation 'org' is assigned policy 'missing'", 0),
            0U);
}

TEST(PolicySet, NeedsAPublicFallbackAndUniqueNames) {
  auto a = Policy::parse("name: \"a\"\nversion: 1\n", "a").value();
  auto missing = PolicySet::create({a});
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("'public'"), std::string::npos);
  auto fallback = Policy::parse("name: \"public\"\nversion: 1\n", "p").value();
  EXPECT_FALSE(PolicySet::create({a, a, fallback}));
  EXPECT_TRUE(PolicySet::create({a, fallback}));
}

}  // namespace
}  // namespace weft::policies
