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
//   - a base64 query-parameter value ("?u=Y2Fyb2xAdmljdGltLmV4YW1wbGU=",
//     standard or URL-safe, padded or not, 8 to 4096 characters) that decodes
//     to printable UTF-8 is followed by its decoding ("carol@victim.example"),
//     one level deep; the decoding maps to the whole value, so a finding in
//     it redacts all of it, and the value itself stays to be scanned as
//     written (a plain number can be valid base64 too);
//   - defanged forms are refanged: "[.]", "(.)", "[dot]", "[@]", "(at)",
//     "[:]", "hxxp", "%40", ... (in decoded text too);
//   - IPv4 in the other notations inet_aton reads becomes dotted decimal, so
//     it is detected and pseudonymised as the dotted form is: dotted quads
//     with hex or leading-zero (octal) parts ("0306.063.0144.027",
//     "0xc6.0x33.0x64.0x17"), IPv4-mapped IPv6 ("::ffff:198.51.100.23",
//     "::ffff:c633:6417"), and, only as a URL host, a bare hex, decimal or
//     octal number ("http://0xc6336417/", "http://3325256727/"): elsewhere
//     such a number is an error code or an id far more often.
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
    // Copies source bytes from `copied_to` up to `begin`, then writes
    // `replacement` for source [begin, end); `copied_to` becomes `end`.
    void replace(std::string_view source, std::size_t& copied_to, std::size_t begin, std::size_t end,
                 std::string_view replacement);
    // Copies source bytes from `copied_to` up to `end`, then writes `addition`
    // standing for source [begin, end): the source stays in the scan form and
    // a finding in `addition` covers all of it. `copied_to` becomes `end`.
    void add_after(std::string_view source, std::size_t& copied_to, std::size_t begin, std::size_t end,
                   std::string_view addition);
    // Copies the rest of the source; true when this layer changed anything.
    bool finish(std::string_view source, std::size_t copied_to);
  };

  static bool fold_unicode(std::string_view source, Layer& out);
  static bool decode_query_base64(std::string_view source, Layer& out);
  static bool refang(std::string_view source, Layer& out);
  static bool canonicalise_ipv4(std::string_view source, Layer& out);

  std::string_view original_;
  std::vector<Layer> layers_;  // each rewrites the previous one's text
};

}  // namespace weft::policies
