#include "policies/redactor.h"

#include <gtest/gtest.h>

#include <random>

#include "policies/category.h"
#include "policies/shipped_policies.h"
#include "policies/transforms.h"

namespace weft::policies {
namespace {

std::shared_ptr<const Policy> policy_from(const std::string& text) {
  auto policy = Policy::parse(text, "test");
  EXPECT_TRUE(policy) << policy.error().describe();
  return policy.value();
}

std::shared_ptr<const Policy> shipped(std::string_view name) {
  for (const auto& entry : shipped_policies()) {
    if (entry.name == name) {
      return policy_from(std::string(entry.text));
    }
  }
  ADD_FAILURE() << "no shipped policy " << name;
  return nullptr;
}

// A report whose only text is `description`, as `policy` lets it out.
v1::Report redacted_description(const std::string& description, const Policy& policy) {
  v1::Report report;
  report.set_title("t");
  report.set_description(description);
  return redact(report, policy).report;
}

// A phishing report as a CERT writes it: attacker infrastructure in the
// indicators, the victim's contact person, phone and IBAN in the text.
v1::Report phishing_report() {
  v1::Report report;
  report.set_id("5f0c6c1e-8d1b-4a57-9a43-0d6f4f3c2b10");
  report.set_feed("phishing");
  report.set_tlp(v1::GREEN);
  report.set_title("Phishing wave against ACME customers");
  report.set_description(
      "The victim's contact person is Maria Rossi (maria.rossi@victim.example, +31 6 12345678). Money went to "
      "IBAN NL91 ABNA 0417 1643 00. The kit was reached from the victim workstation 198.51.100.23.");
  auto* sender = report.add_indicators();
  sender->set_type(v1::Indicator::EMAIL);
  sender->set_value("refunds@tax-refund-portal.example");
  sender->set_description("Sender address");
  auto* c2 = report.add_indicators();
  c2->set_type(v1::Indicator::IPV4);
  c2->set_value("203.0.113.7");
  auto* hash = report.add_indicators();
  hash->set_type(v1::Indicator::SHA256);
  hash->set_value("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
  auto* contact = report.add_contacts();
  contact->set_role("victim liaison");
  contact->set_name("Jan de Vries");
  contact->set_email("jan[.]devries[@]victim[.]example");
  contact->set_phone("020 123 4567");
  contact->set_organisation("Victim Corp");
  return report;
}

std::uint32_t count_of(const v1::Report& report, const std::string& category, v1::Action action) {
  for (const auto& entry : report.redaction().counts()) {
    if (entry.category() == category && entry.action() == action) {
      return entry.count();
    }
  }
  return 0;
}

TEST(Redactor, EuBaselineKeepsIndicatorsAndRemovesVictimData) {
  auto policy = shipped("eu-baseline");
  const v1::Report original = phishing_report();
  Redaction result = redact(original, *policy);
  ASSERT_FALSE(result.withheld);
  const v1::Report& out = result.report;
  // Indicators (attacker infrastructure) stay.
  ASSERT_EQ(out.indicators_size(), 3);
  EXPECT_EQ(out.indicators(0).value(), "refunds@tax-refund-portal.example");
  EXPECT_EQ(out.indicators(1).value(), "203.0.113.7");
  // Victim data in text is gone; the IBAN is redacted; the victim IP is a placeholder.
  const std::string& text = out.description();
  EXPECT_EQ(text.find("Maria Rossi"), std::string::npos);
  EXPECT_EQ(text.find("maria.rossi"), std::string::npos);
  EXPECT_EQ(text.find("12345678"), std::string::npos);
  EXPECT_EQ(text.find("NL91"), std::string::npos);
  EXPECT_EQ(text.find("198.51.100.23"), std::string::npos);
  EXPECT_NE(text.find("[REDACTED:PERSON]"), std::string::npos) << text;
  EXPECT_NE(text.find("[REDACTED:IBAN]"), std::string::npos) << text;
  ASSERT_EQ(result.pseudonyms.size(), 1U);
  EXPECT_EQ(result.pseudonyms[0].category, "IPV4");
  EXPECT_EQ(result.pseudonyms[0].canonical_value, "198.51.100.23");
  // Contacts: name, e-mail and phone redacted; organisation and role kept.
  ASSERT_EQ(out.contacts_size(), 1);
  EXPECT_EQ(out.contacts(0).name(), "[REDACTED:PERSON]");
  EXPECT_EQ(out.contacts(0).email(), "[REDACTED:EMAIL]");
  EXPECT_EQ(out.contacts(0).phone(), "[REDACTED:PHONE]");
  EXPECT_EQ(out.contacts(0).organisation(), "Victim Corp");
  // The summary says what was done, never the values.
  EXPECT_EQ(out.redaction().policy(), "eu-baseline");
  EXPECT_EQ(out.redaction().policy_version(), 1U);
  EXPECT_EQ(count_of(out, "IBAN", v1::REDACT), 1U);
  EXPECT_EQ(count_of(out, "EMAIL", v1::KEEP), 1U);
  EXPECT_EQ(count_of(out, "PERSON", v1::REDACT), 2U);
  EXPECT_EQ(out.redaction().DebugString().find("Rossi"), std::string::npos);
  // The input is untouched.
  EXPECT_NE(original.description().find("Maria Rossi"), std::string::npos);
}

TEST(Redactor, PseudonymsAreStablePerRecipientAndDifferAcrossRecipients) {
  auto policy = shipped("eu-baseline");
  Redaction result = redact(phishing_report(), *policy);
  auto pseudonymizer = Pseudonymizer::with_random_key();
  v1::Report for_bank = result.report;
  personalise(for_bank, result.pseudonyms, *pseudonymizer, "acme-bank");
  v1::Report for_bank_again = result.report;
  personalise(for_bank_again, result.pseudonyms, *pseudonymizer, "acme-bank");
  v1::Report for_other = result.report;
  personalise(for_other, result.pseudonyms, *pseudonymizer, "beta-energy");
  const auto token_of = [](const std::string& text) {
    const auto at = text.find("IPV4:");
    return at == std::string::npos ? std::string() : text.substr(at, 5 + 32);
  };
  const std::string bank_token = token_of(for_bank.description());
  ASSERT_EQ(bank_token.size(), 37U) << for_bank.description();
  EXPECT_EQ(token_of(for_bank_again.description()), bank_token);
  EXPECT_NE(token_of(for_other.description()), bank_token);
  EXPECT_EQ(for_bank.description().find('\x01'), std::string::npos);
}

TEST(Redactor, ThirdCountryDropsOrGeneralisesEverything) {
  auto policy = shipped("third-country");
  Redaction result = redact(phishing_report(), *policy);
  ASSERT_FALSE(result.withheld);
  const v1::Report& out = result.report;
  ASSERT_EQ(out.indicators_size(), 2);  // the e-mail indicator is dropped
  EXPECT_EQ(out.indicators(0).value(), "203.0.113.0/24");
  EXPECT_EQ(out.indicators(1).type(), v1::Indicator::SHA256);
  EXPECT_EQ(out.contacts_size(), 1);  // only organisation and role are left
  EXPECT_TRUE(out.contacts(0).name().empty());
  EXPECT_TRUE(out.contacts(0).email().empty());
  EXPECT_EQ(out.contacts(0).organisation(), "Victim Corp");
  EXPECT_NE(out.description().find("198.51.100.0/24"), std::string::npos) << out.description();
  EXPECT_EQ(out.description().find("maria"), std::string::npos);
}

TEST(Redactor, CertPeerKeepsContactsAndRedactsPaymentData) {
  auto policy = shipped("cert-peer");
  const v1::Report out = redact(phishing_report(), *policy).report;
  EXPECT_NE(out.description().find("Maria Rossi"), std::string::npos);
  EXPECT_NE(out.description().find("+31 6 12345678"), std::string::npos);
  EXPECT_EQ(out.description().find("NL91"), std::string::npos);
  EXPECT_EQ(out.contacts(0).name(), "Jan de Vries");
}

TEST(Redactor, MaskKeepsShape) {
  auto policy = policy_from("name: \"m\"\nversion: 1\nrules { id: \"m\" categories: \"*\" action: MASK }\n");
  v1::Report report = phishing_report();
  report.set_description("mail maria.rossi@victim.example, phone +31 6 12345678, card 4111 1111 1111 1111, "
                         "IBAN NL91 ABNA 0417 1643 00, host 198.51.100.23, contact: Jan de Vries");
  const std::string out = redact(report, *policy).report.description();
  EXPECT_NE(out.find("m***@victim.example"), std::string::npos) << out;
  EXPECT_NE(out.find("+31 6 ****5678"), std::string::npos) << out;
  EXPECT_NE(out.find("**** **** **** 1111"), std::string::npos) << out;
  EXPECT_NE(out.find("NL91 **** **** **43 00"), std::string::npos) << out;
  EXPECT_NE(out.find("198.51.100.*"), std::string::npos) << out;
  EXPECT_NE(out.find("J** d* V****"), std::string::npos) << out;
}

TEST(Redactor, FieldIndicatorAndReportLevelActions) {
  auto drop_field = policy_from("name: \"d\"\nversion: 1\nrules { id: \"d\" categories: \"PHONE\" action: DROP_FIELD }\n");
  v1::Report report = phishing_report();
  Redaction dropped = redact(report, *drop_field);
  EXPECT_TRUE(dropped.report.description().empty());  // the description held a phone number
  EXPECT_TRUE(dropped.report.contacts(0).phone().empty());

  auto drop_indicator =
      policy_from("name: \"i\"\nversion: 1\nrules { id: \"i\" categories: \"IPV4\" places: INDICATOR_VALUE "
                  "action: DROP_INDICATOR }\n");
  EXPECT_EQ(redact(report, *drop_indicator).report.indicators_size(), 2);

  auto withhold =
      policy_from("name: \"w\"\nversion: 1\nrules { id: \"no-cards\" categories: \"IBAN\" action: WITHHOLD_REPORT }\n");
  Redaction withheld = redact(report, *withhold);
  EXPECT_TRUE(withheld.withheld);
  EXPECT_EQ(withheld.withheld_rule, "no-cards");
  EXPECT_TRUE(withheld.report.description().empty());
  EXPECT_TRUE(withheld.report.indicators().empty());
}

TEST(Redactor, DefaultIsRedactForCategoriesWithoutRule) {
  auto keep_ips = policy_from("name: \"k\"\nversion: 1\nrules { id: \"k\" categories: \"IPV4\" action: KEEP }\n");
  v1::Report report;
  report.set_title("t");
  report.set_description("from 203.0.113.9 by jan@example.nl");
  Redaction result = redact(report, *keep_ips);
  EXPECT_EQ(result.report.description(), "from 203.0.113.9 by [REDACTED:EMAIL]");
  bool default_recorded = false;
  for (const auto& decision : result.decisions) {
    default_recorded = default_recorded || (decision.category() == "EMAIL" && decision.rule() == "default" &&
                                            decision.action() == v1::REDACT && decision.place() == "description");
  }
  EXPECT_TRUE(default_recorded);
}

// Detectors judge a candidate by its neighbours, and a replacement changes
// them: the output is scanned again until nothing the policy removes is left
// (the fuzz finding fuzz/corpus/redaction/redaction-survives-1).
TEST(Redactor, NoPersonalDataAppearsNextToAReplacement) {
  auto policy = shipped("eu-baseline");
  const auto redacted = [&policy](const std::string& text) { return redacted_description(text, *policy); };
  // Glued to the address, "+203.0.113.7/24" is no phone number; after the
  // marker it is one.
  const v1::Report glued = redacted("maria\xEF\xBC\xA0" "example.org+203.0.113.7/24");
  EXPECT_EQ(glued.description(), "[REDACTED:EMAIL][REDACTED:PHONE]");
  EXPECT_EQ(count_of(glued, "PHONE", v1::REDACT), 1U);
  // The marker is shorter than the address: the cue "Tel" comes within reach
  // of the national number.
  const v1::Report cued = redacted("Tel alice.smith.extra.long@example.org 0301234567");
  EXPECT_EQ(cued.description(), "Tel [REDACTED:EMAIL] [REDACTED:PHONE]");
  EXPECT_EQ(count_of(cued, "EMAIL", v1::REDACT), 1U);
  EXPECT_EQ(count_of(cued, "PHONE", v1::REDACT), 1U);
}

// What a pass wrote is not judged again: a generalised network stays as it
// is, and what the policy keeps is counted once.
TEST(Redactor, RescanLeavesReplacementsAndKeptDataAlone) {
  auto policy = shipped("third-country");
  const v1::Report out = redacted_description("host fe80::1 and jan@example.nl+31 6 12345678", *policy);
  EXPECT_EQ(out.description(), "host fe80::/48 and [REDACTED:EMAIL][REDACTED:PHONE]");
  EXPECT_EQ(count_of(out, "IPV6", v1::GENERALISE), 1U);

  auto keep_ips = policy_from("name: \"k\"\nversion: 1\nrules { id: \"k\" categories: \"IPV4\" action: KEEP }\n");
  const v1::Report kept = redacted_description("from 203.0.113.9 by jan@example.nl+31 6 12345678", *keep_ips);
  EXPECT_EQ(kept.description(), "from 203.0.113.9 by [REDACTED:EMAIL][REDACTED:PHONE]");
  EXPECT_EQ(count_of(kept, "IPV4", v1::KEEP), 1U);
}

// Findings that overlap in part are one replacement, by the strictest action
// among them: cert-peer keeps IPv6 addresses but redacts card numbers.
TEST(Redactor, PartlyOverlappingFindingsAreReplacedTogether) {
  auto policy = shipped("cert-peer");
  const v1::Report out = redacted_description("paid with 4 20 7946 095830 979:db8:: today", *policy);
  EXPECT_EQ(out.description(), "paid with [REDACTED:CREDIT_CARD] today");
  EXPECT_EQ(count_of(out, "CREDIT_CARD", v1::REDACT), 1U);
  EXPECT_EQ(count_of(out, "IPV6", v1::REDACT), 1U);
}

TEST(Transforms, GeneraliseAndCanonicalForms) {
  EXPECT_EQ(generalise_value("IPV4", "198.51.100[.]23").value(), "198.51.100.0/24");
  EXPECT_EQ(generalise_value("IPV6", "2001:db8:5:1::25").value(), "2001:db8:5::/48");
  EXPECT_FALSE(generalise_value("EMAIL", "a@b.example"));
  EXPECT_EQ(canonical_value("EMAIL", "JAN[.]DeVries[@]Example[.]NL"), "jan.devries@example.nl");
  EXPECT_EQ(canonical_value("PHONE", "+31 (0)6 1234-5678"), "+31612345678");
  EXPECT_EQ(canonical_value("PHONE", "0031 6 12345678"), "+31612345678");
  EXPECT_EQ(canonical_value("IBAN", "nl91 abna 0417 1643 00"), "NL91ABNA0417164300");
  EXPECT_EQ(canonical_value("IPV6", "2001:0DB8::0001"), "2001:db8::1");
}

// An address in another notation gets the dotted form's pseudonym, mask and
// prefix; the URL-host-only notations ("0xc6336417", "3325256727") arrive
// here without their "://".
TEST(Transforms, Ipv4NotationsHaveTheDottedFormsCanonicalValue) {
  for (const char* written : {"0xc6336417", "3325256727", "0306.063.0144.027", "0xc6.0x33.0x64.0x17",
                              "::ffff:198.51.100.23", "::ffff:c633:6417", "198.51.100[.]23"}) {
    EXPECT_EQ(canonical_value("IPV4", written), "198.51.100.23") << written;
    EXPECT_EQ(mask_value("IPV4", written), "198.51.100.*") << written;
    EXPECT_EQ(generalise_value("IPV4", written).value_or(""), "198.51.100.0/24") << written;
  }
  EXPECT_EQ(canonical_value("IPV4", "0x1c6336417"), "0x1c6336417");  // too large: no address, kept as text
}

// Property: whatever the action (other than KEEP), no detected value
// survives redaction, in any form it was written in.
TEST(RedactorProperty, NothingDetectedSurvives) {
  const std::vector<std::string> personal = {
      "jan.devries@example.nl",     "jan[.]devries[@]example[.]nl", "ｍａｒｉａ＠ｅｘａｍｐｌｅ．ｏｒｇ",
      "ali\u200Bce@ex\u2060ample.com", "+31 6 12345678",            "+49 (0)30 12345678",
      "030 12345678",               "01 23 45 67 89",               "(212) 555-0147",
      "NL91 ABNA 0417 1643 00",     "DE89370400440532013000",       "4111 1111 1111 1111",
      "3782 822463 10005",          "203.0.113.7",                  "198.51.100[.]23",
      "2001:db8::42",               "::ffff:192.0.2.1",             "+٣١ ٦ ١٢٣٤٥٦٧٨",
      "http://0xc6336417/",         "http://3325256727/x",          "0306.063.0144.027",
      "[::ffff:c633:6417]",         "https://p.example/reset?u=Y2Fyb2xAdmljdGltLmV4YW1wbGU="};
  const std::vector<std::string> filler = {
      "observed beaconing via TCP/443", "contact: Pieter van der Berg", "rule DR-0042 fired",
      "payload sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "Kontakt: Jürgen Müller",
      "CVE-2024-3094 on FortiOS 7.2.4", "at 2024-03-15T08:15:00Z", "reported by Maria Rossi"};
  const std::vector<std::string> actions = {"MASK", "PSEUDONYMISE", "REDACT"};
  std::mt19937 random(1234);
  for (const std::string& action : actions) {
    auto policy = policy_from("name: \"p\"\nversion: 1\nrules { id: \"all\" categories: \"*\" action: " + action + " }\n");
    for (int round = 0; round < 200; ++round) {
      std::string text;
      for (int part = 0; part < 6; ++part) {
        text += (random() % 2 == 0 ? personal[random() % personal.size()] : filler[random() % filler.size()]);
        text += random() % 3 == 0 ? ". " : ", ";
      }
      v1::Report report;
      report.set_title("t");
      report.set_description(text);
      const auto findings = policy->detector().find(text);
      Redaction result = redact(report, *policy);
      auto pseudonymizer = Pseudonymizer::with_random_key();
      personalise(result.report, result.pseudonyms, *pseudonymizer, "recipient");
      const std::string& out = result.report.description();
      for (const auto& finding : findings) {
        const std::string value = text.substr(finding.begin, finding.end - finding.begin);
        EXPECT_EQ(out.find(value), std::string::npos)
            << action << ": '" << value << "' (" << finding.category << ") survived in: " << out;
      }
      // And nothing detectable is left either (MASK keeps only fragments).
      if (action != "MASK") {
        for (const auto& left : policy->detector().find(out)) {
          ADD_FAILURE() << action << ": left " << left.category << " '" << out.substr(left.begin, left.end - left.begin)
                        << "' in: " << out;
        }
      }
    }
  }
}

}  // namespace
}  // namespace weft::policies
