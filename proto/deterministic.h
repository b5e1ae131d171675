// The one byte form of a message that hashes, fingerprints and signatures
// may depend on: protobuf's deterministic serialization (map entries in key
// order), which plain SerializeToString does not promise.
#pragma once

#include <string>

#include <google/protobuf/message_lite.h>

namespace weft::proto {

std::string deterministic_bytes(const google::protobuf::MessageLite& message);

}  // namespace weft::proto
