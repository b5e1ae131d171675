#include "audit/checkpoint.h"

#include <charconv>
#include <vector>
#include <utility>

namespace weft::audit {
namespace {

Error checkpoint_invalid(std::string message) {
  return make_error(v1::AUDIT_INVALID, "checkpoint: " + std::move(message));
}

// ASCII digits only, no sign, no leading zeros except "0" itself, and within
// 64 bits. std::from_chars alone would take leading zeros.
Result<std::uint64_t> parse_tree_size(std::string_view text) {
  for (const char c : text) {
    if (c < '0' || c > '9') {
      return checkpoint_invalid("tree size is not a decimal number");
    }
  }
  if (text.size() > 1 && text.front() == '0') {
    return checkpoint_invalid("tree size has a leading zero");
  }
  std::uint64_t size = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), size);
  if (error == std::errc::result_out_of_range) {
    return checkpoint_invalid("tree size does not fit in 64 bits");
  }
  if (error != std::errc() || end != text.data() + text.size()) {
    return checkpoint_invalid("tree size is not a decimal number");
  }
  return size;
}

}  // namespace

std::string format_checkpoint_text(const Checkpoint& checkpoint) {
  return checkpoint.origin + "\n" + std::to_string(checkpoint.size) + "\n" + to_base64(checkpoint.root) + "\n";
}

Result<Checkpoint> parse_checkpoint_text(std::string_view text) {
  if (auto valid = check_note_text(text); !valid) {
    return checkpoint_invalid(valid.error().message);
  }
  // check_note_text guarantees the final '\n', so every line is terminated.
  std::vector<std::string_view> lines;
  for (std::size_t start = 0; start < text.size();) {
    const auto end = text.find('\n', start);
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  if (lines.size() < 3) {
    return checkpoint_invalid("fewer than three lines (origin, tree size, root hash)");
  }
  if (lines[0].empty()) {
    return checkpoint_invalid("origin is empty");
  }
  for (std::size_t i = 3; i < lines.size(); ++i) {
    if (lines[i].empty()) {
      return checkpoint_invalid("an extension line is empty");
    }
  }
  Checkpoint checkpoint;
  checkpoint.origin = std::string(lines[0]);
  WEFT_TRY(checkpoint.size, parse_tree_size(lines[1]));
  auto root = hash_from_base64(lines[2]);
  if (!root) {
    return checkpoint_invalid("root " + root.error().message);
  }
  checkpoint.root = root.value();
  return checkpoint;
}

Result<Checkpoint> open_checkpoint(const NoteVerifier& verifier, std::string_view signed_note) {
  WEFT_TRY(auto text, verifier.open(signed_note));
  WEFT_TRY(auto checkpoint, parse_checkpoint_text(text));
  if (checkpoint.origin != verifier.name()) {
    return checkpoint_invalid("origin is not the key name " + verifier.name());
  }
  return checkpoint;
}

}  // namespace weft::audit
