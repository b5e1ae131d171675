// The one entry point every fuzz target defines (libFuzzer's signature).
// Built two ways (fuzz/CMakeLists.txt): with clang's -fsanitize=fuzzer for
// fuzzing, and with seed_runner.cc as a plain test that replays the
// checked-in corpus in the normal suite.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace weft::fuzz {

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// A property the target checks failed: abort, so libFuzzer saves the input
// and the seed runner fails the test.
[[noreturn]] inline void property_failed(const char* what) {
  std::fprintf(stderr, "property failed: %s\n", what);
  std::abort();
}

}  // namespace weft::fuzz
