#include "broker/store/storage_service.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

namespace weft::broker::store {
namespace {

class StorageServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("service-" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    {
      std::ofstream key(dir_ / "storage.key", std::ios::binary);
      key << std::string(StorageKey::kKeyBytes, 'k');
    }
    ::chmod((dir_ / "storage.key").c_str(), 0600);
    StorageSettings settings;
    settings.database_file = dir_ / "weft.db";
    settings.storage_key_file = dir_ / "storage.key";
    auto opened = StorageService::open(settings);
    ASSERT_TRUE(opened) << opened.error().describe();
    service_ = std::move(opened).value();
  }

  std::uint64_t open_subscription() {
    std::optional<Result<DurableSubscription>> result;
    service_->open_subscription("acme-bank", "soc", "phishing", io_.get_executor(),
                                [&](Result<DurableSubscription> opened) { result = std::move(opened); });
    while (!result) {
      io_.run_one();
    }
    EXPECT_TRUE(*result) << result->error().describe();
    return result->value().acked;
  }

  static AppendRequest request_for(std::size_t i, const std::string& title) {
    AppendRequest request;
    request.report.set_id("report-" + std::to_string(i));
    request.report.set_feed("phishing");
    request.report.set_tlp(v1::GREEN);
    request.report.set_title(title);
    request.report.mutable_broker()->set_source_organisation("cert-nl");
    return request;
  }

  std::filesystem::path dir_;
  boost::asio::io_context io_;
  // Completions arrive from the storage threads; without this run_one would
  // find no work, stop the context and never see them.
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_ = boost::asio::make_work_guard(io_);
  std::unique_ptr<StorageService> service_;
};

// A subscriber acknowledges, disconnects and comes straight back: the
// position it acknowledged must be where it resumes, even when the writer is
// busy and both wait in the same round.
TEST_F(StorageServiceTest, ASubscriptionOpenedAfterAnAckResumesAfterThatAck) {
  ASSERT_EQ(open_subscription(), 0U);
  std::size_t appended = 0;
  constexpr std::size_t kReports = 2000;
  for (std::size_t i = 0; i < kReports; ++i) {
    service_->append(request_for(i, "busy writer"), io_.get_executor(), [&](Result<Appended> done) {
      EXPECT_TRUE(done) << done.error().describe();
      ++appended;
    });
  }
  service_->save_cursor({"acme-bank", "soc", 7});
  EXPECT_EQ(open_subscription(), 7U);
  while (appended < kReports) {
    io_.run_one();
  }
}

// Commits never checkpoint (no stall inside a publish); the checkpointer
// thread copies the WAL into the database file instead, so the file grows
// while the broker runs rather than only at shutdown.
TEST_F(StorageServiceTest, TheWalIsCopiedIntoTheDatabaseByTheCheckpointer) {
  const auto database = dir_ / "weft.db";
  const auto size_before = std::filesystem::file_size(database);
  std::size_t appended = 0;
  constexpr std::size_t kReports = 300;
  for (std::size_t i = 0; i < kReports; ++i) {
    AppendRequest request = request_for(i, "checkpointed");
    request.report.set_description(std::string(2000, 'd'));
    service_->append(std::move(request), io_.get_executor(), [&](Result<Appended> done) {
      EXPECT_TRUE(done) << done.error().describe();
      ++appended;
    });
  }
  while (appended < kReports) {
    io_.run_one();
  }
  EXPECT_GT(std::filesystem::file_size(dir_ / "weft.db-wal"), 300U * 2000U);
  // Bounded wait: the checkpointer runs every 250 ms.
  for (int i = 0; i < 100 && std::filesystem::file_size(database) < size_before + kReports * 2000; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_GE(std::filesystem::file_size(database), size_before + kReports * 2000)
      << "the WAL was not checkpointed while the service ran";
}

}  // namespace
}  // namespace weft::broker::store
