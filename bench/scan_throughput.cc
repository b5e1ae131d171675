// Scan-and-validate throughput of weft's personal-data detectors on a text
// corpus, in the line format of ../shared/bench/peers/scan/run_scan.sh:
//   scan tool=weft pattern=all MB_per_s=<median> (<min>-<max>) lines=<lines with findings> ...
// The corpus is scanned in chunks of whole lines (a report's text is
// scanned as one block), single-threaded, from memory.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "common/files.h"
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

int main(int argc, char** argv) {
  const Options options = parse(argc, argv);
  auto corpus = weft::files::read_file(options.corpus, std::size_t{4} << 30);
  if (!corpus) {
    std::fprintf(stderr, "scan_throughput: %s\n", corpus.error().message.c_str());
    return 1;
  }
  const std::string& text = corpus.value();
  // Chunks end at line ends, like report texts of up to chunk_bytes.
  std::vector<std::string_view> chunks;
  for (std::size_t begin = 0; begin < text.size();) {
    std::size_t end = std::min(begin + options.chunk_bytes, text.size());
    if (end < text.size()) {
      const auto newline = text.rfind('\n', end);
      end = newline == std::string::npos || newline < begin ? end : newline + 1;
    }
    chunks.emplace_back(text.data() + begin, end - begin);
    begin = end;
  }
  const auto detector = weft::policies::Detector::create().value();
  std::vector<double> rates;
  std::map<std::string, std::size_t> per_category;
  std::size_t total = 0;
  for (int run = 0; run < options.runs; ++run) {
    per_category.clear();
    total = 0;
    const auto start = std::chrono::steady_clock::now();
    for (const auto chunk : chunks) {
      for (const auto& finding : detector->find(chunk)) {
        ++per_category[finding.category];
        ++total;
      }
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    rates.push_back(static_cast<double>(text.size()) / 1e6 / seconds);
  }
  std::sort(rates.begin(), rates.end());
  const double median = rates.size() % 2 == 1 ? rates[rates.size() / 2]
                                              : (rates[rates.size() / 2 - 1] + rates[rates.size() / 2]) / 2;
  std::printf("scan tool=weft pattern=all MB_per_s=%.0f (%.0f-%.0f) findings=%zu", median, rates.front(), rates.back(),
              total);
  for (const auto& [category, count] : per_category) {
    std::printf(" %s=%zu", category.c_str(), count);
  }
  std::printf(" chunk_bytes=%zu runs=%d\n", options.chunk_bytes, options.runs);
  return 0;
}
