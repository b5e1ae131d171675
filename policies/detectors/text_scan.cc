#include "policies/detectors/text_scan.h"

#include <string>

namespace weft::policies::detectors {

bool cue_before(std::string_view text, std::size_t position, std::size_t window,
                std::span<const std::string_view> cues) {
  const std::size_t start = position > window ? position - window : 0;
  std::string lowered;
  lowered.reserve(position - start);
  for (std::size_t i = start; i < position; ++i) {
    lowered += to_lower(text[i]);
  }
  for (std::string_view cue : cues) {
    if (lowered.find(cue) != std::string::npos) {
      return true;
    }
  }
  return false;
}

}  // namespace weft::policies::detectors
