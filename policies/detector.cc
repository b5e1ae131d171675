#include "policies/detector.h"

#include <hs/hs.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>

#include "policies/category.h"
#include "policies/detectors/extractors.h"
#include "policies/detectors/numeric_runs.h"
#include "policies/detectors/text_scan.h"
#include "policies/normalized_text.h"

namespace weft::policies {
namespace {

// Anchors: literals whose position tells an extractor where to look: '@',
// '+', and cue words before a person's name in the report languages (en, de,
// nl, fr, es, it). A pure literal set keeps the automaton on its fastest
// path; the extractors check word boundaries and everything else. Digit and
// hex runs (IPv4, IPv6, cards, national phones, IBANs) are found by
// scan_numeric_runs: character classes are slow for an automaton over text
// full of timestamps and hashes.
enum class Anchor { kEmail, kPhonePlus, kPersonCue };

struct AnchorLiteral {
  Anchor anchor;
  std::string_view literal;
};

constexpr AnchorLiteral kAnchorLiterals[] = {
    {Anchor::kEmail, "@"},
    {Anchor::kPhonePlus, "+"},
    {Anchor::kPersonCue, "contact"},
    {Anchor::kPersonCue, "contact person"},
    {Anchor::kPersonCue, "point of contact"},
    {Anchor::kPersonCue, "reported by"},
    {Anchor::kPersonCue, "submitted by"},
    {Anchor::kPersonCue, "reporter"},
    {Anchor::kPersonCue, "ansprechpartner"},
    {Anchor::kPersonCue, "ansprechpartnerin"},
    {Anchor::kPersonCue, "kontakt"},
    {Anchor::kPersonCue, "kontaktperson"},
    {Anchor::kPersonCue, "gemeldet von"},
    {Anchor::kPersonCue, "meldende"},
    {Anchor::kPersonCue, "meldender"},
    {Anchor::kPersonCue, "contactpersoon"},
    {Anchor::kPersonCue, "contact persoon"},
    {Anchor::kPersonCue, "gemeld door"},
    {Anchor::kPersonCue, "melder"},
    {Anchor::kPersonCue, "interlocuteur"},
    {Anchor::kPersonCue, "interlocutrice"},
    {Anchor::kPersonCue, "signalé par"},
    {Anchor::kPersonCue, "signale par"},
    {Anchor::kPersonCue, "contacto"},
    {Anchor::kPersonCue, "persona de contacto"},
    {Anchor::kPersonCue, "reportado por"},
    {Anchor::kPersonCue, "informado por"},
    {Anchor::kPersonCue, "referente"},
    {Anchor::kPersonCue, "contatto"},
    {Anchor::kPersonCue, "persona di contatto"},
    {Anchor::kPersonCue, "segnalato da"},
    {Anchor::kPersonCue, "name:"},
    {Anchor::kPersonCue, "naam:"},
    {Anchor::kPersonCue, "nom:"},
    {Anchor::kPersonCue, "nom :"},
    {Anchor::kPersonCue, "nombre:"},
    {Anchor::kPersonCue, "nome:"},
};
constexpr std::size_t kAnchorCount = sizeof kAnchorLiterals / sizeof kAnchorLiterals[0];

void abort_with(const char* what, const char* detail) {
  std::fprintf(stderr, "weft policies: %s: %s\n", what, detail);
  std::abort();
}

// The built-in anchors, compiled once for the whole process.
const hs_database_t* builtin_database() {
  static hs_database_t* database = [] {
    std::array<const char*, kAnchorCount> expressions{};
    std::array<std::size_t, kAnchorCount> lengths{};
    std::array<unsigned, kAnchorCount> flags{};
    std::array<unsigned, kAnchorCount> ids{};
    for (std::size_t i = 0; i < kAnchorCount; ++i) {
      expressions[i] = kAnchorLiterals[i].literal.data();
      lengths[i] = kAnchorLiterals[i].literal.size();
      flags[i] = HS_FLAG_CASELESS;
      ids[i] = static_cast<unsigned>(i);
    }
    hs_database_t* compiled = nullptr;
    hs_compile_error_t* error = nullptr;
    if (hs_compile_lit_multi(expressions.data(), flags.data(), ids.data(), lengths.data(), kAnchorCount,
                             HS_MODE_BLOCK, nullptr, &compiled, &error) != HS_SUCCESS) {
      abort_with("built-in patterns do not compile", error != nullptr ? error->message : "unknown error");
    }
    return compiled;
  }();
  return database;
}

// Scratch space is per thread and grows to fit every database it serves.
hs_scratch_t* scratch_for(const hs_database_t* database) {
  struct Holder {
    hs_scratch_t* scratch = nullptr;
    ~Holder() {
      if (scratch != nullptr) {
        hs_free_scratch(scratch);
      }
    }
  };
  thread_local Holder holder;
  if (hs_alloc_scratch(database, &holder.scratch) != HS_SUCCESS) {
    abort_with("cannot allocate scan scratch space", "hs_alloc_scratch failed");
  }
  return holder.scratch;
}

struct Match {
  unsigned id;
  std::size_t from;
  std::size_t to;
};

int collect(unsigned id, unsigned long long from, unsigned long long to, unsigned /*flags*/, void* context) {
  static_cast<std::vector<Match>*>(context)->push_back({id, static_cast<std::size_t>(from), static_cast<std::size_t>(to)});
  return 0;
}

void scan(const hs_database_t* database, std::string_view text, std::vector<Match>& matches) {
  if (text.empty()) {
    return;
  }
  hs_scan(database, text.data(), static_cast<unsigned>(text.size()), 0, scratch_for(database), collect, &matches);
}

struct Candidate {
  std::size_t begin;
  std::size_t end;
  std::string_view category;
  std::string_view detector;
};

// `end`: just past the literal that matched.
std::optional<detectors::Span> extract(const AnchorLiteral& matched, std::string_view text, std::size_t end) {
  switch (matched.anchor) {
    case Anchor::kEmail:  // the extractor wants the first domain character too
      return end < text.size() ? detectors::extract_email(text, end + 1) : std::nullopt;
    case Anchor::kPhonePlus:  // ... and the first digit
      return end < text.size() ? detectors::extract_phone(text, end + 1, true) : std::nullopt;
    case Anchor::kPersonCue: {
      const std::size_t begin = end - matched.literal.size();
      if (begin > 0 && detectors::is_word_byte(text[begin - 1])) {
        return std::nullopt;  // "recontact", "xname:"
      }
      return detectors::extract_person(text, end);
    }
  }
  return std::nullopt;
}

std::pair<std::string_view, std::string_view> category_of(Anchor anchor) {
  switch (anchor) {
    case Anchor::kEmail:
      return {kEmail, "email.v1"};
    case Anchor::kPersonCue:
      return {kPerson, "person-cue.v1"};
    case Anchor::kPhonePlus:
      break;
  }
  return {kPhone, "phone.v1"};
}

std::pair<std::string_view, std::string_view> category_of(detectors::NumericCategory category) {
  switch (category) {
    case detectors::NumericCategory::kIpv4:
      return {kIpv4, "ipv4.v1"};
    case detectors::NumericCategory::kIpv6:
      return {kIpv6, "ipv6.v1"};
    case detectors::NumericCategory::kPaymentCard:
      return {kCreditCard, "payment-card.v1"};
    case detectors::NumericCategory::kIban:
      return {kIban, "iban.v1"};
    case detectors::NumericCategory::kPhone:
      break;
  }
  return {kPhone, "phone.v1"};
}

}  // namespace

void Detector::DatabaseDeleter::operator()(hs_database* database) const { hs_free_database(database); }

Detector::~Detector() = default;

Result<std::shared_ptr<const Detector>> Detector::create(std::span<const v1::CustomDetector> custom) {
  builtin_database();  // compile (or fail loudly) before the first scan
  std::shared_ptr<Detector> detector(new Detector());
  detector->version_ = "weft-detectors/1";
  for (auto category : kBuiltinCategories) {
    detector->categories_.emplace_back(category);
  }
  if (!custom.empty()) {
    std::vector<const char*> expressions;
    std::vector<unsigned> flags;
    std::vector<unsigned> ids;
    for (std::size_t i = 0; i < custom.size(); ++i) {
      const auto& entry = custom[i];
      expressions.push_back(entry.pattern().c_str());
      flags.push_back(HS_FLAG_SOM_LEFTMOST | (entry.case_sensitive() ? 0U : HS_FLAG_CASELESS));
      ids.push_back(static_cast<unsigned>(i));
      detector->custom_names_.push_back(entry.name());
      detector->custom_categories_.push_back(entry.category());
      if (std::find(detector->categories_.begin(), detector->categories_.end(), entry.category()) ==
          detector->categories_.end()) {
        detector->categories_.push_back(entry.category());
      }
      detector->version_ += ";" + entry.name();
    }
    hs_database_t* compiled = nullptr;
    hs_compile_error_t* error = nullptr;
    if (hs_compile_multi(expressions.data(), flags.data(), ids.data(), static_cast<unsigned>(expressions.size()),
                         HS_MODE_BLOCK, nullptr, &compiled, &error) != HS_SUCCESS) {
      std::string message = "custom detector";
      if (error != nullptr && error->expression >= 0 && static_cast<std::size_t>(error->expression) < custom.size()) {
        message += " '" + custom[static_cast<std::size_t>(error->expression)].name() + "'";
      }
      message += ": pattern cannot be used: ";
      message += error != nullptr ? error->message : "unknown error";
      hs_free_compile_error(error);
      return make_error(v1::POLICY_INVALID, message);
    }
    detector->custom_.reset(compiled);
  }
  return std::shared_ptr<const Detector>(std::move(detector));
}

std::vector<Finding> Detector::find(std::string_view text) const {
  const NormalizedText normalized(text);
  const std::string_view scan_text = normalized.scan();
  thread_local std::vector<Match> matches;
  matches.clear();
  scan(builtin_database(), scan_text, matches);

  std::vector<Candidate> candidates;
  std::array<std::size_t, 3> covered_until{};
  for (const Match& match : matches) {
    const AnchorLiteral& matched = kAnchorLiterals[match.id];
    const Anchor anchor = matched.anchor;
    const auto slot = static_cast<std::size_t>(anchor);
    if (match.to <= covered_until[slot]) {
      continue;  // this anchor sits inside something already found
    }
    if (auto span = extract(matched, scan_text, match.to)) {
      const auto [category, name] = category_of(anchor);
      covered_until[slot] = span->end;
      candidates.push_back({span->begin, span->end, category, name});
    }
  }
  detectors::scan_numeric_runs(scan_text, [&candidates](detectors::NumericCategory category, detectors::Span span) {
    const auto [name, detector] = category_of(category);
    candidates.push_back({span.begin, span.end, name, detector});
  });
  if (custom_) {
    matches.clear();
    scan(custom_.get(), scan_text, matches);
    for (const Match& match : matches) {
      candidates.push_back({match.from, match.to, custom_categories_[match.id], custom_names_[match.id]});
    }
  }

  std::vector<Finding> findings;
  findings.reserve(candidates.size());
  for (const Candidate& candidate : candidates) {
    const auto [begin, end] = normalized.to_original(candidate.begin, candidate.end);
    if (end > begin) {
      findings.push_back({begin, end, std::string(candidate.category), std::string(candidate.detector)});
    }
  }
  std::sort(findings.begin(), findings.end(), [](const Finding& a, const Finding& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end > b.end;
  });
  // Merge overlapping findings of one category; drop findings inside a larger one.
  std::vector<Finding> result;
  for (Finding& finding : findings) {
    bool absorbed = false;
    // Findings are sorted by start and rarely overlap: looking back a little is enough.
    int looked_at = 0;
    for (auto it = result.rbegin(); it != result.rend() && looked_at < 32; ++it, ++looked_at) {
      if (it->end <= finding.begin) {
        continue;
      }
      if (it->category == finding.category) {
        it->end = std::max(it->end, finding.end);
        absorbed = true;
        break;
      }
      if (finding.end <= it->end && (finding.begin > it->begin || finding.end < it->end)) {
        absorbed = true;  // strictly inside a larger finding of another category
        break;
      }
    }
    if (!absorbed) {
      result.push_back(std::move(finding));
    }
  }
  return result;
}

}  // namespace weft::policies
