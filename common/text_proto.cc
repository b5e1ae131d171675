#include "common/text_proto.h"

#include <sstream>

#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>

#include "common/files.h"

namespace weft::text_proto {
namespace {

// Keeps the first error with its position; protobuf reports 0-based lines
// and columns, people count from 1.
class FirstErrorCollector final : public google::protobuf::io::ErrorCollector {
 public:
  explicit FirstErrorCollector(std::string_view source) : source_(source) {}

  void AddError(int line, google::protobuf::io::ColumnNumber column, const std::string& message) override {
    if (!error_.empty()) {
      return;
    }
    std::ostringstream out;
    out << source_ << ':' << (line + 1) << ':' << (column + 1) << ": " << message;
    error_ = out.str();
  }

  const std::string& error() const { return error_; }

 private:
  std::string source_;
  std::string error_;
};

}  // namespace

Result<void> parse(std::string_view text, std::string_view source_name, google::protobuf::Message& out,
                   google::protobuf::TextFormat::ParseInfoTree* locations) {
  FirstErrorCollector errors(source_name);
  google::protobuf::TextFormat::Parser parser;
  parser.RecordErrorsTo(&errors);
  if (locations != nullptr) {
    parser.WriteLocationsTo(locations);
  }
  parser.AllowPartialMessage(false);
  out.Clear();
  if (!parser.ParseFromString(std::string(text), &out)) {
    return make_error(v1::CONFIG_INVALID,
                      errors.error().empty() ? std::string(source_name) + ": cannot parse" : errors.error());
  }
  return ok();
}

std::string where(std::string_view source_name, const google::protobuf::TextFormat::ParseLocation& location) {
  std::string out(source_name);
  if (location.line >= 0) {
    out += ":" + std::to_string(location.line + 1) + ":" + std::to_string(location.column + 1);
  }
  return out + ": ";
}

Result<void> load(const std::filesystem::path& path, google::protobuf::Message& out) {
  WEFT_TRY(auto text, files::read_file(path));
  return parse(text, path.string(), out);
}

std::string print(const google::protobuf::Message& message, std::string_view header_comment) {
  std::string out;
  if (!header_comment.empty()) {
    std::istringstream lines{std::string(header_comment)};
    for (std::string line; std::getline(lines, line);) {
      out += line.empty() ? "#\n" : "# " + line + "\n";
    }
    out += '\n';
  }
  std::string body;
  google::protobuf::TextFormat::PrintToString(message, &body);
  out += body;
  return out;
}

}  // namespace weft::text_proto
