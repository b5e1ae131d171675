// Scan-and-validate throughput of weft's personal-data detectors on a text
// corpus, in the line format of ../shared/bench/peers/scan/run_scan.sh:
//   scan tool=weft pattern=all MB_per_s=<median> (<min>-<max>) findings=<n> ...
// Like the ripgrep side, each run reads the file (from the page cache) and
// scans it, single-threaded, through one reused buffer; each chunk of whole
// lines is scanned as one text, as a report's description would be.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "policies/detector.h"

namespace {

struct Options {
  std::string corpus;
  int runs = 3;
  std::size_t chunk_bytes = 64 * 1024;
};

Options parse(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--runs" && i + 1 < argc) {
      options.runs = std::max(1, std::atoi(argv[++i]));
    } else if (arg == "--chunk-bytes" && i + 1 < argc) {
      options.chunk_bytes = static_cast<std::size_t>(std::max(1, std::atoi(argv[++i])));
    } else if (options.corpus.empty()) {
      options.corpus = arg;
    } else {
      std::fprintf(stderr, "usage: scan_throughput CORPUS [--runs N] [--chunk-bytes B]\n");
      std::exit(2);
    }
  }
  if (options.corpus.empty()) {
    std::fprintf(stderr, "usage: scan_throughput CORPUS [--runs N] [--chunk-bytes B]\n");
    std::exit(2);
  }
  return options;
}

}  // namespace

double median_of(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

int main(int argc, char** argv) {
  const Options options = parse(argc, argv);
  const auto detector = weft::policies::Detector::create().value();
  std::vector<double> rates;
  std::map<std::string, std::size_t> per_category;
  std::size_t total = 0;
  std::size_t bytes = 0;
  // Read like a streaming scanner: one reused buffer, whole lines at a time.
  std::string buffer(options.chunk_bytes + 64 * 1024, '\0');
  for (int run = 0; run < options.runs; ++run) {
    per_category.clear();
    total = 0;
    bytes = 0;
    const auto start = std::chrono::steady_clock::now();
    std::FILE* file = std::fopen(options.corpus.c_str(), "rb");
    if (file == nullptr) {
      std::perror(options.corpus.c_str());
      return 1;
    }
    std::size_t carried = 0;
    while (true) {
      const std::size_t got = std::fread(buffer.data() + carried, 1, options.chunk_bytes, file);
      const std::size_t filled = carried + got;
      if (filled == 0) {
        break;
      }
      std::size_t end = filled;
      if (got > 0) {
        const auto newline = std::string_view(buffer.data(), filled).rfind('\n');
        end = newline == std::string_view::npos ? filled : newline + 1;
      }
      for (const auto& finding : detector->find(std::string_view(buffer.data(), end))) {
        ++per_category[finding.category];
        ++total;
      }
      bytes += end;
      carried = filled - end;
      std::memmove(buffer.data(), buffer.data() + end, carried);
      if (got == 0) {
        break;
      }
    }
    std::fclose(file);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    rates.push_back(static_cast<double>(bytes) / 1e6 / seconds);
  }
  const auto [low, high] = std::minmax_element(rates.begin(), rates.end());
  std::printf("scan tool=weft pattern=all MB_per_s=%.0f (%.0f-%.0f) findings=%zu", median_of(rates), *low, *high, total);
  for (const auto& [category, count] : per_category) {
    std::printf(" %s=%zu", category.c_str(), count);
  }
  std::printf(" bytes=%zu chunk_bytes=%zu runs=%d\n", bytes, options.chunk_bytes, options.runs);
  return 0;
}
