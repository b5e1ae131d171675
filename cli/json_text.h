// Small JSON output helpers for the CLI's fixed line formats.
#pragma once

#include <google/protobuf/message.h>

#include <string>
#include <string_view>

namespace weft::cli {

// A JSON string literal, quotes included.
std::string json_string(std::string_view text);
// The protobuf JSON mapping on one line, with proto field names.
std::string json_line(const google::protobuf::Message& message);
// Writes `line` and a newline to stdout and flushes: other tools read the
// CLI's output line by line through pipes.
void print_line(const std::string& line);

}  // namespace weft::cli
