#include "common/registry.h"

#include <algorithm>
#include <cctype>

#include "common/files.h"
#include "common/names.h"
#include "common/text_proto.h"

namespace weft {
namespace {

bool is_pin(std::string_view pin) {
  return pin.size() == 64 && std::all_of(pin.begin(), pin.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

// The shape of a 32-byte public key only ("x25519:" or "ed25519:" and 44
// base64 characters ending in '='); the key itself is checked where it is used.
bool is_key_text(std::string_view text, std::string_view prefix) {
  if (!text.starts_with(prefix) || text.size() != prefix.size() + 44 || !text.ends_with('=')) {
    return false;
  }
  const std::string_view encoded = text.substr(prefix.size(), 43);
  return std::all_of(encoded.begin(), encoded.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
  });
}

Error invalid(std::string_view source, const std::string& org, const std::string& problem) {
  return make_error(v1::CONFIG_INVALID, std::string(source) + ": organisation '" + org + "': " + problem);
}

bool feeds_allow(const google::protobuf::RepeatedPtrField<std::string>& patterns, std::string_view feed) {
  if (patterns.empty()) {
    return true;
  }
  return std::any_of(patterns.begin(), patterns.end(),
                     [feed](const std::string& pattern) { return names::feed_matches(pattern, feed); });
}

}  // namespace

Registry::Registry(v1::Registry registry) : registry_(std::move(registry)) {
  for (int i = 0; i < registry_.organisations_size(); ++i) {
    const auto& org = registry_.organisations(i);
    by_name_.emplace(org.name(), i);
    for (const auto& pin : org.spki_sha256()) {
      by_pin_.emplace(pin, i);
    }
  }
}

Result<Registry> Registry::from_proto(v1::Registry registry, std::string_view source) {
  std::unordered_map<std::string, std::string> pin_owner;
  std::unordered_map<std::string, bool> seen_names;
  for (auto& org : *registry.mutable_organisations()) {
    if (auto checked = names::check_organisation(org.name()); !checked) {
      return make_error(v1::CONFIG_INVALID, std::string(source) + ": " + checked.error().message);
    }
    if (!seen_names.emplace(org.name(), true).second) {
      return invalid(source, org.name(), "listed twice");
    }
    for (int role : org.roles()) {
      if (!v1::Role_IsValid(role) || role == v1::ROLE_UNSPECIFIED) {
        return invalid(source, org.name(), "unknown role number " + std::to_string(role));
      }
    }
    if (!org.jurisdiction().empty()) {
      auto normalised = names::normalise_jurisdiction(org.jurisdiction());
      if (!normalised) {
        return invalid(source, org.name(), normalised.error().message);
      }
      org.set_jurisdiction(normalised.value());
    }
    for (const auto* list : {&org.publish_feeds(), &org.read_feeds()}) {
      for (const auto& pattern : *list) {
        if (auto checked = names::check_feed_pattern(pattern); !checked) {
          return invalid(source, org.name(), "feed pattern '" + pattern + "': " + checked.error().message);
        }
      }
    }
    if (!org.sealing_public_key().empty() && !is_key_text(org.sealing_public_key(), "x25519:")) {
      return invalid(source, org.name(), "sealing_public_key must be x25519:<standard base64 of 32 bytes>");
    }
    if (!org.signing_public_key().empty() && !is_key_text(org.signing_public_key(), "ed25519:")) {
      return invalid(source, org.name(), "signing_public_key must be ed25519:<standard base64 of 32 bytes>");
    }
    for (const auto& pin : org.spki_sha256()) {
      if (!is_pin(pin)) {
        return invalid(source, org.name(), "spki_sha256 must be 64 lower-case hex digits");
      }
      auto [it, inserted] = pin_owner.emplace(pin, org.name());
      if (!inserted) {
        return invalid(source, org.name(), "key pin is also registered to '" + it->second + "'");
      }
    }
  }
  return Registry(std::move(registry));
}

Result<Registry> Registry::load(const std::filesystem::path& path) {
  WEFT_TRY(auto registry, text_proto::load<v1::Registry>(path));
  return from_proto(std::move(registry), path.string());
}

const v1::Organisation* Registry::find_by_pin(std::string_view pin) const {
  auto it = by_pin_.find(std::string(pin));
  return it == by_pin_.end() ? nullptr : &registry_.organisations(it->second);
}

const v1::Organisation* Registry::find_by_name(std::string_view name) const {
  auto it = by_name_.find(std::string(name));
  return it == by_name_.end() ? nullptr : &registry_.organisations(it->second);
}

bool has_role(const v1::Organisation& org, v1::Role role) {
  return std::find(org.roles().begin(), org.roles().end(), role) != org.roles().end();
}

bool may_publish(const v1::Organisation& org, std::string_view feed) {
  return !org.revoked() && has_role(org, v1::PUBLISHER) && feeds_allow(org.publish_feeds(), feed);
}

bool may_read(const v1::Organisation& org, std::string_view feed) {
  return !org.revoked() && has_role(org, v1::SUBSCRIBER) && feeds_allow(org.read_feeds(), feed);
}

std::string role_name(v1::Role role) { return names::to_lower(v1::Role_Name(role)); }

Result<std::vector<v1::Role>> parse_roles(std::string_view comma_separated) {
  std::vector<v1::Role> roles;
  std::size_t start = 0;
  while (start <= comma_separated.size()) {
    const std::size_t end = std::min(comma_separated.find(',', start), comma_separated.size());
    std::string word = names::to_lower(comma_separated.substr(start, end - start));
    word.erase(std::remove_if(word.begin(), word.end(), [](unsigned char c) { return std::isspace(c); }),
               word.end());
    if (!word.empty()) {
      std::string upper = word;
      std::transform(upper.begin(), upper.end(), upper.begin(),
                     [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
      v1::Role role{};
      if (!v1::Role_Parse(upper, &role) || role == v1::ROLE_UNSPECIFIED) {
        return make_error(v1::VALIDATION_FAILED,
                          "unknown role '" + word + "' (roles: publisher, subscriber, auditor, admin)");
      }
      if (std::find(roles.begin(), roles.end(), role) == roles.end()) {
        roles.push_back(role);
      }
    }
    start = end + 1;
  }
  if (roles.empty()) {
    return make_error(v1::VALIDATION_FAILED, "no roles given (roles: publisher, subscriber, auditor, admin)");
  }
  return roles;
}

Result<void> save_registry(const std::filesystem::path& path, const v1::Registry& registry) {
  const std::string text = text_proto::print(
      registry,
      "weft organisation registry (weft.v1.Registry, protobuf text format).\n"
      "Edited by `weft admin org ...`; weftd re-reads it when it changes.");
  return files::write_file_atomic(path, text, 0644);
}

}  // namespace weft
