// Data-protection policies through a real weftd: each recipient gets what
// its policy allows, pseudonyms differ per recipient, withheld and
// policy-less recipients get nothing, personal data never reaches the log,
// and policy reloads refuse bad files while the old policies stay in force.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>

#include "tests/harness/case_invariants.h"
#include "tests/harness/deployment.h"
#include "tests/harness/test_client.h"

namespace weft::testing {
namespace {

using namespace std::chrono_literals;

// Values planted in the report; none may reach a recipient whose policy
// withholds them, nor the broker's log.
constexpr const char* kVictimName = "Maria Rossi";
constexpr const char* kVictimEmail = "maria.rossi@victim.example";
constexpr const char* kVictimPhone = "+31 6 12345678";
constexpr const char* kVictimIban = "NL91 ABNA 0417 1643 00";
constexpr const char* kVictimIp = "198.51.100.23";
constexpr const char* kContactName = "Jan de Vries";

v1::Report report_with_personal_data() {
  v1::Report report = make_report("phishing", v1::GREEN, "Phishing wave against ACME customers");
  report.set_description(std::string("The victim's contact person is ") + kVictimName + " (" + kVictimEmail + ", " +
                         kVictimPhone + "). Money went to IBAN " + kVictimIban + ". The kit was reached from " +
                         kVictimIp + ".");
  report.clear_indicators();
  auto* sender = report.add_indicators();
  sender->set_type(v1::Indicator::EMAIL);
  sender->set_value("refunds@tax-refund-portal.example");
  auto* c2 = report.add_indicators();
  c2->set_type(v1::Indicator::IPV4);
  c2->set_value("203.0.113.7");
  auto* contact = report.add_contacts();
  contact->set_role("victim liaison");
  contact->set_name(kContactName);
  contact->set_email("jan.devries@victim.example");
  contact->set_phone("020 123 4567");
  return report;
}

std::string ipv4_token(const std::string& text) {
  std::smatch match;
  return std::regex_search(text, match, std::regex("IPV4:[0-9a-f]{32}")) ? match.str() : std::string();
}

class PolicyDeliveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    deployment_.add_org("cert-nl", "publisher", {}, "NL", "csirt");
    deployment_.add_org("cert-de", "subscriber", {}, "DE", "csirt");
    deployment_.add_org("acme-bank", "subscriber", {}, "NL", "finance");
    deployment_.add_org("beta-bank", "subscriber", {}, "DE", "finance");
    deployment_.add_org("us-corp", "subscriber", {}, "US", "energy");
    invariants_.prepare();
    deployment_.start_broker();
    invariants_.begin();
  }

  void TearDown() override { invariants_.verify(); }

  std::unique_ptr<TestClient> subscriber(const std::string& org) {
    auto client = connected_client(deployment_.profile(org), deployment_.port(), org);
    EXPECT_TRUE(client->subscribe("phishing"));
    return client;
  }

  void publish(const v1::Report& report) {
    TestClient publisher;
    ASSERT_TRUE(publisher.connect(deployment_.profile("cert-nl"), deployment_.port()));
    auto ack = publisher.publish(report);
    ASSERT_TRUE(ack) << ack.error().describe();
  }

  // `weft admin policy reload`, pointed at the test broker's port.
  CommandResult reload_policies() {
    return run_command({(bin_dir() / "weft").string(), "--broker", deployment_.broker_address(), "admin", "policy",
                        "reload", "--dir", deployment_.dir().string()});
  }

  void write_policy(const std::string& name, const std::string& text) {
    std::ofstream(deployment_.dir() / "policies" / (name + ".textproto")) << text;
  }

  TestDeployment deployment_{"policy"};
  CaseInvariants invariants_{deployment_};
};

TEST_F(PolicyDeliveryTest, EachRecipientGetsWhatItsPolicyAllows) {
  auto acme = subscriber("acme-bank");
  auto beta = subscriber("beta-bank");
  auto us = subscriber("us-corp");
  auto peer = subscriber("cert-de");
  publish(report_with_personal_data());

  // eu-baseline: indicators kept, victim data redacted, victim IP pseudonymised.
  auto acme_copy = acme->next_delivery();
  ASSERT_TRUE(acme_copy.has_value());
  const v1::Report& eu = acme_copy->report();
  EXPECT_EQ(eu.redaction().policy(), "eu-baseline");
  EXPECT_EQ(eu.redaction().policy_version(), 1U);
  for (const char* planted : {kVictimName, kVictimEmail, kVictimPhone, kVictimIban, kVictimIp, kContactName}) {
    EXPECT_EQ(eu.DebugString().find(planted), std::string::npos) << planted << " reached acme-bank";
  }
  EXPECT_NE(eu.description().find("[REDACTED:PERSON]"), std::string::npos) << eu.description();
  ASSERT_EQ(eu.indicators_size(), 2);
  EXPECT_EQ(eu.indicators(0).value(), "refunds@tax-refund-portal.example");
  EXPECT_EQ(eu.indicators(1).value(), "203.0.113.7");
  const std::string acme_token = ipv4_token(eu.description());
  ASSERT_FALSE(acme_token.empty()) << eu.description();

  // Same policy, other recipient: other pseudonym, same redactions.
  auto beta_copy = beta->next_delivery();
  ASSERT_TRUE(beta_copy.has_value());
  const std::string beta_token = ipv4_token(beta_copy->report().description());
  ASSERT_FALSE(beta_token.empty());
  EXPECT_NE(beta_token, acme_token);

  // third-country: networks only, no e-mail indicators, no contact details.
  auto us_copy = us->next_delivery();
  ASSERT_TRUE(us_copy.has_value());
  const v1::Report& elsewhere = us_copy->report();
  EXPECT_EQ(elsewhere.redaction().policy(), "third-country");
  ASSERT_EQ(elsewhere.indicators_size(), 1);
  EXPECT_EQ(elsewhere.indicators(0).value(), "203.0.113.0/24");
  EXPECT_NE(elsewhere.description().find("198.51.100.0/24"), std::string::npos) << elsewhere.description();
  for (const char* planted : {kVictimName, kVictimEmail, kVictimPhone, kVictimIban, kVictimIp, kContactName}) {
    EXPECT_EQ(elsewhere.DebugString().find(planted), std::string::npos) << planted << " reached us-corp";
  }

  // cert-peer: contacts kept for incident handling, payment data redacted.
  auto peer_copy = peer->next_delivery();
  ASSERT_TRUE(peer_copy.has_value());
  const v1::Report& csirt = peer_copy->report();
  EXPECT_EQ(csirt.redaction().policy(), "cert-peer");
  EXPECT_NE(csirt.description().find(kVictimName), std::string::npos);
  EXPECT_NE(csirt.description().find(kVictimEmail), std::string::npos);
  EXPECT_EQ(csirt.description().find(kVictimIban), std::string::npos);
  ASSERT_EQ(csirt.contacts_size(), 1);
  EXPECT_EQ(csirt.contacts(0).name(), kContactName);

  // The broker's log never saw any of it.
  const std::string log = deployment_.broker_log();
  for (const char* planted : {kVictimName, kVictimEmail, kVictimPhone, kVictimIban, kVictimIp, kContactName}) {
    EXPECT_EQ(log.find(planted), std::string::npos) << planted << " reached the broker log";
  }
}

TEST_F(PolicyDeliveryTest, WithheldAndPolicyLessRecipientsGetNothing) {
  write_policy("strict", "name: \"strict\"\nversion: 1\n"
                         "rules { id: \"no-payment-data\" categories: \"IBAN\" action: WITHHOLD_REPORT }\n");
  deployment_.stop_broker();
  deployment_.append_config("policy_files: \"policies/strict.textproto\"");
  deployment_.restart_broker();
  deployment_.add_org("careful-bank", "subscriber", {"--policy", "strict"}, "NL", "finance");
  // An organisation assigned a policy that is not loaded: edit the registry by hand.
  const auto registry_path = deployment_.dir() / "registry.textproto";
  std::string registry = read_text(registry_path);
  const auto at = registry.find("name: \"beta-bank\"");
  ASSERT_NE(at, std::string::npos);
  registry.insert(at, "policy: \"ghost\"\n  ");
  std::ofstream(registry_path.string() + ".new") << registry;
  std::filesystem::rename(registry_path.string() + ".new", registry_path);

  auto acme = subscriber("acme-bank");
  std::unique_ptr<TestClient> careful;
  ASSERT_TRUE(eventually([&] {
    careful = std::make_unique<TestClient>();
    return static_cast<bool>(careful->connect(deployment_.profile("careful-bank"), deployment_.port()));
  }));
  ASSERT_TRUE(careful->subscribe("phishing"));
  ASSERT_TRUE(deployment_.broker_logged("registry.reloaded"));
  auto beta = subscriber("beta-bank");

  publish(report_with_personal_data());
  EXPECT_TRUE(acme->next_delivery().has_value());
  EXPECT_FALSE(careful->next_delivery(500ms).has_value());
  EXPECT_FALSE(beta->next_delivery(200ms).has_value());
  const std::string log = deployment_.broker_log();
  EXPECT_NE(log.find("report.withheld"), std::string::npos) << log;
  EXPECT_NE(log.find("rule=no-payment-data"), std::string::npos) << log;
  EXPECT_NE(log.find("report.not_delivered"), std::string::npos) << log;
  EXPECT_NE(log.find("'ghost'"), std::string::npos) << log;

  // A report without payment data goes to the careful bank.
  publish(make_report("phishing"));
  EXPECT_TRUE(careful->next_delivery().has_value());
}

TEST_F(PolicyDeliveryTest, ReloadRefusesABrokenPolicyAndKeepsTheOldOneInForce) {
  auto acme = subscriber("acme-bank");
  const auto policy_file = deployment_.dir() / "policies" / "eu-baseline.textproto";
  const std::string good = read_text(policy_file);

  // A typo in the category: refused with file, line and column.
  std::string broken = good;
  broken.replace(broken.find("\"PERSON\""), 8, "\"PERSNO\"");
  std::ofstream(policy_file) << broken;
  const auto refused = reload_policies();
  EXPECT_EQ(refused.exit_code, 1) << refused.out << refused.err;
  EXPECT_NE(refused.err.find("POLICY_INVALID"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("eu-baseline.textproto:"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("unknown category 'PERSNO'"), std::string::npos) << refused.err;
  // SIGHUP with the same broken file: refused too.
  ::kill(deployment_.broker().pid(), SIGHUP);
  ASSERT_TRUE(eventually([&] {
    const std::string log = deployment_.broker_log();
    return log.find("policy.reload_refused trigger=SIGHUP") != std::string::npos;
  }));

  publish(report_with_personal_data());
  auto still_old = acme->next_delivery();
  ASSERT_TRUE(still_old.has_value());
  EXPECT_EQ(still_old->report().redaction().policy_version(), 1U);
  EXPECT_EQ(still_old->report().description().find(kVictimName), std::string::npos);

  // Version 2 masks names instead of redacting them.
  std::string next = good;
  next.replace(next.find("version: 1"), 10, "version: 2");
  next += "\nrules { id: \"mask-names\" categories: \"PERSON\" places: FREE_TEXT action: MASK }\n";
  next.replace(next.find("categories: [\"EMAIL\", \"PHONE\", \"PERSON\"]"), 40, "categories: [\"EMAIL\", \"PHONE\"]");
  std::ofstream(policy_file) << next;
  const auto reloaded = reload_policies();
  ASSERT_EQ(reloaded.exit_code, 0) << reloaded.err;
  EXPECT_NE(reloaded.out.find("eu-baseline version 2"), std::string::npos) << reloaded.out;

  publish(report_with_personal_data());
  auto updated = acme->next_delivery();
  ASSERT_TRUE(updated.has_value());
  EXPECT_EQ(updated->report().redaction().policy_version(), 2U);
  EXPECT_NE(updated->report().description().find("M**** R****"), std::string::npos) << updated->report().description();
}

TEST_F(PolicyDeliveryTest, OnlyAdminsMayReloadPolicies) {
  auto result = run_command({(bin_dir() / "weft").string(), "--profile", deployment_.profile("acme-bank").string(),
                             "--broker", deployment_.broker_address(), "admin", "policy", "reload", "--dir",
                             deployment_.dir().string()});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("FORBIDDEN"), std::string::npos) << result.err;
}

TEST(PolicyCliTest, ScanFollowsTheFixedContract) {
  const std::string input =
      "{\"id\": \"r1\", \"text\": \"Kontakt: J\\u00fcrgen M\\u00fcller, jan[.]devries[@]example[.]nl\"}\n"
      "{\"id\": \"r2\", \"text\": \"CVE-2024-3094 on 10.0.19041.1\"}\n";
  const auto result = run_command({(bin_dir() / "weft").string(), "scan"}, input);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  // "Kontakt: " is 9 bytes; "Jürgen Müller" is 15 bytes (two 2-byte umlauts).
  EXPECT_NE(result.out.find(R"({"id": "r1", "findings": [{"start": 9, "end": 24, "category": "PERSON"}, )"
                            R"({"start": 26, "end": 54, "category": "EMAIL"}]})"),
            std::string::npos)
      << result.out;
  EXPECT_NE(result.out.find(R"({"id": "r2", "findings": []})"), std::string::npos) << result.out;
}

TEST(PolicyCliTest, ScanUsesAPolicysCustomDetectors) {
  TestDeployment deployment("scan-custom");
  const auto file = deployment.dir() / "custom.textproto";
  std::ofstream(file) << "name: \"custom\"\nversion: 1\n"
                         "detectors { name: \"employee-id\" category: \"EMPLOYEE_ID\" pattern: \"EMP-[0-9]{6}\" }\n";
  const auto result = run_command({(bin_dir() / "weft").string(), "scan", "--policy", file.string()},
                                  "{\"id\": \"x\", \"text\": \"badge EMP-123456\"}\n");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find(R"({"start": 6, "end": 16, "category": "EMPLOYEE_ID"})"), std::string::npos) << result.out;
}

TEST(PolicyCliTest, CheckNamesFileLineAndColumn) {
  TestDeployment deployment("check");
  const auto bad = deployment.dir() / "bad.textproto";
  std::ofstream(bad) << "name: \"bad\"\nversion: 1\nrules {\n  id: \"g\"\n  categories: \"EMAIL\"\n  action: GENERALISE\n}\n";
  const auto good = deployment.dir() / "policies" / "eu-baseline.textproto";
  const auto result = run_command({(bin_dir() / "weft").string(), "policy", "check", good.string(), bad.string()});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.out.find("eu-baseline.textproto: OK"), std::string::npos) << result.out;
  EXPECT_NE(result.err.find("bad.textproto:5:"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("GENERALISE applies to IPV4 and IPV6 only"), std::string::npos) << result.err;
}

TEST(PolicyCliTest, PolicyTestShowsDecisionsAndResult) {
  TestDeployment deployment("policy-test");
  const auto result = run_command({(bin_dir() / "weft").string(), "policy", "test", "--policy",
                                   (deployment.dir() / "policies" / "third-country.textproto").string(),
                                   "--recipient-jurisdiction", "US", "--json", "-"},
                                  to_json(report_with_personal_data()));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find(R"("selected":true)"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find(R"("rule":"no-email-indicators")"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("203.0.113.0/24"), std::string::npos) << result.out;
  EXPECT_EQ(result.out.find(kVictimIban), std::string::npos) << result.out;
}

// ---- matrix rows 40 and 43: a bad policy at start-up never means "no policy"

class PolicyStartTest : public ::testing::Test {
 protected:
  // Loads `text` as an extra policy file and runs weftd, which must refuse.
  CommandResult start_with_policy(const std::string& text) {
    std::ofstream(deployment_.dir() / "policies" / "extra.textproto") << text;
    deployment_.append_config("policy_files: \"policies/extra.textproto\"");
    return deployment_.run_broker_expecting_exit();
  }

  TestDeployment deployment_{"policy-start"};
};

TEST_F(PolicyStartTest, ASyntaxErrorRefusesToStartNamingFileLineAndColumn) {
  const auto result = start_with_policy("name: \"extra\"\nversion: 1\nrules {\n  id: \"r\"\n  categories: [\"EMAIL\"\n}\n");
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.exit_code, -1) << "weftd kept running with a broken policy";
  EXPECT_TRUE(std::regex_search(result.err, std::regex("extra\\.textproto:[0-9]+:[0-9]+"))) << result.err;
}

TEST_F(PolicyStartTest, ARuleForAnUnknownCategoryRefusesToStart) {
  const auto result = start_with_policy(
      "name: \"extra\"\nversion: 1\nrules { id: \"r\" categories: [\"EMIAL\"] action: REDACT }\n");
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.exit_code, -1) << "weftd kept running with a broken policy";
  EXPECT_NE(result.err.find("extra.textproto:3:"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("unknown category 'EMIAL'"), std::string::npos) << result.err;
}

}  // namespace
}  // namespace weft::testing
