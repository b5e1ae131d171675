#include "policies/detector.h"

#include <hs/hs.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>

#include "policies/category.h"
#include "policies/detectors/extractors.h"
#include "policies/normalized_text.h"

namespace weft::policies {
namespace {

// Anchors: cheap patterns whose end offset tells an extractor where to look.
// `\b` keeps each run of digits or letters from firing at every position.
enum Anchor : unsigned {
  kEmailAnchor,
  kIpv4Anchor,
  kIpv6CompressedAnchor,
  kIpv6FullAnchor,
  kIbanAnchor,
  kCardAnchor,
  kCardAmexAnchor,
  kPhonePlusAnchor,
  kPhone00Anchor,
  kPhoneTrunkAnchor,
  kPhoneParenAnchor,
  kPhoneUsAnchor,
  kPhoneNoTrunkAnchor,
  kPhoneContiguousAnchor,
  kPersonCueAnchor,
  kAnchorCount,
};

struct AnchorPattern {
  Anchor id;
  const char* expression;
};

constexpr std::array<AnchorPattern, kAnchorCount> kAnchorPatterns = {{
    {kEmailAnchor, R"([a-z0-9._%+\-]@[a-z0-9])"},
    {kIpv4Anchor, R"(\b[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9])"},
    {kIpv6CompressedAnchor, R"([0-9a-f]::|::[0-9a-f])"},
    {kIpv6FullAnchor, R"(\b[0-9a-f]{1,4}:[0-9a-f]{1,4}:[0-9a-f]{1,4}:[0-9a-f]{1,4}:[0-9a-f])"},
    {kIbanAnchor, R"(\b[a-z]{2}[0-9]{2} ?[a-z0-9])"},
    {kCardAnchor, R"(\b[0-9]{4}[ \-]?[0-9]{4}[ \-]?[0-9]{4})"},
    {kCardAmexAnchor, R"(\b[0-9]{4}[ \-][0-9]{6}[ \-][0-9]{4})"},
    {kPhonePlusAnchor, R"(\+[1-9])"},
    {kPhone00Anchor, R"(\b00[1-9][0-9])"},
    {kPhoneTrunkAnchor, R"(\b0[1-9][0-9]{0,4}[ /.\-][0-9])"},
    {kPhoneParenAnchor, R"(\([0-9]{2,5}\)[ \-]?[0-9])"},
    {kPhoneUsAnchor, R"(\b[2-9][0-9]{2}[ .\-][0-9]{3}[ .\-][0-9])"},
    {kPhoneNoTrunkAnchor, R"(\b[3-9][0-9]{1,2} [0-9]{2,3} [0-9]{2})"},
    {kPhoneContiguousAnchor, R"(\b0[1-9][0-9]{7})"},
    // Cue words before a person's name, in the report languages (en, de, nl, fr, es, it).
    {kPersonCueAnchor,
     R"(\b(?:contact(?:\s+person)?|point\s+of\s+contact|reported\s+by|submitted\s+by|reporter|)"
     R"(ansprechpartner(?:in)?|kontakt(?:person)?|gemeldet\s+von|meldende[rn]?|)"
     R"(contactpersoon|contact\s+persoon|gemeld\s+door|melder|)"
     R"(interlocut(?:eur|rice)|signal(?:e|é)\s+par|contacto|persona\s+de\s+contacto|reportado\s+por|informado\s+por|)"
     R"(referente|contatto|persona\s+di\s+contatto|segnalato\s+da)\b)"
     R"(|\b(?:name|naam|nom|nombre|nome)\s*:)"},
}};

void abort_with(const char* what, const char* detail) {
  std::fprintf(stderr, "weft policies: %s: %s\n", what, detail);
  std::abort();
}

// The built-in anchors, compiled once for the whole process.
const hs_database_t* builtin_database() {
  static hs_database_t* database = [] {
    std::array<const char*, kAnchorCount> expressions{};
    std::array<unsigned, kAnchorCount> flags{};
    std::array<unsigned, kAnchorCount> ids{};
    for (const auto& pattern : kAnchorPatterns) {
      expressions[pattern.id] = pattern.expression;
      flags[pattern.id] = HS_FLAG_CASELESS;
      ids[pattern.id] = pattern.id;
    }
    hs_database_t* compiled = nullptr;
    hs_compile_error_t* error = nullptr;
    if (hs_compile_multi(expressions.data(), flags.data(), ids.data(), kAnchorCount, HS_MODE_BLOCK, nullptr, &compiled,
                         &error) != HS_SUCCESS) {
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

std::optional<detectors::Span> extract(Anchor anchor, std::string_view text, std::size_t end) {
  switch (anchor) {
    case kEmailAnchor:
      return detectors::extract_email(text, end);
    case kIpv4Anchor:
      return detectors::extract_ipv4(text, end);
    case kIpv6CompressedAnchor:
    case kIpv6FullAnchor:
      return detectors::extract_ipv6(text, end);
    case kIbanAnchor:
      return detectors::extract_iban(text, end);
    case kCardAnchor:
    case kCardAmexAnchor:
      return detectors::extract_payment_card(text, end);
    case kPhonePlusAnchor:
    case kPhone00Anchor:
      return detectors::extract_phone(text, end, true);
    case kPhoneTrunkAnchor:
    case kPhoneParenAnchor:
    case kPhoneUsAnchor:
    case kPhoneNoTrunkAnchor:
    case kPhoneContiguousAnchor:
      return detectors::extract_phone(text, end, false);
    case kPersonCueAnchor:
      return detectors::extract_person(text, end);
    case kAnchorCount:
      break;
  }
  return std::nullopt;
}

std::pair<std::string_view, std::string_view> category_of(Anchor anchor) {
  switch (anchor) {
    case kEmailAnchor:
      return {kEmail, "email.v1"};
    case kIpv4Anchor:
      return {kIpv4, "ipv4.v1"};
    case kIpv6CompressedAnchor:
    case kIpv6FullAnchor:
      return {kIpv6, "ipv6.v1"};
    case kIbanAnchor:
      return {kIban, "iban.v1"};
    case kCardAnchor:
    case kCardAmexAnchor:
      return {kCreditCard, "payment-card.v1"};
    case kPersonCueAnchor:
      return {kPerson, "person-cue.v1"};
    default:
      return {kPhone, "phone.v1"};
  }
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
  std::array<std::size_t, kAnchorCount> covered_until{};
  for (const Match& match : matches) {
    const auto anchor = static_cast<Anchor>(match.id);
    const auto [category, name] = category_of(anchor);
    if (match.to <= covered_until[anchor]) {
      continue;  // this anchor sits inside something already found
    }
    if (auto span = extract(anchor, scan_text, match.to)) {
      covered_until[anchor] = span->end;
      candidates.push_back({span->begin, span->end, category, name});
    }
  }
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
