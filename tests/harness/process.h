// Child processes for integration tests: run a command to completion with
// captured output, or keep one running (weftd, a subscriber) and stop it by
// its PID.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace weft::testing {

// Folder of the built executables (weftd, weft).
std::filesystem::path bin_dir();

struct CommandResult {
  int exit_code = -1;  // -1: killed by the timeout
  std::string out;
  std::string err;
};

// Runs `argv` with `stdin_text` on its standard input; kills it after `timeout`.
CommandResult run_command(const std::vector<std::string>& argv, const std::string& stdin_text = {},
                          std::chrono::milliseconds timeout = std::chrono::seconds(30));

class ChildProcess {
 public:
  // Starts `argv` with stdout and stderr going to files in `log_dir`.
  ChildProcess(const std::vector<std::string>& argv, const std::filesystem::path& log_dir, const std::string& name);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  // Sends `signal` and waits up to `timeout` for the exit; then SIGKILL.
  // Returns the exit status (or 128+signal).
  int stop(int signal, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Waits for a natural exit; nullopt on timeout.
  std::optional<int> wait(std::chrono::milliseconds timeout);
  std::string stdout_text() const;
  std::string stderr_text() const;
  // Resident set size in KiB, from /proc.
  long rss_kib() const;

 private:
  pid_t pid_ = -1;
  std::optional<int> exit_status_;
  std::filesystem::path out_path_;
  std::filesystem::path err_path_;
};

// Resident set size of any process in KiB, from /proc; -1 if it is gone.
long resident_kib(pid_t pid);

// Polls `predicate` every 10 ms until it holds or `timeout` passes.
bool eventually(const std::function<bool()>& predicate,
                std::chrono::milliseconds timeout = std::chrono::seconds(5));

std::string read_text(const std::filesystem::path& path);

// The non-empty lines of a process's output that have their '\n' (an
// unfinished last line is not a line yet).
std::vector<std::string> complete_lines(const std::string& text);

}  // namespace weft::testing
