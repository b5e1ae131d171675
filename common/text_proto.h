// Protobuf text format files (configs, registry, client profiles, policies):
// parsed against their schema, with errors that name file, line and column.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include <google/protobuf/message.h>
#include <google/protobuf/text_format.h>

#include "proto/error.h"

namespace weft::text_proto {

// Parses `text` into `out`. `source_name` is used in error messages:
//   "weftd.conf:3:5: Message type "weft.v1.BrokerConfig" has no field named "lisen"."
// With `locations`, records where each field was written, so that checks
// made after parsing can point at a line and column too.
Result<void> parse(std::string_view text, std::string_view source_name, google::protobuf::Message& out,
                   google::protobuf::TextFormat::ParseInfoTree* locations = nullptr);

// "file:line:col: " for a parsed location (1-based), or "file: " if unknown.
std::string where(std::string_view source_name, const google::protobuf::TextFormat::ParseLocation& location);

// Reads and parses a file; errors name the file.
Result<void> load(const std::filesystem::path& path, google::protobuf::Message& out);

template <class Message>
Result<Message> load(const std::filesystem::path& path) {
  Message message;
  WEFT_TRY(load(path, static_cast<google::protobuf::Message&>(message)));
  return message;
}

// Text format of `message`, preceded by `header_comment` lines (each "# ...").
std::string print(const google::protobuf::Message& message, std::string_view header_comment = {});

}  // namespace weft::text_proto
