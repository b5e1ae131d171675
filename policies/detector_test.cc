#include "policies/detector.h"

#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <string_view>
#include <vector>

#include "policies/detectors/extractors.h"

namespace weft::policies {
namespace {

using Expected = std::set<std::pair<std::string, std::string>>;  // (original substring, category)

const Detector& builtin() {
  static const auto detector = Detector::create().value();
  return *detector;
}

Expected found(const Detector& detector, const std::string& text) {
  Expected out;
  for (const auto& finding : detector.find(text)) {
    out.emplace(text.substr(finding.begin, finding.end - finding.begin), finding.category);
  }
  return out;
}

struct Case {
  std::string text;
  Expected expected;
};

void PrintTo(const Case& c, std::ostream* out) { *out << c.text; }

class Detects : public ::testing::TestWithParam<Case> {};

TEST_P(Detects, ExactlyTheExpectedFindings) {
  EXPECT_EQ(found(builtin(), GetParam().text), GetParam().expected) << GetParam().text;
}

// ---- EMAIL ----------------------------------------------------------------
INSTANTIATE_TEST_SUITE_P(
    Email, Detects,
    ::testing::Values(
        Case{"Contact jan.devries@example.nl for details.", {{"jan.devries@example.nl", "EMAIL"}}},
        Case{"Sender: refunds+tax@tax-refund-portal.example.", {{"refunds+tax@tax-refund-portal.example", "EMAIL"}}},
        Case{"UPPER CASE: JAN.DEVRIES@EXAMPLE.NL", {{"JAN.DEVRIES@EXAMPLE.NL", "EMAIL"}}},
        Case{"defanged jan[.]devries[@]example[.]nl here", {{"jan[.]devries[@]example[.]nl", "EMAIL"}}},
        Case{"spelled out: anna (at) example (dot) org", {{"anna (at) example (dot) org", "EMAIL"}}},
        Case{"bracketed: anna[at]example[dot]org", {{"anna[at]example[dot]org", "EMAIL"}}},
        Case{"fullwidth ａｎｎａ＠ｅｘａｍｐｌｅ．ｏｒｇ end", {{"ａｎｎａ＠ｅｘａｍｐｌｅ．ｏｒｇ", "EMAIL"}}},
        Case{"zero width ali\u200Bce@ex\u2060ample.com end", {{"ali\u200Bce@ex\u2060ample.com", "EMAIL"}}},
        Case{"cyrillic \u0430lice@example.com", {{"\u0430lice@example.com", "EMAIL"}}},
        Case{"in a URL https://x.example/?u=jan%40example.nl", {{"jan%40example.nl", "EMAIL"}}},
        // Base64 in a query value (bad-input matrix row 49): the whole value goes.
        Case{"Reset link https://portal.example/reset?u=Y2Fyb2xAdmljdGltLmV4YW1wbGU= was phished.",
             {{"Y2Fyb2xAdmljdGltLmV4YW1wbGU=", "EMAIL"}}},
        Case{"unpadded https://x.example/r?lang=en&user=amFuLmRldnJpZXNAZXhhbXBsZS5ubA#top",
             {{"amFuLmRldnJpZXNAZXhhbXBsZS5ubA", "EMAIL"}}},
        Case{"url-safe https://x.example/r?a=1;u=amFuLmRldnJpZXNAZXhhbXBsZS5ubCA-Pj4_",
             {{"amFuLmRldnJpZXNAZXhhbXBsZS5ubCA-Pj4_", "EMAIL"}}},
        Case{"escaped padding https://x.example/r?u=w7wgamFuLmRldnJpZXNAZXhhbXBsZS5ubA%3D%3D end",
             {{"w7wgamFuLmRldnJpZXNAZXhhbXBsZS5ubA%3D%3D", "EMAIL"}}},
        Case{"defanged inside hxxps://x[.]example/r?m=amFuW2F0XWV4YW1wbGVbLl1ubA==",
             {{"amFuW2F0XWV4YW1wbGVbLl1ubA==", "EMAIL"}}},
        Case{"fullwidth inside https://x.example/r?m=772K772B772O77yg772F772Y772B772N772Q772M772F77yO772O772M",
             {{"772K772B772O77yg772F772Y772B772N772Q772M772F77yO772O772M", "EMAIL"}}},
        // Not decoded: not a query value, one level only, not text, part of a file name.
        Case{"a blob Y2Fyb2xAdmljdGltLmV4YW1wbGU= outside a URL", {}},
        Case{"twice https://x.example/?next=aHR0cHM6Ly94LmV4YW1wbGUvcj91PVkyRnliMnhBZG1samRHbHRMbVY0WVcxd2JHVT0=",
             {}},
        Case{"https://x.example/?page=dashboard&token=abcdefgh12345678&sid=A1b2C3d4E5f6G7h8", {}},
        Case{"https://x.example/?f=Y2Fyb2xAdmljdGltLmV4YW1wbGU.pdf", {}},
        Case{"Bitte wenden Sie sich an max.mustermann@beispiel.de.", {{"max.mustermann@beispiel.de", "EMAIL"}}},
        Case{"Écrivez à jean.dupont@exemple.fr pour toute question.", {{"jean.dupont@exemple.fr", "EMAIL"}}},
        Case{"Neem contact op via p.jansen@voorbeeld.nl.", {{"p.jansen@voorbeeld.nl", "EMAIL"}}},
        Case{"Escriba a maria.garcia@ejemplo.es o llame.", {{"maria.garcia@ejemplo.es", "EMAIL"}}},
        Case{"Scrivere a giulia.bianchi@esempio.it per dettagli.", {{"giulia.bianchi@esempio.it", "EMAIL"}}},
        // Look-alikes that are not addresses.
        Case{"assets logo@2x.png and icon@3x.svg", {}},
        Case{"npm install pkg@1.2.3 and user@localhost", {}},
        Case{"a bare @example.com handle and a@b", {}}));

// ---- PHONE ----------------------------------------------------------------
INSTANTIATE_TEST_SUITE_P(
    Phone, Detects,
    ::testing::Values(
        Case{"call +31 6 12345678 now", {{"+31 6 12345678", "PHONE"}}},
        Case{"Tel. +49 30 12345678", {{"+49 30 12345678", "PHONE"}}},
        Case{"Telefon +49 (0)30 12345678", {{"+49 (0)30 12345678", "PHONE"}}},
        Case{"Durchwahl 0049 30 12345678", {{"0049 30 12345678", "PHONE"}}},
        Case{"téléphone : +33 1 23 45 67 89", {{"+33 1 23 45 67 89", "PHONE"}}},
        Case{"GSM +32 470 12 34 56", {{"+32 470 12 34 56", "PHONE"}}},
        Case{"Handy +43 664 1234567", {{"+43 664 1234567", "PHONE"}}},
        Case{"telefono +39 06 1234 5678", {{"+39 06 1234 5678", "PHONE"}}},
        Case{"base64 https://x.example/cb?tel=KzMxIDYgMTIzNDU2Nzg=", {{"KzMxIDYgMTIzNDU2Nzg=", "PHONE"}}},
        Case{"teléfono +34 612 345 678", {{"+34 612 345 678", "PHONE"}}},
        Case{"tel. +48 512 345 678", {{"+48 512 345 678", "PHONE"}}},
        Case{"phone +44 20 7946 0958", {{"+44 20 7946 0958", "PHONE"}}},
        Case{"phone +1 (212) 555-0147", {{"+1 (212) 555-0147", "PHONE"}}},
        Case{"arabic-indic +٣١ ٦ ١٢٣٤٥٦٧٨ digits", {{"+٣١ ٦ ١٢٣٤٥٦٧٨", "PHONE"}}},
        // National formats.
        Case{"Berlin 030 12345678", {{"030 12345678", "PHONE"}}},
        Case{"Büro 030/1234567", {{"030/1234567", "PHONE"}}},
        Case{"Mobil 0151 23456789", {{"0151 23456789", "PHONE"}}},
        Case{"München (089) 123 456-78", {{"(089) 123 456-78", "PHONE"}}},
        Case{"Paris 01 23 45 67 89", {{"01 23 45 67 89", "PHONE"}}},
        Case{"portable 06.12.34.56.78", {{"06.12.34.56.78", "PHONE"}}},
        Case{"avec espaces insécables 06\u00A012\u00A034\u00A056\u00A078", {{"06\u00A012\u00A034\u00A056\u00A078", "PHONE"}}},
        Case{"Amsterdam 020 123 4567", {{"020 123 4567", "PHONE"}}},
        Case{"mobiel 06-12345678", {{"06-12345678", "PHONE"}}},
        Case{"Bruxelles 02 123 45 67", {{"02 123 45 67", "PHONE"}}},
        Case{"gsm 0470/12.34.56", {{"0470/12.34.56", "PHONE"}}},
        Case{"Wien 0664 1234567", {{"0664 1234567", "PHONE"}}},
        Case{"Roma 06 1234 5678", {{"06 1234 5678", "PHONE"}}},
        Case{"cellulare 333 123 4567", {{"333 123 4567", "PHONE"}}},
        Case{"Teléfono: 612 345 678", {{"612 345 678", "PHONE"}}},
        Case{"tel. 512 345 678", {{"512 345 678", "PHONE"}}},
        Case{"London 020 7946 0958", {{"020 7946 0958", "PHONE"}}},
        Case{"mobile 07700 900123", {{"07700 900123", "PHONE"}}},
        Case{"New York (212) 555-0147 or 212-555-0147 or 212.555.0147",
             {{"(212) 555-0147", "PHONE"}, {"212-555-0147", "PHONE"}, {"212.555.0147", "PHONE"}}},
        Case{"phone: 0612345678", {{"0612345678", "PHONE"}}},
        // Look-alikes.
        Case{"2024-03-15 and 15.03.2024 and 15/03/2024", {}},
        Case{"CVE-2024-3094 INC-000123 DR-0042 T1071.001", {}},
        Case{"Windows 10.0.19041.1 on port 8443, ASN 64496", {}},
        Case{"order number 0612345678 shipped", {}},
        Case{"reference 123 456 789 was used", {}},
        Case{"timestamp 1700000000000 and 08:15:00", {}}));

// ---- IBAN -----------------------------------------------------------------
INSTANTIATE_TEST_SUITE_P(
    Iban, Detects,
    ::testing::Values(
        Case{"IBAN DE89 3704 0044 0532 0130 00 (Kontonummer)", {{"DE89 3704 0044 0532 0130 00", "IBAN"}}},
        Case{"rekeningnummer NL91 ABNA 0417 1643 00.", {{"NL91 ABNA 0417 1643 00", "IBAN"}}},
        Case{"compact NL91ABNA0417164300 too", {{"NL91ABNA0417164300", "IBAN"}}},
        Case{"GB82 WEST 1234 5698 7654 32", {{"GB82 WEST 1234 5698 7654 32", "IBAN"}}},
        Case{"compte FR14 2004 1010 0505 0001 3M02 606", {{"FR14 2004 1010 0505 0001 3M02 606", "IBAN"}}},
        Case{"BE68 5390 0754 7034", {{"BE68 5390 0754 7034", "IBAN"}}},
        Case{"AT61 1904 3002 3457 3201", {{"AT61 1904 3002 3457 3201", "IBAN"}}},
        Case{"conto IT60 X054 2811 1010 0000 0123 456", {{"IT60 X054 2811 1010 0000 0123 456", "IBAN"}}},
        Case{"cuenta ES91 2100 0418 4502 0005 1332", {{"ES91 2100 0418 4502 0005 1332", "IBAN"}}},
        Case{"PL61 1090 1014 0000 0712 1981 2874", {{"PL61 1090 1014 0000 0712 1981 2874", "IBAN"}}},
        Case{"lower case de89370400440532013000", {{"de89370400440532013000", "IBAN"}}},
        // Look-alikes.
        Case{"wrong check DE89 3704 0044 0532 0130 01", {}},
        Case{"VAT DE123456789 and NL123456789B01", {}},
        Case{"unknown country XX89 3704 0044 0532 0130 00", {}},
        Case{"too short NL91 ABNA 0417 1643 0", {}}));

// ---- CREDIT_CARD ----------------------------------------------------------
INSTANTIATE_TEST_SUITE_P(
    PaymentCard, Detects,
    ::testing::Values(
        Case{"card 4111 1111 1111 1111 exp 12/25", {{"4111 1111 1111 1111", "CREDIT_CARD"}}},
        Case{"card 4111-1111-1111-1111", {{"4111-1111-1111-1111", "CREDIT_CARD"}}},
        Case{"card 4111111111111111.", {{"4111111111111111", "CREDIT_CARD"}}},
        Case{"mc 5555 5555 5555 4444", {{"5555 5555 5555 4444", "CREDIT_CARD"}}},
        Case{"mc 2-series 2223 0031 2200 3222", {{"2223 0031 2200 3222", "CREDIT_CARD"}}},
        Case{"amex 3782 822463 10005", {{"3782 822463 10005", "CREDIT_CARD"}}},
        Case{"discover 6011 1111 1111 1117", {{"6011 1111 1111 1117", "CREDIT_CARD"}}},
        Case{"jcb 3530 1113 3330 0000", {{"3530 1113 3330 0000", "CREDIT_CARD"}}},
        Case{"fullwidth ４１１１ １１１１ １１１１ １１１１", {{"４１１１ １１１１ １１１１ １１１１", "CREDIT_CARD"}}},
        // Look-alikes.
        Case{"fails Luhn 4111 1111 1111 1112", {}},
        Case{"timestamp 1700000000000 ms", {}},
        Case{"IMEI 490154203237518 and ICCID 8931440400000000001", {}}));

// ---- IPV4 / IPV6 ----------------------------------------------------------
INSTANTIATE_TEST_SUITE_P(
    IpAddresses, Detects,
    ::testing::Values(
        Case{"victim host 203.0.113.7 beaconed", {{"203.0.113.7", "IPV4"}}},
        Case{"defanged 198.51.100[.]7 and end of sentence 192.0.2.1.",
             {{"198.51.100[.]7", "IPV4"}, {"192.0.2.1", "IPV4"}}},
        Case{"connection from 192.168.1.10:443", {{"192.168.1.10", "IPV4"}}},
        Case{"v6 2001:db8::1 and fe80::1", {{"2001:db8::1", "IPV6"}, {"fe80::1", "IPV6"}}},
        Case{"full 2001:0db8:85a3:0000:0000:8a2e:0370:7334", {{"2001:0db8:85a3:0000:0000:8a2e:0370:7334", "IPV6"}}},
        Case{"defanged v6 2001[:]db8::5", {{"2001[:]db8::5", "IPV6"}}},
        Case{"embedded v4 in v6 fe80::ffff:192.0.2.1 stays v6", {{"fe80::ffff:192.0.2.1", "IPV6"}}},
        // Look-alikes.
        Case{"Windows build 10.0.19041.1, OID 1.3.6.1.4.1.311, 1.2.3.4.5", {}},
        Case{"not an address 256.1.1.1 nor v1.2.3.4", {}},
        Case{"std::vector and 08:15:00 and 00:1a:2b:3c:4d:5e", {}}));

// IPv4 written as inet_aton reads it is an IPv4 address (bad-input matrix row 50).
INSTANTIATE_TEST_SUITE_P(
    Ipv4Notations, Detects,
    ::testing::Values(
        Case{"Victim host http://0xc6336417/ was used.", {{"0xc6336417", "IPV4"}}},
        Case{"Victim host http://3325256727/ was used.", {{"3325256727", "IPV4"}}},
        Case{"Victim host 0306.063.0144.027 was used.", {{"0306.063.0144.027", "IPV4"}}},
        Case{"Victim host ::ffff:198.51.100.23 was used.", {{"::ffff:198.51.100.23", "IPV4"}}},
        Case{"mapped ::ffff:192.0.2.1 only once", {{"::ffff:192.0.2.1", "IPV4"}}},
        Case{"mapped in hex [::FFFF:c000:201]:443", {{"::FFFF:c000:201", "IPV4"}}},
        Case{"dotted hex 0xc6.0x33.0x64.0x17 and mixed 0xc6.51.0144.23",
             {{"0xc6.0x33.0x64.0x17", "IPV4"}, {"0xc6.51.0144.23", "IPV4"}}},
        Case{"leading zero is octal as for inet_aton: 198.051.100.23", {{"198.051.100.23", "IPV4"}}},
        Case{"phish http://www.bank.example@0xc6336417/login", {{"0xc6336417", "IPV4"}}},
        Case{"defanged hxxp://0xC6336417:8080/x", {{"0xC6336417", "IPV4"}}},
        Case{"short hex host http://0x7f/ and three parts http://198.51.25623/",
             {{"0x7f", "IPV4"}, {"198.51.25623", "IPV4"}}},
        Case{"octal host http://030314662027/", {{"030314662027", "IPV4"}}},
        // Numbers that are not hosts.
        Case{"exit status 0xC0000005, HRESULT 0x80070005, XOR key 0xdeadbeef, offset 0x1", {}},
        Case{"order 3325256727 shipped to customer 0306063014", {}},
        Case{"build v1.02.03.04, OID 1.3.6.1.4.1.0311.10, hex 0x1.0x2 and 0xc6.0x33.0x64", {}},
        Case{"file:///0306/x and https://0x1.example.com/ and http://123abc/ and http://42-a.example/", {}},
        Case{"too large http://4294967296/ and http://0x1c6336417/ and 0400.1.1.1, not octal 09.1.1.1x", {}},
        Case{"five parts 0306.063.0144.027.1 and git@0306.063.0144.027x", {}}));

// ---- PERSON ---------------------------------------------------------------
INSTANTIATE_TEST_SUITE_P(
    Person, Detects,
    ::testing::Values(
        Case{"Contact: Jan de Vries (CERT)", {{"Jan de Vries", "PERSON"}}},
        Case{"The phishing wave was reported by Maria Rossi yesterday.", {{"Maria Rossi", "PERSON"}}},
        Case{"Ansprechpartner: Jürgen Müller, IT-Sicherheit", {{"Jürgen Müller", "PERSON"}}},
        Case{"Ansprechpartnerin Frau Anna Schmidt", {{"Anna Schmidt", "PERSON"}}},
        Case{"Kontakt: Dr. Hans Meier", {{"Hans Meier", "PERSON"}}},
        Case{"gemeldet von Herrn Klaus Weber", {{"Klaus Weber", "PERSON"}}},
        Case{"contactpersoon: Pieter van der Berg", {{"Pieter van der Berg", "PERSON"}}},
        Case{"gemeld door Mevr. Sanne de Jong", {{"Sanne de Jong", "PERSON"}}},
        Case{"interlocuteur : Jean-Luc Dubois", {{"Jean-Luc Dubois", "PERSON"}}},
        Case{"signalé par Mme Éloïse Martin", {{"Éloïse Martin", "PERSON"}}},
        Case{"persona de contacto: José García", {{"José García", "PERSON"}}},
        Case{"reportado por Sr. Luis Fernández", {{"Luis Fernández", "PERSON"}}},
        Case{"referente: Giulia Bianchi", {{"Giulia Bianchi", "PERSON"}}},
        Case{"segnalato da Marco Rossi", {{"Marco Rossi", "PERSON"}}},
        Case{"Name: O'Brien", {{"O'Brien", "PERSON"}}},
        // Cues followed by something that is not a name.
        Case{"Please contact the SOC or contact us.", {}},
        Case{"Contact: CERT-NL", {}},
        Case{"contact our support team", {}},
        Case{"reported by an unattributed actor", {}}));

// ---- Incident-report text with no personal data ---------------------------
INSTANTIATE_TEST_SUITE_P(
    NoPersonalData, Detects,
    ::testing::Values(
        Case{"2024-03-15T08:15:00Z [high] INC-000123 APT29: analyst observed lateral movement from WS-0123 via "
             "TCP/443; rule DR-0042 fired (T1071.001).",
             {}},
        Case{"IOC: file invoice_12345.js (md5 d41d8cd98f00b204e9800998ecf8427e) dropped in C:\\Users\\Public\\Temp; "
             "parent rundll32.exe PID 4412.",
             {}},
        Case{"Observed 312 beacons to cdn-update[.]net over TCP/8443 with jitter 20%; payload sha256 "
             "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08.",
             {}},
        Case{"Recommendation: patch CVE-2024-3094 on FortiOS 7.2.4, rotate svc_backup, block AS64496.", {}}));

TEST(Detector, MixedReportFindsEveryCategory) {
  const std::string text =
      "Account holder: Jan de Vries, IBAN NL91 ABNA 0417 1643 00, phone +31 6 12345678, mail "
      "jan[.]devries[@]example[.]nl, card 4111 1111 1111 1111, seen from 198.51.100.23 and 2001:db8::42.";
  const Expected expected = {{"NL91 ABNA 0417 1643 00", "IBAN"},  {"+31 6 12345678", "PHONE"},
                             {"jan[.]devries[@]example[.]nl", "EMAIL"}, {"4111 1111 1111 1111", "CREDIT_CARD"},
                             {"198.51.100.23", "IPV4"},            {"2001:db8::42", "IPV6"}};
  auto result = found(builtin(), text);
  result.erase({"Jan de Vries", "PERSON"});  // "Account holder" is not a cue; either way is fine here
  EXPECT_EQ(result, expected);
}

TEST(Detector, OffsetsAreUtf8BytesOfTheOriginal) {
  const std::string text = "Grüße – écrivez à jean@exemple.fr";
  const auto findings = builtin().find(text);
  ASSERT_EQ(findings.size(), 1U);
  EXPECT_EQ(findings[0].begin, text.find("jean@"));
  EXPECT_EQ(findings[0].end, text.size());
}

// Text that reads as two categories at once keeps both findings: dropping
// either would leave the rest of it in clear (fuzz/corpus/redaction/
// redaction-overlap-1). One inside another of a different category is still
// dropped.
TEST(Detector, FindingsOfTwoCategoriesMayOverlapInPart) {
  const std::string text = "paid with 4 20 7946 095830 979:db8:: today";
  const auto findings = builtin().find(text);
  ASSERT_EQ(findings.size(), 2U);
  EXPECT_EQ(text.substr(findings[0].begin, findings[0].end - findings[0].begin), "4 20 7946 095830 979");
  EXPECT_EQ(findings[0].category, "CREDIT_CARD");
  EXPECT_EQ(text.substr(findings[1].begin, findings[1].end - findings[1].begin), "979:db8::");
  EXPECT_EQ(findings[1].category, "IPV6");
}

// "+" and a non-digit as the last bytes: the international phone extractor
// read one byte past the text (ASan: heap-buffer-overflow, in the sanitizer
// suite; fuzz/corpus/redaction/redaction-plus-at-end-1). The bytes live in a
// vector, without the terminating NUL a std::string would hide it behind.
TEST(Detector, APlusAtTheEndReadsNothingPastTheText) {
  const std::string text = "88:: :+:";
  const std::vector<char> exact(text.begin(), text.end());
  const std::string_view view(exact.data(), exact.size());
  EXPECT_FALSE(detectors::extract_phone(view, view.size(), true));
  for (const auto& finding : builtin().find(view)) {
    EXPECT_NE(finding.category, "PHONE");
  }
}

TEST(Detector, CustomDetectorsReportTheirCategory) {
  v1::CustomDetector employee;
  employee.set_name("employee-id");
  employee.set_category("EMPLOYEE_ID");
  employee.set_pattern("EMP-[0-9]{6}");
  auto detector = Detector::create(std::vector<v1::CustomDetector>{employee});
  ASSERT_TRUE(detector) << detector.error().describe();
  EXPECT_EQ(found(*detector.value(), "badge emp-123456 used by jan@example.nl"),
            (Expected{{"emp-123456", "EMPLOYEE_ID"}, {"jan@example.nl", "EMAIL"}}));
  EXPECT_NE(std::find(detector.value()->categories().begin(), detector.value()->categories().end(), "EMPLOYEE_ID"),
            detector.value()->categories().end());
}

TEST(Detector, UncompilableOrEmptyMatchingPatternsAreRefusedByName) {
  v1::CustomDetector broken;
  broken.set_name("broken-one");
  broken.set_category("X_ID");
  broken.set_pattern("(unclosed");
  auto refused = Detector::create(std::vector<v1::CustomDetector>{broken});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, v1::POLICY_INVALID);
  EXPECT_NE(refused.error().message.find("'broken-one'"), std::string::npos) << refused.error().message;

  broken.set_pattern("a*");
  auto empty = Detector::create(std::vector<v1::CustomDetector>{broken});
  ASSERT_FALSE(empty);
  EXPECT_NE(empty.error().message.find("empty"), std::string::npos) << empty.error().message;

  broken.set_pattern("(a|b\\1)");  // back-references need backtracking: not supported
  EXPECT_FALSE(Detector::create(std::vector<v1::CustomDetector>{broken}));
}

TEST(Detector, LinearOnHostileInput) {
  // A long run of 'a' (the classic catastrophic-backtracking input) and a long
  // digit run: the anchors fire a bounded number of times.
  const std::string text = std::string(200000, 'a') + "@" + std::string(200000, '1');
  EXPECT_TRUE(builtin().find(text).empty());
}

// The rewrites before detection read each byte a bounded number of times:
// query values, dotted numbers, URL hosts and mapped addresses side by side.
TEST(Detector, RewritesStayLinearOnHostileInput) {
  std::string text = "?u=" + std::string(200000, 'A');
  for (int i = 0; i < 20000; ++i) {
    text += "&u=QUFBQUFBQUE";  // "AAAAAAAA": decoded, nothing in it
  }
  for (int i = 0; i < 20000; ++i) {
    text += "0.00.";
  }
  for (int i = 0; i < 20000; ++i) {
    text += "://0x://::ffff:0x ";
  }
  const auto started = std::chrono::steady_clock::now();
  EXPECT_TRUE(builtin().find(text).empty());
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2));
}

TEST(Validators, LuhnAndIssuers) {
  EXPECT_TRUE(detectors::luhn_valid("4111111111111111"));
  EXPECT_FALSE(detectors::luhn_valid("4111111111111112"));
  EXPECT_TRUE(detectors::card_issuer_valid("378282246310005"));
  EXPECT_FALSE(detectors::card_issuer_valid("3782822463100050"));  // Amex is 15 digits
  EXPECT_FALSE(detectors::card_issuer_valid("1700000000000"));
}

TEST(Validators, IbanMod97AndLength) {
  EXPECT_TRUE(detectors::iban_valid("DE89370400440532013000"));
  EXPECT_TRUE(detectors::iban_valid("NO9386011117947"));
  EXPECT_TRUE(detectors::iban_valid("LC55HEMM000100010012001200023015"));
  EXPECT_FALSE(detectors::iban_valid("DE89370400440532013001"));
  EXPECT_FALSE(detectors::iban_valid("DE8937040044053201300"));
}

TEST(Validators, IpParsing) {
  EXPECT_TRUE(detectors::ipv4_valid("0.0.0.0"));
  EXPECT_FALSE(detectors::ipv4_valid("1.2.3"));
  EXPECT_TRUE(detectors::ipv6_valid("::1"));
  EXPECT_TRUE(detectors::ipv6_valid("::ffff:192.0.2.1"));
  EXPECT_FALSE(detectors::ipv6_valid("1:2:3:4:5:6"));
}

}  // namespace
}  // namespace weft::policies
