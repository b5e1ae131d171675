// The organisation registry: an immutable, validated snapshot of
// weft.v1.Registry with look-ups by certificate pin and by name.
//
// weftd loads a snapshot at start-up and swaps in a new one whenever the file
// changes; `weft admin` edits the file under a lock. A snapshot is never
// modified after construction, so any thread may read it.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "proto/error.h"
#include "weft/v1/registry.pb.h"

namespace weft {

class Registry {
 public:
  // Validates names, roles, jurisdictions, feed patterns and pins; refuses
  // duplicate names and pins shared by two organisations. `source` names
  // the file in error messages.
  static Result<Registry> from_proto(v1::Registry registry, std::string_view source = "registry");
  static Result<Registry> load(const std::filesystem::path& path);

  // The organisation whose certificate key has this pin (lower-case hex of
  // SHA-256 over the DER SubjectPublicKeyInfo), revoked or not.
  const v1::Organisation* find_by_pin(std::string_view spki_sha256_hex) const;
  const v1::Organisation* find_by_name(std::string_view name) const;

  const v1::Registry& proto() const { return registry_; }
  std::uint64_t revision() const { return registry_.revision(); }

 private:
  explicit Registry(v1::Registry registry);

  v1::Registry registry_;
  std::unordered_map<std::string, int> by_pin_;
  std::unordered_map<std::string, int> by_name_;
};

bool has_role(const v1::Organisation& org, v1::Role role);
bool may_publish(const v1::Organisation& org, std::string_view feed);
bool may_read(const v1::Organisation& org, std::string_view feed);
// "publisher,subscriber" -> roles; refuses unknown names.
Result<std::vector<v1::Role>> parse_roles(std::string_view comma_separated);
std::string role_name(v1::Role role);  // "publisher"

// Writes the registry in text format atomically (mode 0644: it holds no
// secrets, only public-key pins).
Result<void> save_registry(const std::filesystem::path& path, const v1::Registry& registry);

}  // namespace weft
