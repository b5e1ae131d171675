#include "common/log.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <vector>

namespace weft::log {
namespace {

std::atomic<Level> g_level{Level::kInfo};

std::string_view level_name(Level level) {
  switch (level) {
    case Level::kDebug:
      return "DEBUG";
    case Level::kInfo:
      return "INFO";
    case Level::kWarn:
      return "WARN";
    case Level::kError:
      return "ERROR";
  }
  return "INFO";
}

void append_timestamp(std::string& out) {
  const auto now = std::chrono::system_clock::now();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[32];
  const int n = std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                              utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                              static_cast<int>(millis));
  out.append(buffer, static_cast<std::size_t>(n));
}

bool needs_quotes(std::string_view value) {
  if (value.empty()) {
    return true;
  }
  for (char c : value) {
    if (c == ' ' || c == '"' || c == '=') {
      return true;
    }
  }
  return false;
}

}  // namespace

void set_level(Level level) { g_level.store(level, std::memory_order_relaxed); }
Level level() { return g_level.load(std::memory_order_relaxed); }

bool parse_level(std::string_view text, Level& out) {
  if (text == "debug") {
    out = Level::kDebug;
  } else if (text == "info") {
    out = Level::kInfo;
  } else if (text == "warn") {
    out = Level::kWarn;
  } else if (text == "error") {
    out = Level::kError;
  } else {
    return false;
  }
  return true;
}

std::string escape_value(std::string_view value) {
  const std::size_t cut = value.size() > kMaxValueBytes ? value.size() - kMaxValueBytes : 0;
  value.remove_suffix(cut);
  std::string out;
  out.reserve(value.size());
  for (unsigned char c : value) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c >= 0x7F) {
      // Control bytes and every non-ASCII byte (which covers bidi overrides
      // and other invisible characters) are shown as hex.
      char buffer[8];
      std::snprintf(buffer, sizeof buffer, "\\x%02x", c);
      out += buffer;
    } else {
      out += static_cast<char>(c);
    }
  }
  if (cut > 0) {
    out += "...[" + std::to_string(cut) + " more bytes]";
  }
  return out;
}

void failure(std::string_view event, std::exception_ptr failure, std::initializer_list<Field> fields) {
  if (!failure) {
    return;
  }
  std::vector<Field> all(fields);
  try {
    std::rethrow_exception(failure);
  } catch (const std::exception& e) {
    all.emplace_back("what", e.what());
  } catch (...) {
    all.emplace_back("what", "non-standard exception");
  }
  write_fields(Level::kError, event, all);
}

void write(Level lvl, std::string_view event, std::initializer_list<Field> fields) {
  write_fields(lvl, event, std::vector<Field>(fields));
}

void write_fields(Level lvl, std::string_view event, const std::vector<Field>& fields) {
  if (lvl < level()) {
    return;
  }
  std::string line;
  line.reserve(128);
  append_timestamp(line);
  line += ' ';
  line += level_name(lvl);
  line += ' ';
  line += event;
  for (const Field& field : fields) {
    line += ' ';
    line += field.key;
    line += '=';
    std::string escaped = escape_value(field.value);
    if (needs_quotes(escaped)) {
      line += '"';
      line += escaped;
      line += '"';
    } else {
      line += escaped;
    }
  }
  line += '\n';
  const char* data = line.data();
  std::size_t left = line.size();
  while (left > 0) {
    const ssize_t n = ::write(STDERR_FILENO, data, left);
    if (n <= 0) {
      return;
    }
    data += n;
    left -= static_cast<std::size_t>(n);
  }
}

}  // namespace weft::log
