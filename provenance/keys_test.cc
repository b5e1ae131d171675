#include "provenance/keys.h"

#include <gtest/gtest.h>

#include <array>

#include "provenance/crypto.h"

namespace weft::provenance {
namespace {

std::string hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (const char c : bytes) {
    out += kDigits[static_cast<unsigned char>(c) >> 4];
    out += kDigits[static_cast<unsigned char>(c) & 0xF];
  }
  return out;
}

std::string hex(const Sha256& digest) {
  return hex(std::string_view(reinterpret_cast<const char*>(digest.data()), 32));
}

std::vector<unsigned char> from_hex(std::string_view text) {
  std::vector<unsigned char> bytes;
  for (std::size_t i = 0; i + 1 < text.size(); i += 2) {
    bytes.push_back(static_cast<unsigned char>(std::stoi(std::string(text.substr(i, 2)), nullptr, 16)));
  }
  return bytes;
}

TEST(ProvenanceKeys, Rfc8032TestVector1) {
  const auto key =
      SigningKey::from_seed(from_hex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")).value();
  const auto& public_key = key.verifying_key().bytes();
  EXPECT_EQ(hex(std::string_view(reinterpret_cast<const char*>(public_key.data()), public_key.size())),
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  EXPECT_EQ(key.verifying_key().to_text(), "ed25519:11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=");
  EXPECT_EQ(hex(key.sign("")),
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f059"
            "5bbe24655141438e7a100b");
}

TEST(ProvenanceKeys, SignVerifyAndTextForm) {
  const SigningKey key = SigningKey::generate();
  const std::string signature = key.sign("message");
  EXPECT_EQ(signature.size(), SigningKey::kSignatureBytes);
  EXPECT_TRUE(key.verifying_key().verify("message", signature));
  EXPECT_FALSE(key.verifying_key().verify("messagE", signature));
  EXPECT_FALSE(key.verifying_key().verify("message", signature.substr(1)));
  EXPECT_FALSE(SigningKey::generate().verifying_key().verify("message", signature));

  const std::string text = key.verifying_key().to_text();
  EXPECT_TRUE(text.starts_with("ed25519:"));
  EXPECT_EQ(text.size(), 8U + 44U);
  const auto parsed = VerifyingKey::parse(text);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed.value(), key.verifying_key());
}

TEST(ProvenanceKeys, RefusesMalformedPublicKeys) {
  const std::string text = SigningKey::generate().verifying_key().to_text();
  for (const std::string& bad : {text.substr(8), "ed25519:" + text.substr(9), text + "=", "ED25519:" + text.substr(8),
                                 text.substr(0, text.size() - 1) + " ", std::string("ed25519:AAAA")}) {
    const auto parsed = VerifyingKey::parse(bad);
    ASSERT_FALSE(parsed) << bad;
    EXPECT_EQ(parsed.error().code, v1::CONFIG_INVALID);
  }
  const std::array<unsigned char, 32> identity_point = {1};  // small order
  EXPECT_FALSE(VerifyingKey::from_bytes(identity_point));
  EXPECT_FALSE(SigningKey::from_seed(std::array<unsigned char, 31>{}));
}

TEST(ProvenanceKeys, MovedFromKeyIsWiped) {
  SigningKey key = SigningKey::generate();
  const VerifyingKey public_key = key.verifying_key();
  SigningKey moved = std::move(key);
  EXPECT_TRUE(public_key.verify("m", moved.sign("m")));
}

TEST(ProvenanceCrypto, CommitmentKnownAnswers) {
  // Computed independently: python3 hashlib over the bytes docs/provenance.md lists.
  Salt counting{};
  for (std::size_t i = 0; i < counting.size(); ++i) {
    counting[i] = static_cast<unsigned char>(i);
  }
  EXPECT_EQ(hex(part_commitment("5f0c6c1e-8d1b-4a57-9a43-0d6f4f3c2b10", "description#1", counting,
                                "maria.rossi@victim.example")),
            "f8cb85892d6d537da04e04199aa3fcc31aebd2ed78d360cfac34c8fd83116a16");
  EXPECT_EQ(hex(part_commitment("r", "title#0", Salt{}, "caf\xC3\xA9")),
            "20ad4eea2f77c302aa5ef590d3c03762e4c244b772f1573dd02905c5539203b3");
}

TEST(ProvenanceCrypto, SigningInputsAreDomainSeparated) {
  EXPECT_EQ(manifest_message("ab"), std::string("weft/provenance/manifest/v1\0ab", 30));
  EXPECT_EQ(attestation_message("ab"), std::string("weft/provenance/attestation/v1\0ab", 33));
  EXPECT_NE(random_salt(), random_salt());
  EXPECT_FALSE(salt_from_bytes(std::string(31, 'x')));
  EXPECT_TRUE(salt_from_bytes(std::string(32, 'x')));
}

}  // namespace
}  // namespace weft::provenance
