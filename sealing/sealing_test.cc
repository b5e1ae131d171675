#include "sealing/sealing.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

namespace weft::sealing {
namespace {

std::filesystem::path fresh_dir() {
  const auto dir = std::filesystem::path(::testing::TempDir()) /
                   ("sealing-" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

TEST(Sealing, OnlyTheRecipientOpensItsCopy) {
  const auto recipient = SealingKey::generate();
  const auto someone_else = SealingKey::generate();
  const std::string plaintext = "victim: maria.rossi@victim-corp.example";
  const std::string sealed = seal(plaintext, recipient->public_key());
  EXPECT_EQ(sealed.size(), plaintext.size() + 48);
  EXPECT_EQ(sealed.find("maria"), std::string::npos);
  EXPECT_EQ(recipient->open(sealed).value(), plaintext);
  auto wrong = someone_else->open(sealed);
  ASSERT_FALSE(wrong);
  EXPECT_NE(wrong.error().message.find("does not open with this organisation's key"), std::string::npos);
  // Two seals of the same text differ (an ephemeral key per box).
  EXPECT_NE(seal(plaintext, recipient->public_key()), sealed);
}

TEST(Sealing, AlteredOrTruncatedBoxesAreRefused) {
  const auto recipient = SealingKey::generate();
  std::string sealed = seal("report", recipient->public_key());
  for (std::size_t i = 0; i < sealed.size(); i += 7) {
    std::string altered = sealed;
    altered[i] = static_cast<char>(altered[i] ^ 0x01);
    EXPECT_FALSE(recipient->open(altered)) << "byte " << i;
  }
  EXPECT_FALSE(recipient->open(sealed.substr(0, 47)));
  EXPECT_FALSE(recipient->open(""));
}

TEST(Sealing, PublicKeyText) {
  const auto key = SealingKey::generate();
  const std::string text = public_key_text(key->public_key());
  EXPECT_TRUE(text.starts_with("x25519:"));
  EXPECT_EQ(text.size(), 7U + 44U);
  EXPECT_EQ(parse_public_key(text).value(), key->public_key());
  for (const char* bad : {"", "x25519:", "ed25519:AAAA", "x25519:AAAA", "x25519:not base64 at all!!",
                          "X25519:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}) {
    auto parsed = parse_public_key(bad);
    ASSERT_FALSE(parsed) << bad;
    EXPECT_EQ(parsed.error().code, v1::CONFIG_INVALID);
  }
}

TEST(Sealing, KeyFilesArePrivateAndNeverReplaced) {
  const auto dir = fresh_dir();
  const auto file = dir / "sealing.key";
  auto created = SealingKey::create_key_file(file);
  ASSERT_TRUE(created) << created.error().describe();
  struct stat info {};
  ASSERT_EQ(::stat(file.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600U);
  auto loaded = SealingKey::load(file);
  ASSERT_TRUE(loaded) << loaded.error().describe();
  EXPECT_EQ(loaded.value()->public_key(), created.value());
  EXPECT_EQ(loaded.value()->open(seal("x", created.value())).value(), "x");

  auto again = SealingKey::create_key_file(file);
  ASSERT_FALSE(again);
  EXPECT_NE(again.error().message.find("already exists"), std::string::npos);
  EXPECT_EQ(SealingKey::load(file).value()->public_key(), created.value());

  ::chmod(file.c_str(), 0644);
  auto readable = SealingKey::load(file);
  ASSERT_FALSE(readable);
  EXPECT_NE(readable.error().message.find("chmod 600"), std::string::npos);
}

TEST(Sealing, MalformedKeyFilesAreRefusedWithoutQuotingThem) {
  const auto dir = fresh_dir();
  const auto file = dir / "sealing.key";
  {
    std::ofstream out(file);
    out << "x25519-secret:c2VjcmV0LXNob3J0\n";
  }
  ::chmod(file.c_str(), 0600);
  auto loaded = SealingKey::load(file);
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().code, v1::CONFIG_INVALID);
  EXPECT_EQ(loaded.error().message.find("c2VjcmV0"), std::string::npos);
  EXPECT_FALSE(SealingKey::load(dir / "missing.key"));
}

}  // namespace
}  // namespace weft::sealing
