// Offline policy tools: `weft scan`, `weft policy check`, `weft policy test`.
// They run the same policies/ library the broker runs, without a broker.
#pragma once

#include <filesystem>
#include <iosfwd>
#include <string>
#include <vector>

namespace weft::cli {

// JSON lines {"id","text"} on `in` -> {"id","findings":[{"start","end","category"}]} on `out`.
int run_scan(std::istream& in, std::ostream& out, std::ostream& err, const std::filesystem::path& policy_file);

int run_policy_check(const std::vector<std::filesystem::path>& files, std::ostream& out, std::ostream& err);

struct PolicyTestOptions {
  std::filesystem::path policy_file;
  std::string recipient_name = "test-recipient";
  std::string recipient_jurisdiction;
  std::string recipient_sector;
  std::string report_path = "-";
  bool json = false;
};
int run_policy_test(const PolicyTestOptions& options, std::istream& in, std::ostream& out, std::ostream& err);

}  // namespace weft::cli
