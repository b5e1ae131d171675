// Realistic incident reports of a chosen size for the benchmarks
// (durable_publish, fill_store): a valid weft.v1.Report that the broker
// accepts and delivers without redacting anything.
#pragma once

#include <cstddef>
#include <random>
#include <string>

#include "common/uuid.h"
#include "weft/v1/report.pb.h"

namespace weft::bench {

// Filler for the description: ordinary lower-case words only, so the
// broker's personal-data detectors find nothing to redact (no digits, no
// addresses, nothing shaped like a name, phone, IBAN, card or IP).
inline constexpr const char* kFillerWords[] = {
    "analysts",    "observed",   "beaconing",  "from",       "workstation", "towards",    "suspicious",
    "domain",      "credential", "harvesting", "page",       "lateral",     "movement",   "persistence",
    "through",     "scheduled",  "task",       "loader",     "payload",     "dropper",    "archive",
    "macro",       "document",   "phishing",   "campaign",   "targeting",   "retail",     "banking",
    "customers",   "mitigation", "patched",    "gateway",    "blocked",     "outbound",   "traffic",
    "recommend",   "monitoring", "indicators", "attached",   "severity",    "high",       "containment",
    "eradication", "recovery",   "forensic",   "memory",     "analysis",    "ransomware", "affiliate",
    "staging",     "server",     "encrypted",  "channel",    "the",         "and",        "with",
};
inline constexpr std::size_t kFillerWordCount = sizeof kFillerWords / sizeof kFillerWords[0];

// A TLP:GREEN report of `feed` whose serialized size is about `target_bytes`
// (exactly, for sizes from about 300 bytes to 16 KiB), padded in the description.
inline v1::Report make_report(const std::string& feed, std::size_t target_bytes, std::mt19937_64& generator) {
  v1::Report report;
  report.set_id(uuid::random_v4(generator));
  report.set_feed(feed);
  report.set_tlp(v1::GREEN);
  report.set_title("Credential phishing campaign against online banking customers");
  auto* domain = report.add_indicators();
  domain->set_type(v1::Indicator::DOMAIN);
  domain->set_value("login-secure-bank.example");
  auto* url = report.add_indicators();
  url->set_type(v1::Indicator::URL);
  url->set_value("https://login-secure-bank.example/session/verify");

  // Field tag plus a two-byte length prefix (descriptions of 128 bytes to 16 KiB).
  constexpr std::size_t kDescriptionOverhead = 3;
  const std::size_t without_description = report.ByteSizeLong();
  if (target_bytes <= without_description + kDescriptionOverhead) {
    return report;
  }
  const std::size_t description_bytes = target_bytes - without_description - kDescriptionOverhead;
  std::string description;
  description.reserve(description_bytes + 16);
  // A different starting word per report, so descriptions differ.
  std::size_t word = generator() % kFillerWordCount;
  while (description.size() < description_bytes) {
    description += kFillerWords[word++ % kFillerWordCount];
    description += ' ';
  }
  description.resize(description_bytes);
  report.set_description(std::move(description));
  return report;
}

}  // namespace weft::bench
