// STIX 2.1, MISP and CSV imports on hostile files: one target per format,
// chosen at build time (WEFT_FUZZ_IMPORT). Properties: a whole-input failure
// is INVALID_INPUT with a message; every report imported passes the
// broker's publish validation and survives the wire (protobuf refuses to
// parse a string that is not UTF-8), so an import never produces what the
// broker would refuse.
#include "broker/pipeline/validate.h"
#include "formats/formats.h"
#include "fuzz/fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  weft::formats::ImportOptions options;
  options.feed = "fuzz";
  options.default_tlp = weft::v1::GREEN;
  const std::string_view text = weft::fuzz::as_text(data, size);
  auto imported = WEFT_FUZZ_IMPORT(text, options);
  if (!imported) {
    if (imported.error().code != weft::v1::INVALID_INPUT || imported.error().message.empty()) {
      weft::fuzz::property_failed("a refused file is not INVALID_INPUT with a message");
    }
    return 0;
  }
  for (auto& [source, report] : imported.value().reports) {
    // The publishing client seals a TLP:RED report, one filtered copy per
    // recipient (client-lib/red_sealing.h), before the broker sees it: the
    // import's part is the content, which the rules for the strictest clear
    // level judge.
    weft::v1::Report as_checked = report;
    if (as_checked.tlp() == weft::v1::RED) {
      as_checked.set_tlp(weft::v1::AMBER_STRICT);
    }
    if (auto valid = weft::broker::pipeline::validate_report(as_checked); !valid) {
      std::fprintf(stderr, "%s: %s\n", source.c_str(), valid.error().message.c_str());
      weft::fuzz::property_failed("an imported report fails the broker's validation");
    }
    weft::v1::Report received;
    if (!received.ParseFromString(report.SerializeAsString())) {
      std::fprintf(stderr, "%s: does not parse back\n", source.c_str());
      weft::fuzz::property_failed("an imported report does not survive the wire");
    }
  }
  return 0;
}
