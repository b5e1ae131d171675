// Structured, allow-listed logging: one line per event on stderr,
//   2026-11-28T18:00:00.123Z INFO session.opened org=acme-bank conn=12
//
// Callers pass named fields, never whole payloads. Values are escaped
// (control, bidi and non-ASCII bytes become \xNN escapes) so nothing a peer
// sends can forge a log line (CWE-117), and cut at kMaxValueBytes so that
// no peer-chosen field (a Hello's client_software, up to a frame long) can
// flood the log. Thread-safe: each line is one write(2).
#pragma once

#include <exception>
#include <initializer_list>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace weft::log {

enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

struct Field {
  Field(std::string_view k, std::string_view v) : key(k), value(v) {}
  Field(std::string_view k, const std::string& v) : key(k), value(v) {}
  Field(std::string_view k, const char* v) : key(k), value(v) {}
  template <class Number>
    requires std::is_arithmetic_v<Number>
  Field(std::string_view k, Number v) : key(k), value(std::to_string(v)) {}

  std::string_view key;
  std::string value;
};

void set_level(Level level);
Level level();
// Parses "debug", "info", "warn", "error".
bool parse_level(std::string_view text, Level& out);

void write(Level level, std::string_view event, std::initializer_list<Field> fields = {});
void write_fields(Level level, std::string_view event, const std::vector<Field>& fields);

inline void debug(std::string_view event, std::initializer_list<Field> fields = {}) {
  write(Level::kDebug, event, fields);
}
inline void info(std::string_view event, std::initializer_list<Field> fields = {}) {
  write(Level::kInfo, event, fields);
}
inline void warn(std::string_view event, std::initializer_list<Field> fields = {}) {
  write(Level::kWarn, event, fields);
}
inline void error(std::string_view event, std::initializer_list<Field> fields = {}) {
  write(Level::kError, event, fields);
}

// For co_spawn completion handlers: logs `event` with the exception's text
// when `failure` holds one.
void failure(std::string_view event, std::exception_ptr failure, std::initializer_list<Field> fields = {});

// Bytes of a value that are logged; the rest is counted, not shown.
inline constexpr std::size_t kMaxValueBytes = 1024;

// The escaping and cut applied to every value; exposed for tests.
std::string escape_value(std::string_view value);

}  // namespace weft::log
