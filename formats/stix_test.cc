#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "formats/formats.h"
#include "formats/identifiers.h"
#include "formats/stix_pattern.h"

namespace weft::formats {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

fs::path stix_data(const std::string& name) {
  return fs::path(WEFT_TEST_DATA_DIR) / "stix2.1" / name;
}

ImportOptions options(v1::Tlp default_tlp = v1::GREEN) {
  ImportOptions out;
  out.feed = "cert-feed";
  out.default_tlp = default_tlp;
  return out;
}

Imported import_ok(const std::string& text, const ImportOptions& given = options()) {
  auto imported = import_stix(text, given);
  EXPECT_TRUE(imported.has_value()) << (imported ? "" : imported.error().message);
  return imported ? std::move(imported).value() : Imported{};
}

google::protobuf::Timestamp at(const std::string& text) {
  auto parsed = parse_rfc3339(text);
  EXPECT_TRUE(parsed.has_value()) << text;
  return parsed.value_or(google::protobuf::Timestamp{});
}

bool has_label(const google::protobuf::RepeatedPtrField<std::string>& labels, const std::string& label) {
  return std::find(labels.begin(), labels.end(), label) != labels.end();
}

const v1::Indicator* find_value(const v1::Report& report, const std::string& value) {
  for (const auto& indicator : report.indicators()) {
    if (indicator.value() == value) {
      return &indicator;
    }
  }
  return nullptr;
}

// Every message (problem or not carried) about `object_id`, joined.
std::string messages_about(const std::vector<Problem>& messages, const std::string& object_id) {
  std::string out;
  for (const auto& message : messages) {
    if (message.object.find(object_id) != std::string::npos) {
      out += message.message + "\n";
    }
  }
  return out;
}

std::string all_messages(const Imported& imported) {
  std::string out;
  for (const auto* list : {&imported.problems, &imported.not_carried}) {
    for (const auto& message : *list) {
      out += message.object + ": " + message.message + "\n";
    }
  }
  return out;
}

// A delivered report: what the broker adds before export.
v1::Report delivered(v1::Report report, const std::string& organisation = "CERT Example") {
  auto* broker = report.mutable_broker();
  broker->set_source_organisation(organisation);
  *broker->mutable_received_at() = at("2026-11-29T10:15:00.123Z");
  broker->set_sequence(7);
  broker->set_broker_id("broker-1");
  auto* redaction = report.mutable_redaction();
  redaction->set_policy("gdpr-default");
  redaction->set_policy_version(3);
  auto* count = redaction->add_counts();
  count->set_category("EMAIL");
  count->set_action(v1::REDACT);
  count->set_count(2);
  return report;
}

std::map<std::string, json::object> objects_by_id(const std::vector<StixObject>& objects) {
  std::map<std::string, json::object> out;
  for (const auto& object : objects) {
    out[object.id] = json::parse(object.json).as_object();
  }
  return out;
}

std::string text(const json::object& object, std::string_view key) {
  const json::value* member = object.if_contains(key);
  return member != nullptr && member->is_string() ? std::string(member->get_string()) : std::string();
}

std::string bundle_of(const std::string& objects) {
  return R"({"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","objects":[)" + objects + "]}";
}

std::string indicator_json(const std::string& id, const std::string& pattern, const std::string& extra = "") {
  return R"({"type":"indicator","spec_version":"2.1","id":")" + id +
         R"(","created":"2024-01-02T03:04:05.000Z","modified":"2024-01-02T03:04:05.000Z","pattern_type":"stix",)"
         R"("valid_from":"2024-01-02T03:04:05.000Z","pattern":)" +
         json::serialize(json::value(pattern)) + extra + "}";
}

constexpr char kIndicatorA[] = "indicator--a1a1a1a1-0000-4000-8000-000000000001";
constexpr char kIndicatorB[] = "indicator--b2b2b2b2-0000-4000-8000-000000000002";

// ------------------------------------------------------------------ import of the official examples

TEST(StixImport, IndicatorForC2IpAddress) {
  const Imported imported = import_ok(read_file(stix_data("examples/indicator-for-c2-ip-address.json")));
  ASSERT_EQ(imported.reports.size(), 1u) << all_messages(imported);
  const v1::Report& report = imported.reports[0].report;
  EXPECT_EQ(imported.reports[0].source, "bundle--44af6c39-c09b-49c5-9de2-394224b04982");
  // Derived from the bundle id and the indicators' ids and versions: stable
  // across re-imports, yet not the bundle id, which the official examples
  // themselves reuse for different contents.
  EXPECT_TRUE(is_uuid(report.id())) << report.id();
  EXPECT_EQ(import_ok(read_file(stix_data("examples/indicator-for-c2-ip-address.json"))).reports[0].report.id(),
            report.id());
  EXPECT_NE(import_ok(read_file(stix_data("examples/indicator-to-campaign-relationship.json"))).reports[0].report.id(),
            report.id());
  EXPECT_EQ(report.feed(), "cert-feed");
  EXPECT_EQ(report.tlp(), v1::GREEN);
  EXPECT_EQ(report.title(), "IP Address for known C2 channel");
  ASSERT_EQ(report.indicators_size(), 1);
  const v1::Indicator& indicator = report.indicators(0);
  EXPECT_EQ(indicator.type(), v1::Indicator::IPV4);
  EXPECT_EQ(indicator.value(), "10.0.0.0");
  EXPECT_EQ(indicator.description(), "Test description C2 channel.");
  EXPECT_EQ(rfc3339_millis(indicator.valid_from()), "2014-05-08T09:00:00.000Z");
  EXPECT_FALSE(indicator.has_valid_until());
  EXPECT_EQ(std::vector<std::string>(indicator.labels().begin(), indicator.labels().end()),
            (std::vector<std::string>{"stix-id:indicator--33fe3b22-0201-47cf-85d0-97c02164528d",
                                      "stix-name:IP Address for known C2 channel",
                                      "indicator-type:malicious-activity"}));
  EXPECT_EQ(rfc3339_millis(report.created()), "2014-05-08T09:00:00.000Z");
  EXPECT_TRUE(imported.problems.empty()) << all_messages(imported);
  EXPECT_TRUE(imported.not_carried.empty()) << all_messages(imported);
}

TEST(StixImport, IndicatorToCampaignRelationship) {
  const Imported imported = import_ok(read_file(stix_data("examples/indicator-to-campaign-relationship.json")));
  ASSERT_EQ(imported.reports.size(), 1u);
  const v1::Report& report = imported.reports[0].report;
  ASSERT_EQ(report.indicators_size(), 1);
  EXPECT_EQ(report.indicators(0).value(), "10.0.0.0");
  EXPECT_EQ(report.indicators(0).description(), "Test description.");
  EXPECT_TRUE(has_label(report.indicators(0).labels(), "stix-name:test_name"));
  EXPECT_TRUE(imported.problems.empty()) << all_messages(imported);
  EXPECT_NE(messages_about(imported.not_carried, "campaign--b549a58c-afd9-4847-85c3-5be13d56d3cc")
                .find("weft does not carry this object type"),
            std::string::npos);
  EXPECT_NE(messages_about(imported.not_carried, "relationship--eca24e47-2259-4850-9705-fd1065c77236"), "");
}

TEST(StixImport, IndicatorsForC2WithCourseOfAction) {
  const Imported imported = import_ok(read_file(stix_data("examples/indicators-for-C2-with-COA.json")));
  ASSERT_EQ(imported.reports.size(), 1u);
  const v1::Report& report = imported.reports[0].report;
  EXPECT_TRUE(is_uuid(report.id())) << report.id();
  EXPECT_EQ(report.title(), "STIX bundle bundle--63fe3b22-0201-47cf-85d0-97c02164528d");
  EXPECT_TRUE(has_label(report.labels(), "stix-created-by:The MITRE Corporation - DHS Support Team"));
  ASSERT_EQ(report.indicators_size(), 2);
  EXPECT_EQ(report.indicators(0).type(), v1::Indicator::IPV4);
  EXPECT_EQ(report.indicators(1).type(), v1::Indicator::SHA256);
  EXPECT_EQ(report.indicators(1).value(), "ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c");
  EXPECT_TRUE(has_label(report.indicators(1).labels(), "stix-name:File hash for Poison Ivy variant"));
  // The earliest indicator's creation is the report's.
  EXPECT_EQ(rfc3339_millis(report.created()), "2014-05-08T09:00:00.000Z");
  EXPECT_TRUE(imported.problems.empty()) << all_messages(imported);
  const std::string notes = all_messages(imported);
  for (const char* id : {"malware--fdd60b30-b67c-41e3-b0b9-f01faf20d111", "course-of-action--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
                         "relationship--44298a74-ba52-4f0c-87a3-1824e67d7fad",
                         "relationship--2f9a9aa9-108a-4333-83e2-4fb25add0463",
                         "relationship--9606dac3-965a-47d3-b270-8b17431ba0e4"}) {
    EXPECT_NE(notes.find(id), std::string::npos) << id;
  }
  EXPECT_NE(messages_about(imported.not_carried, "bundle--63fe3b22").find("created_by_ref"), std::string::npos);
  // The identity became the label; it is not named as dropped.
  EXPECT_EQ(notes.find("identity--f690c992-8e7d-4b9a-9303-3312616c0220 (object"), std::string::npos) << notes;
}

TEST(StixImport, PatternsOverObjectsWeftHasNoTypeForTravelWholeAsText) {
  const std::string text = read_file(stix_data("examples/malicious-email-indicator-with-attachment.json"));
  const Imported imported = import_ok(text);
  // Both indicators match e-mail messages with MATCHES: no weft type, so each
  // whole pattern is carried as an OTHER value and named as such.
  ASSERT_EQ(imported.reports.size(), 1u) << all_messages(imported);
  const v1::Report& report = imported.reports[0].report;
  ASSERT_EQ(report.indicators_size(), 2);
  const auto input = json::parse(text).as_object().at("objects").as_array();
  for (const char* id : {"indicator--8cf9236f-1b96-493d-98be-0c1c1e8b62d7", "indicator--2e17f6fe-3a4d-438a-911a-e509ba1b9933"}) {
    const std::string about = messages_about(imported.not_carried, id);
    EXPECT_NE(about.find("carried as text"), std::string::npos) << id << ": " << about;
    EXPECT_NE(about.find("email-message:"), std::string::npos) << about;
    std::string pattern;
    for (const auto& object : input) {
      if (object.as_object().at("id").as_string() == id) {
        pattern = json::value_to<std::string>(object.as_object().at("pattern"));
      }
    }
    const v1::Indicator* carried = find_value(report, pattern);
    ASSERT_NE(carried, nullptr) << id;
    EXPECT_EQ(carried->type(), v1::Indicator::OTHER);
    EXPECT_TRUE(has_label(carried->labels(), "stix-pattern"));
    EXPECT_TRUE(has_label(carried->labels(), std::string("stix-id:") + id));
  }
  // Exported again as the same indicators with the same patterns.
  const std::string exported = stix_bundle(report);
  EXPECT_NE(exported.find("\"id\":\"indicator--8cf9236f-1b96-493d-98be-0c1c1e8b62d7\""), std::string::npos) << exported;
  EXPECT_NE(exported.find("\"id\":\"indicator--2e17f6fe-3a4d-438a-911a-e509ba1b9933\""), std::string::npos) << exported;
  EXPECT_EQ(exported.find("stix-pattern"), std::string::npos) << "an internal label leaked: " << exported;
  EXPECT_NE(messages_about(imported.not_carried, "attack-pattern--d7b066aa-4091-4276-a142-29d5d81c3484"), "");
}

TEST(StixImport, Apt1Report) {
  const Imported imported = import_ok(read_file(stix_data("examples/threat-reports/apt1.json")));
  ASSERT_EQ(imported.reports.size(), 1u) << all_messages(imported);
  const v1::Report& report = imported.reports[0].report;
  EXPECT_EQ(imported.reports[0].source, "report--e33ffe07-2f4c-48d8-b0af-ee2619d765cf");
  EXPECT_EQ(report.id(), "e33ffe07-2f4c-48d8-b0af-ee2619d765cf");
  EXPECT_EQ(report.title(), "APT1: Exposing One of China's Cyber Espionage Units");
  EXPECT_EQ(report.description().rfind("Since 2004, Mandiant has investigated", 0), 0u);
  EXPECT_EQ(rfc3339_millis(report.created()), "2015-05-15T09:12:16.432Z");
  EXPECT_TRUE(has_label(report.labels(), "report-type:threat-report"));
  EXPECT_TRUE(has_label(report.labels(), "report-type:threat-actor"));
  // 4 networks, 3 domains, 3 MD5s, and the two certificate indicators as
  // whole patterns (weft has no type for certificates).
  ASSERT_EQ(report.indicators_size(), 12);
  const v1::Indicator* network = find_value(report, "223.166.0.0/15");
  ASSERT_NE(network, nullptr);
  EXPECT_EQ(network->type(), v1::Indicator::IPV4_CIDR);
  EXPECT_TRUE(has_label(network->labels(), "kill-chain:mandiant-attack-lifecycle-model:establish-foothold"));
  const v1::Indicator* hash = find_value(report, "001dd76872d80801692ff942308c64e6");
  ASSERT_NE(hash, nullptr);
  EXPECT_EQ(hash->type(), v1::Indicator::MD5);  // written file:hashes.md5
  EXPECT_EQ(find_value(report, "hugesoft.org")->type(), v1::Indicator::DOMAIN);
  const std::string certificate = messages_about(imported.not_carried, "indicator--b3b6b540-d838-41e2-853b-005056c00008");
  EXPECT_NE(certificate.find("x509-certificate:issuer"), std::string::npos) << certificate;
  // Individuals: their names (and contact details) are not carried anywhere.
  const std::string person = messages_about(imported.not_carried, "identity--a9119a87-6576-46af-bfd7-4fbe55926671");
  EXPECT_NE(person, "");
  for (const auto& label : report.labels()) {
    EXPECT_EQ(label.find("JackWang"), std::string::npos);
  }
  EXPECT_EQ(all_messages(imported).find("uglygorilla"), std::string::npos);
}

TEST(StixImport, PoisonIvyReport) {
  const Imported imported = import_ok(read_file(stix_data("examples/threat-reports/poisonivy.json")));
  ASSERT_EQ(imported.reports.size(), 1u) << all_messages(imported);
  const v1::Report& report = imported.reports[0].report;
  EXPECT_EQ(report.id(), "f2b63e80-b523-4747-a069-35c002c690db");
  EXPECT_EQ(report.title(), "Poison Ivy: Assessing Damage and Extracting Intelligence");
  EXPECT_TRUE(has_label(report.labels(), "report-type:malware"));
  // OR patterns: one weft indicator per value, the STIX id only on the first.
  int from_dynssl = 0;
  for (const auto& indicator : report.indicators()) {
    if (has_label(indicator.labels(), "stix-name:www.webserver.dynssl.com")) {
      ++from_dynssl;
    }
  }
  EXPECT_EQ(from_dynssl, 6);
  const v1::Indicator* dynssl = find_value(report, "www.webserver.dynssl.com");
  ASSERT_NE(dynssl, nullptr);
  EXPECT_TRUE(has_label(dynssl->labels(), "stix-id:indicator--329ae6e9-25bd-49e8-89d1-aae4ca52e4a7"));
  EXPECT_TRUE(has_label(dynssl->labels(), "indicator-type:attribution"));
  EXPECT_EQ(find_value(report, "CBricksDoc")->type(), v1::Indicator::FILENAME);
  // Vulnerabilities with a CVE reference are CVE indicators.
  const v1::Indicator* cve = find_value(report, "CVE-2012-0158");
  ASSERT_NE(cve, nullptr);
  EXPECT_EQ(cve->type(), v1::Indicator::CVE);
  EXPECT_EQ(cve->description(), "Weaponized Microsoft Word document used by admin@338");
  EXPECT_TRUE(has_label(cve->labels(), "stix-id:vulnerability--c7cab3fb-0822-43a5-b1ba-c9bab34361a2"));
  int cves = 0;
  for (const auto& indicator : report.indicators()) {
    cves += indicator.type() == v1::Indicator::CVE ? 1 : 0;
  }
  EXPECT_EQ(cves, 6);
  // 'domain autuo.xicp.net' is no domain name: that value is refused, its
  // address in the same pattern is carried.
  const std::string autuo = messages_about(imported.problems, "indicator--4e4c4ad7-4909-456a-b6fa-e24a6f682a40");
  EXPECT_NE(autuo.find("comparison 1"), std::string::npos) << autuo;
  EXPECT_EQ(autuo.find("autuo"), std::string::npos) << "messages never quote values: " << autuo;
  EXPECT_NE(find_value(report, "60.10.1.115"), nullptr);
  EXPECT_NE(messages_about(imported.not_carried, "malware--"), "");
}

TEST(StixImport, SingleObjectAndBareArrayAreAccepted) {
  const std::string indicator = indicator_json(kIndicatorA, "[domain-name:value = 'example.com']");
  const Imported from_array = import_ok("[" + indicator + "]");
  ASSERT_EQ(from_array.reports.size(), 1u);
  EXPECT_EQ(from_array.reports[0].report.indicators(0).value(), "example.com");
  const Imported from_object = import_ok(indicator);
  ASSERT_EQ(from_object.reports.size(), 1u);
  // Deterministic: the same objects give the same report id.
  EXPECT_EQ(from_array.reports[0].report.id(), from_object.reports[0].report.id());
  EXPECT_TRUE(is_uuid(from_array.reports[0].report.id()));

  const Imported campaign = import_ok(read_file(stix_data("examples/interop-objectmarking-test.json")));
  EXPECT_TRUE(campaign.reports.empty());
  EXPECT_NE(messages_about(campaign.not_carried, "campaign--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061"), "");
}

// ------------------------------------------------------------------ bad input

TEST(StixImport, WholeInputFailures) {
  for (const char* input : {"not json", "{\"type\":\"bundle\"", "42", "\"bundle\"", "{\"id\":\"bundle--x\"}",
                            "{\"type\":\"bundle\",\"id\":\"nope\",\"objects\":[]}",
                            "{\"type\":\"bundle\",\"id\":\"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d\",\"objects\":{}}"}) {
    auto imported = import_stix(input, options());
    ASSERT_FALSE(imported.has_value()) << input;
    EXPECT_EQ(imported.error().code, v1::INVALID_INPUT) << input;
  }
  EXPECT_NE(import_stix("not json", options()).error().message.find("not JSON"), std::string::npos);
  EXPECT_NE(import_stix("42", options()).error().message.find("not a STIX bundle"), std::string::npos);
  ImportOptions no_feed = options();
  no_feed.feed.clear();
  auto refused = import_stix(bundle_of(""), no_feed);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, v1::INVALID_INPUT);
  EXPECT_EQ(refused.error().message, "no feed: STIX carries none; give --feed");
}

TEST(StixImport, BadObjectsAreNamedAndTheRestImports) {
  const std::string secret = "198.51.100.77";
  const std::string objects =
      indicator_json(kIndicatorA, "[ipv4-addr:value = '" + secret + "'") + "," +                             // bad pattern
      indicator_json(kIndicatorB, "[ipv4-addr:value = '192.0.2.1']") + "," +                                  // good
      indicator_json("indicator--c3c3c3c3-0000-4000-8000-000000000003", "[ipv4-addr:value = '192.0.2.3']",
                     R"(,"valid_until":"2020-01-01T00:00:00.000Z")") + "," +                                  // until < from
      R"({"type":"indicator","spec_version":"2.1","id":"indicator--d4d4d4d4-0000-4000-8000-000000000004","created":"yesterday","modified":"2024-01-02T03:04:05.000Z","pattern_type":"stix","pattern":"[ipv4-addr:value = '192.0.2.4']","valid_from":"2024-01-02T03:04:05Z"},)"
      R"({"type":"indicator","spec_version":"2.1","id":"indicator--e5e5e5e5-0000-4000-8000-000000000005","created":"2024-01-02T03:04:05.000Z","modified":"2024-01-02T03:04:05.000Z","pattern_type":"stix","pattern":"[ipv4-addr:value = '192.0.2.5']","valid_from":"2024-01-02T03:04:05Z","confidence":101},)"
      R"({"type":"indicator","spec_version":"2.1","pattern_type":"stix","pattern":"[ipv4-addr:value = '192.0.2.6']"},)"
      R"({"type":"indicator","spec_version":"2.1","id":"indicator--f6f6f6f6-0000-4000-8000-000000000006","created":"2024-01-02T03:04:05.000Z","modified":"2024-01-02T03:04:05.000Z","pattern_type":"sigma","pattern":"title: x","valid_from":"2024-01-02T03:04:05Z"},)"
      R"({"type":"indicator","spec_version":"2.1","id":"indicator--a7a7a7a7-0000-4000-8000-000000000007","created":"2024-01-02T03:04:05.000Z","modified":"2024-01-01T03:04:05.000Z","pattern_type":"stix","pattern":"[ipv4-addr:value = '192.0.2.7']","valid_from":"2024-01-02T03:04:05Z"},)"
      R"(17)";
  const Imported imported = import_ok(bundle_of(objects));
  ASSERT_EQ(imported.reports.size(), 1u) << all_messages(imported);
  ASSERT_EQ(imported.reports[0].report.indicators_size(), 1);
  EXPECT_EQ(imported.reports[0].report.indicators(0).value(), "192.0.2.1");

  const std::string bad_pattern = messages_about(imported.problems, kIndicatorA);
  EXPECT_NE(bad_pattern.find("pattern does not parse: at position"), std::string::npos) << bad_pattern;
  EXPECT_NE(messages_about(imported.problems, "indicator--c3c3c3c3").find("valid_until is not later than valid_from"),
            std::string::npos);
  EXPECT_NE(messages_about(imported.problems, "indicator--d4d4d4d4").find("created is not an RFC 3339 timestamp"),
            std::string::npos);
  EXPECT_NE(messages_about(imported.problems, "indicator--e5e5e5e5").find("confidence"), std::string::npos);
  EXPECT_NE(messages_about(imported.problems, "object 6").find("has no id"), std::string::npos);
  EXPECT_NE(messages_about(imported.problems, "indicator--f6f6f6f6").find("pattern_type 'sigma' is not carried"),
            std::string::npos);
  EXPECT_NE(messages_about(imported.problems, "indicator--a7a7a7a7").find("modified is earlier than created"),
            std::string::npos);
  EXPECT_NE(messages_about(imported.problems, "object 9").find("not a JSON object"), std::string::npos);
  EXPECT_TRUE(std::any_of(imported.problems.begin(), imported.problems.end(), [](const Problem& problem) {
    return problem.object == std::string(kIndicatorA) + " (object 1)";
  }));
  for (const auto& problem : imported.problems) {
    EXPECT_NE(problem.object, "");
    EXPECT_EQ(problem.message.find(secret), std::string::npos) << problem.message;
    EXPECT_EQ(problem.object.find(secret), std::string::npos);
  }
}

// Text the broker refuses (a control character other than tab and line
// breaks) makes its object a problem naming the property, as any other bad
// object, instead of a report the broker refuses whole. The report case is
// the fuzz finding fuzz/corpus/import_stix/import_stix-control-char-1.
TEST(StixImport, TextTheBrokerRefusesIsAProblemNamingTheProperty) {
  constexpr char kBadReport[] = "report--11111111-2222-4333-8444-555555555555";
  constexpr char kKillChain[] = "indicator--c3c3c3c3-0000-4000-8000-000000000003";
  constexpr char kLabels[] = "indicator--d4d4d4d4-0000-4000-8000-000000000004";
  constexpr char kGood[] = "indicator--e5e5e5e5-0000-4000-8000-000000000005";
  constexpr char kVulnerability[] = "vulnerability--f6f6f6f6-0000-4000-8000-000000000006";
  constexpr char kIdentity[] = "identity--a7a7a7a7-0000-4000-8000-000000000007";
  const std::string objects =
      indicator_json(kIndicatorA, "[ipv4-addr:value = '192.0.2.1']", R"(,"description":"bell\u0007")") + "," +
      indicator_json(kIndicatorB, "[ipv4-addr:value = '192.0.2.2']") + "," +
      indicator_json(kKillChain, "[ipv4-addr:value = '192.0.2.3']",
                     R"(,"kill_chain_phases":[{"kill_chain_name":"lockheed","phase_name":"deli\u007fvery"}])") + "," +
      indicator_json(kLabels, "[ipv4-addr:value = '192.0.2.4']", R"(,"labels":["fine","esc\u001b"])") + "," +
      indicator_json(kGood, "[ipv4-addr:value = '192.0.2.5']",
                     std::string(R"(,"name":"two\tparts","description":"line\r\nbreaks","labels":["", "kept"],)") +
                         R"("created_by_ref":")" + kIdentity + R"(")") + "," +
      R"({"type":"vulnerability","spec_version":"2.1","id":")" + kVulnerability +
      R"(","created":"2024-01-02T03:04:05.000Z","modified":"2024-01-02T03:04:05.000Z","name":"CVE-2024-3094",)"
      R"("description":"nul\u0000","external_references":[{"source_name":"cve","external_id":"CVE-2024-3094"}]},)"
      R"({"type":"identity","spec_version":"2.1","id":")" + kIdentity +
      R"(","created":"2024-01-02T03:04:05.000Z","modified":"2024-01-02T03:04:05.000Z","name":"CERT\u001b",)"
      R"("identity_class":"organization"},)"
      R"({"type":"report","spec_version":"2.1","id":")" + kBadReport +
      R"(","created":"2024-01-02T03:04:05.000Z","modified":"2024-01-02T03:04:05.000Z","name":"Wave",)"
      R"("description":"whose acc\u007funt","published":"2024-01-02T03:04:05.000Z",)"
      R"("object_refs":[")" + kIndicatorB + R"("]})";
  const Imported imported = import_ok(bundle_of(objects));

  const auto problem_about = [&](const std::string& id) { return messages_about(imported.problems, id); };
  EXPECT_EQ(problem_about(kBadReport), "description contains the control character U+007F\n") << all_messages(imported);
  EXPECT_NE(problem_about(kIndicatorB).find("the report or grouping that names it was not imported"),
            std::string::npos);
  EXPECT_EQ(problem_about(kIndicatorA), "description contains the control character U+0007\n");
  EXPECT_EQ(problem_about(kKillChain), "kill_chain_phases[0].phase_name contains the control character U+007F\n");
  EXPECT_EQ(problem_about(kLabels), "labels[1] contains the control character U+001B\n");
  EXPECT_EQ(problem_about(kVulnerability), "description contains the control character U+0000\n");
  EXPECT_EQ(problem_about(kGood), "");
  EXPECT_NE(messages_about(imported.not_carried, "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d")
                .find(std::string("created_by_ref names an identity (") + kIdentity +
                      ") whose name contains the control character U+001B; it is not carried"),
            std::string::npos)
      << all_messages(imported);

  ASSERT_EQ(imported.reports.size(), 1u) << all_messages(imported);
  const v1::Report& report = imported.reports[0].report;
  ASSERT_EQ(report.indicators_size(), 1);
  const v1::Indicator& good = report.indicators(0);
  EXPECT_EQ(good.value(), "192.0.2.5");
  EXPECT_EQ(good.description(), "line\r\nbreaks") << "tab and line breaks are text";
  EXPECT_TRUE(has_label(good.labels(), "kept"));
  EXPECT_FALSE(has_label(good.labels(), "")) << "an empty label carries nothing and the broker refuses it";
  EXPECT_FALSE(std::any_of(good.labels().begin(), good.labels().end(),
                           [](const std::string& label) { return label.starts_with("stix-created-by:"); }));
}

TEST(StixImport, MissingTlpIsAProblemForThatReport) {
  const std::string objects =
      indicator_json(kIndicatorA, "[ipv4-addr:value = '192.0.2.1']") + "," +
      indicator_json(kIndicatorB, "[ipv4-addr:value = '192.0.2.2']") + "," +
      R"({"type":"report","spec_version":"2.1","id":"report--11111111-2222-4333-8444-555555555555","created":"2024-01-02T03:04:05.000Z","modified":"2024-01-02T03:04:05.000Z","name":"Marked","published":"2024-01-02T03:04:05.000Z","object_refs":["indicator--b2b2b2b2-0000-4000-8000-000000000002"],"object_marking_refs":["marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"]})";
  const Imported imported = import_ok(bundle_of(objects), options(v1::TLP_UNSPECIFIED));
  ASSERT_EQ(imported.reports.size(), 1u) << all_messages(imported);
  EXPECT_EQ(imported.reports[0].source, "report--11111111-2222-4333-8444-555555555555");
  EXPECT_EQ(imported.reports[0].report.tlp(), v1::AMBER);
  const std::string loose = messages_about(imported.problems, "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d");
  EXPECT_NE(loose.find("no TLP marking; give --tlp"), std::string::npos) << all_messages(imported);
}

// ------------------------------------------------------------------ TLP

TEST(StixImport, EveryTlpMarkingIdMaps) {
  const std::vector<std::pair<std::string, v1::Tlp>> cases = {
      {"marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487", v1::CLEAR},
      {"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb", v1::GREEN},
      {"marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421", v1::AMBER},
      {"marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003", v1::AMBER_STRICT},
      {"marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1", v1::RED},
      {"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9", v1::CLEAR},
      {"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da", v1::GREEN},
      {"marking-definition--f88d31f6-486f-44da-b317-01333bde0b82", v1::AMBER},
      {"marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed", v1::RED},
  };
  for (const auto& [marking, tlp] : cases) {
    const std::string objects = indicator_json(kIndicatorA, "[ipv4-addr:value = '192.0.2.1']",
                                               R"(,"object_marking_refs":[")" + marking + R"("])");
    const Imported imported = import_ok(bundle_of(objects), options(v1::TLP_UNSPECIFIED));
    ASSERT_EQ(imported.reports.size(), 1u) << marking;
    EXPECT_EQ(imported.reports[0].report.tlp(), tlp) << marking;
    EXPECT_TRUE(imported.not_carried.empty()) << all_messages(imported);
  }
}

TEST(StixImport, TlpFromMarkingObjectsAndStrictestWins) {
  // Markings with ids of their own: TLP 1.0 style definition and TLP 2.0 extension.
  const std::string markings =
      R"({"type":"marking-definition","spec_version":"2.1","id":"marking-definition--aaaaaaaa-0000-4000-8000-000000000001","created":"2020-01-01T00:00:00.000Z","definition_type":"tlp","definition":{"tlp":"amber"}},)"
      R"({"type":"marking-definition","spec_version":"2.1","id":"marking-definition--aaaaaaaa-0000-4000-8000-000000000002","created":"2020-01-01T00:00:00.000Z","name":"strict","extensions":{"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d":{"extension_type":"property-extension","tlp_2_0":"amber+strict"}}},)"
      R"({"type":"marking-definition","spec_version":"2.1","id":"marking-definition--aaaaaaaa-0000-4000-8000-000000000003","created":"2020-01-01T00:00:00.000Z","definition_type":"statement","definition":{"statement":"Copyright"}},)";
  {
    const Imported imported = import_ok(
        bundle_of(markings + indicator_json(kIndicatorA, "[ipv4-addr:value = '192.0.2.1']",
                                            R"(,"object_marking_refs":["marking-definition--aaaaaaaa-0000-4000-8000-000000000001"])")),
        options(v1::TLP_UNSPECIFIED));
    ASSERT_EQ(imported.reports.size(), 1u);
    EXPECT_EQ(imported.reports[0].report.tlp(), v1::AMBER);
    EXPECT_NE(messages_about(imported.not_carried, "marking-definition--aaaaaaaa-0000-4000-8000-000000000003"), "");
  }
  {
    const Imported imported = import_ok(
        bundle_of(markings + indicator_json(kIndicatorA, "[ipv4-addr:value = '192.0.2.1']",
                                            R"(,"object_marking_refs":["marking-definition--aaaaaaaa-0000-4000-8000-000000000002","marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"])")),
        options(v1::TLP_UNSPECIFIED));
    ASSERT_EQ(imported.reports.size(), 1u);
    EXPECT_EQ(imported.reports[0].report.tlp(), v1::AMBER_STRICT);
  }
  {
    // A GREEN report holding a RED indicator is RED; loose indicators take the strictest.
    const std::string objects =
        indicator_json(kIndicatorA, "[ipv4-addr:value = '192.0.2.1']",
                       R"(,"object_marking_refs":["marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"])") +
        "," +
        R"({"type":"report","spec_version":"2.1","id":"report--11111111-2222-4333-8444-555555555555","created":"2024-01-02T03:04:05.000Z","modified":"2024-01-02T03:04:05.000Z","name":"r","published":"2024-01-02T03:04:05.000Z","object_refs":["indicator--a1a1a1a1-0000-4000-8000-000000000001"],"object_marking_refs":["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"]},)" +
        indicator_json(kIndicatorB, "[ipv4-addr:value = '192.0.2.2']",
                       R"(,"object_marking_refs":["marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"])") +
        "," +
        indicator_json("indicator--c3c3c3c3-0000-4000-8000-000000000003", "[ipv4-addr:value = '192.0.2.3']",
                       R"(,"object_marking_refs":["marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"])");
    const Imported imported = import_ok(bundle_of(objects), options(v1::TLP_UNSPECIFIED));
    ASSERT_EQ(imported.reports.size(), 2u) << all_messages(imported);
    EXPECT_EQ(imported.reports[0].report.tlp(), v1::RED);
    EXPECT_EQ(imported.reports[1].report.tlp(), v1::AMBER);
    EXPECT_EQ(imported.reports[1].report.indicators_size(), 2);
  }
}

TEST(StixExport, EveryTlpGivesItsTlp2Marking) {
  const std::vector<std::tuple<v1::Tlp, std::string, std::string, std::string>> cases = {
      {v1::CLEAR, "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487", "TLP:CLEAR", "clear"},
      {v1::GREEN, "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb", "TLP:GREEN", "green"},
      {v1::AMBER, "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421", "TLP:AMBER", "amber"},
      {v1::AMBER_STRICT, "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003", "TLP:AMBER+STRICT", "amber+strict"},
      {v1::RED, "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1", "TLP:RED", "red"},
  };
  for (const auto& [tlp, id, name, level] : cases) {
    v1::Report report;
    report.set_id("0b5e9d7c-3f6a-4c1e-9a2b-8d7f6e5c4b3a");
    report.set_feed("f");
    report.set_tlp(tlp);
    auto* indicator = report.add_indicators();
    indicator->set_type(v1::Indicator::DOMAIN);
    indicator->set_value("example.com");
    const auto objects = stix_objects(delivered(report));
    ASSERT_FALSE(objects.empty());
    EXPECT_EQ(objects[0].id, id);
    EXPECT_EQ(objects[0].type, "marking-definition");
    EXPECT_EQ(objects[0].modified, "2022-10-01T00:00:00.000Z");
    EXPECT_EQ(objects[0].json,
              R"({"type":"marking-definition","spec_version":"2.1","id":")" + id +
                  R"(","created":"2022-10-01T00:00:00.000Z","name":")" + name +
                  R"(","extensions":{"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d":{"extension_type":"property-extension","tlp_2_0":")" +
                  level + R"("}}})");
    for (const auto& object : objects) {
      if (object.type == "indicator" || object.type == "report") {
        EXPECT_NE(object.json.find(R"("object_marking_refs":[")" + id + "\"]"), std::string::npos) << object.json;
      }
    }
    // And back.
    const Imported imported = import_ok(stix_bundle(delivered(report)), options(v1::TLP_UNSPECIFIED));
    ASSERT_EQ(imported.reports.size(), 1u);
    EXPECT_EQ(imported.reports[0].report.tlp(), tlp);
  }
}

// ------------------------------------------------------------------ patterns

TEST(StixPattern, ParsesTheGrammar) {
  const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
      {"[ipv4-addr:value = '198.51.100.1']", {}},
      {"[ ipv4-addr:value == '198.51.100.1' ]", {}},
      {"[ipv4-addr:value = '1.2.3.4' OR domain-name:value = 'x.example'] OR [url:value = 'http://x/']", {}},
      {"[file:hashes.'SHA-256' = 'aa' AND file:size > 10]", {"AND"}},
      {"[a:b = 'x'] AND [c:d = 'y']", {"AND"}},
      {"[a:b = 'x'] FOLLOWEDBY [c:d = 'y'] WITHIN 300 SECONDS", {"FOLLOWEDBY", "WITHIN"}},
      {"([a:b = 'x'] OR [c:d = 'y']) REPEATS 5 TIMES", {"REPEATS"}},
      {"[a:b = 'x'] START t'2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00.5Z'", {"START/STOP"}},
      {"[a:b IN ('x', 'y', 3)]", {}},
      {"[a:b NOT = 'x' OR EXISTS a:c OR (a:d LIKE 'x%' AND a:e MATCHES '^x$')]", {"AND"}},
      {"[network-traffic:dst_ref.value ISSUBSET '10.0.0.0/8']", {}},
      {"[email-message:body_multipart[*].body_raw_ref.name MATCHES '^Final Report.+\\\\.exe$']", {}},
      {"[a:b[0].c[-1] = h'0aff' OR a:c = b'AAEC' OR a:d = true OR a:e >= -1.5 OR a:f = t'2020-01-01T00:00:00Z']", {}},
      {"[a:b = 'it\\'s \\\\ here']", {}},
  };
  for (const auto& [pattern, combinators] : cases) {
    auto parsed = parse_stix_pattern(pattern);
    ASSERT_TRUE(parsed.has_value()) << pattern << ": " << parsed.error().message;
    EXPECT_EQ(parsed.value().combinators, combinators) << pattern;
  }
  auto escaped = parse_stix_pattern("[a:b = 'it\\'s \\\\ here']");
  EXPECT_EQ(escaped.value().comparisons.at(0).values.at(0).text, "it's \\ here");
  auto in_set = parse_stix_pattern("[a:b IN ('x', 'y')]");
  EXPECT_EQ(in_set.value().comparisons.at(0).op, "IN");
  EXPECT_EQ(in_set.value().comparisons.at(0).values.size(), 2u);
  auto hashes = parse_stix_pattern("[file:hashes.'SHA-256' = 'aa']");
  EXPECT_EQ(hashes.value().comparisons.at(0).path, (std::vector<std::string>{"hashes", "SHA-256"}));
  EXPECT_EQ(stix_object_path(hashes.value().comparisons.at(0)), "file:hashes.'SHA-256'");
}

TEST(StixPattern, RejectsWithPosition) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "at position 0"},
      {"[ipv4-addr:value = '1.2.3.4'", "at position 28"},
      {"[ipv4-addr:value = '1.2.3.4]", "at position 19"},  // unterminated string
      {"[ipv4-addr:value = 'a\\b']", "at position 21"},     // \b is no escape
      {"ipv4-addr:value = '1.2.3.4'", "at position 0"},
      {"[ipv4-addr:value '1.2.3.4']", "at position 17"},
      {"[ipv4-addr = '1.2.3.4']", "at position 11"},
      {"[a:b = 'x'] WITHIN SECONDS", "at position 19"},
      {"[a:b = 'x'] START '2016' STOP t'2016-07-01T00:00:00Z'", "at position 18"},
      {"[a:b > true]", "at position 7"},
      {"[a:b = 'x'] [c:d = 'y']", "at position 12"},
      {"[a:b = t'2016-13-01T00:00:00Z']", "at position 7"},
      {"[a:b = 007]", "at position 7"},
      {"[a:b LIKE 5]", "at position 10"},
      {"[a:b = 'x' AND]", "at position 14"},
  };
  for (const auto& [pattern, position] : cases) {
    auto parsed = parse_stix_pattern(pattern);
    ASSERT_FALSE(parsed.has_value()) << pattern;
    EXPECT_EQ(parsed.error().code, v1::INVALID_INPUT);
    EXPECT_NE(parsed.error().message.find(position), std::string::npos) << pattern << ": " << parsed.error().message;
  }
}

TEST(StixImport, PatternCombinationsAndPaths) {
  const std::string objects =
      indicator_json("indicator--a1a1a1a1-0000-4000-8000-000000000001",
                     "[ipv4-addr:value = '192.0.2.1' OR ipv6-addr:value = '2001:db8::/32' OR url:value = 'http://x.example/a']") +
      "," +
      indicator_json("indicator--a1a1a1a1-0000-4000-8000-000000000002",
                     "[file:hashes.SHA256 = 'ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c' AND file:name = 'a.exe']") +
      "," +
      indicator_json("indicator--a1a1a1a1-0000-4000-8000-000000000003",
                     "[domain-name:value = 'a.example'] FOLLOWEDBY [email-addr:value = 'x@example.org'] WITHIN 60 SECONDS") +
      "," +
      indicator_json("indicator--a1a1a1a1-0000-4000-8000-000000000004",
                     "[mutex:name = 'Global\\\\m' OR process:name = 'x.exe' OR domain-name:value MATCHES '^evil']") +
      "," +
      indicator_json("indicator--a1a1a1a1-0000-4000-8000-000000000005",
                     "[autonomous-system:number = 64496 OR windows-registry-key:key = 'HKEY_LOCAL_MACHINE\\\\Run' OR "
                     "network-traffic:extensions.'http-request-ext'.request_header.'User-Agent' = 'Evil/1.0' OR "
                     "file:hashes.'SHA-1' = 'da39a3ee5e6b4b0d3255bfef95601890afd80709' OR file:hashes.MD5 IN "
                     "('d41d8cd98f00b204e9800998ecf8427e', '0cc175b9c0f1b6a831c399e269772661') OR file:hashes.ssdeep = "
                     "'3:a:b' OR file:hashes.'SHA-512' = '" +
                         std::string(128, 'a') + "']");
  const Imported imported = import_ok(bundle_of(objects));
  ASSERT_EQ(imported.reports.size(), 1u) << all_messages(imported);
  const v1::Report& report = imported.reports[0].report;
  // OR: three indicators, nothing said.
  EXPECT_EQ(find_value(report, "192.0.2.1")->type(), v1::Indicator::IPV4);
  EXPECT_EQ(find_value(report, "2001:db8::/32")->type(), v1::Indicator::IPV6_CIDR);
  EXPECT_EQ(find_value(report, "http://x.example/a")->type(), v1::Indicator::URL);
  EXPECT_EQ(messages_about(imported.not_carried, "indicator--a1a1a1a1-0000-4000-8000-000000000001"), "");
  // AND: each value on its own, and said so.
  EXPECT_EQ(find_value(report, "ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c")->type(),
            v1::Indicator::SHA256);
  EXPECT_EQ(find_value(report, "a.exe")->type(), v1::Indicator::FILENAME);
  EXPECT_NE(messages_about(imported.not_carried, "indicator--a1a1a1a1-0000-4000-8000-000000000002").find("AND"),
            std::string::npos);
  const std::string followed = messages_about(imported.not_carried, "indicator--a1a1a1a1-0000-4000-8000-000000000003");
  EXPECT_NE(followed.find("FOLLOWEDBY"), std::string::npos) << followed;
  EXPECT_NE(followed.find("WITHIN"), std::string::npos) << followed;
  EXPECT_EQ(find_value(report, "x@example.org")->type(), v1::Indicator::EMAIL);
  // Unsupported paths and operators: named, the rest carried.
  EXPECT_EQ(find_value(report, "Global\\m")->type(), v1::Indicator::MUTEX);
  const std::string partial = messages_about(imported.not_carried, "indicator--a1a1a1a1-0000-4000-8000-000000000004");
  EXPECT_NE(partial.find("process:name"), std::string::npos) << partial;
  EXPECT_NE(partial.find("MATCHES"), std::string::npos) << partial;
  EXPECT_EQ(partial.find("evil"), std::string::npos) << partial;
  EXPECT_EQ(find_value(report, "AS64496")->type(), v1::Indicator::ASN);
  EXPECT_EQ(find_value(report, "HKEY_LOCAL_MACHINE\\Run")->type(), v1::Indicator::REGISTRY_KEY);
  EXPECT_EQ(find_value(report, "Evil/1.0")->type(), v1::Indicator::USER_AGENT);
  EXPECT_EQ(find_value(report, "da39a3ee5e6b4b0d3255bfef95601890afd80709")->type(), v1::Indicator::SHA1);
  EXPECT_EQ(find_value(report, "d41d8cd98f00b204e9800998ecf8427e")->type(), v1::Indicator::MD5);
  EXPECT_EQ(find_value(report, "0cc175b9c0f1b6a831c399e269772661")->type(), v1::Indicator::MD5);
  EXPECT_EQ(find_value(report, "3:a:b")->type(), v1::Indicator::SSDEEP);
  EXPECT_EQ(find_value(report, std::string(128, 'a'))->type(), v1::Indicator::SHA512);
  EXPECT_TRUE(imported.problems.empty()) << all_messages(imported);
}

// ------------------------------------------------------------------ round trip

constexpr char kRoundTripBundle[] = R"({"type":"bundle","id":"bundle--6c1b2c2e-58b4-4ad4-9a8e-0e6fb6f3a001","objects":[
  {"type":"identity","spec_version":"2.1","id":"identity--0c1b2c2e-58b4-4ad4-9a8e-0e6fb6f3a002","created":"2020-01-01T00:00:00.000Z","modified":"2020-01-01T00:00:00.000Z","name":"CERT Origin","identity_class":"organization"},
  {"type":"indicator","spec_version":"2.1","id":"indicator--0c1b2c2e-58b4-4ad4-9a8e-0e6fb6f3a003","created_by_ref":"identity--0c1b2c2e-58b4-4ad4-9a8e-0e6fb6f3a002","created":"2024-03-01T12:00:00.000Z","modified":"2024-03-02T12:00:00.000Z","name":"Dropper name","description":"Seen in the \"spring\" wave","indicator_types":["malicious-activity","attribution"],"pattern":"[file:name = 'C:\\\\Temp\\\\o\\'brien.exe']","pattern_type":"stix","pattern_version":"2.1","valid_from":"2024-03-01T12:00:00.000Z","valid_until":"2024-09-01T00:00:00.000Z","kill_chain_phases":[{"kill_chain_name":"lockheed-martin-cyber-kill-chain","phase_name":"delivery"},{"kill_chain_name":"mitre-attack","phase_name":"execution"}],"confidence":85,"labels":["dropper","spring-wave"],"object_marking_refs":["marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"]},
  {"type":"indicator","spec_version":"2.1","id":"indicator--0c1b2c2e-58b4-4ad4-9a8e-0e6fb6f3a004","created":"2024-03-01T12:00:00.000Z","modified":"2024-03-01T12:00:00.000Z","name":"C2","indicator_types":["malicious-activity"],"pattern":"[domain-name:value = 'c2.example.net']","pattern_type":"stix","valid_from":"2024-03-01T12:00:00.000Z","confidence":40},
  {"type":"vulnerability","spec_version":"2.1","id":"vulnerability--0c1b2c2e-58b4-4ad4-9a8e-0e6fb6f3a005","created":"2024-03-01T12:00:00.000Z","modified":"2024-03-01T12:00:00.000Z","name":"Log4Shell","description":"JNDI lookup","external_references":[{"source_name":"cve","external_id":"CVE-2021-44228"}]},
  {"type":"ipv4-addr","spec_version":"2.1","id":"ipv4-addr--0c1b2c2e-58b4-4ad4-9a8e-0e6fb6f3a006","value":"203.0.113.9"},
  {"type":"report","spec_version":"2.1","id":"report--0c1b2c2e-58b4-4ad4-9a8e-0e6fb6f3a007","created_by_ref":"identity--0c1b2c2e-58b4-4ad4-9a8e-0e6fb6f3a002","created":"2024-03-01T12:00:00.000Z","modified":"2024-03-01T12:00:00.000Z","name":"Spring wave","description":"Droppers and their C2","report_types":["threat-report","malware"],"published":"2024-03-03T00:00:00.000Z","labels":["campaign:spring"],"object_refs":["indicator--0c1b2c2e-58b4-4ad4-9a8e-0e6fb6f3a003","indicator--0c1b2c2e-58b4-4ad4-9a8e-0e6fb6f3a004","vulnerability--0c1b2c2e-58b4-4ad4-9a8e-0e6fb6f3a005","ipv4-addr--0c1b2c2e-58b4-4ad4-9a8e-0e6fb6f3a006"],"object_marking_refs":["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"]}
]})";

TEST(StixRoundTrip, StixToWeftToStixKeepsCarriedFields) {
  const Imported imported = import_ok(kRoundTripBundle, options(v1::TLP_UNSPECIFIED));
  ASSERT_EQ(imported.reports.size(), 1u) << all_messages(imported);
  EXPECT_TRUE(imported.problems.empty()) << all_messages(imported);
  const v1::Report& weft = imported.reports[0].report;
  EXPECT_EQ(weft.tlp(), v1::AMBER);  // the indicator's AMBER beats the report's GREEN
  EXPECT_EQ(weft.id(), "0c1b2c2e-58b4-4ad4-9a8e-0e6fb6f3a007");
  EXPECT_TRUE(has_label(weft.labels(), "stix-created-by:CERT Origin"));
  const v1::Indicator* file = find_value(weft, "C:\\Temp\\o'brien.exe");
  ASSERT_NE(file, nullptr);
  EXPECT_EQ(file->description(), "Seen in the \"spring\" wave");
  EXPECT_EQ(file->confidence(), 85u);
  const v1::Indicator* context = find_value(weft, "203.0.113.9");
  ASSERT_NE(context, nullptr);
  EXPECT_TRUE(has_label(context->labels(), "to-ids:false"));

  const auto original = json::parse(kRoundTripBundle).as_object().at("objects").as_array();
  const auto exported = objects_by_id(stix_objects(delivered(weft, "CERT Relay")));
  for (const auto& value : original) {
    const json::object& before = value.as_object();
    const std::string id = text(before, "id");
    if (text(before, "type") == "indicator" || text(before, "type") == "vulnerability") {
      ASSERT_EQ(exported.count(id), 1u) << id;
      const json::object& after = exported.at(id);
      for (const char* key : {"name", "description", "indicator_types", "pattern", "pattern_type", "valid_from",
                              "valid_until", "kill_chain_phases", "confidence", "labels", "external_references"}) {
        const json::value* was = before.if_contains(key);
        const json::value* now = after.if_contains(key);
        ASSERT_EQ(was == nullptr, now == nullptr) << id << " " << key;
        if (was != nullptr) {
          EXPECT_EQ(json::serialize(*was), json::serialize(*now)) << id << " " << key;
        }
      }
      EXPECT_EQ(json::serialize(after.at("object_marking_refs")),
                R"(["marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"])");
    }
  }
  const json::object& report = exported.at("report--0c1b2c2e-58b4-4ad4-9a8e-0e6fb6f3a007");
  EXPECT_EQ(text(report, "name"), "Spring wave");
  EXPECT_EQ(text(report, "description"), "Droppers and their C2");
  EXPECT_EQ(json::serialize(report.at("report_types")), R"(["threat-report","malware"])");
  EXPECT_EQ(json::serialize(report.at("labels")), R"(["campaign:spring","stix-created-by:CERT Origin"])");
  EXPECT_EQ(text(report, "created"), "2024-03-01T12:00:00.000Z");
  EXPECT_EQ(text(report, "published"), "2026-11-29T10:15:00.123Z");
  EXPECT_EQ(text(report, "x_weft_feed"), "cert-feed");
  EXPECT_EQ(report.at("x_weft_sequence").to_number<int>(), 7);
  EXPECT_EQ(text(report, "created_by_ref"), "identity--" + name_based_uuid("organisation:CERT Relay"));
  // The context address is an observable the report refers to.
  bool observable = false;
  for (const auto& [id, object] : exported) {
    if (text(object, "type") == "ipv4-addr") {
      observable = text(object, "value") == "203.0.113.9";
      EXPECT_NE(json::serialize(report.at("object_refs")).find(id), std::string::npos);
    }
  }
  EXPECT_TRUE(observable);

  // And once more into weft: the same report.
  const Imported again = import_ok(stix_bundle(delivered(weft, "CERT Relay")), options(v1::TLP_UNSPECIFIED));
  ASSERT_EQ(again.reports.size(), 1u) << all_messages(again);
  v1::Report second = again.reports[0].report;
  EXPECT_EQ(second.id(), weft.id());
  EXPECT_EQ(second.tlp(), weft.tlp());
  ASSERT_EQ(second.indicators_size(), weft.indicators_size());
  for (int i = 0; i < weft.indicators_size(); ++i) {
    EXPECT_EQ(second.indicators(i).SerializeAsString(), weft.indicators(i).SerializeAsString())
        << weft.indicators(i).DebugString() << "\nvs\n"
        << second.indicators(i).DebugString();
  }
}

// ------------------------------------------------------------------ export

v1::Indicator make_indicator(v1::Indicator::Type type, const std::string& value,
                             std::vector<std::string> labels = {}) {
  v1::Indicator indicator;
  indicator.set_type(type);
  indicator.set_value(value);
  for (auto& label : labels) {
    *indicator.add_labels() = std::move(label);
  }
  return indicator;
}

// Every indicator type, as detection and as context, with quotes, backslashes
// and non-ASCII text in values.
v1::Report every_type_report() {
  v1::Report report;
  report.set_id("9d3c1f0e-2b4a-4c6d-8e9f-0a1b2c3d4e5f");
  report.set_feed("national-cert");
  report.set_tlp(v1::AMBER);
  report.set_title("Every type — «quoted» 'and' \"double\"");
  report.set_description("Multi-line\ndescription with ünïcödé and a backslash \\");
  *report.mutable_created() = at("2026-11-28T08:00:00Z");
  *report.add_labels() = "report-type:campaign";
  *report.add_labels() = "sector:energy";
  const std::vector<std::pair<v1::Indicator::Type, std::string>> values = {
      {v1::Indicator::IPV4, "198.51.100.7"},
      {v1::Indicator::IPV6, "2001:db8::1"},
      {v1::Indicator::DOMAIN, "bücher.example"},
      {v1::Indicator::URL, "http://x4z9arb.cn/4712/?q='x'&r=\\y"},
      {v1::Indicator::EMAIL, "o'brien@example.org"},
      {v1::Indicator::MD5, "d41d8cd98f00b204e9800998ecf8427e"},
      {v1::Indicator::SHA1, "da39a3ee5e6b4b0d3255bfef95601890afd80709"},
      {v1::Indicator::SHA256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
      {v1::Indicator::SHA512, std::string(128, 'c')},
      {v1::Indicator::CVE, "CVE-2021-44228"},
      {v1::Indicator::ASN, "AS64496"},
      {v1::Indicator::IPV4_CIDR, "198.51.100.0/24"},
      {v1::Indicator::IPV6_CIDR, "2001:db8::/32"},
      {v1::Indicator::FILENAME, "C:\\Temp\\it's.exe"},
      {v1::Indicator::MUTEX, "Global\\m'x"},
      {v1::Indicator::REGISTRY_KEY, "HKLM\\Software\\Run"},
      {v1::Indicator::USER_AGENT, "Mozilla/5.0 (\"x\")"},
      {v1::Indicator::JA3, "e7d705a3286e19ea42f587b344ee6865"},
      {v1::Indicator::SSDEEP, "3:AXGBicFlgVNhBGcL6wCrFQEv:AXGHsNhxLsr2C"},
      {v1::Indicator::OTHER, "free text ünïcödé 'x'"},
  };
  for (const auto& [type, value] : values) {
    v1::Indicator indicator = make_indicator(type, value, {"tag'1", "misp-type:text"});
    indicator.set_description("About " + value);
    indicator.set_confidence(60);
    *indicator.mutable_valid_from() = at("2026-11-28T08:00:00.5Z");
    *indicator.mutable_valid_until() = at("2027-11-28T08:00:00Z");
    *report.add_indicators() = indicator;
    if (type != v1::Indicator::OTHER && type != v1::Indicator::CVE) {
      *report.add_indicators() = make_indicator(type, value, {"to-ids:false"});
    }
  }
  // A valid_until not after valid_from is left out rather than made invalid.
  v1::Indicator backwards = make_indicator(v1::Indicator::DOMAIN, "backwards.example", {"kill-chain:kc:phase:sub"});
  *backwards.mutable_valid_from() = at("2026-01-01T00:00:00Z");
  *backwards.mutable_valid_until() = at("2025-01-01T00:00:00Z");
  *report.add_indicators() = backwards;
  return report;
}

TEST(StixExport, EveryTypeBecomesTheRightObject) {
  const v1::Report report = delivered(every_type_report());
  const auto objects = stix_objects(report);
  std::map<std::string, int> types;
  std::vector<std::string> patterns;
  for (const auto& object : objects) {
    ++types[object.type];
    const json::object parsed = json::parse(object.json).as_object();
    EXPECT_EQ(text(parsed, "id"), object.id);
    EXPECT_EQ(object.id.rfind(object.type + "--", 0), 0u);
    if (object.type == "indicator") {
      patterns.push_back(text(parsed, "pattern"));
      auto reparsed = parse_stix_pattern(patterns.back());
      ASSERT_TRUE(reparsed.has_value()) << patterns.back();
      EXPECT_EQ(object.modified, text(parsed, "modified"));
    }
  }
  EXPECT_EQ(types["marking-definition"], 1);
  EXPECT_EQ(types["identity"], 1);
  EXPECT_EQ(types["indicator"], 19);  // 20 types less CVE and OTHER, plus "backwards"
  EXPECT_EQ(types["vulnerability"], 1);
  EXPECT_EQ(types["note"], 2);  // context (OTHER, user agent, JA3) and the redaction summary
  EXPECT_EQ(types["report"], 1);
  EXPECT_EQ(types["ipv4-addr"], 2);
  EXPECT_EQ(types["file"], 6);
  EXPECT_EQ(objects.back().type, "report");
  const auto has_pattern = [&](const std::string& pattern) {
    return std::find(patterns.begin(), patterns.end(), pattern) != patterns.end();
  };
  EXPECT_TRUE(has_pattern("[file:name = 'C:\\\\Temp\\\\it\\'s.exe']"));
  EXPECT_TRUE(has_pattern("[email-addr:value = 'o\\'brien@example.org']"));
  EXPECT_TRUE(has_pattern("[file:hashes.'SHA-256' = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855']"));
  EXPECT_TRUE(has_pattern("[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e']"));
  EXPECT_TRUE(has_pattern("[autonomous-system:number = 64496]"));
  EXPECT_TRUE(has_pattern("[windows-registry-key:key = 'HKEY_LOCAL_MACHINE\\\\Software\\\\Run']"));
  EXPECT_TRUE(has_pattern("[network-traffic:extensions.'http-request-ext'.request_header.'User-Agent' = 'Mozilla/5.0 (\"x\")']"));
  EXPECT_TRUE(has_pattern("[ipv6-addr:value = '2001:db8::/32']"));

  const auto by_id = objects_by_id(objects);
  for (const auto& [id, object] : by_id) {
    if (text(object, "type") == "indicator" && text(object, "name") == "domain indicator" &&
        text(object, "pattern").find("backwards") != std::string::npos) {
      EXPECT_FALSE(object.contains("valid_until"));
      EXPECT_EQ(json::serialize(object.at("kill_chain_phases")), R"([{"kill_chain_name":"kc","phase_name":"phase:sub"}])");
      EXPECT_EQ(json::serialize(object.at("indicator_types")), R"(["unknown"])");
    }
    if (text(object, "type") == "note" && text(object, "abstract") == "weft redaction summary") {
      EXPECT_EQ(text(object, "content"), "Filtered for this recipient by policy 'gdpr-default' version 3.\nEMAIL: REDACT 2");
      EXPECT_FALSE(object.contains("created_by_ref"));
    }
    if (text(object, "type") == "note" && text(object, "abstract") == "weft context") {
      const std::string content = text(object, "content");
      EXPECT_NE(content.find("text: free text ünïcödé 'x'"), std::string::npos) << content;
      EXPECT_NE(content.find("Mozilla/5.0"), std::string::npos) << content;
    }
    if (text(object, "type") == "indicator" && text(object, "pattern").find("backwards") == std::string::npos) {
      EXPECT_EQ(json::serialize(object.at("labels")), R"(["tag'1","misp-type:text"])");
      EXPECT_EQ(object.at("confidence").to_number<int>(), 60) << text(object, "pattern");
    }
  }
  const json::object& stix_report = by_id.at("report--9d3c1f0e-2b4a-4c6d-8e9f-0a1b2c3d4e5f");
  EXPECT_EQ(text(stix_report, "name"), "Every type — «quoted» 'and' \"double\"");
  EXPECT_EQ(json::serialize(stix_report.at("report_types")), R"(["campaign"])");
  EXPECT_EQ(stix_report.at("object_refs").as_array().size(), objects.size() - 3);  // all but marking, identity, itself
}

TEST(StixExport, DeterministicAndOneLine) {
  const v1::Report report = delivered(every_type_report());
  const std::string bundle = stix_bundle(report);
  EXPECT_EQ(bundle, stix_bundle(report));
  EXPECT_EQ(bundle.find('\n'), std::string::npos);
  const json::object parsed = json::parse(bundle).as_object();
  EXPECT_EQ(text(parsed, "type"), "bundle");
  EXPECT_EQ(text(parsed, "id"), "bundle--" + name_based_uuid("bundle:9d3c1f0e-2b4a-4c6d-8e9f-0a1b2c3d4e5f:7"));
  EXPECT_EQ(parsed.at("objects").as_array().size(), stix_objects(report).size());
  // Without a stix-id label, ids come from the report, position, type and value.
  v1::Report other = report;
  other.mutable_broker()->set_sequence(8);
  EXPECT_NE(stix_bundle(other), bundle);
  EXPECT_EQ(stix_objects(other)[3].id, stix_objects(report)[3].id);
}

TEST(StixExport, RedReportWithoutContentStillValidShape) {
  v1::Report report;
  report.set_id("1d3c1f0e-2b4a-4c6d-8e9f-0a1b2c3d4e5f");
  report.set_feed("f");
  report.set_tlp(v1::RED);
  const auto objects = stix_objects(delivered(report));
  ASSERT_EQ(objects.size(), 4u);  // marking, identity, redaction note, report
  const json::object stix_report = json::parse(objects.back().json).as_object();
  EXPECT_EQ(text(stix_report, "name"), "weft report 1d3c1f0e-2b4a-4c6d-8e9f-0a1b2c3d4e5f");
  EXPECT_FALSE(stix_report.at("object_refs").as_array().empty());
}

// ------------------------------------------------------------------ schema validation

std::string shell_quote(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  }
  return out + "'";
}

struct ValidatorRun {
  int status = -1;
  std::string output;
};

ValidatorRun run_validator(const std::vector<fs::path>& bundles, const fs::path& work) {
  std::string command = "/usr/bin/python3 " + shell_quote((fs::path(WEFT_INTEROP_DIR) / "validate_stix.py").string());
  for (const auto& bundle : bundles) {
    command += " " + shell_quote(bundle.string());
  }
  const fs::path output = work / "validator-output.txt";
  command += " > " + shell_quote(output.string()) + " 2>&1";
  const int raw = std::system(command.c_str());
  ValidatorRun run;
  run.status = raw == -1 ? -1 : WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  run.output = read_file(output);
  return run;
}

fs::path fresh_dir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("weft-stix-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

void require_jsonschema() {
  const int status = std::system("/usr/bin/python3 -c 'import jsonschema' > /dev/null 2>&1");
  ASSERT_EQ(status, 0) << "/usr/bin/python3 cannot import jsonschema: the STIX schema validation cannot run. "
                          "Install it (Debian: apt-get install python3-jsonschema).";
}

void write(const fs::path& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
}

TEST(StixSchema, ExportsValidateAgainstTheOfficialSchemas) {
  require_jsonschema();
  if (HasFatalFailure()) {
    return;
  }
  const fs::path dir = fresh_dir("valid");
  std::vector<fs::path> bundles;
  // Every official example, imported and exported again, and the examples themselves.
  for (const char* name : {"indicator-for-c2-ip-address.json", "indicator-to-campaign-relationship.json",
                           "indicators-for-C2-with-COA.json", "malicious-email-indicator-with-attachment.json",
                           "infrastructure.json", "threat-reports/apt1.json", "threat-reports/poisonivy.json"}) {
    bundles.push_back(stix_data(std::string("examples/") + name));
    const Imported imported = import_ok(read_file(stix_data(std::string("examples/") + name)));
    for (std::size_t i = 0; i < imported.reports.size(); ++i) {
      const fs::path path = dir / (fs::path(name).stem().string() + "-" + std::to_string(i) + ".json");
      write(path, stix_bundle(delivered(imported.reports[i].report)));
      bundles.push_back(path);
    }
  }
  {
    const Imported imported = import_ok(kRoundTripBundle, options(v1::TLP_UNSPECIFIED));
    ASSERT_EQ(imported.reports.size(), 1u);
    write(dir / "round-trip.json", stix_bundle(delivered(imported.reports[0].report)));
    bundles.push_back(dir / "round-trip.json");
  }
  // Hand-built: every type at every TLP, and a sealed RED report without content.
  for (v1::Tlp tlp : {v1::CLEAR, v1::GREEN, v1::AMBER, v1::AMBER_STRICT, v1::RED}) {
    v1::Report report = every_type_report();
    report.set_tlp(tlp);
    const fs::path path = dir / ("every-type-" + std::string(tlp_level_name(tlp)) + ".json");
    write(path, stix_bundle(delivered(report)));
    bundles.push_back(path);
  }
  {
    v1::Report empty;
    empty.set_id("1d3c1f0e-2b4a-4c6d-8e9f-0a1b2c3d4e5f");
    empty.set_feed("f");
    empty.set_tlp(v1::RED);
    write(dir / "red-empty.json", stix_bundle(delivered(empty)));
    bundles.push_back(dir / "red-empty.json");
  }
  const ValidatorRun run = run_validator(bundles, dir);
  EXPECT_EQ(run.status, 0) << run.output;
  EXPECT_EQ(run.output, "");
  // To look at the exports: WEFT_KEEP_STIX_EXPORTS=1 keeps them.
  if (std::getenv("WEFT_KEEP_STIX_EXPORTS") == nullptr) {
    fs::remove_all(dir);
  } else {
    std::printf("exports kept in %s\n", dir.c_str());
  }
}

TEST(StixSchema, ValidatorRejectsABrokenBundle) {
  require_jsonschema();
  if (HasFatalFailure()) {
    return;
  }
  const fs::path dir = fresh_dir("broken");
  v1::Report report = every_type_report();
  json::object bundle = json::parse(stix_bundle(delivered(report))).as_object();
  std::string older_modified;
  std::string bad_pattern;
  std::string no_pattern_type;
  for (json::value& value : bundle.at("objects").as_array()) {
    json::object& object = value.as_object();
    if (text(object, "type") != "indicator") {
      continue;
    }
    if (older_modified.empty()) {
      older_modified = text(object, "id");
      object["modified"] = "2000-01-01T00:00:00.000Z";
    } else if (bad_pattern.empty()) {
      bad_pattern = text(object, "id");
      object["pattern"] = "[ipv4-addr:value = '198.51.100.7'";
    } else if (no_pattern_type.empty()) {
      no_pattern_type = text(object, "id");
      object.erase("pattern_type");
    }
  }
  write(dir / "broken.json", json::serialize(bundle));
  const ValidatorRun run = run_validator({dir / "broken.json"}, dir);
  EXPECT_EQ(run.status, 1) << run.output;
  EXPECT_NE(run.output.find(older_modified + ": modified is earlier than created"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find(bad_pattern + ": pattern does not parse"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find(no_pattern_type + ": schema indicator"), std::string::npos) << run.output;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace weft::formats
