// The pre-authentication and publish path of weftd on hostile bytes: the
// stream is cut into frames, each frame decoded with the wire limits, and a
// published report validated. Properties: the assembler never hands out a
// frame longer than its limit, and a report validation accepts passes it
// again unchanged (validation is idempotent).
#include <algorithm>

#include "broker/pipeline/validate.h"
#include "fuzz/fuzz_target.h"
#include "proto/frame_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using weft::proto::FrameAssembler;
  constexpr std::uint32_t kLimit = 64 * 1024;
  FrameAssembler assembler(kLimit);
  std::string_view rest = weft::fuzz::as_text(data, size);
  // Reads of odd sizes, as TLS records would cut them.
  std::size_t chunk = 1 + (size % 7);
  while (true) {
    const auto next = assembler.next();
    if (next.status == FrameAssembler::Status::kFrame) {
      if (next.body.size() > kLimit) {
        weft::fuzz::property_failed("a frame over the limit was assembled");
      }
      weft::v1::Frame frame;
      if (weft::proto::decode_frame_body(next.body, frame) && frame.has_publish()) {
        weft::v1::Report& report = *frame.mutable_publish()->mutable_report();
        if (weft::broker::pipeline::validate_report(report)) {
          const std::string once = report.SerializeAsString();
          if (!weft::broker::pipeline::validate_report(report) || report.SerializeAsString() != once) {
            weft::fuzz::property_failed("validating an accepted report again changed or refused it");
          }
        }
      }
      continue;
    }
    if (next.status != FrameAssembler::Status::kNeedMore || rest.empty()) {
      break;  // the session closes on an empty or oversized frame
    }
    const auto space = assembler.prepare();
    const std::size_t n = std::min({chunk, space.size(), rest.size()});
    std::copy_n(rest.data(), n, space.data());
    assembler.commit(n);
    rest.remove_prefix(n);
    chunk = chunk * 3 % 4096 + 1;
  }
  return 0;
}
