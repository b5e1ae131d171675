#include "common/secret_memory.h"

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include "common/secret_files.h"

namespace weft {
namespace {

constexpr std::array<unsigned char, 4> kBytes = {0xDE, 0xAD, 0xBE, 0xEF};

std::vector<unsigned char> contents(const SecretBytes& secret) {
  const auto reader = secret.read();
  return {reader.data(), reader.data() + reader.size()};
}

TEST(SecretBytes, HoldsWhatWasPutIn) {
  SecretBytes secret = SecretBytes::copy_of(kBytes);
  EXPECT_EQ(secret.size(), kBytes.size());
  EXPECT_EQ(contents(secret), std::vector<unsigned char>(kBytes.begin(), kBytes.end()));
  secret.seal(SecretBytes::WhenIdle::kReadOnly);
  EXPECT_EQ(contents(secret), std::vector<unsigned char>(kBytes.begin(), kBytes.end()));
  EXPECT_NE(contents(SecretBytes::random(32)), contents(SecretBytes::random(32)));
}

TEST(SecretBytes, RefusesWritesAfterSealAndUseAfterMove) {
  SecretBytes secret(8);
  secret.seal(SecretBytes::WhenIdle::kReadOnly);
  EXPECT_THROW(secret.writable(), std::logic_error);

  SecretBytes moved = std::move(secret);
  EXPECT_EQ(secret.size(), 0U);  // NOLINT(bugprone-use-after-move): checking the moved-from state
  EXPECT_THROW(secret.read(), std::logic_error);
  EXPECT_EQ(moved.size(), 8U);
  EXPECT_TRUE(moved.sealed());
}

TEST(SecretBytesDeathTest, SealedReadOnlyPagesFaultOnWrite) {
  SecretBytes secret = SecretBytes::copy_of(kBytes);
  secret.seal(SecretBytes::WhenIdle::kReadOnly);
  const auto reader = secret.read();
  auto* bytes = const_cast<unsigned char*>(reader.data());
  EXPECT_DEATH(bytes[0] = 0, "");
}

TEST(SecretBytesDeathTest, NoAccessPagesAreReadableOnlyWhileAReaderLives) {
  SecretBytes secret = SecretBytes::copy_of(kBytes);
  secret.seal(SecretBytes::WhenIdle::kNoAccess);
  const volatile unsigned char* bytes = nullptr;
  {
    const auto outer = secret.read();
    bytes = outer.data();
    {
      const auto inner = secret.read();
      EXPECT_EQ(inner.data()[1], 0xAD);
    }
    // The inner reader left; the outer one still holds the pages open.
    EXPECT_EQ(static_cast<int>(bytes[3]), 0xEF);
  }
  EXPECT_DEATH((void)bytes[0], "");
}

TEST(SecretBytes, NoAccessSecretServesConcurrentReaders) {
  SecretBytes secret = SecretBytes::copy_of(kBytes);
  secret.seal(SecretBytes::WhenIdle::kNoAccess);
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) {
        const auto reader = secret.read();
        if (reader.data()[0] != 0xDE || reader.data()[3] != 0xEF) {
          mismatches.fetch_add(1);
        }
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(mismatches.load(), 0);
}

TEST(WipeOnExit, WipesTheBufferWhenTheScopeEnds) {
  std::string text = "ed25519-secret:not-really-a-key";
  std::array<unsigned char, 4> seed = kBytes;
  {
    const WipeOnExit wipe_text(text);
    const WipeOnExit wipe_seed(seed);
  }
  EXPECT_EQ(text, std::string(text.size(), '\0'));
  EXPECT_EQ(seed, (std::array<unsigned char, 4>{}));
}

class RawKeyFileTest : public ::testing::Test {
 protected:
  std::filesystem::path write_key(const std::string& content, std::filesystem::perms mode) {
    const auto file = dir_ / "raw.key";
    std::ofstream(file, std::ios::binary | std::ios::trunc) << content;
    std::filesystem::permissions(file, mode);
    return file;
  }

  void SetUp() override { std::filesystem::create_directories(dir_); }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path dir_ = std::filesystem::path(::testing::TempDir()) / ("raw-key-" + std::to_string(::getpid()));
};

TEST_F(RawKeyFileTest, ReadsExactlySizedOwnerOnlyKeysIntoWritableGuardedMemory) {
  const auto file = write_key(std::string(32, 'k'), std::filesystem::perms::owner_read);
  auto key = files::read_raw_key_file(file, "test key", 32);
  ASSERT_TRUE(key) << key.error().message;
  EXPECT_FALSE(key.value().sealed());
  EXPECT_EQ(contents(key.value()), std::vector<unsigned char>(32, 'k'));
}

TEST_F(RawKeyFileTest, RefusesMissingWrongSizedAndShareableKeys) {
  const auto missing = files::read_raw_key_file(dir_ / "none.key", "test key", 32);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("weft admin init creates it"), std::string::npos) << missing.error().message;

  for (const std::string& content : {std::string(31, 'k'), std::string(33, 'k')}) {
    const auto wrong = files::read_raw_key_file(write_key(content, std::filesystem::perms::owner_read), "test key", 32);
    ASSERT_FALSE(wrong) << content.size();
    EXPECT_NE(wrong.error().message.find("exactly 32 bytes"), std::string::npos) << wrong.error().message;
  }

  EXPECT_FALSE(files::read_raw_key_file(write_key(std::string(200, 'k'), std::filesystem::perms::owner_read),
                                        "test key", 32));

  const auto shared = files::read_raw_key_file(
      write_key(std::string(32, 'k'), std::filesystem::perms::owner_read | std::filesystem::perms::group_read),
      "test key", 32);
  ASSERT_FALSE(shared);
  EXPECT_EQ(shared.error().code, v1::CONFIG_INVALID);
  EXPECT_NE(shared.error().message.find("chmod 600"), std::string::npos) << shared.error().message;
}

}  // namespace
}  // namespace weft
