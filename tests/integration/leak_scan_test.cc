// The personal-data test corpus (tests/data/pii/planted.tsv) through a real
// weftd logging at debug level: every planted value goes into every kind of
// report field, to subscribers under four policies and, sealed, to a
// TLP:RED recipient. Once everything is delivered and audited, every
// spelling the broker could have turned a value into is looked for, byte by
// byte, in the broker's output and in every file of its deployment folder
// (database, WAL, audit log, checkpoint, keys, registry), while it runs and
// after it stopped. Reports are encrypted at rest and logs carry no
// payloads, so nothing may match.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <functional>
#include <map>
#include <regex>
#include <set>

#include "audit/checkpoint.h"
#include "audit/note.h"
#include "common/log.h"
#include "common/report_rules.h"
#include "policies/category.h"
#include "policies/detector.h"
#include "policies/normalized_text.h"
#include "policies/transforms.h"
#include "tests/harness/deployment.h"
#include "tests/harness/test_client.h"

namespace weft::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kFeed = "incidents";
// A one-person practice: its certificate's subject (O=) names a person. The
// registry holds it on purpose; the logs must not (SPKI pins identify peers).
constexpr const char* kPersonalDisplayName = "Praxis Dr. Hanna Vogel";
constexpr std::size_t kMinPlantedBytes = 6;

// ---- The corpus -----------------------------------------------------------

struct PlantedSentence {
  std::string category;
  std::string text;                 // markers removed, escapes decoded
  std::vector<std::string> values;  // as they are written in `text`
};

void append_utf8(char32_t code_point, std::string& out) {
  if (code_point < 0x80) {
    out += static_cast<char>(code_point);
  } else if (code_point < 0x800) {
    out += static_cast<char>(0xC0 | (code_point >> 6));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  } else if (code_point < 0x10000) {
    out += static_cast<char>(0xE0 | (code_point >> 12));
    out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (code_point >> 18));
    out += static_cast<char>(0x80 | ((code_point >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  }
}

// "\u{200B}" to its UTF-8 bytes.
std::string decode_escapes(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text.substr(i, 3) == "\\u{") {
      const auto close = text.find('}', i);
      append_utf8(static_cast<char32_t>(std::stoul(std::string(text.substr(i + 3, close - i - 3)), nullptr, 16)), out);
      i = close;
    } else {
      out += text[i];
    }
  }
  return out;
}

std::vector<PlantedSentence> load_corpus() {
  std::ifstream in(std::string(WEFT_SOURCE_DIR) + "/tests/data/pii/planted.tsv");
  EXPECT_TRUE(in) << "tests/data/pii/planted.tsv is missing";
  std::vector<PlantedSentence> corpus;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') {
      continue;
    }
    const auto tab = line.find('\t');
    PlantedSentence sentence{line.substr(0, tab), {}, {}};
    std::string marked = decode_escapes(line.substr(tab + 1));
    for (std::size_t open; (open = marked.find("[[")) != std::string::npos;) {
      const auto close = marked.find("]]", open);
      sentence.values.push_back(marked.substr(open + 2, close - open - 2));
      marked.erase(close, 2);
      marked.erase(open, 2);
    }
    sentence.text = marked;
    corpus.push_back(std::move(sentence));
  }
  return corpus;
}

// ---- Looking for planted values -------------------------------------------

std::string ascii_lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); });
  return out;
}

struct Needle {
  std::string planted;   // the value as planted, for messages
  std::string spelling;  // what is looked for, ASCII lower case
};

// Every spelling of a planted value the broker could write: as planted, in
// the detectors' scan form (NFKC, zero-width characters dropped, refanged),
// in the pseudonymiser's canonical form (case-folded e-mail and names,
// digits of phone and card numbers, compact IBAN, canonical IP text), and
// each of those as weft's log escapes it (non-ASCII bytes as \xNN). Matching
// ignores ASCII case. Not looked for: UTF-16 (nothing in weft writes it;
// SQLite stores UTF-8), JSON or base64 encodings (no file or log line of
// the broker holds report content in either).
std::vector<Needle> needles_for(const std::string& category, const std::string& value) {
  const std::string scan_form(policies::NormalizedText(value).scan());
  std::set<std::string> spellings;
  for (const std::string& form : {value, scan_form, policies::canonical_value(category, value)}) {
    spellings.insert(ascii_lower(form));
    spellings.insert(ascii_lower(log::escape_value(form)));
  }
  std::vector<Needle> needles;
  for (const auto& spelling : spellings) {
    EXPECT_GE(spelling.size(), kMinPlantedBytes) << "a spelling of " << value << " is too short to mean anything";
    needles.push_back({value, spelling});
  }
  return needles;
}

std::vector<Needle> needles_for(const std::vector<PlantedSentence>& corpus,
                                const std::function<bool(const std::string&)>& category_wanted) {
  std::vector<Needle> needles;
  for (const auto& sentence : corpus) {
    if (!category_wanted(sentence.category)) {
      continue;
    }
    for (const auto& value : sentence.values) {
      const auto more = needles_for(sentence.category, value);
      needles.insert(needles.end(), more.begin(), more.end());
    }
  }
  return needles;
}

// "<value> (as <spelling>)" for each needle found in `bytes`.
std::set<std::string> planted_in(std::string_view bytes, const std::vector<Needle>& needles) {
  const std::string haystack = ascii_lower(bytes);
  std::set<std::string> found;
  for (const auto& needle : needles) {
    const std::boyer_moore_horspool_searcher searcher(needle.spelling.begin(), needle.spelling.end());
    if (std::search(haystack.begin(), haystack.end(), searcher) != haystack.end()) {
      found.insert(log::escape_value(needle.planted) + " (as " + log::escape_value(needle.spelling) + ")");
    }
  }
  return found;
}

std::vector<std::string> find_planted(const std::string& where, std::string_view bytes,
                                      const std::vector<Needle>& needles) {
  std::vector<std::string> found;
  for (const auto& value : planted_in(bytes, needles)) {
    found.push_back(where + ": " + value);
  }
  return found;
}

// Every regular file under `dir`, by path relative to it.
std::map<std::string, std::string> files_under(const std::filesystem::path& dir) {
  std::map<std::string, std::string> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file()) {
      files[std::filesystem::relative(entry.path(), dir).string()] = read_text(entry.path());
    }
  }
  return files;
}

// ---- Reports carrying the corpus ------------------------------------------

struct Published {
  v1::Report report;
  std::string domain;  // indicators that are not personal data: every
  std::string sha256;  // recipient must get them
};

std::string fake_sha256(std::size_t index) {
  std::string hex = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
  const std::string suffix = std::to_string(index);
  hex.replace(hex.size() - suffix.size(), suffix.size(), suffix);
  return hex;
}

// One report per sentence, with the sentence in every free-text field and a
// contact, and the value itself wherever a field takes it whole.
Published report_carrying(const PlantedSentence& sentence, std::size_t index) {
  Published published;
  v1::Report& report = published.report;
  report.set_id(random_uuid());
  report.set_feed(kFeed);
  report.set_tlp(v1::GREEN);
  report.set_title(sentence.text);
  report.set_description("Case notes. " + sentence.text + " End of notes.");
  report.add_labels(sentence.text);

  v1::Contact& contact = *report.add_contacts();
  contact.set_role("victim liaison");
  contact.set_organisation(sentence.text);
  const std::string& value = sentence.values.front();
  if (sentence.category == policies::kEmail) {
    contact.set_email(value);
  } else if (sentence.category == policies::kPhone) {
    contact.set_phone(value);
  } else if (sentence.category == policies::kPerson) {
    contact.set_name(value);
  }

  published.domain = "c2-" + std::to_string(index) + ".leak-scan.example";
  published.sha256 = fake_sha256(index);
  auto* domain = report.add_indicators();
  domain->set_type(v1::Indicator::DOMAIN);
  domain->set_value(published.domain);
  domain->set_description(sentence.text);
  domain->add_labels(sentence.text);
  auto* hash = report.add_indicators();
  hash->set_type(v1::Indicator::SHA256);
  hash->set_value(published.sha256);

  static const std::map<std::string, v1::Indicator::Type> kTyped = {
      {std::string(policies::kEmail), v1::Indicator::EMAIL},
      {std::string(policies::kIpv4), v1::Indicator::IPV4},
      {std::string(policies::kIpv6), v1::Indicator::IPV6}};
  if (const auto typed = kTyped.find(sentence.category); typed != kTyped.end()) {
    for (const auto& planted : sentence.values) {
      if (check_indicator_value(typed->second, planted)) {
        auto* indicator = report.add_indicators();
        indicator->set_type(typed->second);
        indicator->set_value(planted);
      }
    }
  }
  return published;
}

// The shipped policies know the built-in categories; only the strict test
// policy also detects EMPLOYEE_ID.
bool is_builtin(const std::string& category) { return policies::is_builtin_category(category); }
bool any_category(const std::string&) { return true; }

std::set<std::string> pseudonyms_in(const std::string& text) {
  static const std::regex token("[A-Z][A-Z0-9_]*:[0-9a-f]{32}");
  std::set<std::string> tokens;
  for (std::sregex_iterator it(text.begin(), text.end(), token), end; it != end; ++it) {
    tokens.insert(it->str());
  }
  return tokens;
}

// ---- The test -------------------------------------------------------------

// Redacts or pseudonymises every category, custom ones included.
constexpr const char* kStrictPolicy = R"(name: "leak-scan-strict"
version: 1
description: "every personal datum pseudonymised, employee ids included"
detectors { name: "employee-id" category: "EMPLOYEE_ID" pattern: "EMP-[0-9]{6}" }
rules { id: "pseudonymise-everything" categories: "*" action: PSEUDONYMISE }
)";

class LeakScanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    corpus_ = load_corpus();
    ASSERT_FALSE(corpus_.empty());
    std::ofstream(deployment_.dir() / "policies" / "leak-scan-strict.textproto") << kStrictPolicy;
    deployment_.append_config("policy_files: \"policies/leak-scan-strict.textproto\"");
    deployment_.add_org("cert-nl", "publisher", {}, "NL", "csirt");
    deployment_.add_org("acme-bank", "subscriber", {}, "NL", "finance");  // eu-baseline
    deployment_.add_org("us-corp", "subscriber", {}, "US", "energy");     // third-country
    deployment_.add_org("cert-de", "subscriber", {}, "DE", "csirt");      // cert-peer: keeps contacts
    deployment_.add_org("careful-bank", "subscriber",
                        {"--policy", "leak-scan-strict", "--display-name", kPersonalDisplayName}, "DE", "finance");
    deployment_.add_org("dpo", "auditor", {}, "DE", "government");
    deployment_.start_broker({"--log-level", "debug"});
  }

  std::uint64_t audited_size() const {
    const auto key = deployment_.weft("dpo", {"audit", "key"});
    const auto note = deployment_.weft("dpo", {"audit", "checkpoint"});
    if (key.exit_code != 0 || note.exit_code != 0 || complete_lines(key.out).empty()) {
      return 0;
    }
    const auto verifier = audit::NoteVerifier::parse(complete_lines(key.out).front());
    if (!verifier) {
      return 0;
    }
    const auto checkpoint = audit::open_checkpoint(verifier.value(), note.out);
    return checkpoint ? checkpoint.value().size : 0;
  }

  // The RED report, sealed for acme-bank by the CLI as an analyst would.
  std::string publish_red_with_cli() {
    v1::Report report;
    report.set_id(random_uuid());
    report.set_feed(kFeed);
    report.set_tlp(v1::RED);
    report.add_recipients("acme-bank");
    report.set_title("Sealed case file");
    for (const auto& sentence : corpus_) {
      report.mutable_description()->append(sentence.text).append("\n");
    }
    v1::Contact& contact = *report.add_contacts();
    contact.set_name("Jan de Vries");
    contact.set_email("jan.devries@example.nl");
    auto* domain = report.add_indicators();
    domain->set_type(v1::Indicator::DOMAIN);
    domain->set_value("c2-red.leak-scan.example");
    const auto published = deployment_.weft("cert-nl", {"publish", "-"}, to_json(report) + "\n");
    EXPECT_EQ(published.exit_code, 0) << published.out << published.err;
    return report.id();
  }

  TestDeployment deployment_{"leak-scan"};
  std::vector<PlantedSentence> corpus_;
};

TEST(PiiCorpus, EveryPlantedValueIsFoundByItsDetectorAndEverySpellingByTheScan) {
  const auto corpus = load_corpus();
  std::set<std::string> categories;
  v1::CustomDetector employee_id;
  employee_id.set_name("employee-id");
  employee_id.set_category("EMPLOYEE_ID");
  employee_id.set_pattern("EMP-[0-9]{6}");
  const auto detector = policies::Detector::create(std::vector<v1::CustomDetector>{employee_id}).value();
  for (const auto& sentence : corpus) {
    categories.insert(sentence.category);
    std::set<std::string> found;
    for (const auto& finding : detector->find(sentence.text)) {
      if (finding.category == sentence.category) {
        found.insert(sentence.text.substr(finding.begin, finding.end - finding.begin));
      }
    }
    for (const auto& value : sentence.values) {
      EXPECT_GE(value.size(), kMinPlantedBytes) << value;
      EXPECT_TRUE(found.contains(value)) << sentence.category << " " << value << " in: " << sentence.text;
      // The scan must see the value in a log line as weft writes it.
      const std::string logged = "report.debug text=" + log::escape_value(sentence.text);
      EXPECT_FALSE(find_planted("log", logged, needles_for(sentence.category, value)).empty()) << value;
    }
  }
  std::set<std::string> expected(policies::kBuiltinCategories.begin(), policies::kBuiltinCategories.end());
  expected.insert("EMPLOYEE_ID");
  EXPECT_EQ(categories, expected);
}

TEST_F(LeakScanTest, NoPlantedValueReachesTheLogsOrAnyFileOfTheBroker) {
  std::map<std::string, std::unique_ptr<TestClient>> subscribers;
  for (const char* org : {"acme-bank", "us-corp", "cert-de", "careful-bank"}) {
    subscribers[org] = connected_client(deployment_.profile(org), deployment_.port(), org);
    ASSERT_TRUE(subscribers[org]->subscribe(kFeed)) << org;
  }

  std::vector<Published> published;
  std::vector<v1::Report> reports;
  for (std::size_t i = 0; i < corpus_.size(); ++i) {
    published.push_back(report_carrying(corpus_[i], i));
    reports.push_back(published.back().report);
  }
  {
    auto publisher = connected_client(deployment_.profile("cert-nl"), deployment_.port(), "cert-nl");
    for (const auto& ack : publisher->publish_pipelined(reports)) {
      ASSERT_TRUE(ack) << ack.error().describe();
    }
  }
  const std::string red_id = publish_red_with_cli();

  // Every subscriber gets every report; acme-bank, named, the RED one too.
  std::map<std::string, std::vector<v1::Report>> delivered;
  for (auto& [org, client] : subscribers) {
    const std::size_t expected = reports.size() + (org == "acme-bank" ? 1 : 0);
    while (delivered[org].size() < expected) {
      auto delivery = client->next_delivery(10s);
      ASSERT_TRUE(delivery) << org << " got " << delivered[org].size() << " of " << expected;
      delivered[org].push_back(delivery->report());
    }
  }
  // Each GREEN report: four deliveries; the RED one: one delivery and three
  // withheld by TLP. The auditor's checkpoint covers them all.
  const std::uint64_t expected_records = 4 * (reports.size() + 1);
  ASSERT_TRUE(eventually([&] { return audited_size() >= expected_records; }, 30s))
      << "audited " << audited_size() << " of " << expected_records;

  // The scan is not vacuous: the copies went out, filtered by each policy,
  // with the indicators that are not personal data intact.
  const auto builtin_needles = needles_for(corpus_, is_builtin);
  const auto all_needles = needles_for(corpus_, any_category);
  std::map<std::string, const Published*> by_id;
  for (const auto& one : published) {
    by_id[one.report.id()] = &one;
  }
  std::set<std::string> pseudonyms;
  bool cert_peer_saw_plaintext = false;
  for (const auto& [org, copies] : delivered) {
    for (const v1::Report& copy : copies) {
      if (copy.id() == red_id) {
        ASSERT_EQ(copy.sealed_copies_size(), 1);
        EXPECT_EQ(copy.sealed_copies(0).recipient(), "acme-bank");
        EXPECT_TRUE(find_planted("RED relay", copy.SerializeAsString(), all_needles).empty());
        continue;
      }
      const Published* original = by_id.at(copy.id());
      std::set<std::string> values;
      for (const auto& indicator : copy.indicators()) {
        values.insert(indicator.value());
      }
      EXPECT_TRUE(values.contains(original->domain) && values.contains(original->sha256)) << org << " " << copy.id();

      const std::string bytes = copy.SerializeAsString();
      const auto tokens = pseudonyms_in(bytes);
      pseudonyms.insert(tokens.begin(), tokens.end());
      if (org == "cert-de") {
        cert_peer_saw_plaintext = cert_peer_saw_plaintext || !find_planted(org, bytes, builtin_needles).empty();
      } else if (org == "acme-bank") {
        // eu-baseline keeps e-mail and IP indicators (attacker
        // infrastructure), and the attestation discloses what was kept;
        // nothing personal may be anywhere else.
        std::string indicator_values;
        v1::Report text_only = copy;
        text_only.clear_provenance();
        for (auto& indicator : *text_only.mutable_indicators()) {
          indicator_values += indicator.value() + "\n";
          indicator.clear_value();
        }
        for (const auto& leak : find_planted(org, text_only.SerializeAsString(), builtin_needles)) {
          ADD_FAILURE() << "eu-baseline let through " << leak;
        }
        for (const auto& leak : planted_in(bytes, builtin_needles)) {
          if (!planted_in(indicator_values, builtin_needles).contains(leak)) {
            ADD_FAILURE() << "eu-baseline let through " << leak << " outside indicator values";
          }
        }
      } else {
        const auto& needles = org == "careful-bank" ? all_needles : builtin_needles;
        for (const auto& leak : find_planted(org, bytes, needles)) {
          ADD_FAILURE() << "policy let through " << leak;
        }
      }
    }
  }
  EXPECT_TRUE(cert_peer_saw_plaintext) << "cert-peer keeps contacts: the values did pass through the broker";
  ASSERT_FALSE(pseudonyms.empty());
  EXPECT_TRUE(std::any_of(pseudonyms.begin(), pseudonyms.end(), [](const std::string& token) {
    return token.starts_with("EMPLOYEE_ID:");
  })) << "the custom category was pseudonymised";
  std::vector<Needle> secret_needles = all_needles;
  for (const auto& token : pseudonyms) {
    secret_needles.push_back({token, ascii_lower(token)});
  }

  // While the broker runs: the database with its WAL, the audit log.
  const auto live_files = files_under(deployment_.dir());
  for (const char* expected : {"data/weft.db", "data/weft.db-wal", "data/audit.db", "data/audit.checkpoint"}) {
    EXPECT_TRUE(live_files.contains(expected)) << expected << " was not there to scan";
  }
  for (const auto& [path, bytes] : live_files) {
    for (const auto& leak : find_planted(path + " (broker running)", bytes, secret_needles)) {
      ADD_FAILURE() << leak;
    }
  }

  subscribers.clear();
  ASSERT_EQ(deployment_.stop_broker(), 0);

  // The logs, at their most verbose.
  const std::string log = deployment_.broker().stderr_text();
  EXPECT_NE(log.find(" DEBUG report.redacted "), std::string::npos) << "debug logging was not on";
  std::vector<Needle> log_needles = secret_needles;
  log_needles.push_back({kPersonalDisplayName, ascii_lower("Hanna Vogel")});
  for (const auto& [stream, text] : {std::pair{"stderr", log}, {"stdout", deployment_.broker().stdout_text()}}) {
    for (const auto& leak : find_planted(std::string("weftd ") + stream, text, log_needles)) {
      ADD_FAILURE() << leak;
    }
  }
  // After shutdown: whatever the last checkpoints and closes left behind.
  const auto files = files_under(deployment_.dir());
  EXPECT_TRUE(files.contains("data/weft.db"));
  for (const auto& [path, bytes] : files) {
    for (const auto& leak : find_planted(path, bytes, secret_needles)) {
      ADD_FAILURE() << leak;
    }
  }
}

}  // namespace
}  // namespace weft::testing
