// The formats end to end against a real weftd: a CERT publishes STIX 2.1,
// MISP and CSV with `weft publish --format`, subscribers read STIX, MISP
// and CSV with `weft subscribe --format` and `weft export`, and what comes
// out has gone through the recipient's policy (planted personal data never
// appears) and, for STIX, validates against the official schemas.
#include <gtest/gtest.h>

#include <fstream>

#include "tests/harness/deployment.h"

namespace weft::testing {
namespace {

using namespace std::chrono_literals;

const std::filesystem::path kSourceDir = WEFT_SOURCE_DIR;
const std::filesystem::path kExamples = kSourceDir / "tests/data/stix2.1/examples";
constexpr const char* kPython = "/usr/bin/python3";

class FormatsCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    deployment_.add_org("cert-nl", "publisher", {}, "NL", "csirt");
    deployment_.add_org("acme-bank", "subscriber", {}, "NL", "finance");  // eu-baseline
    deployment_.start_broker();
  }

  std::filesystem::path write(const std::string& name, const std::string& text) const {
    const auto path = deployment_.dir() / name;
    std::ofstream(path) << text;
    return path;
  }

  // A subscriber already listening before anything is published.
  std::unique_ptr<ChildProcess> subscriber(const std::string& format, int count) const {
    auto child = std::make_unique<ChildProcess>(
        deployment_.weft_argv("acme-bank", {"subscribe", "--feed", "phishing", "--format", format, "--count",
                                            std::to_string(count), "--timeout", "30"}),
        deployment_.dir(), "subscriber-" + format);
    EXPECT_TRUE(eventually([&] { return child->stderr_text().find("waiting for reports") != std::string::npos; }, 10s))
        << child->stderr_text();
    return child;
  }

  // The official STIX validator script over one file: empty when it passes.
  std::string stix_problems(const std::filesystem::path& bundle_file) const {
    auto checked = run_command({kPython, (kSourceDir / "tests/interop/validate_stix.py").string(), bundle_file.string()});
    return checked.exit_code == 0 ? std::string() : checked.out + checked.err;
  }

  TestDeployment deployment_{"formats-cli"};
};

constexpr const char* kPhishingBundle = R"({
  "type": "bundle",
  "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d",
  "objects": [
    {"type": "marking-definition", "spec_version": "2.1", "id": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
     "created": "2022-10-01T00:00:00.000Z", "name": "TLP:GREEN",
     "extensions": {"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d":
                    {"extension_type": "property-extension", "tlp_2_0": "green"}}},
    {"type": "indicator", "spec_version": "2.1", "id": "indicator--7a5a8f4e-6a1d-4f0e-9e42-1b7d2f6c9a01",
     "created": "2026-11-20T08:00:00.000Z", "modified": "2026-11-20T08:00:00.000Z",
     "name": "Credential phishing kit", "description": "Kit collecting bank logins",
     "indicator_types": ["malicious-activity"], "pattern_type": "stix", "pattern_version": "2.1",
     "pattern": "[url:value = 'https://login-bank.example/kit/']", "valid_from": "2026-11-20T08:00:00Z",
     "confidence": 85, "labels": ["phishing"],
     "kill_chain_phases": [{"kill_chain_name": "lockheed-martin-cyber-kill-chain", "phase_name": "delivery"}],
     "object_marking_refs": ["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"]},
    {"type": "report", "spec_version": "2.1", "id": "report--3c1c5d2e-8f8e-4a3b-9d0f-6a9b8e7d6c51",
     "created": "2026-11-20T08:00:00.000Z", "modified": "2026-11-20T08:00:00.000Z",
     "name": "Phishing wave against bank customers",
     "description": "Reported by the victim Maria Rossi (maria.rossi@victim-corp.example, +31 6 12345678).",
     "published": "2026-11-20T08:00:00.000Z", "report_types": ["campaign"],
     "object_refs": ["indicator--7a5a8f4e-6a1d-4f0e-9e42-1b7d2f6c9a01"],
     "object_marking_refs": ["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"]},
    {"type": "malware", "spec_version": "2.1", "id": "malware--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061",
     "created": "2026-11-20T08:00:00.000Z", "modified": "2026-11-20T08:00:00.000Z",
     "name": "PhishKit", "is_family": true}
  ]
})";

TEST_F(FormatsCliTest, AStixBundleGoesInAndValidStixWithoutThePersonalDataComesOut) {
  auto bank = subscriber("stix", 1);
  const auto input = write("phishing-bundle.json", kPhishingBundle);
  auto published = deployment_.weft("cert-nl", {"publish", "--format", "stix", "--feed", "phishing", input.string()});
  ASSERT_EQ(published.exit_code, 0) << published.err;
  EXPECT_NE(published.out.find("3c1c5d2e-8f8e-4a3b-9d0f-6a9b8e7d6c51"), std::string::npos) << published.out;
  // Nothing silently dropped: the malware object is named.
  EXPECT_NE(published.err.find("malware--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061"), std::string::npos) << published.err;
  EXPECT_NE(published.err.find("not carried"), std::string::npos) << published.err;

  ASSERT_EQ(bank->wait(30s), std::optional<int>(0)) << bank->stderr_text();
  const auto lines = complete_lines(bank->stdout_text());
  ASSERT_EQ(lines.size(), 1U);
  const std::string& bundle = lines[0];
  EXPECT_TRUE(bundle.starts_with("{\"type\":\"bundle\"")) << bundle;
  EXPECT_NE(bundle.find("[url:value = 'https://login-bank.example/kit/']"), std::string::npos) << bundle;
  EXPECT_NE(bundle.find("indicator--7a5a8f4e-6a1d-4f0e-9e42-1b7d2f6c9a01"), std::string::npos) << bundle;
  EXPECT_NE(bundle.find("marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"), std::string::npos) << bundle;
  EXPECT_NE(bundle.find("\"delivery\""), std::string::npos) << "kill-chain phase lost: " << bundle;
  EXPECT_NE(bundle.find("\"note\""), std::string::npos) << "no redaction summary: " << bundle;
  EXPECT_NE(bundle.find("\"cert-nl\""), std::string::npos) << "publisher identity missing: " << bundle;
  EXPECT_EQ(bundle.find("maria.rossi"), std::string::npos) << bundle;
  EXPECT_EQ(bundle.find("12345678"), std::string::npos) << bundle;
  EXPECT_EQ(stix_problems(write("received.json", bundle)), "");
}

TEST_F(FormatsCliTest, TheOfficialStixExamplesWithIndicatorsArePublishedAndComeBackValid) {
  // poisonivy.json has one value that is no domain name ("domain
  // autuo.xicp.net"): named and skipped, the rest published (exit 1).
  const std::vector<std::pair<std::string, int>> examples = {{"indicator-for-c2-ip-address.json", 0},
                                                             {"indicators-for-C2-with-COA.json", 0},
                                                             {"indicator-to-campaign-relationship.json", 0},
                                                             {"malicious-email-indicator-with-attachment.json", 0},
                                                             {"threat-reports/poisonivy.json", 1}};
  for (const auto& [example, expected_exit] : examples) {
    SCOPED_TRACE(example);
    auto published = deployment_.weft("cert-nl", {"publish", "--format", "stix", "--feed", "phishing", "--tlp",
                                                  "green", (kExamples / example).string()});
    ASSERT_EQ(published.exit_code, expected_exit) << published.err;
    if (expected_exit == 1) {
      EXPECT_NE(published.err.find("indicator--4e4c4ad7-4909-456a-b6fa-e24a6f682a40 (object 43): not published: "
                                   "comparison 1 (domain-name:value): value: not a domain name"),
                std::string::npos)
          << published.err;
    }
    const auto acks = complete_lines(published.out);
    ASSERT_FALSE(acks.empty());
    for (const auto& ack : acks) {
      const auto id_start = ack.find("\"id\":\"") + 6;
      const std::string id = ack.substr(id_start, ack.find('"', id_start) - id_start);
      auto fetched = deployment_.weft("acme-bank", {"get", "--format", "stix", id});
      ASSERT_EQ(fetched.exit_code, 0) << fetched.err;
      EXPECT_NE(fetched.out.find("\"type\":\"indicator\""), std::string::npos) << fetched.out;
      EXPECT_EQ(stix_problems(write("example-" + id + ".json", fetched.out)), "") << fetched.out;
    }
  }
}

constexpr const char* kMispEvent = R"({"Event": {
  "uuid": "5e6f7a8b-1c2d-4e3f-9a0b-c1d2e3f4a5b6",
  "info": "Invoice fraud targeting finance departments",
  "date": "2026-11-21", "timestamp": "1795000000", "threat_level_id": "2", "analysis": "1", "distribution": "1",
  "Tag": [{"name": "tlp:green"}, {"name": "misp-galaxy:threat-actor=\"FIN-X\""}],
  "Attribute": [
    {"uuid": "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "type": "ip-dst", "category": "Network activity",
     "value": "203.0.113.45", "to_ids": true, "comment": "C2 server"},
    {"uuid": "1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e", "type": "sha256", "category": "Payload delivery",
     "value": "b5d4f2a1c3e6f7089a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6071", "to_ids": true},
    {"uuid": "2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f", "type": "email-src", "category": "Person",
     "value": "jan.jansen@victim-corp.example", "to_ids": false, "comment": "victim who reported it"},
    {"uuid": "3d4e5f6a-7b8c-4d9e-8f0a-2b3c4d5e6f70", "type": "full-name", "category": "Person",
     "value": "Jan Jansen", "to_ids": false}
  ]
}})";

TEST_F(FormatsCliTest, AMispEventComesOutAsAMispEventWithTheIndicatorsAndWithoutThePerson) {
  auto bank = subscriber("misp", 1);
  const auto input = write("event.json", kMispEvent);
  auto published = deployment_.weft("cert-nl", {"publish", "--format", "misp", "--feed", "phishing", input.string()});
  ASSERT_EQ(published.exit_code, 0) << published.err;
  EXPECT_NE(published.out.find("5e6f7a8b-1c2d-4e3f-9a0b-c1d2e3f4a5b6"), std::string::npos) << published.out;
  ASSERT_EQ(bank->wait(30s), std::optional<int>(0)) << bank->stderr_text();
  const auto lines = complete_lines(bank->stdout_text());
  ASSERT_EQ(lines.size(), 1U);
  const std::string& event = lines[0];
  EXPECT_TRUE(event.starts_with("{\"Event\":")) << event;
  EXPECT_NE(event.find("5e6f7a8b-1c2d-4e3f-9a0b-c1d2e3f4a5b6"), std::string::npos) << event;
  EXPECT_NE(event.find("203.0.113.45"), std::string::npos) << event;
  EXPECT_NE(event.find("0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"), std::string::npos) << "attribute uuid lost: " << event;
  EXPECT_NE(event.find("\"ip-dst\""), std::string::npos) << event;
  EXPECT_NE(event.find("tlp:green"), std::string::npos) << event;
  EXPECT_NE(event.find("\"cert-nl\""), std::string::npos) << "the creator is the publishing organisation: " << event;
  EXPECT_EQ(event.find("jan.jansen"), std::string::npos) << event;
  EXPECT_EQ(event.find("Jan Jansen"), std::string::npos) << event;
}

TEST_F(FormatsCliTest, ExportWritesAFirewallBlockListOfWhatIsNewAndAcknowledgesIt) {
  const auto out = deployment_.dir() / "blocklist.csv";
  const std::vector<std::string> export_args = {"export", "--feed", "phishing", "--durable", "firewall", "--format",
                                                "csv", "--out", out.string(), "--idle", "1"};
  // First use creates the subscription at the feed's end: nothing to write yet.
  auto empty = deployment_.weft("acme-bank", export_args);
  ASSERT_EQ(empty.exit_code, 0) << empty.err;
  EXPECT_NE(empty.err.find("nothing new"), std::string::npos) << empty.err;
  EXPECT_FALSE(std::filesystem::exists(out));
  // A second subscription feeds an ipset: bare IPv4 addresses, one per line.
  const auto ipset = deployment_.dir() / "ipset.txt";
  const std::vector<std::string> ipset_args = {"export", "--feed", "phishing", "--durable", "ipset", "--format",
                                               "values", "--type", "ipv4", "--out", ipset.string(), "--idle", "1"};
  ASSERT_EQ(deployment_.weft("acme-bank", ipset_args).exit_code, 0);

  const auto first = write("first.csv",
                           "type,value,description\n"
                           "ipv4,198.51.100.7,\"C2, seen 2026-11-20\"\n"
                           "domain,login-bank.example,phishing kit\n");
  ASSERT_EQ(deployment_.weft("cert-nl", {"publish", "--format", "csv", "--feed", "phishing", "--tlp", "green",
                                         first.string()})
                .exit_code,
            0);
  auto exported = deployment_.weft("acme-bank", export_args);
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  EXPECT_NE(exported.err.find("exported 1 report"), std::string::npos) << exported.err;
  const std::string list = read_text(out);
  EXPECT_TRUE(list.starts_with("type,value,")) << list;
  EXPECT_NE(list.find("198.51.100.7"), std::string::npos) << list;
  EXPECT_NE(list.find("\"C2, seen 2026-11-20\""), std::string::npos) << list;
  EXPECT_NE(list.find("login-bank.example"), std::string::npos) << list;
  auto ipset_export = deployment_.weft("acme-bank", ipset_args);
  ASSERT_EQ(ipset_export.exit_code, 0) << ipset_export.err;
  EXPECT_EQ(read_text(ipset), "198.51.100.7\n");
  EXPECT_EQ(deployment_.weft("acme-bank", {"subscribe", "--feed", "phishing", "--format", "csv", "--type", "ipv4"})
                .exit_code,
            2)
      << "--type goes with --format values";

  // Acknowledged: the next export holds only what came after.
  const auto second = write("second.csv", "type,value\nsha256,"
                                          "b5d4f2a1c3e6f7089a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6071\n");
  ASSERT_EQ(deployment_.weft("cert-nl", {"publish", "--format", "csv", "--feed", "phishing", "--tlp", "green",
                                         second.string()})
                .exit_code,
            0);
  exported = deployment_.weft("acme-bank", export_args);
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  const std::string next_list = read_text(out);
  EXPECT_NE(next_list.find("b5d4f2a1c3e6f7089a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6071"), std::string::npos)
      << next_list;
  EXPECT_EQ(next_list.find("198.51.100.7"), std::string::npos) << next_list;
}

TEST_F(FormatsCliTest, ExportAsStixIsOneValidBundle) {
  const auto out = deployment_.dir() / "export.json";
  const std::vector<std::string> export_args = {"export", "--feed", "phishing", "--durable", "tip", "--out",
                                                out.string(), "--idle", "1"};
  ASSERT_EQ(deployment_.weft("acme-bank", export_args).exit_code, 0);
  const auto input = write("phishing-bundle.json", kPhishingBundle);
  ASSERT_EQ(deployment_.weft("cert-nl", {"publish", "--format", "stix", "--feed", "phishing", input.string()}).exit_code,
            0);
  const auto csv = write("more.csv", "type,value\nipv4,198.51.100.7\n");
  ASSERT_EQ(deployment_.weft("cert-nl", {"publish", "--format", "csv", "--feed", "phishing", "--tlp", "green",
                                         csv.string()})
                .exit_code,
            0);
  auto exported = deployment_.weft("acme-bank", export_args);
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  const std::string bundle = read_text(out);
  EXPECT_EQ(complete_lines(bundle).size(), 1U);
  EXPECT_NE(bundle.find("indicator--7a5a8f4e-6a1d-4f0e-9e42-1b7d2f6c9a01"), std::string::npos) << bundle;
  EXPECT_NE(bundle.find("198.51.100.7"), std::string::npos) << bundle;
  EXPECT_EQ(bundle.find("maria.rossi"), std::string::npos) << bundle;
  // Both reports' objects, the publisher's identity once.
  const std::string identity = "\"type\":\"identity\"";
  const auto first_identity = bundle.find(identity);
  ASSERT_NE(first_identity, std::string::npos) << bundle;
  EXPECT_EQ(bundle.find(identity, first_identity + 1), std::string::npos) << bundle;
  EXPECT_EQ(stix_problems(out), "");
}

TEST_F(FormatsCliTest, OneBadRowIsNamedAndSkippedUnlessStrictRefusesTheWholeFile) {
  const auto input = write("mixed.csv",
                           "type,value\n"
                           "ipv4,198.51.100.7\n"
                           "ipv4,not-an-address\n"
                           "made-up-type,whatever\n");
  auto strict = deployment_.weft("cert-nl", {"publish", "--format", "csv", "--feed", "phishing", "--tlp", "green",
                                             "--strict", input.string()});
  EXPECT_EQ(strict.exit_code, 1) << strict.err;
  EXPECT_NE(strict.err.find("nothing published"), std::string::npos) << strict.err;
  EXPECT_NE(strict.err.find("line 3"), std::string::npos) << strict.err;
  EXPECT_NE(strict.err.find("line 4"), std::string::npos) << strict.err;
  EXPECT_EQ(strict.out, "");

  auto lenient =
      deployment_.weft("cert-nl", {"publish", "--format", "csv", "--feed", "phishing", "--tlp", "green", input.string()});
  EXPECT_EQ(lenient.exit_code, 1) << "some of the input was refused: " << lenient.err;
  EXPECT_EQ(complete_lines(lenient.out).size(), 1U) << lenient.out;
  EXPECT_NE(lenient.err.find("line 3"), std::string::npos) << lenient.err;
  EXPECT_EQ(lenient.err.find("not-an-address"), std::string::npos) << "values stay out of messages: " << lenient.err;
}

TEST_F(FormatsCliTest, InputWithoutAFeedOrTlpOrThatIsNotTheFormatIsRefusedClearly) {
  const auto bundle = write("bundle.json", kPhishingBundle);
  auto no_feed = deployment_.weft("cert-nl", {"publish", "--format", "stix", bundle.string()});
  EXPECT_EQ(no_feed.exit_code, 1);
  EXPECT_NE(no_feed.err.find("--feed"), std::string::npos) << no_feed.err;

  const auto csv = write("untagged.csv", "type,value\nipv4,198.51.100.7\n");
  auto no_tlp = deployment_.weft("cert-nl", {"publish", "--format", "csv", "--feed", "phishing", csv.string()});
  EXPECT_EQ(no_tlp.exit_code, 1);
  EXPECT_NE(no_tlp.err.find("--tlp"), std::string::npos) << no_tlp.err;

  const auto garbage = write("garbage.json", "this is not JSON");
  auto not_json = deployment_.weft("cert-nl", {"publish", "--format", "misp", "--feed", "phishing", garbage.string()});
  EXPECT_EQ(not_json.exit_code, 1);
  EXPECT_NE(not_json.err.find("garbage.json: not published"), std::string::npos) << not_json.err;

  auto bad_format = deployment_.weft("cert-nl", {"publish", "--format", "yaml", csv.string()});
  EXPECT_EQ(bad_format.exit_code, 2) << bad_format.err;
}

}  // namespace
}  // namespace weft::testing
