// Finds personal data in text: one Vectorscan pass over the scan form of the
// text (see NormalizedText) finds cheap anchors for every category at once,
// then each candidate is extracted and validated in C++ (checksums, country
// tables, boundaries). Linear in the input; no backtracking regex anywhere.
//
// A Detector is built once per policy (built-in detectors plus the policy's
// custom patterns) and is immutable; find() may run on any thread at once.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "proto/error.h"
#include "weft/v1/policy.pb.h"

struct hs_database;

namespace weft::policies {

struct Finding {
  std::size_t begin = 0;  // UTF-8 byte offsets into the original text, end exclusive
  std::size_t end = 0;
  std::string category;
  std::string detector;  // "email.v1", or the custom detector's name
};

class Detector {
 public:
  // Refuses custom patterns the engine cannot compile (or that match the
  // empty string), naming the detector.
  static Result<std::shared_ptr<const Detector>> create(std::span<const v1::CustomDetector> custom = {});
  ~Detector();
  Detector(const Detector&) = delete;
  Detector& operator=(const Detector&) = delete;

  // Findings sorted by position. A finding inside a larger one is dropped;
  // overlapping findings of one category are merged. Findings of two
  // categories may overlap in part where the text reads as both (a card
  // number whose last group starts an IPv6 address): neither can be dropped
  // without leaving the rest of it in clear, so redaction replaces the two
  // together, by the stricter action.
  std::vector<Finding> find(std::string_view text) const;

  // Categories this detector can report (built-in plus custom).
  const std::vector<std::string>& categories() const { return categories_; }
  // Changes whenever the detectors' output could change (for audit records).
  const std::string& version() const { return version_; }

 private:
  struct DatabaseDeleter {
    void operator()(hs_database* database) const;
  };
  Detector() = default;

  std::unique_ptr<hs_database, DatabaseDeleter> custom_;
  std::vector<std::string> custom_names_;
  std::vector<std::string> custom_categories_;
  std::vector<std::string> categories_;
  std::string version_;
};

}  // namespace weft::policies
