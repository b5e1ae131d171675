// Random UUIDs (version 4) for report ids made by tools, tests and
// benchmarks. Uniqueness, not secrecy, is the point: callers bring the
// generator.
#pragma once

#include <random>
#include <string>

namespace weft::uuid {

// Lower-case RFC 9562 text form, e.g. "5f0c6c1e-8d1b-4a57-9a43-0d6f4f3c2b10".
std::string random_v4(std::mt19937_64& generator);

}  // namespace weft::uuid
