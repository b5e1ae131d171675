#include "client-lib/profile.h"

#include "common/address.h"
#include "common/files.h"
#include "common/text_proto.h"
#include "weft/v1/config.pb.h"

namespace weft::client {

Result<void> split_host_port(std::string_view text, std::string& host, std::uint16_t& port) {
  WEFT_TRY(parse_host_port(text, host, port));
  if (port == 0) {
    return make_error(v1::CONFIG_INVALID, "broker address '" + std::string(text) + "' has no port");
  }
  return ok();
}

Result<Profile> Profile::load(const std::filesystem::path& path) {
  WEFT_TRY(auto proto, text_proto::load<v1::ClientProfile>(path));
  const auto dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  Profile profile;
  profile.organisation = proto.organisation();
  profile.path = path;
  if (proto.broker_address().empty()) {
    return make_error(v1::CONFIG_INVALID, path.string() + ": broker_address is missing");
  }
  if (auto split = split_host_port(proto.broker_address(), profile.host, profile.port); !split) {
    return make_error(v1::CONFIG_INVALID, path.string() + ": " + split.error().message);
  }
  profile.explicit_server_name_ = !proto.server_name().empty();
  profile.server_name = profile.explicit_server_name_ ? proto.server_name() : profile.host;
  const auto required = [&](const std::string& value, const char* field,
                            std::filesystem::path& out) -> Result<void> {
    if (value.empty()) {
      return make_error(v1::CONFIG_INVALID, path.string() + ": " + field + " is missing");
    }
    out = files::resolve(dir, value);
    return ok();
  };
  WEFT_TRY(required(proto.ca_file(), "ca_file", profile.ca_file));
  WEFT_TRY(required(proto.cert_file(), "cert_file", profile.cert_file));
  WEFT_TRY(required(proto.key_file(), "key_file", profile.key_file));
  profile.audit_verifier_key = proto.audit_verifier_key();
  if (!proto.sealing_key_file().empty()) {
    profile.sealing_key_file = files::resolve(dir, proto.sealing_key_file());
  }
  if (!proto.signing_key_file().empty()) {
    profile.signing_key_file = files::resolve(dir, proto.signing_key_file());
  }
  profile.broker_provenance_key = proto.broker_provenance_key();
  return profile;
}

Result<void> Profile::override_broker_address(std::string_view address) {
  WEFT_TRY(split_host_port(address, host, port));
  if (!explicit_server_name_) {
    server_name = host;
  }
  return ok();
}

}  // namespace weft::client
