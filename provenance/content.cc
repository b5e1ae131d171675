#include "provenance/content.h"

#include <stdexcept>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

namespace weft::provenance {

v1::Report content_of(const v1::Report& report) {
  v1::Report content = report;
  content.clear_broker();
  content.clear_redaction();
  content.clear_provenance();
  return content;
}

std::string deterministic_bytes(const google::protobuf::MessageLite& message) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    // proto3 has no required fields, so only a bug makes this fail.
    if (!message.SerializeToCodedStream(&coded)) {
      throw std::logic_error("provenance: cannot serialize " + message.GetTypeName());
    }
  }
  return bytes;
}

Sha256 delivered_digest(const v1::Report& delivered) {
  if (!delivered.has_provenance()) {
    return sha256(deterministic_bytes(delivered));
  }
  v1::Report without = delivered;
  without.clear_provenance();
  return sha256(deterministic_bytes(without));
}

bool same_content(const v1::Report& a, const v1::Report& b) { return deterministic_bytes(a) == deterministic_bytes(b); }

}  // namespace weft::provenance
