// Durable delivery through a real weftd and a real SQLite file: idempotent
// publishes, durable subscriptions that catch up after downtime, the
// unacknowledged window, storage faults and retention.
#include <gtest/gtest.h>
#include <future>
#include <sqlite3.h>

#include <atomic>
#include <csignal>
#include <cstring>
#include <fstream>
#include <optional>
#include <random>
#include <regex>
#include <set>
#include <thread>

#include "tests/harness/case_invariants.h"
#include "tests/harness/deployment.h"
#include "tests/harness/test_client.h"
#include "weft/v1/audit.pb.h"

namespace weft::testing {
namespace {

using namespace std::chrono_literals;

std::string id_of(const std::string& json_line) {
  static const std::regex id(R"re("id":"([0-9a-f-]{36})")re");
  std::smatch match;
  return std::regex_search(json_line, match, id) ? match[1].str() : std::string();
}

std::string to_json_lines(const std::vector<v1::Report>& reports) {
  std::string out;
  for (const auto& report : reports) {
    out += to_json(report) + "\n";
  }
  return out;
}

std::uint32_t native_u32_at(const std::string& bytes, std::size_t offset) {
  std::uint32_t value = 0;
  std::memcpy(&value, bytes.data() + offset, sizeof value);
  return value;
}

std::uint32_t big_endian_u32_at(const std::string& bytes, std::size_t offset) {
  std::uint32_t value = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    value = (value << 8) | static_cast<unsigned char>(bytes[offset + i]);
  }
  return value;
}

// What a dead weftd left in its WAL, from the WAL header and the WAL index
// (https://www.sqlite.org/walformat.html): `frames` hold committed
// transactions (mxFrame), the first `checkpointed` of them are already
// copied into the database file (nBackfill).
struct WalState {
  static constexpr std::uint64_t kHeaderBytes = 32;
  static constexpr std::uint64_t kFrameHeaderBytes = 24;
  std::uint32_t page_size = 0;
  std::uint32_t frames = 0;
  std::uint32_t checkpointed = 0;
  std::uint64_t frame_bytes() const { return kFrameHeaderBytes + page_size; }
};

std::optional<WalState> read_wal_state(const std::filesystem::path& database) {
  // The WAL header is big-endian; the index is in native byte order: two
  // copies of a 48-byte header, then the checkpoint information.
  constexpr std::size_t kWalPageSizeAt = 8;
  constexpr std::size_t kIndexVersionAt = 0;
  constexpr std::size_t kIndexIsInitAt = 12;
  constexpr std::size_t kIndexMaxFrameAt = 16;
  constexpr std::size_t kIndexBackfillAt = 96;
  constexpr std::uint32_t kIndexVersion = 3007000;
  std::ifstream wal(database.string() + "-wal", std::ios::binary);
  std::ifstream index(database.string() + "-shm", std::ios::binary);
  std::string wal_header(WalState::kHeaderBytes, '\0');
  std::string index_header(kIndexBackfillAt + sizeof(std::uint32_t), '\0');
  if (!wal.read(wal_header.data(), static_cast<std::streamsize>(wal_header.size())) ||
      !index.read(index_header.data(), static_cast<std::streamsize>(index_header.size()))) {
    return std::nullopt;
  }
  if (native_u32_at(index_header, kIndexVersionAt) != kIndexVersion || index_header[kIndexIsInitAt] != 1) {
    return std::nullopt;  // not an initialised WAL index
  }
  return WalState{big_endian_u32_at(wal_header, kWalPageSizeAt), native_u32_at(index_header, kIndexMaxFrameAt),
                  native_u32_at(index_header, kIndexBackfillAt)};
}

// Runs `sql` (one integer result) on a read-only connection; -1 when it fails.
std::int64_t query_integer(const std::filesystem::path& database, const std::string& sql) {
  sqlite3* db = nullptr;
  std::int64_t result = -1;
  if (sqlite3_open_v2(database.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr) == SQLITE_OK &&
        sqlite3_step(statement) == SQLITE_ROW) {
      result = sqlite3_column_int64(statement, 0);
    }
    sqlite3_finalize(statement);
  }
  sqlite3_close(db);
  return result;
}

// The last sequence the store has assigned in `feed`, as SQLite reads the
// database (WAL included).
std::int64_t stored_end(const std::filesystem::path& database, const std::string& feed) {
  return query_integer(database, "SELECT coalesce(max(last_seq), 0) FROM feeds WHERE feed = '" + feed + "'");
}

// The highest feed_sequence the audit log records for `feed` (refused
// publishes aside), by a full parse of every entry.
std::uint64_t audited_end(const std::filesystem::path& audit_database, const std::string& feed) {
  sqlite3* db = nullptr;
  std::uint64_t highest = 0;
  if (sqlite3_open_v2(audit_database.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(db, "SELECT leaf FROM leaves", -1, &statement, nullptr) == SQLITE_OK) {
      while (sqlite3_step(statement) == SQLITE_ROW) {
        v1::AuditRecord record;
        EXPECT_TRUE(record.ParseFromArray(sqlite3_column_blob(statement, 0), sqlite3_column_bytes(statement, 0)));
        if (record.feed() == feed && record.outcome() != v1::AuditRecord::PUBLISH_REFUSED) {
          highest = std::max(highest, record.feed_sequence());
        }
      }
    }
    sqlite3_finalize(statement);
  }
  sqlite3_close(db);
  return highest;
}

class DurableTest : public ::testing::Test {
 protected:
  void SetUp() override {
    deployment_.add_org("cert-de", "publisher,subscriber");
    deployment_.add_org("acme-bank", "subscriber", {}, "NL", "finance");
    invariants_.prepare();
  }

  void TearDown() override { invariants_.verify(); }

  void start() {
    deployment_.start_broker();
    invariants_.begin();
  }

  std::unique_ptr<TestClient> connect(const std::string& org, client::Options options = {}) {
    return connected_client(deployment_.profile(org), deployment_.port(), org, std::move(options));
  }

  // Creates the durable subscription at the feed's current end and leaves.
  void create_subscription(const std::string& org, const std::string& feed, const std::string& name) {
    auto client = connect(org);
    auto created = client->subscribe_durable(feed, name);
    ASSERT_TRUE(created) << created.error().describe();
    client->close();
  }

  std::vector<v1::Report> publish_many(const std::string& feed, int count, const std::string& title = "Report") {
    auto publisher = connect("cert-de");
    std::vector<v1::Report> reports;
    for (int i = 0; i < count; ++i) {
      reports.push_back(make_report(feed, v1::GREEN, title + " " + std::to_string(i)));
      auto ack = publisher->publish(reports.back());
      EXPECT_TRUE(ack) << ack.error().describe();
    }
    publisher->close();
    return reports;
  }

  // How publish_and_kill_mid_stream ends.
  enum class StreamEnd {
    kRightAfterTheLastDelivery,
    // The subscriber leaves first and a few more reports are stored with no
    // recipient, hence no audit record: the store is then strictly ahead of
    // the audit log in the feed, whatever its writer committed before the kill.
    kAfterReportsForNobody,
  };

  // Publishes `feed` reports one after another to a live subscriber until
  // `deliveries` of them arrived, then SIGKILLs weftd with the publisher
  // still going. The checkpointer waits for 200 ms without commits, so the
  // last commits, and the audit records of their deliveries, are only in the
  // WAL files. Returns the highest sequence acknowledged.
  std::uint64_t publish_and_kill_mid_stream(const std::string& feed, int deliveries, StreamEnd end) {
    auto subscriber = connect("acme-bank");
    EXPECT_TRUE(subscriber->subscribe(feed));
    std::atomic<bool> stop{false};
    std::atomic<std::uint64_t> highest_acked{0};
    std::thread publishing([&stop, &highest_acked, &feed, publisher = connect("cert-de")] {
      while (!stop) {
        auto ack = publisher->publish(make_report(feed, v1::GREEN, "Stream report"));
        if (!ack) {
          return;  // the broker is gone
        }
        highest_acked = std::max(highest_acked.load(), ack.value().sequence());
      }
    });
    int delivered = 0;
    std::uint64_t last_delivered = 0;
    while (delivered < deliveries) {
      const auto delivery = subscriber->next_delivery(10s);
      if (!delivery) {
        break;
      }
      ++delivered;
      last_delivered = delivery->report().broker().sequence();
    }
    if (end == StreamEnd::kAfterReportsForNobody) {
      subscriber->close();
      EXPECT_TRUE(eventually([&] { return highest_acked >= last_delivered + 5; }, 10s));
    }
    deployment_.kill_broker();
    stop = true;
    publishing.join();
    EXPECT_EQ(delivered, deliveries);
    return highest_acked;
  }

  std::filesystem::path audit_database() const { return deployment_.dir() / "data" / "audit.db"; }

  TestDeployment deployment_{"durable"};
  CaseInvariants invariants_{deployment_};
};

// ---- idempotency ---------------------------------------------------------

TEST_F(DurableTest, RepublishingTheSameReportIsAcknowledgedAsDuplicateAndDeliveredOnce) {
  start();
  auto bank = connect("acme-bank");
  ASSERT_TRUE(bank->subscribe("phishing"));
  auto publisher = connect("cert-de");
  const v1::Report report = make_report("phishing");

  auto first = publisher->publish(report);
  ASSERT_TRUE(first) << first.error().describe();
  EXPECT_FALSE(first.value().duplicate());
  auto again = publisher->publish(report);
  ASSERT_TRUE(again) << again.error().describe();
  EXPECT_TRUE(again.value().duplicate());
  EXPECT_EQ(again.value().sequence(), first.value().sequence());

  ASSERT_TRUE(bank->next_delivery(5s).has_value());
  EXPECT_FALSE(bank->next_delivery(500ms).has_value()) << "the duplicate was delivered again";
}

TEST_F(DurableTest, SameIdWithDifferentContentIsRefusedAndTheOriginalKept) {
  start();
  create_subscription("acme-bank", "phishing", "soc");
  auto publisher = connect("cert-de");
  v1::Report report = make_report("phishing", v1::GREEN, "Original title");
  ASSERT_TRUE(publisher->publish(report));

  v1::Report altered = report;
  altered.set_title("Altered title");
  auto refused = publisher->publish(altered);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, v1::ID_CONFLICT) << refused.error().describe();
  EXPECT_NE(refused.error().message.find(report.id()), std::string::npos) << refused.error().message;
  EXPECT_FALSE(refused.error().retryable());
  EXPECT_TRUE(deployment_.broker_logged("security.id_conflict"))
      << deployment_.broker_log();

  // The same id with the original content is still recognised.
  auto duplicate = publisher->publish(report);
  ASSERT_TRUE(duplicate);
  EXPECT_TRUE(duplicate.value().duplicate());

  auto bank = connect("acme-bank");
  ASSERT_TRUE(bank->subscribe_durable("phishing", "soc"));
  auto delivery = bank->next_delivery(5s);
  ASSERT_TRUE(delivery.has_value());
  EXPECT_EQ(delivery->report().title(), "Original title");
  EXPECT_FALSE(bank->next_delivery(500ms).has_value());
}

TEST_F(DurableTest, CliPublishRetriedAfterARestartPrintsDuplicates) {
  start();
  const auto reports = std::vector<v1::Report>{make_report("phishing"), make_report("phishing")};
  const auto first = deployment_.weft("cert-de", {"publish", "-"}, to_json_lines(reports));
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(std::count(first.out.begin(), first.out.end(), '\n'), 2) << first.out;
  EXPECT_NE(first.out.find(R"("duplicate":false)"), std::string::npos) << first.out;

  ASSERT_EQ(deployment_.stop_broker(), 0);
  deployment_.restart_broker();
  const auto second = deployment_.weft("cert-de", {"publish", "-"}, to_json_lines(reports));
  ASSERT_EQ(second.exit_code, 0) << second.err;
  const auto lines = complete_lines(second.out);
  ASSERT_EQ(lines.size(), 2u) << second.out;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    EXPECT_EQ(id_of(lines[i]), reports[i].id()) << "acks must come in input order";
    EXPECT_NE(lines[i].find(R"("duplicate":true)"), std::string::npos) << lines[i];
  }
}

TEST_F(DurableTest, CliPublishWaitsForABrokerThatIsDownAndThenDelivers) {
  start();
  create_subscription("acme-bank", "phishing", "soc");
  deployment_.kill_broker();

  std::vector<v1::Report> reports;
  for (int i = 0; i < 20; ++i) {
    reports.push_back(make_report("phishing", v1::GREEN, "While down " + std::to_string(i)));
  }
  std::ofstream(deployment_.dir() / "reports.jsonl") << to_json_lines(reports);
  ChildProcess publisher(deployment_.weft_argv("cert-de", {"publish", "--retry-for", "30",
                                                           (deployment_.dir() / "reports.jsonl").string()}),
                         deployment_.dir(), "publisher");
  ASSERT_TRUE(eventually([&] { return publisher.stderr_text().find("retrying in") != std::string::npos; }, 10s))
      << publisher.stderr_text();
  deployment_.restart_broker();
  const auto status = publisher.wait(30s);
  ASSERT_TRUE(status.has_value());
  ASSERT_EQ(*status, 0) << publisher.stderr_text();
  EXPECT_EQ(complete_lines(publisher.stdout_text()).size(), reports.size());

  const auto received = deployment_.weft("acme-bank", {"subscribe", "--feed", "phishing", "--durable", "soc",
                                                       "--count", "20", "--timeout", "20"});
  ASSERT_EQ(received.exit_code, 0) << received.err;
  const auto lines = complete_lines(received.out);
  ASSERT_EQ(lines.size(), reports.size());
  for (std::size_t i = 0; i < lines.size(); ++i) {
    EXPECT_EQ(id_of(lines[i]), reports[i].id()) << "position " << i;
  }
}

TEST_F(DurableTest, CliPublishGivesUpWhenTheBrokerNeverComesBack) {
  start();
  invariants_.expect_broker_down("the case is a broker that never comes back");
  deployment_.kill_broker();
  const auto start = std::chrono::steady_clock::now();
  const auto result = deployment_.weft("cert-de", {"publish", "--retry-for", "1", "-"},
                                       to_json(make_report("phishing")) + "\n");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 15s);
  EXPECT_EQ(result.exit_code, 3) << result.err;
  EXPECT_NE(result.err.find("gave up after retrying"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("CONNECT_FAILED"), std::string::npos) << result.err;
  EXPECT_TRUE(result.out.empty()) << result.out;
}

// ---- durable subscriptions -------------------------------------------------

TEST_F(DurableTest, CliDurableSubscriberCatchesUpInOrderAfterDowntimeAndBrokerRestart) {
  start();
  // First use creates the subscription at the end of the feed: earlier
  // reports are not part of it.
  publish_many("phishing", 3, "Before the subscription");
  const auto created = deployment_.weft("acme-bank", {"subscribe", "--feed", "phishing", "--durable", "soc",
                                                      "--count", "1", "--timeout", "1"});
  EXPECT_EQ(created.exit_code, 4) << created.err;
  EXPECT_NE(created.err.find("resumes after sequence 3"), std::string::npos) << created.err;

  const auto while_away = publish_many("phishing", 40, "While the SOC was patching");
  ASSERT_EQ(deployment_.stop_broker(), 0);
  deployment_.restart_broker();

  const auto first = deployment_.weft("acme-bank", {"subscribe", "--feed", "phishing", "--durable", "soc",
                                                    "--count", "25", "--timeout", "20"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  const auto second = deployment_.weft("acme-bank", {"subscribe", "--feed", "phishing", "--durable", "soc",
                                                     "--count", "15", "--timeout", "20"});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  auto lines = complete_lines(first.out);
  const auto more = complete_lines(second.out);
  lines.insert(lines.end(), more.begin(), more.end());
  ASSERT_EQ(lines.size(), while_away.size());
  for (std::size_t i = 0; i < lines.size(); ++i) {
    EXPECT_EQ(id_of(lines[i]), while_away[i].id()) << "position " << i;
  }

  // Caught up: nothing more until a live report, which then arrives at once.
  ChildProcess live(deployment_.weft_argv("acme-bank", {"subscribe", "--feed", "phishing", "--durable", "soc",
                                                        "--count", "1", "--timeout", "20"}),
                    deployment_.dir(), "live");
  ASSERT_TRUE(eventually([&] { return live.stderr_text().find("resumes after sequence 43") != std::string::npos; },
                         10s))
      << live.stderr_text();
  const auto fresh = publish_many("phishing", 1, "Live");
  ASSERT_EQ(live.wait(20s), std::optional<int>(0)) << live.stderr_text();
  EXPECT_EQ(id_of(complete_lines(live.stdout_text()).at(0)), fresh[0].id());
}

TEST_F(DurableTest, UnacknowledgedDeliveriesAreRedeliveredAfterReconnect) {
  start();
  create_subscription("acme-bank", "phishing", "soc");
  const auto reports = publish_many("phishing", 10);

  auto bank = connect("acme-bank");
  ASSERT_TRUE(bank->subscribe_durable("phishing", "soc"));
  std::vector<std::uint64_t> sequences;
  for (int i = 0; i < 10; ++i) {
    auto delivery = bank->next_delivery(5s);
    ASSERT_TRUE(delivery.has_value()) << i;
    EXPECT_EQ(delivery->report().id(), reports[i].id());
    sequences.push_back(delivery->report().broker().sequence());
  }
  bank->ack("phishing", sequences[5]);  // the first six
  ASSERT_TRUE(bank->subscribe("malware"));  // a round trip: the ack was read before it
  bank->close();

  auto again = connect("acme-bank");
  auto resumed = again->subscribe_durable("phishing", "soc");
  ASSERT_TRUE(resumed);
  EXPECT_EQ(resumed.value(), sequences[5]);
  for (int i = 6; i < 10; ++i) {
    auto delivery = again->next_delivery(5s);
    ASSERT_TRUE(delivery.has_value()) << i;
    EXPECT_EQ(delivery->report().id(), reports[i].id());
  }
  EXPECT_FALSE(again->next_delivery(300ms).has_value());
}

TEST_F(DurableTest, AckForAReportNotYetDeliveredIsRefusedAndDoesNotMoveTheCursor) {
  start();
  create_subscription("acme-bank", "phishing", "soc");
  const auto reports = publish_many("phishing", 3);
  auto bank = connect("acme-bank");
  auto resumed = bank->subscribe_durable("phishing", "soc");
  ASSERT_TRUE(resumed);
  ASSERT_TRUE(bank->next_delivery(5s).has_value());
  bank->ack("phishing", resumed.value() + 1000);
  ASSERT_TRUE(bank->subscribe("malware"));
  bank->close();

  auto again = connect("acme-bank");
  auto after = again->subscribe_durable("phishing", "soc");
  ASSERT_TRUE(after);
  EXPECT_EQ(after.value(), resumed.value());
}

TEST_F(DurableTest, SecondSessionCannotTakeAnInUseSubscription) {
  start();
  auto first = connect("acme-bank");
  ASSERT_TRUE(first->subscribe_durable("phishing", "soc"));
  const auto cli = deployment_.weft("acme-bank", {"subscribe", "--feed", "phishing", "--durable", "soc",
                                                  "--count", "1", "--timeout", "5"});
  EXPECT_EQ(cli.exit_code, 1) << cli.err;
  EXPECT_NE(cli.err.find("ALREADY_SUBSCRIBED"), std::string::npos) << cli.err;
  EXPECT_NE(cli.err.find("'soc'"), std::string::npos) << cli.err;
}

TEST_F(DurableTest, LargeBacklogIsSentInABoundedWindow) {
  deployment_.append_config("limits { max_unacked: 16 }");
  start();
  create_subscription("acme-bank", "phishing", "soc");
  publish_many("phishing", 100);

  auto bank = connect("acme-bank");
  ASSERT_TRUE(bank->subscribe_durable("phishing", "soc"));
  std::uint64_t last = 0;
  for (int i = 0; i < 16; ++i) {
    auto delivery = bank->next_delivery(5s);
    ASSERT_TRUE(delivery.has_value()) << i;
    last = delivery->report().broker().sequence();
  }
  EXPECT_FALSE(bank->next_delivery(500ms).has_value()) << "more than the window without an ack";
  EXPECT_EQ(bank->deliveries_received(), 16u);

  std::size_t received = 16;
  while (received < 100) {
    bank->ack("phishing", last);
    for (int i = 0; i < 16 && received < 100; ++i, ++received) {
      auto delivery = bank->next_delivery(5s);
      ASSERT_TRUE(delivery.has_value()) << received;
      EXPECT_EQ(delivery->report().broker().sequence(), last + 1);
      last = delivery->report().broker().sequence();
    }
  }
  EXPECT_FALSE(bank->next_delivery(300ms).has_value());
}

TEST_F(DurableTest, BacklogGoesThroughTheRecipientsCurrentPolicyAndWithheldReportsDoNotStallTheWindow) {
  deployment_.append_config("limits { max_unacked: 4 }");
  start();
  create_subscription("acme-bank", "phishing", "soc");
  auto publisher = connect("cert-de");
  // More AMBER reports for someone else than the window holds: the bank never
  // sees them and so can never ack them.
  for (int i = 0; i < 10; ++i) {
    v1::Report amber = make_report("phishing", v1::AMBER, "For the energy sector only");
    amber.add_recipients("cert-de");
    ASSERT_TRUE(publisher->publish(amber));
  }
  v1::Report with_email = make_report("phishing", v1::GREEN, "Victim contact");
  with_email.set_description("Contact the victim at maria.rossi@victim-corp.example for samples.");
  ASSERT_TRUE(publisher->publish(with_email));

  auto bank = connect("acme-bank");
  ASSERT_TRUE(bank->subscribe_durable("phishing", "soc"));
  auto delivery = bank->next_delivery(5s);
  ASSERT_TRUE(delivery.has_value()) << "withheld reports stalled the window";
  EXPECT_EQ(delivery->report().id(), with_email.id());
  EXPECT_EQ(delivery->report().description().find("maria.rossi@victim-corp.example"), std::string::npos)
      << delivery->report().description();
  EXPECT_TRUE(delivery->report().has_redaction());
  bank->ack("phishing", delivery->report().broker().sequence());
  ASSERT_TRUE(bank->subscribe("malware"));
  bank->close();

  // The cursor moved past the withheld reports too.
  auto again = connect("acme-bank");
  auto resumed = again->subscribe_durable("phishing", "soc");
  ASSERT_TRUE(resumed);
  EXPECT_EQ(resumed.value(), delivery->report().broker().sequence());
}

TEST_F(DurableTest, BacklogIsNotDeliveredToAnOrganisationThatLostAccess) {
  start();
  create_subscription("acme-bank", "phishing", "soc");
  publish_many("phishing", 3);
  const auto revoke = deployment_.admin({"org", "revoke", "acme-bank"});
  ASSERT_EQ(revoke.exit_code, 0) << revoke.err;
  ASSERT_TRUE(deployment_.broker_logged("registry.reloaded"));
  const auto cli = deployment_.weft("acme-bank", {"subscribe", "--feed", "phishing", "--durable", "soc",
                                                  "--count", "1", "--timeout", "5"});
  EXPECT_EQ(cli.exit_code, 3) << cli.err;
  EXPECT_TRUE(cli.out.empty()) << cli.out;
}

// ---- storage ---------------------------------------------------------------

TEST_F(DurableTest, ReportsSurviveAKilledBrokerAndTheDatabaseStaysIntact) {
  start();
  create_subscription("acme-bank", "phishing", "soc");
  const auto reports = publish_many("phishing", 30);
  deployment_.kill_broker();
  deployment_.restart_broker();
  const auto received = deployment_.weft("acme-bank", {"subscribe", "--feed", "phishing", "--durable", "soc",
                                                       "--count", "30", "--timeout", "20"});
  ASSERT_EQ(received.exit_code, 0) << received.err;
  const auto lines = complete_lines(received.out);
  ASSERT_EQ(lines.size(), 30u);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    EXPECT_EQ(id_of(lines[i]), reports[i].id());
  }
}

TEST_F(DurableTest, FullDiskRefusesPublishesRetryablyWhileDeliveriesGoOn) {
  deployment_.append_config("storage { max_database_bytes: 1048576 }");
  start();
  create_subscription("acme-bank", "phishing", "soc");
  auto publisher = connect("cert-de");
  std::vector<std::string> accepted;
  std::optional<Error> refusal;
  for (int i = 0; i < 5000 && !refusal; ++i) {
    v1::Report report = make_report("phishing", v1::GREEN, "Filling the disk " + std::to_string(i));
    report.set_description(std::string(2000, 'x'));
    auto ack = publisher->publish(report);
    if (ack) {
      accepted.push_back(report.id());
    } else {
      refusal = ack.error();
    }
  }
  ASSERT_TRUE(refusal.has_value()) << "a 1 MiB database took 5000 reports of 2 kB";
  EXPECT_EQ(refusal->code, v1::STORAGE_UNAVAILABLE) << refusal->describe();
  EXPECT_TRUE(refusal->retryable());
  EXPECT_NE(refusal->message.find("full"), std::string::npos) << refusal->message;
  ASSERT_GT(accepted.size(), 10u);
  EXPECT_TRUE(publisher->is_open()) << "a full disk is no reason to drop the publisher";

  // The CLI reports it as a refusal after its retries.
  // Far larger than the refused one: the probe's publishes share the group
  // commits, and a refused batch may have left room for one more small report.
  v1::Report one_more = make_report("phishing");
  one_more.set_description(std::string(64 * 1024, 'y'));
  const auto cli = deployment_.weft("cert-de", {"publish", "--retry-for", "1", "-"}, to_json(one_more) + "\n");
  EXPECT_EQ(cli.exit_code, 1) << cli.err;
  EXPECT_NE(cli.err.find("STORAGE_UNAVAILABLE"), std::string::npos) << cli.err;

  // Everything accepted before the disk filled is still delivered.
  auto bank = connect("acme-bank");
  ASSERT_TRUE(bank->subscribe_durable("phishing", "soc"));
  for (std::size_t i = 0; i < accepted.size(); ++i) {
    auto delivery = bank->next_delivery(5s);
    ASSERT_TRUE(delivery.has_value()) << i;
    EXPECT_EQ(delivery->report().id(), accepted[i]);
    bank->ack("phishing", delivery->report().broker().sequence());
  }

  bank->close();

  // Space comes back (here, a larger cap and a restart): publishing resumes.
  ASSERT_EQ(deployment_.stop_broker(), 0);
  const auto config_file = deployment_.dir() / "weftd.conf";
  std::string config = read_text(config_file);
  const auto cap = config.find("max_database_bytes: 1048576");
  ASSERT_NE(cap, std::string::npos);
  config.replace(cap, std::string("max_database_bytes: 1048576").size(), "max_database_bytes: 67108864");
  std::ofstream(config_file, std::ios::trunc) << config;
  deployment_.restart_broker();
  EXPECT_TRUE(connect("cert-de")->publish(one_more));
}

TEST_F(DurableTest, CorruptDatabaseAtStartUpIsReportedAndTheBrokerRefusesToStart) {
  start();
  invariants_.expect_broker_down("the database is corrupted on purpose and weftd must refuse to start");
  invariants_.expect_database_damaged("pages 4-7 overwritten on purpose");
  publish_many("phishing", 200);
  ASSERT_EQ(deployment_.stop_broker(), 0);
  {
    std::fstream db(deployment_.database_file(), std::ios::in | std::ios::out | std::ios::binary);
    ASSERT_TRUE(db.is_open());
    db.seekp(4096 * 3);  // page 4 onwards: table pages, not the header
    const std::string garbage(4096 * 4, '\x5a');
    db.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
  }
  const auto result = deployment_.run_broker_expecting_exit();
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.exit_code, -1) << "weftd kept running on a corrupt database";
  EXPECT_NE(result.err.find("refusing to start"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("weft.db"), std::string::npos) << result.err;
}

// Matrix row 57: a media fault truncates weft.db-wal. SQLite recovers the
// commits before the cut and cannot know there were more; the audit log,
// which recorded the deliveries of the lost reports, does.
TEST_F(DurableTest, WalTruncatedByAMediaFaultIsDetectedThroughTheAuditLogAndTheBrokerRefusesToStart) {
  start();
  invariants_.expect_broker_down("weft.db-wal is truncated on purpose and weftd must refuse to start");
  const auto database = deployment_.database_file();
  const auto wal = std::filesystem::path(database.string() + "-wal");
  const auto scratch = deployment_.dir() / "wal-cut";

  // What SQLite recovers for `feed` if the WAL kept its header and the first
  // `kept` frames: tried on a copy, as the cut itself cannot be undone.
  const auto stored_end_if_cut_after = [&](std::uint32_t kept, const WalState& state) {
    std::filesystem::remove_all(scratch);
    std::filesystem::create_directories(scratch);
    std::filesystem::copy_file(database, scratch / "weft.db");
    std::filesystem::copy_file(wal, scratch / "weft.db-wal");
    std::filesystem::resize_file(scratch / "weft.db-wal", WalState::kHeaderBytes + kept * state.frame_bytes());
    return stored_end(scratch / "weft.db", "phishing");
  };

  // Frames the checkpointer already copied into weft.db survive any cut; the
  // cut must reach back before a commit whose deliveries the audit log
  // recorded. A checkpoint in a stall just before the kill can leave only
  // unaudited commits in the WAL: then the stream runs again.
  std::optional<WalState> state;
  std::uint64_t audited = 0;
  std::uint32_t latest_cut_losing_audited = 0;  // keeps this many frames at most
  for (int round = 0; round < 3; ++round) {
    if (round > 0) {
      deployment_.restart_broker();
    }
    publish_and_kill_mid_stream("phishing", 200, StreamEnd::kRightAfterTheLastDelivery);
    state = read_wal_state(database);
    ASSERT_TRUE(state.has_value()) << "cannot read the WAL header and index of " << database;
    ASSERT_GE(std::filesystem::file_size(wal), WalState::kHeaderBytes + state->frames * state->frame_bytes())
        << "the WAL is shorter than its index says";
    audited = audited_end(audit_database(), "phishing");
    if (state->checkpointed < state->frames &&
        stored_end_if_cut_after(state->checkpointed, *state) < static_cast<std::int64_t>(audited)) {
      // Recovered ends only grow with the frames kept: bisect for the last cut that still loses.
      std::uint32_t loses = state->checkpointed;
      std::uint32_t keeps_all_audited = state->frames;
      while (keeps_all_audited - loses > 1) {
        const std::uint32_t middle = loses + (keeps_all_audited - loses) / 2;
        if (stored_end_if_cut_after(middle, *state) < static_cast<std::int64_t>(audited)) {
          loses = middle;
        } else {
          keeps_all_audited = middle;
        }
      }
      latest_cut_losing_audited = loses;
      break;
    }
    state.reset();
  }
  ASSERT_TRUE(state.has_value()) << "in three rounds the WAL never held a commit the audit log had recorded";

  // Keep the header and a random number of whole frames, fewer than would
  // keep every audited report.
  std::mt19937 random(std::random_device{}());
  const std::uint32_t kept =
      std::uniform_int_distribution<std::uint32_t>(state->checkpointed, latest_cut_losing_audited)(random);
  SCOPED_TRACE("kept " + std::to_string(kept) + " of " + std::to_string(state->frames) + " WAL frames (" +
               std::to_string(state->checkpointed) + " checkpointed, " + std::to_string(latest_cut_losing_audited) +
               " at most)");
  const std::int64_t stored_before_cut = stored_end(database, "phishing");
  std::filesystem::resize_file(wal, WalState::kHeaderBytes + kept * state->frame_bytes());

  // SQLite sees an older, perfectly consistent database.
  EXPECT_EQ(sqlite_integrity_check(database), "ok");
  const std::int64_t stored = stored_end(database, "phishing");
  ASSERT_LT(stored, stored_before_cut) << "the cut lost no commit";
  ASSERT_GT(audited, static_cast<std::uint64_t>(stored)) << "the cut lost only reports the audit log never saw";

  const std::string names_the_loss = "feed 'phishing' reaches sequence " + std::to_string(audited) +
                                     " in the audit log but only " + std::to_string(stored) + " in the store";
  for (const char* attempt : {"first start", "second start"}) {
    const auto refused = deployment_.run_broker_expecting_exit();
    EXPECT_NE(refused.exit_code, -1) << attempt << ": weftd started on a store that lost acknowledged reports";
    EXPECT_NE(refused.exit_code, 0) << attempt;
    EXPECT_NE(refused.err.find("STORE_BEHIND_AUDIT_LOG"), std::string::npos) << attempt << ": " << refused.err;
    EXPECT_NE(refused.err.find(names_the_loss), std::string::npos) << attempt << ": " << refused.err;
    EXPECT_NE(refused.err.find("Restore " + database.string() + " from a backup"), std::string::npos)
        << attempt << ": " << refused.err;
  }
}

// The other side of row 57: after a plain SIGKILL the audit log is behind
// the store (by the batch its writer had not committed, and here by reports
// stored for nobody), never ahead, and weftd starts.
TEST_F(DurableTest, RestartAfterSigkillMidStreamPassesTheStoreAuditCrossCheck) {
  start();
  const std::uint64_t acked = publish_and_kill_mid_stream("phishing", 200, StreamEnd::kAfterReportsForNobody);
  const std::uint64_t audited = audited_end(audit_database(), "phishing");
  ASSERT_GT(audited, 0U);
  ASSERT_LT(audited, static_cast<std::uint64_t>(stored_end(deployment_.database_file(), "phishing")));
  deployment_.restart_broker();
  EXPECT_NE(deployment_.broker_log().find("storage.audit_cross_checked"), std::string::npos)
      << deployment_.broker_log();
  auto publisher = connect("cert-de");
  const auto ack = publisher->publish(make_report("phishing"));
  ASSERT_TRUE(ack) << ack.error().describe();
  EXPECT_GT(ack.value().sequence(), acked);
}

TEST_F(DurableTest, WrongStorageKeyIsReportedAndTheBrokerRefusesToStart) {
  start();
  invariants_.expect_broker_down("the storage key is changed on purpose and weftd must refuse to start");
  publish_many("phishing", 2);
  ASSERT_EQ(deployment_.stop_broker(), 0);
  const auto key_file = deployment_.dir() / "keys" / "storage.key";
  std::string key = read_text(key_file);
  key[0] = static_cast<char>(key[0] ^ 0x01);
  std::ofstream(key_file, std::ios::binary | std::ios::trunc) << key;
  const auto result = deployment_.run_broker_expecting_exit();
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.exit_code, -1) << "weftd started with a storage key that does not fit the database";
  EXPECT_NE(result.err.find("key"), std::string::npos) << result.err;
}

TEST_F(DurableTest, UnredactedPersonalDataNeverReachesTheDiskInPlaintext) {
  start();
  invariants_.expect_broker_down("stopped to read its files at rest");
  const std::string marker = "planted-" + random_uuid().substr(0, 8) + "@victim-corp.example";
  v1::Report report = make_report("phishing", v1::GREEN, "Contact " + marker);
  report.set_description("Write to " + marker + " for the sample.");
  auto publisher = connect("cert-de");
  ASSERT_TRUE(publisher->publish(report));
  publish_many("phishing", 20);  // more WAL traffic after it

  const auto files_holding_marker = [&] {
    std::vector<std::string> found;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(deployment_.dir() / "data")) {
      if (entry.is_regular_file() && read_text(entry.path()).find(marker) != std::string::npos) {
        found.push_back(entry.path().string());
      }
    }
    return found;
  };
  EXPECT_TRUE(files_holding_marker().empty()) << "while running: " << files_holding_marker().front();
  ASSERT_EQ(deployment_.stop_broker(), 0);
  EXPECT_TRUE(files_holding_marker().empty()) << "after a clean stop: " << files_holding_marker().front();
  EXPECT_EQ(deployment_.broker_log().find(marker), std::string::npos) << "the log holds the e-mail address";
}

TEST_F(DurableTest, RetentionSweepsOldReportsAndTheirDeliveryState) {
  deployment_.append_config(
      "retention { sweep_interval_ms: 200 feeds { feed: \"phishing\" max_age_s: 1 } }");
  start();
  create_subscription("acme-bank", "phishing", "soc");
  create_subscription("acme-bank", "malware", "soc-malware");
  publish_many("phishing", 5, "Short-lived");
  const auto kept = publish_many("malware", 2, "Default retention");

  ASSERT_TRUE(deployment_.broker_logged("retention.swept", 10s))
      << deployment_.broker_log();
  ASSERT_TRUE(eventually(
      [&] {
        sqlite3* db = nullptr;
        if (sqlite3_open_v2(deployment_.database_file().c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
          sqlite3_close(db);
          return false;
        }
        sqlite3_stmt* count = nullptr;
        sqlite3_prepare_v2(db, "SELECT count(*) FROM reports WHERE feed = 'phishing'", -1, &count, nullptr);
        const bool swept = count != nullptr && sqlite3_step(count) == SQLITE_ROW && sqlite3_column_int(count, 0) == 0;
        sqlite3_finalize(count);
        sqlite3_close(db);
        return swept;
      },
      10s));

  const auto phishing = deployment_.weft("acme-bank", {"subscribe", "--feed", "phishing", "--durable", "soc",
                                                       "--count", "1", "--timeout", "1"});
  EXPECT_EQ(phishing.exit_code, 4) << "aged-out reports were delivered: " << phishing.out;
  const auto malware = deployment_.weft("acme-bank", {"subscribe", "--feed", "malware", "--durable", "soc-malware",
                                                      "--count", "2", "--timeout", "10"});
  ASSERT_EQ(malware.exit_code, 0) << malware.err;
  EXPECT_EQ(id_of(complete_lines(malware.out).at(0)), kept[0].id());

  // A swept id is forgotten: publishing it again is a new report, not a duplicate.
  auto publisher = connect("cert-de");
  v1::Report old_report = make_report("phishing");
  ASSERT_TRUE(publisher->publish(old_report));
  ASSERT_TRUE(eventually(
      [&] {
        auto again = publisher->publish(old_report);
        return again && !again.value().duplicate();
      },
      10s));
}

// Matrix row 60: a backup or a curious operator holds the write lock.
TEST_F(DurableTest, AnotherProcessHoldingTheWriteLockGetsPublishesARetryableBusyAndNothingElseStalls) {
  start();
  auto bank = connect("acme-bank");
  ASSERT_TRUE(bank->subscribe("phishing"));
  sqlite3* locker = nullptr;
  ASSERT_EQ(sqlite3_open(deployment_.database_file().c_str(), &locker), SQLITE_OK);
  sqlite3_busy_timeout(locker, 5000);  // the broker's writer may be mid-commit (the probe publishes)
  ASSERT_EQ(sqlite3_exec(locker, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(locker);

  auto publisher = connect("cert-de");
  const v1::Report blocked = make_report("phishing", v1::GREEN, "Written while locked");
  auto pending = std::async(std::launch::async, [&] { return publisher->publish(blocked); });
  // While the store waits for the lock, sessions are served: the network
  // threads never wait on SQLite.
  const auto probe_started = std::chrono::steady_clock::now();
  auto other = connect("acme-bank");
  ASSERT_TRUE(other->subscribe("other-feed"));
  EXPECT_LT(std::chrono::steady_clock::now() - probe_started, 2s);
  const auto answer = pending.get();
  ASSERT_FALSE(answer) << "acknowledged while another process held the write lock";
  EXPECT_EQ(answer.error().code, v1::STORAGE_BUSY) << answer.error().describe();
  EXPECT_TRUE(answer.error().retryable());
  EXPECT_TRUE(publisher->is_open());
  EXPECT_FALSE(bank->next_delivery(300ms).has_value()) << "a report that was not stored was delivered";

  ASSERT_EQ(sqlite3_exec(locker, "ROLLBACK", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(locker);
  ASSERT_TRUE(publisher->publish(blocked)) << "the retry after the lock is gone must be stored";
  const auto delivery = bank->next_delivery();
  ASSERT_TRUE(delivery.has_value());
  EXPECT_EQ(delivery->report().id(), blocked.id());
}

}  // namespace
}  // namespace weft::testing
