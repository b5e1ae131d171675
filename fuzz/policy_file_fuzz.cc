// Policy files are operator input: a typo must give an error with a
// message, never a crash. A policy that parses must parse again from its
// own text form to the same canonical hash (the hash audit records cite).
#include <google/protobuf/text_format.h>

#include "fuzz/fuzz_target.h"
#include "policies/policy.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto parsed = weft::policies::Policy::parse(weft::fuzz::as_text(data, size), "fuzz.textproto");
  if (!parsed) {
    if (parsed.error().message.empty()) {
      weft::fuzz::property_failed("a refused policy file has no message");
    }
    return 0;
  }
  std::string again;
  google::protobuf::TextFormat::PrintToString(parsed.value()->proto(), &again);
  auto reparsed = weft::policies::Policy::parse(again, "fuzz-again.textproto");
  if (!reparsed || reparsed.value()->canonical_sha256() != parsed.value()->canonical_sha256()) {
    weft::fuzz::property_failed("a policy does not survive its own text form");
  }
  return 0;
}
