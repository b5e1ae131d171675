// STIX 2.1, MISP and CSV imports on hostile files: one target per format,
// chosen at build time (WEFT_FUZZ_FORMAT). Properties: a whole-input failure
// is INVALID_INPUT with a message; every report imported passes the
// broker's publish validation, so an import never produces what the broker
// would refuse.
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
    if (auto valid = weft::broker::pipeline::validate_report(report); !valid) {
      std::fprintf(stderr, "%s: %s\n", source.c_str(), valid.error().message.c_str());
      weft::fuzz::property_failed("an imported report fails the broker's validation");
    }
  }
  return 0;
}
