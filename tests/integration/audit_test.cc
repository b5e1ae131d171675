// The audit log end to end: a CERT publishes, subscribers under different
// policies receive, and an auditor checks checkpoints, entries and proofs
// with `weft audit` and with this test's own verification (audit/); then the
// stored log is edited, truncated and rolled back, and each must be noticed
// by weftd at start and by `weft audit verify`.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <fstream>
#include <regex>
#include <set>

#include "audit/checkpoint.h"
#include "audit/merkle.h"
#include "audit/note.h"
#include "tests/harness/deployment.h"
#include "tests/harness/test_client.h"

namespace weft::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kPlantedEmail = "maria.rossi@victim-corp.example";

std::vector<audit::Hash> hashes_in(const std::string& json, const std::string& key) {
  std::vector<audit::Hash> out;
  const auto open = json.find("\"" + key + "\": [");
  if (open == std::string::npos) {
    ADD_FAILURE() << "no " << key << " in " << json;
    return out;
  }
  const auto close = json.find(']', open);
  const std::string list = json.substr(open, close - open);
  static const std::regex item("\"([A-Za-z0-9+/=]{44})\"");
  for (std::sregex_iterator it(list.begin(), list.end(), item), end; it != end; ++it) {
    out.push_back(audit::hash_from_base64((*it)[1].str()).value());
  }
  return out;
}

std::string decode_base64(const std::string& text) {
  static const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  int buffer = 0;
  int bits = 0;
  for (char c : text) {
    if (c == '=') {
      break;
    }
    buffer = (buffer << 6) | static_cast<int>(alphabet.find(c));
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xff);
    }
  }
  return out;
}

void execute_sql(const std::filesystem::path& database, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(database.c_str(), &db), SQLITE_OK);
  sqlite3_busy_timeout(db, 5000);
  char* error = nullptr;
  const int result = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
  const std::string message = error != nullptr ? error : "";
  sqlite3_free(error);
  sqlite3_close(db);
  ASSERT_EQ(result, SQLITE_OK) << message;
}

// What an operator hiding a transfer would do: entry `index` now claims its
// recipient is in the Netherlands. The record still parses; only the tree
// can tell.
void relocate_recipient(const std::filesystem::path& database, int index) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(database.c_str(), &db), SQLITE_OK);
  sqlite3_busy_timeout(db, 5000);
  sqlite3_stmt* select = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT leaf FROM leaves WHERE idx = ?", -1, &select, nullptr), SQLITE_OK);
  sqlite3_bind_int(select, 1, index);
  ASSERT_EQ(sqlite3_step(select), SQLITE_ROW);
  v1::AuditRecord record;
  ASSERT_TRUE(record.ParseFromArray(sqlite3_column_blob(select, 0), sqlite3_column_bytes(select, 0)));
  sqlite3_finalize(select);
  record.set_recipient_jurisdiction(record.recipient_jurisdiction() == "NL" ? "BE" : "NL");
  const std::string edited = record.SerializeAsString();
  sqlite3_stmt* update = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "UPDATE leaves SET leaf = ? WHERE idx = ?", -1, &update, nullptr), SQLITE_OK);
  sqlite3_bind_blob(update, 1, edited.data(), static_cast<int>(edited.size()), SQLITE_TRANSIENT);
  sqlite3_bind_int(update, 2, index);
  EXPECT_EQ(sqlite3_step(update), SQLITE_DONE);
  sqlite3_finalize(update);
  sqlite3_close(db);
}

class AuditTest : public ::testing::Test {
 protected:
  void SetUp() override {
    deployment_.add_org("cert-nl", "publisher", {}, "NL", "government");
    deployment_.add_org("acme-bank", "subscriber", {}, "NL", "finance");
    deployment_.add_org("us-retail", "subscriber", {}, "US", "retail");
    deployment_.add_org("cert-be", "subscriber", {}, "BE", "csirt");
    deployment_.add_org("dpo", "auditor", {}, "DE", "government");
    deployment_.start_broker();
  }

  std::filesystem::path audit_db() const { return deployment_.dir() / "data" / "audit.db"; }

  CommandResult audit(const std::vector<std::string>& args) const {
    std::vector<std::string> full{"audit"};
    full.insert(full.end(), args.begin(), args.end());
    return deployment_.weft("dpo", full);
  }

  // The latest checkpoint, opened with the verifier key from the profile.
  audit::Checkpoint checkpoint() const {
    const auto key = audit({"key"});
    EXPECT_EQ(key.exit_code, 0) << key.err;
    auto verifier = audit::NoteVerifier::parse(complete_lines(key.out).at(0));
    EXPECT_TRUE(verifier) << verifier.error().describe();
    const auto note = audit({"checkpoint"});
    EXPECT_EQ(note.exit_code, 0) << note.err;
    auto opened = audit::open_checkpoint(verifier.value(), note.out);
    EXPECT_TRUE(opened) << opened.error().describe() << "\n" << note.out;
    return opened.value();
  }

  // Publishes the sample reports (one holds a victim's contact details) and
  // lets three subscribers under three policies receive them.
  void share_reports() {
    for (const auto& [org, name] : {std::pair{"acme-bank", "soc"}, {"us-retail", "us"}, {"cert-be", "be"}}) {
      auto client = std::make_unique<TestClient>();
      ASSERT_TRUE(client->connect(deployment_.profile(org), deployment_.port()));
      ASSERT_TRUE(client->subscribe_durable("phishing", name));
      subscribers_.push_back(std::move(client));
    }
    auto publisher = std::make_unique<TestClient>();
    ASSERT_TRUE(publisher->connect(deployment_.profile("cert-nl"), deployment_.port()));
    for (int i = 0; i < 3; ++i) {
      v1::Report report = make_report("phishing", v1::GREEN, "Phishing wave " + std::to_string(i));
      report.set_description(std::string("Victim contact: ") + kPlantedEmail + ", +31 6 12345678.");
      ASSERT_TRUE(publisher->publish(report));
    }
    v1::Report amber = make_report("phishing", v1::AMBER, "For the bank only");
    amber.add_recipients("acme-bank");
    ASSERT_TRUE(publisher->publish(amber));
    for (auto& subscriber : subscribers_) {
      for (int i = 0; i < 3; ++i) {
        ASSERT_TRUE(subscriber->next_delivery(5s).has_value());
      }
    }
    ASSERT_TRUE(subscribers_[0]->next_delivery(5s).has_value());  // the AMBER one
  }

  TestDeployment deployment_{"audit"};
  std::vector<std::unique_ptr<TestClient>> subscribers_;
};

TEST_F(AuditTest, EveryDeliveryIsRecordedAndEverythingTheAuditorFetchesVerifies) {
  share_reports();
  // 9 deliveries of the GREEN reports, 1 of the AMBER one, 2 AMBER withheld by TLP.
  constexpr std::uint64_t kExpected = 12;
  std::uint64_t size = 0;
  ASSERT_TRUE(eventually([&] { return (size = checkpoint().size) >= kExpected; }, 10s)) << "size " << size;
  const audit::Checkpoint head = checkpoint();
  EXPECT_EQ(head.size, kExpected);
  EXPECT_EQ(head.origin.substr(head.origin.size() - 6), "/audit");

  std::multiset<std::string> policies_used;
  std::set<std::string> outcomes;
  std::vector<audit::Hash> leaves;
  for (std::uint64_t i = 0; i < head.size; ++i) {
    const auto entry = audit({"entry", std::to_string(i)});
    ASSERT_EQ(entry.exit_code, 0) << entry.err;
    EXPECT_NE(entry.out.find("\"index\": " + std::to_string(i) + ","), std::string::npos) << entry.out;
    EXPECT_NE(entry.out.find("\"included_in_checkpoint\": true"), std::string::npos) << entry.out;
    std::smatch match;
    ASSERT_TRUE(std::regex_search(entry.out, match, std::regex("\"leaf\": \"([A-Za-z0-9+/=]*)\""))) << entry.out;
    const std::string leaf = decode_base64(match[1].str());
    leaves.push_back(audit::leaf_hash(leaf));
    v1::AuditRecord record;
    ASSERT_TRUE(record.ParseFromString(leaf));
    EXPECT_EQ(record.index(), i);
    outcomes.insert(v1::AuditRecord::Outcome_Name(record.outcome()));
    if (record.outcome() == v1::AuditRecord::DELIVERED) {
      policies_used.insert(record.recipient() + ":" + record.policy().name());
      EXPECT_EQ(record.policy().sha256().size(), 64U);
      EXPECT_FALSE(record.output_fingerprint().empty());
    }
    // Never the personal data itself, in any form the leaf could carry it.
    EXPECT_EQ(leaf.find(kPlantedEmail), std::string::npos) << "entry " << i;
    EXPECT_EQ(leaf.find("12345678"), std::string::npos) << "entry " << i;
    EXPECT_EQ(leaf.find("maria"), std::string::npos) << "entry " << i;

    // The CLI's proof, checked by this test against the signed root.
    const auto proof = audit({"prove", std::to_string(i)});
    ASSERT_EQ(proof.exit_code, 0) << proof.err;
    EXPECT_NE(proof.out.find("\"size\": " + std::to_string(head.size)), std::string::npos);
    EXPECT_TRUE(audit::verify_inclusion(i, head.size, leaves.back(), hashes_in(proof.out, "inclusion"), head.root))
        << proof.out;
  }
  EXPECT_EQ(outcomes, (std::set<std::string>{"DELIVERED", "WITHHELD_TLP"}));
  EXPECT_EQ(policies_used.count("acme-bank:eu-baseline"), 4U);
  EXPECT_EQ(policies_used.count("us-retail:third-country"), 3U);
  EXPECT_EQ(policies_used.count("cert-be:cert-peer"), 3U);

  // The tree over what was downloaded is the signed one.
  audit::CompactRange tree;
  for (const auto& leaf : leaves) {
    tree.append(leaf);
  }
  EXPECT_EQ(tree.root(), head.root);

  // Consistency with an earlier size: the earlier root is computed here.
  audit::CompactRange prefix;
  for (std::size_t i = 0; i < 5; ++i) {
    prefix.append(leaves[i]);
  }
  const auto consistency = audit({"consistency", "--from", "5"});
  ASSERT_EQ(consistency.exit_code, 0) << consistency.err;
  EXPECT_NE(consistency.out.find("\"from\": 5, \"to\": " + std::to_string(head.size)), std::string::npos);
  EXPECT_TRUE(audit::verify_consistency(5, head.size, prefix.root(), head.root, hashes_in(consistency.out, "proof")));

  const auto verified = audit({"verify"});
  EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;
  EXPECT_EQ(verified.out.rfind("OK: 12 entries", 0), 0U) << verified.out;

  // Queries and the report see the same records.
  const auto third_country = audit({"query", "--org", "us-retail", "--outcome", "DELIVERED"});
  ASSERT_EQ(third_country.exit_code, 0) << third_country.err;
  EXPECT_EQ(complete_lines(third_country.out).size(), 3U);
  const auto emails = audit({"query", "--category", "EMAIL", "--action", "KEEP"});
  ASSERT_EQ(emails.exit_code, 0) << emails.err;
  EXPECT_EQ(complete_lines(emails.out).size(), 3U) << "cert-peer keeps contacts: " << emails.out;
  const auto report = audit({"report", "--since", "2020-01-01", "--format", "html"});
  ASSERT_EQ(report.exit_code, 0) << report.err;
  EXPECT_NE(report.out.find("<svg"), std::string::npos);
  EXPECT_EQ(report.out.find(kPlantedEmail), std::string::npos);
}

TEST_F(AuditTest, RefusalsAreRecordedAndOnlyAuditorsMayReadTheLog) {
  const auto refused = deployment_.weft("acme-bank", {"publish", "-"}, to_json(make_report("phishing")) + "\n");
  EXPECT_EQ(refused.exit_code, 1) << refused.err;
  ASSERT_TRUE(eventually([&] { return checkpoint().size >= 1; }, 10s));
  const auto records = audit({"query", "--outcome", "PUBLISH_REFUSED"});
  ASSERT_EQ(records.exit_code, 0) << records.err;
  ASSERT_EQ(complete_lines(records.out).size(), 1U) << records.out;
  EXPECT_NE(records.out.find("\"publisher\":\"acme-bank\""), std::string::npos) << records.out;
  EXPECT_NE(records.out.find("\"rule\":\"FORBIDDEN\""), std::string::npos) << records.out;

  const auto forbidden = deployment_.weft("acme-bank", {"audit", "checkpoint"});
  EXPECT_EQ(forbidden.exit_code, 1);
  EXPECT_NE(forbidden.err.find("FORBIDDEN"), std::string::npos) << forbidden.err;
  EXPECT_NE(forbidden.err.find("auditor"), std::string::npos) << forbidden.err;
}

TEST_F(AuditTest, TheLogSurvivesRestartsAndOnlyGrows) {
  share_reports();
  ASSERT_TRUE(eventually([&] { return checkpoint().size >= 12; }, 10s));
  const auto first = audit({"verify"});
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  subscribers_.clear();
  ASSERT_EQ(deployment_.stop_broker(), 0);
  deployment_.restart_broker();
  EXPECT_NE(deployment_.broker_log().find("audit.verified entries=12"), std::string::npos) << deployment_.broker_log();
  auto publisher = std::make_unique<TestClient>();
  ASSERT_TRUE(publisher->connect(deployment_.profile("cert-nl"), deployment_.port()));
  ASSERT_TRUE(publisher->publish(make_report("phishing")));
  auto bank = std::make_unique<TestClient>();
  ASSERT_TRUE(bank->connect(deployment_.profile("acme-bank"), deployment_.port()));
  ASSERT_TRUE(bank->subscribe_durable("phishing", "soc"));
  ASSERT_TRUE(bank->next_delivery(5s).has_value());
  ASSERT_TRUE(eventually([&] { return checkpoint().size >= 13; }, 10s));
  const auto second = audit({"verify"});
  EXPECT_EQ(second.exit_code, 0) << second.out << second.err;
  EXPECT_NE(second.out.find("consistent with size 12 seen before"), std::string::npos) << second.out;
}

TEST_F(AuditTest, AnEditedRecordIsFoundByTheAuditorAndStopsTheBroker) {
  share_reports();
  ASSERT_TRUE(eventually([&] { return checkpoint().size >= 12; }, 10s));
  // Rewrite history under the running broker.
  relocate_recipient(audit_db(), 4);
  const auto verified = audit({"verify"});
  EXPECT_EQ(verified.exit_code, 6) << verified.out << verified.err;
  EXPECT_NE(verified.out.find("FAILED: the log diverges at index 4"), std::string::npos) << verified.out;

  subscribers_.clear();
  deployment_.stop_broker();
  const auto refused = deployment_.run_broker_expecting_exit();
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.exit_code, -1) << "weftd started on an edited audit log";
  EXPECT_NE(refused.err.find("AUDIT_TAMPERED"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("entry 4 was changed"), std::string::npos) << refused.err;
}

TEST_F(AuditTest, RemovedEntriesAreFoundByTheAuditorAndStopTheBroker) {
  share_reports();
  ASSERT_TRUE(eventually([&] { return checkpoint().size >= 12; }, 10s));
  execute_sql(audit_db(), "DELETE FROM leaves WHERE idx >= 9");
  const auto verified = audit({"verify"});
  EXPECT_EQ(verified.exit_code, 6) << verified.out << verified.err;
  EXPECT_NE(verified.out.find("FAILED"), std::string::npos) << verified.out;
  EXPECT_NE(verified.out.find("entry 9"), std::string::npos) << verified.out;

  subscribers_.clear();
  deployment_.stop_broker();
  const auto refused = deployment_.run_broker_expecting_exit();
  EXPECT_NE(refused.exit_code, -1) << "weftd started on a truncated audit log";
  EXPECT_NE(refused.err.find("AUDIT_TAMPERED"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("entries were removed"), std::string::npos) << refused.err;
}

TEST_F(AuditTest, AnOldCopyOfTheLogIsFoundByTheBrokerAndByTheAuditor) {
  share_reports();
  ASSERT_TRUE(eventually([&] { return checkpoint().size >= 12; }, 10s));
  subscribers_.clear();
  ASSERT_EQ(deployment_.stop_broker(), 0);
  const auto backup = deployment_.dir() / "backup";
  std::filesystem::create_directories(backup);
  std::filesystem::copy_file(audit_db(), backup / "audit.db");
  std::filesystem::copy_file(deployment_.dir() / "data" / "audit.checkpoint", backup / "audit.checkpoint");

  deployment_.restart_broker();
  share_reports();
  ASSERT_TRUE(eventually([&] { return checkpoint().size >= 24; }, 10s));
  // Backlog redeliveries after the restart add entries of their own, so the
  // size the auditor has seen is read back rather than assumed.
  ASSERT_EQ(audit({"verify"}).exit_code, 0);
  const std::uint64_t seen_size = checkpoint().size;
  subscribers_.clear();
  ASSERT_EQ(deployment_.stop_broker(), 0);

  // The database alone restored: weftd notices by its checkpoint file.
  std::filesystem::remove(deployment_.dir() / "data" / "audit.db-wal");
  std::filesystem::copy_file(backup / "audit.db", audit_db(), std::filesystem::copy_options::overwrite_existing);
  const auto refused = deployment_.run_broker_expecting_exit();
  EXPECT_NE(refused.exit_code, -1) << "weftd started on an old copy of its audit log";
  EXPECT_NE(refused.err.find("AUDIT_TAMPERED"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("rolled back"), std::string::npos) << refused.err;

  // Database and checkpoint file restored together: weftd cannot tell, the
  // auditor's saved checkpoint can.
  std::filesystem::copy_file(backup / "audit.checkpoint", deployment_.dir() / "data" / "audit.checkpoint",
                             std::filesystem::copy_options::overwrite_existing);
  deployment_.restart_broker();
  const auto verified = audit({"verify"});
  EXPECT_EQ(verified.exit_code, 6) << verified.out << verified.err;
  EXPECT_NE(verified.out.find("the log shrank: size " + std::to_string(seen_size)), std::string::npos)
      << verified.out;
}

}  // namespace
}  // namespace weft::testing
