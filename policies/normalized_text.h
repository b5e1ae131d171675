// The text detectors look at, and the way back to the original bytes.
//
// Analysts and attackers write personal data in forms a plain pattern would
// miss. Before detection the text is rewritten into a scan form:
//   - compatibility forms become their plain form (NFKC: fullwidth "＠" -> "@",
//     mathematical letters, no-break spaces -> space);
//   - default-ignorable characters (zero-width spaces and joiners, soft
//     hyphens, bidi controls) disappear;
//   - digits of every script become ASCII digits;
//   - common Cyrillic and Greek look-alikes of Latin letters become Latin;
//   - defanged forms are refanged: "[.]", "(.)", "[dot]", "[@]", "(at)",
//     "[:]", "hxxp", "%40", ...
// Every byte of the scan form maps back to the original byte range it came
// from, so a finding covers exactly the original bytes (defang brackets,
// zero-width characters and all) and redaction replaces exactly those.
//
// Pure; thread-safe (the Unicode tables are built once, on first use).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace weft::policies {

class NormalizedText {
 public:
  // `original` must outlive this object.
  explicit NormalizedText(std::string_view original);

  std::string_view scan() const { return layers_.empty() ? original_ : std::string_view(layers_.back().text); }
  std::string_view original() const { return original_; }
  // True when the scan form differs from the original.
  bool rewritten() const { return !layers_.empty(); }

  // The original byte range [begin, end) that scan bytes [begin, end) came from.
  std::pair<std::size_t, std::size_t> to_original(std::size_t scan_begin, std::size_t scan_end) const;

 private:
  // A replaced stretch: source bytes [source_begin, source_end) became
  // output bytes [out_begin, out_end). Between edits bytes map one to one.
  struct Edit {
    std::uint32_t out_begin;
    std::uint32_t out_end;
    std::uint32_t source_begin;
    std::uint32_t source_end;
  };
  struct Layer {
    std::string text;
    std::vector<Edit> edits;  // sorted by out_begin
    std::size_t map_begin(std::size_t out) const;
    std::size_t map_end(std::size_t out_end) const;
  };

  static bool fold_unicode(std::string_view source, Layer& out);
  static bool refang(std::string_view source, Layer& out);

  std::string_view original_;
  std::vector<Layer> layers_;  // each rewrites the previous one's text
};

}  // namespace weft::policies
