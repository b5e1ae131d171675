#include "audit/checkpoint.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <vector>

namespace weft::audit {
namespace {

// The example of c2sp.org/tlog-checkpoint (its signer key is not published).
constexpr std::string_view kSpecText =
    "example.com/behind-the-sofa\n"
    "20852163\n"
    "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";

Hash sample_root() {
  Hash root{};
  for (std::size_t i = 0; i < root.size(); ++i) {
    root[i] = static_cast<std::uint8_t>(7 * i + 3);
  }
  return root;
}

Checkpoint sample_checkpoint() { return Checkpoint{"example.com/log42", 20852163, sample_root()}; }

TEST(Checkpoint, FormatIsOriginSizeAndRoot) {
  EXPECT_EQ(format_checkpoint_text(sample_checkpoint()),
            "example.com/log42\n20852163\n" + to_base64(sample_root()) + "\n");
  EXPECT_EQ(format_checkpoint_text(Checkpoint{"example.com/log42", 0, empty_tree_root()}),
            "example.com/log42\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n");
}

TEST(Checkpoint, FormatAndParseRoundTrip) {
  for (const auto& checkpoint : {sample_checkpoint(), Checkpoint{"example.com/log42", 0, empty_tree_root()},
                                 Checkpoint{"x", std::numeric_limits<std::uint64_t>::max(), Hash{}}}) {
    const auto parsed = parse_checkpoint_text(format_checkpoint_text(checkpoint));
    ASSERT_TRUE(parsed) << parsed.error().message;
    EXPECT_EQ(parsed.value(), checkpoint);
  }
}

TEST(Checkpoint, ParsesTheSpecExample) {
  const auto parsed = parse_checkpoint_text(kSpecText);
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed.value().origin, "example.com/behind-the-sofa");
  EXPECT_EQ(parsed.value().size, 20852163U);
  EXPECT_EQ(to_base64(parsed.value().root), "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=");
  EXPECT_EQ(format_checkpoint_text(parsed.value()), kSpecText);
}

TEST(Checkpoint, ExtensionLinesAreToleratedAndIgnored) {
  const std::string text = format_checkpoint_text(sample_checkpoint()) + "extension one\nx\n";
  const auto parsed = parse_checkpoint_text(text);
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed.value(), sample_checkpoint());
}

TEST(Checkpoint, MalformedTextIsRefused) {
  const std::string origin = "example.com/log42\n";
  const std::string root = to_base64(sample_root()) + "\n";
  const std::string zero_root = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n";
  const std::vector<std::string> bad_texts = {
      "",
      origin,
      origin + "5\n",
      origin + "5\n" + root.substr(0, root.size() - 1),  // no final newline
      "\n5\n" + root,                                     // empty origin
      origin + "\n" + root,                               // empty size
      origin + "012\n" + root,                            // leading zero
      origin + "00\n" + root,
      origin + "-1\n" + root,
      origin + "+1\n" + root,
      origin + " 1\n" + root,
      origin + "1 \n" + root,
      origin + "0x10\n" + root,
      origin + "1e3\n" + root,
      origin + "18446744073709551616\n" + root,  // 2^64
      origin + "5\n\n",                          // empty root
      origin + "5\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==\n",   // 31 bytes
      origin + "5\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n",   // 33 bytes
      origin + "5\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB=\n",   // unused bits set
      origin + "5\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n",    // no padding
      origin + "5\n" + zero_root.substr(0, 44) + " \n",            // trailing space
      origin + "5\n" + to_base64(sample_root()) + "\n\nextension\n",  // empty extension line
      "example.com/log42\r\n5\n" + root,                             // CR
      origin + "5\n" + to_base64(sample_root()) + "\r\n",
      origin + "5\n" + root + "bad \x01 extension\n",
      "\xff\n5\n" + root,
  };
  for (const auto& text : bad_texts) {
    const auto parsed = parse_checkpoint_text(text);
    ASSERT_FALSE(parsed) << "parsed " << ::testing::PrintToString(text);
    EXPECT_EQ(parsed.error().code, v1::AUDIT_INVALID);
    EXPECT_EQ(parsed.error().message.rfind("checkpoint: ", 0), 0U) << parsed.error().message;
  }
  EXPECT_TRUE(parse_checkpoint_text(origin + "0\n" + zero_root));
  EXPECT_EQ(parse_checkpoint_text(origin + "012\n" + root).error().message, "checkpoint: tree size has a leading zero");
  EXPECT_EQ(parse_checkpoint_text(origin + "18446744073709551616\n" + root).error().message,
            "checkpoint: tree size does not fit in 64 bits");
  EXPECT_EQ(parse_checkpoint_text("\n5\n" + root).error().message, "checkpoint: origin is empty");
  EXPECT_EQ(parse_checkpoint_text(origin + "5\n").error().message,
            "checkpoint: fewer than three lines (origin, tree size, root hash)");
}

TEST(Checkpoint, OpenVerifiesAndParses) {
  const auto log = NoteSigner::generate("example.com/log42").value();
  const std::string signed_checkpoint = log->sign(format_checkpoint_text(sample_checkpoint())).value();
  const auto opened = open_checkpoint(log->verifier(), signed_checkpoint);
  ASSERT_TRUE(opened) << opened.error().message;
  EXPECT_EQ(opened.value(), sample_checkpoint());

  // A witness cosignature line (another key) does not get in the way.
  const auto witness = NoteSigner::generate("witness.example/w1").value();
  const std::string witness_line =
      witness->sign(format_checkpoint_text(sample_checkpoint())).value().substr(
          format_checkpoint_text(sample_checkpoint()).size() + 1);
  const auto cosigned = open_checkpoint(log->verifier(), signed_checkpoint + witness_line);
  ASSERT_TRUE(cosigned) << cosigned.error().message;
  EXPECT_EQ(cosigned.value(), sample_checkpoint());

  // Signed checkpoints with extension lines open too.
  const std::string extended = format_checkpoint_text(sample_checkpoint()) + "extension\n";
  EXPECT_EQ(open_checkpoint(log->verifier(), log->sign(extended).value()).value(), sample_checkpoint());
}

TEST(Checkpoint, OpenRefusesAnOriginOtherThanTheKeyName) {
  const auto other_log = NoteSigner::generate("example.com/other").value();
  const auto opened =
      open_checkpoint(other_log->verifier(), other_log->sign(format_checkpoint_text(sample_checkpoint())).value());
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code, v1::AUDIT_INVALID);
  EXPECT_EQ(opened.error().message, "checkpoint: origin is not the key name example.com/other");
}

TEST(Checkpoint, OpenRefusesTamperingAndOtherKeys) {
  const auto log = NoteSigner::generate("example.com/log42").value();
  std::string signed_checkpoint = log->sign(format_checkpoint_text(sample_checkpoint())).value();

  // Another key under the same name (a rotated or forged log key).
  const auto impostor = NoteSigner::generate("example.com/log42").value();
  EXPECT_EQ(open_checkpoint(impostor->verifier(), signed_checkpoint).error().message,
            "signed note has no signature from example.com/log42");

  // "20852163" -> "20852164": a bigger tree than the log signed.
  const auto size_at = signed_checkpoint.find("20852163");
  ASSERT_NE(size_at, std::string::npos);
  signed_checkpoint[size_at + 7] = '4';
  const auto tampered = open_checkpoint(log->verifier(), signed_checkpoint);
  ASSERT_FALSE(tampered);
  EXPECT_EQ(tampered.error().code, v1::AUDIT_INVALID);

  // A validly signed note that is not a checkpoint.
  const auto not_a_checkpoint = open_checkpoint(log->verifier(), log->sign("example.com/log42\nhello\n").value());
  ASSERT_FALSE(not_a_checkpoint);
  EXPECT_EQ(not_a_checkpoint.error().code, v1::AUDIT_INVALID);
}

}  // namespace
}  // namespace weft::audit
