#include "policies/normalized_text.h"

#include <gtest/gtest.h>

namespace weft::policies {
namespace {

std::string original_of(const NormalizedText& text, std::string_view scan_piece) {
  const auto at = text.scan().find(scan_piece);
  EXPECT_NE(at, std::string_view::npos) << "scan form: " << text.scan();
  const auto [begin, end] = text.to_original(at, at + scan_piece.size());
  return std::string(text.original().substr(begin, end - begin));
}

TEST(NormalizedText, PlainAsciiIsNotCopied) {
  const std::string input = "Contact jan@example.nl about 203.0.113.7";
  NormalizedText text(input);
  EXPECT_FALSE(text.rewritten());
  EXPECT_EQ(text.scan().data(), input.data());
  EXPECT_EQ(text.to_original(8, 22), (std::pair<std::size_t, std::size_t>{8, 22}));
}

TEST(NormalizedText, DefangedFormsAreRefangedAndMapBackWhole) {
  const std::string input = "mail jan[.]devries[@]example[.]nl or 198.51.100[.]7 via hxxp://bad[.]example";
  NormalizedText text(input);
  EXPECT_EQ(text.scan(), "mail jan.devries@example.nl or 198.51.100.7 via http://bad.example");
  EXPECT_EQ(original_of(text, "jan.devries@example.nl"), "jan[.]devries[@]example[.]nl");
  EXPECT_EQ(original_of(text, "198.51.100.7"), "198.51.100[.]7");
  EXPECT_EQ(original_of(text, "http://bad.example"), "hxxp://bad[.]example");
}

TEST(NormalizedText, SpelledOutAtAndDotWithSpaces) {
  const std::string input = "write to anna (at) example [dot] org please";
  NormalizedText text(input);
  EXPECT_EQ(text.scan(), "write to anna@example.org please");
  EXPECT_EQ(original_of(text, "anna@example.org"), "anna (at) example [dot] org");
}

TEST(NormalizedText, PercentEncodedAtSign) {
  NormalizedText text("https://x.example/?u=jan%40example.nl");
  EXPECT_EQ(text.scan(), "https://x.example/?u=jan@example.nl");
}

TEST(NormalizedText, FullwidthFormsFoldToAscii) {
  const std::string input = "ｊａｎ＠ｅｘａｍｐｌｅ．ｎｌ";
  NormalizedText text(input);
  EXPECT_EQ(text.scan(), "jan@example.nl");
  EXPECT_EQ(original_of(text, "jan@example.nl"), input);
  EXPECT_EQ(original_of(text, "@"), "＠");
}

TEST(NormalizedText, ZeroWidthAndOtherIgnorablesDisappear) {
  const std::string input = "ali\u200Bce@ex\u2060ample.com and\u00ADmore \u202Eevil";
  NormalizedText text(input);
  EXPECT_EQ(text.scan(), "alice@example.com andmore evil");
  EXPECT_EQ(original_of(text, "alice@example.com"), "ali\u200Bce@ex\u2060ample.com");
}

TEST(NormalizedText, DigitsOfOtherScriptsBecomeAscii) {
  const std::string input = "+٣١ ٦ ١٢٣٤٥٦٧٨ and ０６-１２３４５６７８ and ۰۱۲";
  NormalizedText text(input);
  EXPECT_EQ(text.scan(), "+31 6 12345678 and 06-12345678 and 012");
  EXPECT_EQ(original_of(text, "+31 6 12345678"), "+٣١ ٦ ١٢٣٤٥٦٧٨");
}

TEST(NormalizedText, NoBreakSpacesBecomeSpaces) {
  NormalizedText text("01\u00A023\u202F45\u00A067\u00A089");
  EXPECT_EQ(text.scan(), "01 23 45 67 89");
}

TEST(NormalizedText, CyrillicLookAlikesBecomeLatin) {
  const std::string input = "\u0430lice@ex\u0430mple.com";  // Cyrillic а twice
  NormalizedText text(input);
  EXPECT_EQ(text.scan(), "alice@example.com");
  EXPECT_EQ(original_of(text, "alice@example.com"), input);
}

TEST(NormalizedText, AccentedLettersStayAsTheyAre) {
  const std::string input = "Ansprechpartnerin: Jürgen Müller, réseau";
  NormalizedText text(input);
  EXPECT_EQ(text.scan(), input);
}

TEST(NormalizedText, InvalidUtf8IsKeptNotLost) {
  const std::string input = std::string("bad \xff\xfe bytes ") + "\u200B" + "x";
  NormalizedText text(input);
  EXPECT_EQ(text.scan(), "bad \xff\xfe bytes x");
}

TEST(NormalizedText, Ipv4NotationsBecomeDottedDecimal) {
  const std::string input =
      "hxxp://0xc6336417/ http://user@3325256727:80/ 0306.063.0144.027 [::ffff:198.51.100.23] ::ffff:c633:6417";
  NormalizedText text(input);
  EXPECT_EQ(text.scan(),
            "http://198.51.100.23/ http://user@198.51.100.23:80/ 198.51.100.23 [198.51.100.23] 198.51.100.23");
  const auto first = text.scan().find("198.51.100.23");
  const auto [begin, end] = text.to_original(first, first + 13);
  EXPECT_EQ(input.substr(begin, end - begin), "0xc6336417");
  EXPECT_EQ(original_of(text, "user@198.51.100.23"), "user@3325256727");
  EXPECT_EQ(original_of(text, "[198.51.100.23]"), "[::ffff:198.51.100.23]");
}

TEST(NormalizedText, Ipv4NotationsAreFoundAcrossTheScannersBlockBoundaries) {
  // The scan reads 64 bytes at a time and judges a '0' or ':' by its
  // neighbours, which can sit in the next or the previous block.
  for (const auto& [notation, dotted] : std::vector<std::pair<std::string, std::string>>{
           {"0306.063.0144.027", "198.51.100.23"},
           {"198.51.0100.23", "198.51.64.23"},
           {"0xc6.0x33.0x64.0x17", "198.51.100.23"},
           {"http://0xc6336417/", "http://198.51.100.23/"},
           {"::ffff:c633:6417", "198.51.100.23"},
       }) {
    for (std::size_t padding = 48; padding <= 80; ++padding) {
      const std::string input = std::string(padding, ' ') + notation + " x";
      NormalizedText text(input);
      EXPECT_EQ(text.scan(), std::string(padding, ' ') + dotted + " x") << notation << " after " << padding;
    }
    for (std::size_t padding = 48; padding <= 80; ++padding) {
      const std::string glued = std::string(padding, 'a') + notation;  // inside a word: left alone
      if (notation.front() != ':' && notation.front() != 'h') {
        EXPECT_FALSE(NormalizedText(glued).rewritten()) << notation << " after " << padding;
      }
    }
  }
}

TEST(NormalizedText, BareNumbersOutsideAUrlHostStayAsTheyAre) {
  const std::string input = "status 0xC0000005, id 3325256727, v1.02.03.04, http://0x1.example/";
  NormalizedText text(input);
  EXPECT_FALSE(text.rewritten());
}

TEST(NormalizedText, Base64QueryValueIsDecodedNextToItself) {
  const std::string input = "see https://p.example/reset?u=Y2Fyb2xAdmljdGltLmV4YW1wbGU%3D&x=1 now";
  NormalizedText text(input);
  EXPECT_EQ(text.scan(),
            "see https://p.example/reset?u=Y2Fyb2xAdmljdGltLmV4YW1wbGU%3D\ncarol@victim.example\n&x=1 now");
  EXPECT_EQ(original_of(text, "carol@victim.example"), "Y2Fyb2xAdmljdGltLmV4YW1wbGU%3D");
  EXPECT_EQ(original_of(text, "victim"), "Y2Fyb2xAdmljdGltLmV4YW1wbGU%3D");
  // The value itself still maps byte for byte, and the text after it too.
  EXPECT_EQ(original_of(text, "Y2Fyb2xA"), "Y2Fyb2xA");
  EXPECT_EQ(original_of(text, "&x=1 now"), "&x=1 now");
}

TEST(NormalizedText, Base64ThatIsNotTextOrNotAWholeValueStaysEncoded) {
  for (const std::string input : {
           "https://x.example/?sid=A1b2C3d4E5f6G7h8",      // decodes to bytes, not text
           "https://x.example/?u=Y2Fyb2xAdmljdGltLmV4YW1wbGU=x",  // padding inside
           "https://x.example/?u=Y2Fyb2xAdmljdGltLmV4YW1wbGV",    // a dangling bit
           "https://x.example/?u=Y2Fy%40b2xA",             // not the whole value
           "https://x.example/?u=Y2Fyb2x",                 // too short to be worth it
       }) {
    NormalizedText text(input);
    EXPECT_EQ(text.scan().find('\n'), std::string_view::npos) << input << " -> " << text.scan();
  }
  const std::string too_long = "https://x.example/?u=" + std::string(4100, 'Q');
  EXPECT_FALSE(NormalizedText(too_long).rewritten());
}

TEST(NormalizedText, MappingRoundTripsEveryScanByte) {
  const std::string input = "ｘ\u200By[.]z ٣ (at) %40 é ?u=Y2Fyb2xAdmljdGltLmV4YW1wbGU= http://0xc6336417/ ::ffff:1.2.3.4";
  NormalizedText text(input);
  for (std::size_t i = 0; i <= text.scan().size(); ++i) {
    const auto [begin, end] = text.to_original(i, i == text.scan().size() ? i : i + 1);
    EXPECT_LE(begin, end);
    EXPECT_LE(end, input.size());
  }
  const auto whole = text.to_original(0, text.scan().size());
  EXPECT_EQ(whole.first, 0U);
  EXPECT_EQ(whole.second, input.size());
}

}  // namespace
}  // namespace weft::policies
