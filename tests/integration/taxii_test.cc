// The TAXII 2.1 read side against a real weftd: Debian's curl and an
// independent Python client (tests/interop/taxii_client.py) read the feeds an
// organisation may read, as STIX, filtered by its policy and the TLP rules,
// with mutual TLS; paging hands out every object once; refusals are TAXII
// error messages; and every report served is in the audit log.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "formats/identifiers.h"
#include "tests/harness/deployment.h"
#include "tests/harness/test_pki.h"

namespace weft::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kVictimEmail = "maria.rossi@victim.example";
constexpr const char* kTaxii = "application/taxii+json;version=2.1";

struct HttpAnswer {
  int curl_exit = -1;
  int status = 0;
  std::string headers;  // lower-case names
  std::string body;
  std::string err;
};

std::string lower(std::string text) {
  for (char& c : text) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return text;
}

class TaxiiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    deployment_.add_org("cert-nl", "publisher", {}, "NL", "csirt");
    deployment_.add_org("acme-bank", "subscriber", {"--read-feeds", "phishing"}, "NL", "finance");  // eu-baseline
    deployment_.add_org("other-bank", "subscriber", {}, "DE", "finance");
    deployment_.add_org("gone-bank", "subscriber", {}, "DE", "finance");
    deployment_.add_org("dpo", "auditor", {}, "DE", "government");
    deployment_.append_config("taxii { listen: \"127.0.0.1:0\" max_page: 50 }");
    deployment_.start_broker();
    ASSERT_NE(deployment_.taxii_port(), 0) << "weftd did not report its TAXII port";
    publish_reports();
  }

  static std::string report_json(const std::string& id, const std::string& feed, const std::string& tlp,
                                 const std::vector<std::string>& recipients, int n) {
    std::string json = R"({"id":")" + id + R"(","feed":")" + feed + R"(","tlp":")" + tlp + R"(",)";
    if (!recipients.empty()) {
      json += R"("recipients":[)";
      for (std::size_t i = 0; i < recipients.size(); ++i) {
        json += (i > 0 ? ",\"" : "\"") + recipients[i] + "\"";
      }
      json += "],";
    }
    json += R"("title":"Phishing wave )" + std::to_string(n) + R"(",)" +
            R"("description":"The victim's contact is )" + kVictimEmail + R"(, +31 6 12345678.",)" +
            R"("indicators":[{"type":"DOMAIN","value":"wave)" + std::to_string(n) +
            R"(-login.example"},{"type":"IPV4","value":"203.0.113.)" + std::to_string(10 + n) + R"("}]})";
    return json + "\n";
  }

  void publish(const std::string& jsonl) {
    const auto published = deployment_.weft("cert-nl", {"publish", "-"}, jsonl);
    ASSERT_EQ(published.exit_code, 0) << published.out << published.err;
  }

  // Two batches (two processes, so the second is received later than the
  // first to the millisecond): the added_after filter splits them.
  void publish_reports() {
    std::string first;
    for (int i = 0; i < 3; ++i) {
      green_.push_back(random_uuid());
      first += report_json(green_.back(), "phishing", "GREEN", {}, i);
    }
    first += report_json(random_uuid(), "energy", "GREEN", {}, 90);
    publish(first);
    std::string second;
    for (int i = 3; i < 5; ++i) {
      green_.push_back(random_uuid());
      second += report_json(green_.back(), "phishing", "GREEN", {}, i);
    }
    second += report_json(amber_other_, "phishing", "AMBER", {"other-bank"}, 20);
    second += report_json(amber_acme_, "phishing", "AMBER", {"acme-bank"}, 21);
    second += report_json(red_, "phishing", "RED", {"acme-bank"}, 22);
    publish(second);
  }

  std::set<std::string> served_reports() const {
    std::set<std::string> ids(green_.begin(), green_.end());
    ids.insert(amber_acme_);
    return ids;
  }

  std::vector<std::string> org_tls(const std::string& org) const {
    return {"--cacert", deployment_.ca_cert().string(), "--cert", deployment_.org_file(org, "cert.pem").string(),
            "--key", deployment_.org_file(org, "key.pem").string()};
  }

  std::string url(const std::string& path) const {
    return "https://127.0.0.1:" + std::to_string(deployment_.taxii_port()) + path;
  }

  std::string collection_path(const std::string& feed) const {
    return "/weft/api/collections/" + formats::name_based_uuid("feed:" + feed) + "/";
  }

  // Debian's curl, as a SOC analyst would run it.
  HttpAnswer curl(const std::vector<std::string>& tls, const std::string& path,
                  const std::vector<std::string>& extra = {"-H", std::string("Accept: ") + kTaxii}) const {
    // -g: the brackets of match[type] are not curl's URL globbing.
    std::vector<std::string> argv{"/usr/bin/curl", "-sS", "-i", "-g", "--max-time", "20"};
    argv.insert(argv.end(), tls.begin(), tls.end());
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.push_back(url(path));
    const auto result = run_command(argv);
    HttpAnswer answer;
    answer.curl_exit = result.exit_code;
    answer.err = result.err;
    const auto split = result.out.find("\r\n\r\n");
    if (split == std::string::npos) {
      return answer;
    }
    answer.headers = lower(result.out.substr(0, split));
    answer.body = result.out.substr(split + 4);
    std::smatch match;
    if (std::regex_search(answer.headers, match, std::regex("^http/1\\.1 ([0-9]{3})"))) {
      answer.status = std::stoi(match[1]);
    }
    return answer;
  }

  CommandResult python_client(const std::string& org, const std::vector<std::string>& args) const {
    std::vector<std::string> argv{"/usr/bin/python3",
                                  std::string(WEFT_SOURCE_DIR) + "/tests/interop/taxii_client.py",
                                  "--port",
                                  std::to_string(deployment_.taxii_port()),
                                  "--ca",
                                  deployment_.ca_cert().string(),
                                  "--cert",
                                  deployment_.org_file(org, "cert.pem").string(),
                                  "--key",
                                  deployment_.org_file(org, "key.pem").string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv, {}, 60s);
  }

  // "<id> <type> ..." lines of the Python client, and its page count.
  struct Walk {
    std::map<std::string, int> times_seen;  // by object id
    std::set<std::string> reports;          // report ids, without "report--"
    int pages = 0;
  };
  Walk walk(const std::vector<std::string>& args) const {
    std::vector<std::string> full{"objects", "--collection", "phishing"};
    full.insert(full.end(), args.begin(), args.end());
    const auto result = python_client("acme-bank", full);
    Walk seen;
    EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
    for (const auto& line : complete_lines(result.out)) {
      std::istringstream words(line);
      std::string id;
      std::string second;
      words >> id >> second;
      if (id == "pages") {
        seen.pages = std::stoi(second);
        continue;
      }
      ++seen.times_seen[id];
      if (id.rfind("report--", 0) == 0) {
        seen.reports.insert(id.substr(8));
      }
    }
    return seen;
  }

  TestDeployment deployment_{"taxii"};
  std::vector<std::string> green_;
  const std::string amber_other_ = random_uuid();
  const std::string amber_acme_ = random_uuid();
  const std::string red_ = random_uuid();
};

TEST_F(TaxiiTest, CurlReadsDiscoveryCollectionsAndPolicyFilteredObjects) {
  const auto tls = org_tls("acme-bank");
  const auto discovery = curl(tls, "/taxii2/");
  ASSERT_EQ(discovery.status, 200) << discovery.err << discovery.body;
  EXPECT_NE(discovery.headers.find(std::string("content-type: ") + kTaxii), std::string::npos) << discovery.headers;
  EXPECT_NE(discovery.body.find("\"api_roots\":[\"https://127.0.0.1:" + std::to_string(deployment_.taxii_port()) +
                                "/weft/api/\"]"),
            std::string::npos)
      << discovery.body;

  const auto root = curl(tls, "/weft/api/");
  ASSERT_EQ(root.status, 200) << root.body;
  EXPECT_NE(root.body.find(std::string("\"versions\":[\"") + kTaxii + "\"]"), std::string::npos) << root.body;

  // Only what acme-bank may read: "energy" exists, and is not listed.
  const auto collections = curl(tls, "/weft/api/collections/");
  ASSERT_EQ(collections.status, 200) << collections.body;
  EXPECT_NE(collections.body.find(formats::name_based_uuid("feed:phishing")), std::string::npos);
  EXPECT_NE(collections.body.find("\"can_write\":false"), std::string::npos);
  EXPECT_EQ(collections.body.find("energy"), std::string::npos) << collections.body;
  EXPECT_EQ(collections.body.find(formats::name_based_uuid("feed:energy")), std::string::npos);

  const auto objects = curl(tls, collection_path("phishing") + "objects/");
  ASSERT_EQ(objects.status, 200) << objects.body;
  EXPECT_NE(objects.headers.find(std::string("content-type: ") + kTaxii), std::string::npos) << objects.headers;
  EXPECT_NE(objects.headers.find("x-taxii-date-added-first: "), std::string::npos) << objects.headers;
  EXPECT_NE(objects.headers.find("x-taxii-date-added-last: "), std::string::npos) << objects.headers;
  EXPECT_NE(objects.body.find("\"more\":false"), std::string::npos);
  // The recipient's policy was applied: the planted contact is gone, and
  // the copy says what was done.
  EXPECT_EQ(objects.body.find(kVictimEmail), std::string::npos) << objects.body;
  EXPECT_EQ(objects.body.find("12345678"), std::string::npos);
  EXPECT_NE(objects.body.find("[REDACTED:EMAIL]"), std::string::npos) << objects.body;
  EXPECT_NE(objects.body.find("weft redaction summary"), std::string::npos);
  for (const auto& id : served_reports()) {
    EXPECT_NE(objects.body.find("\"report--" + id + "\""), std::string::npos) << id;
  }
  // AMBER for another organisation, and RED (sealed per recipient), never.
  EXPECT_EQ(objects.body.find(amber_other_), std::string::npos);
  EXPECT_EQ(objects.body.find(red_), std::string::npos);
  EXPECT_EQ(objects.body.find("wave20-login"), std::string::npos);
  EXPECT_EQ(objects.body.find("wave22-login"), std::string::npos);

  const auto one = curl(tls, collection_path("phishing") + "objects/report--" + green_[1] + "/");
  ASSERT_EQ(one.status, 200) << one.body;
  EXPECT_NE(one.body.find("report--" + green_[1]), std::string::npos);
  EXPECT_EQ(one.body.find("\"type\":\"indicator\""), std::string::npos) << "only the object asked for";
  EXPECT_EQ(curl(tls, collection_path("phishing") + "objects/report--" + red_ + "/").status, 404);
  EXPECT_EQ(curl(tls, collection_path("phishing") + "objects/report--" + amber_other_ + "/").status, 404);

  const auto manifest = curl(tls, collection_path("phishing") + "manifest/?match[type]=report");
  ASSERT_EQ(manifest.status, 200) << manifest.body;
  EXPECT_NE(manifest.body.find("\"media_type\":\"application/stix+json;version=2.1\""), std::string::npos);
  EXPECT_NE(manifest.body.find("\"date_added\":"), std::string::npos);
}

TEST_F(TaxiiTest, RequestsOutsideTheReadSideAreTaxiiErrors) {
  const auto tls = org_tls("acme-bank");
  const auto expect_error = [&](const HttpAnswer& answer, int status, const std::string& names) {
    EXPECT_EQ(answer.status, status) << answer.err << answer.body;
    EXPECT_NE(answer.headers.find(std::string("content-type: ") + kTaxii), std::string::npos) << answer.headers;
    EXPECT_NE(answer.body.find("\"http_status\":\"" + std::to_string(status) + "\""), std::string::npos)
        << answer.body;
    EXPECT_NE(answer.body.find(names), std::string::npos) << answer.body;
  };
  // A feed the organisation may not read is as absent as one that does not exist.
  expect_error(curl(tls, collection_path("energy") + "objects/"), 404, "no collection");
  expect_error(curl(tls, collection_path("no-such-feed")), 404, "no collection");
  expect_error(curl(tls, collection_path("phishing") + "objects/?limit=zero"), 400, "'limit'");
  expect_error(curl(tls, collection_path("phishing") + "objects/?next=not-a-token"), 400, "'next'");
  expect_error(curl(tls, collection_path("phishing") + "objects/?added_after=yesterday"), 400, "'added_after'");
  expect_error(curl(tls, "/weft/api/collections/", {"-H", "Accept: application/json"}), 406, "Accept");
  expect_error(curl(tls, collection_path("phishing") + "objects/",
                    {"-X", "POST", "-H", std::string("Content-Type: ") + kTaxii, "--data", "{}"}),
               405, "read-only");
  expect_error(curl(tls, "/weft/api/collections/", {"-H", "X-Padding: " + std::string(9000, 'a')}), 431, "headers");
  expect_error(curl(tls, collection_path("phishing") + "objects/", {"-X", "POST", "--data", std::string(5000, 'a')}),
               413, "body");
  // The connection still serves after refusals.
  EXPECT_EQ(curl(tls, "/taxii2/").status, 200);
}

TEST_F(TaxiiTest, PythonClientPagesThroughEveryObjectOnce) {
  const Walk all = walk({"--limit", "3"});
  EXPECT_GT(all.pages, 5) << "a limit of 3 must take many pages";
  EXPECT_EQ(all.reports, served_reports());
  for (const auto& [id, times] : all.times_seen) {
    // Marking definitions and the publisher's identity come with every
    // report, so each page that starts in a new report may repeat them.
    const bool shared = id.rfind("identity--", 0) == 0 || id.rfind("marking-definition--", 0) == 0;
    if (!shared) {
      EXPECT_EQ(times, 1) << id << " was served " << times << " times";
    }
  }
  // Two indicators and a redaction note per report, each once.
  std::size_t indicators = 0;
  std::size_t notes = 0;
  for (const auto& [id, times] : all.times_seen) {
    indicators += id.rfind("indicator--", 0) == 0 ? 1 : 0;
    notes += id.rfind("note--", 0) == 0 ? 1 : 0;
  }
  EXPECT_EQ(indicators, 2 * served_reports().size());
  EXPECT_EQ(notes, served_reports().size());

  // One big page gives the same objects.
  const Walk whole = walk({});
  EXPECT_EQ(whole.pages, 1);
  std::set<std::string> paged_ids;
  std::set<std::string> whole_ids;
  for (const auto& [id, times] : all.times_seen) paged_ids.insert(id);
  for (const auto& [id, times] : whole.times_seen) whole_ids.insert(id);
  EXPECT_EQ(paged_ids, whole_ids);
}

TEST_F(TaxiiTest, PythonClientFiltersByAddedAfterTypeAndId) {
  // The manifest says when each report was added; the first batch ends at
  // the latest of its three.
  const auto manifest =
      python_client("acme-bank", {"objects", "--collection", "phishing", "--manifest", "--match-type", "report"});
  ASSERT_EQ(manifest.exit_code, 0) << manifest.err;
  std::map<std::string, std::string> added;  // report id -> date_added
  for (const auto& line : complete_lines(manifest.out)) {
    std::istringstream words(line);
    std::string id, version, date_added;
    words >> id >> version >> date_added;
    if (id.rfind("report--", 0) == 0) {
      added[id.substr(8)] = date_added;
    }
  }
  ASSERT_EQ(added.size(), served_reports().size()) << manifest.out;
  const std::string first_batch_end = std::max({added[green_[0]], added[green_[1]], added[green_[2]]});

  const Walk later = walk({"--limit", "4", "--added-after", first_batch_end});
  EXPECT_EQ(later.reports, (std::set<std::string>{green_[3], green_[4], amber_acme_}));

  const Walk reports = walk({"--match-type", "report,note", "--limit", "5"});
  EXPECT_EQ(reports.reports, served_reports());
  for (const auto& [id, times] : reports.times_seen) {
    EXPECT_TRUE(id.rfind("report--", 0) == 0 || id.rfind("note--", 0) == 0) << id;
  }

  const Walk by_id = walk({"--match-id", "report--" + green_[2] + ",report--" + amber_other_ + ",report--" + red_});
  EXPECT_EQ(by_id.reports, (std::set<std::string>{green_[2]}));
  EXPECT_EQ(by_id.times_seen.size(), 1U);
}

TEST_F(TaxiiTest, OnlyRegisteredCurrentOrganisationsGetIn) {
  // No client certificate: the TLS handshake fails.
  const auto anonymous = curl({"--cacert", deployment_.ca_cert().string()}, "/taxii2/");
  EXPECT_NE(anonymous.curl_exit, 0);
  EXPECT_EQ(anonymous.status, 0);
  EXPECT_NE(anonymous.err.find("certificate required"), std::string::npos) << anonymous.err;

  // Signed by the deployment CA, named like a registered organisation, but
  // its key is not registered: 401.
  pki::CertificateSpec spec;
  spec.common_name = "acme-bank";
  spec.organisation = "acme-bank";
  const auto stray = issue_identity(deployment_.dir() / "stray", deployment_.ca_cert(), deployment_.ca_key(), spec);
  const auto unknown = curl({"--cacert", deployment_.ca_cert().string(), "--cert", stray.cert.string(), "--key",
                             stray.key.string()},
                            "/weft/api/collections/");
  EXPECT_EQ(unknown.status, 401) << unknown.err << unknown.body;
  EXPECT_NE(unknown.body.find("not registered"), std::string::npos) << unknown.body;
  EXPECT_NE(unknown.body.find("\"http_status\":\"401\""), std::string::npos) << unknown.body;

  // Revoked: 403 as soon as the broker has the new registry.
  EXPECT_EQ(curl(org_tls("gone-bank"), "/weft/api/collections/").status, 200);
  const auto revoke = deployment_.admin({"org", "revoke", "gone-bank"});
  ASSERT_EQ(revoke.exit_code, 0) << revoke.err;
  HttpAnswer revoked;
  EXPECT_TRUE(eventually([&] {
    revoked = curl(org_tls("gone-bank"), "/weft/api/collections/");
    return revoked.status == 403;
  }, 10s)) << revoked.status << " " << revoked.body;
  EXPECT_NE(revoked.body.find("revoked"), std::string::npos) << revoked.body;
  EXPECT_TRUE(deployment_.broker_logged("security.unknown_identity"));
  EXPECT_TRUE(deployment_.broker_logged("security.revoked_identity"));
}

TEST_F(TaxiiTest, EveryServedReportIsInTheAuditLog) {
  const Walk all = walk({"--limit", "7"});
  ASSERT_EQ(all.reports, served_reports());
  const auto records_for = [&](const std::string& outcome) {
    std::map<std::string, std::string> channel_by_report;
    const auto query = deployment_.weft("dpo", {"audit", "query", "--org", "acme-bank", "--outcome", outcome});
    EXPECT_EQ(query.exit_code, 0) << query.err;
    for (const auto& line : complete_lines(query.out)) {
      std::smatch id;
      std::smatch channel;
      if (std::regex_search(line, id, std::regex("\"report_id\":\"([0-9a-f-]+)\"")) &&
          std::regex_search(line, channel, std::regex("\"channel\":\"([a-z-]+)\""))) {
        channel_by_report[id[1]] = channel[1];
      }
    }
    return channel_by_report;
  };
  // Records are written asynchronously; each served report has one.
  std::map<std::string, std::string> delivered;
  EXPECT_TRUE(eventually([&] {
    delivered = records_for("DELIVERED");
    const auto expected = served_reports();
    return std::all_of(expected.begin(), expected.end(),
                       [&](const std::string& id) { return delivered.contains(id); });
  }, 15s));
  for (const auto& id : served_reports()) {
    EXPECT_EQ(delivered[id], "taxii") << id;
  }
  EXPECT_FALSE(delivered.contains(red_)) << "RED is never served over TAXII";
  EXPECT_FALSE(delivered.contains(amber_other_));
  // The AMBER report for someone else was withheld, and that is recorded too.
  std::map<std::string, std::string> withheld;
  EXPECT_TRUE(eventually([&] {
    withheld = records_for("WITHHELD_TLP");
    return withheld.contains(amber_other_);
  }, 15s));
  EXPECT_EQ(withheld[amber_other_], "taxii");
  EXPECT_FALSE(withheld.contains(red_));
}

TEST_F(TaxiiTest, AShortScanBudgetGivesShortPagesThatStillReachEveryObject) {
  const Walk before = walk({"--limit", "50"});
  // Each request may now look at two stored reports only.
  const auto config_file = deployment_.dir() / "weftd.conf";
  std::string config = read_text(config_file);
  const auto block = config.find("max_page: 50");
  ASSERT_NE(block, std::string::npos);
  config.insert(block, "max_scan_reports: 2 ");
  std::ofstream(config_file, std::ios::trunc) << config;
  deployment_.restart_broker();
  const Walk after = walk({"--limit", "50"});
  EXPECT_GE(after.pages, 4) << "eight stored reports, two per request";
  EXPECT_EQ(after.reports, served_reports());
  std::set<std::string> ids_before;
  std::set<std::string> ids_after;
  for (const auto& [id, times] : before.times_seen) ids_before.insert(id);
  for (const auto& [id, times] : after.times_seen) ids_after.insert(id);
  EXPECT_EQ(ids_before, ids_after);
}

}  // namespace
}  // namespace weft::testing
