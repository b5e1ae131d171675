// A data-protection policy, parsed, checked and ready to apply.
//
// Loaded from protobuf text format (weft.v1.Policy). Every problem is an
// error naming file, line and column: unknown categories, actions that make
// no sense for a category, patterns the detector engine cannot compile,
// duplicate rule ids. A Policy is immutable and may be used from any thread.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "policies/detector.h"
#include "proto/error.h"
#include "weft/v1/policy.pb.h"
#include "weft/v1/registry.pb.h"

namespace weft::policies {

class Policy {
 public:
  static Result<std::shared_ptr<const Policy>> parse(std::string_view text, std::string_view source_name);

  const std::string& name() const { return proto_.name(); }
  std::uint32_t version() const { return proto_.version(); }
  const v1::Policy& proto() const { return proto_; }
  const std::string& source() const { return source_; }
  // Hex SHA-256 of the canonical text form: identifies exactly what was applied.
  const std::string& canonical_sha256() const { return canonical_sha256_; }
  const Detector& detector() const { return *detector_; }

  struct Decision {
    v1::Action action;
    std::string_view rule;  // rule id, or "default"
  };
  // The most restrictive rule for this category and place; a category no
  // rule covers is redacted (fail closed).
  Decision decide(std::string_view category, v1::Place place) const;

  // Whether the policy's selector picks this recipient (see RecipientSelector).
  bool selects(const v1::Organisation& recipient) const;

 private:
  Policy() = default;

  v1::Policy proto_;
  std::string source_;
  std::string canonical_sha256_;
  std::shared_ptr<const Detector> detector_;
};

std::string_view action_name(v1::Action action);
std::string_view place_name(v1::Place place);

}  // namespace weft::policies
