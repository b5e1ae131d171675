#include "provenance/values.h"

#include <array>
#include <charconv>
#include <cstdio>
#include <limits>
#include <optional>

#include "common/utf8.h"

namespace weft::provenance {
namespace {

constexpr std::int64_t kSecondsPerDay = 86400;
// 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z, the range
// google.protobuf.Timestamp allows.
constexpr std::int64_t kMinSeconds = -62135596800LL;
constexpr std::int64_t kMaxSeconds = 253402300799LL;
constexpr std::int32_t kMaxNanos = 999999999;

Error invalid_value(std::string message) { return make_error(v1::INVALID_INPUT, std::move(message)); }

struct CivilDate {
  std::int64_t year;
  unsigned month;  // 1-12
  unsigned day;    // 1-31
};

// Days since 1970-01-01 in the proleptic Gregorian calendar (H. Hinnant's
// days_from_civil / civil_from_days): exact, no time zone, no locale.
std::int64_t days_from_civil(const CivilDate& date) {
  const std::int64_t year = date.month <= 2 ? date.year - 1 : date.year;
  const std::int64_t era = (year >= 0 ? year : year - 399) / 400;
  const std::int64_t year_of_era = year - era * 400;
  const std::int64_t month_index = date.month > 2 ? date.month - 3 : date.month + 9;
  const std::int64_t day_of_year = (153 * month_index + 2) / 5 + date.day - 1;
  const std::int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

CivilDate civil_from_days(std::int64_t days) {
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const std::int64_t day_of_era = days - era * 146097;
  const std::int64_t year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const std::int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const std::int64_t month_index = (5 * day_of_year + 2) / 153;
  const auto day = static_cast<unsigned>(day_of_year - (153 * month_index + 2) / 5 + 1);
  const auto month = static_cast<unsigned>(month_index < 10 ? month_index + 3 : month_index - 9);
  return {year_of_era + era * 400 + (month <= 2 ? 1 : 0), month, day};
}

// Digits only, exactly text.size() of them.
std::optional<std::uint64_t> parse_digits(std::string_view text) {
  if (text.empty()) {
    return std::nullopt;
  }
  std::uint64_t value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return value;
}

// The enum's name when it has one, else its number: one spelling per value.
template <class Enum, class NameOf, class IsValid>
std::string format_enum(Enum value, NameOf name_of, IsValid is_valid) {
  if (is_valid(static_cast<int>(value))) {
    return name_of(value);
  }
  return std::to_string(static_cast<int>(value));
}

template <class Enum, class Parse, class IsValid>
std::optional<Enum> parse_enum(std::string_view text, Parse parse_name, IsValid is_valid) {
  Enum value{};
  if (parse_name(std::string(text), &value)) {
    return value;
  }
  int number = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (error != std::errc() || end != text.data() + text.size() || is_valid(number) || std::to_string(number) != text) {
    return std::nullopt;  // a named value written as a number, or not canonical decimal
  }
  return static_cast<Enum>(number);
}

}  // namespace

Result<std::string> format_timestamp(const google::protobuf::Timestamp& timestamp) {
  if (timestamp.seconds() < kMinSeconds || timestamp.seconds() > kMaxSeconds || timestamp.nanos() < 0 ||
      timestamp.nanos() > kMaxNanos) {
    return invalid_value("timestamp outside 0001-01-01 to 9999-12-31 or with invalid nanos");
  }
  std::int64_t days = timestamp.seconds() / kSecondsPerDay;
  std::int64_t second_of_day = timestamp.seconds() % kSecondsPerDay;
  if (second_of_day < 0) {
    second_of_day += kSecondsPerDay;
    --days;
  }
  const CivilDate date = civil_from_days(days);
  std::array<char, 64> buffer{};
  int length = std::snprintf(
      buffer.data(), buffer.size(), "%04lld-%02u-%02uT%02lld:%02lld:%02lld", static_cast<long long>(date.year),
      date.month, date.day, static_cast<long long>(second_of_day / 3600),
      static_cast<long long>(second_of_day / 60 % 60), static_cast<long long>(second_of_day % 60));
  std::string text(buffer.data(), static_cast<std::size_t>(length));
  const std::int32_t nanos = timestamp.nanos();
  if (nanos != 0) {
    if (nanos % 1000000 == 0) {
      length = std::snprintf(buffer.data(), buffer.size(), ".%03d", nanos / 1000000);
    } else if (nanos % 1000 == 0) {
      length = std::snprintf(buffer.data(), buffer.size(), ".%06d", nanos / 1000);
    } else {
      length = std::snprintf(buffer.data(), buffer.size(), ".%09d", nanos);
    }
    text.append(buffer.data(), static_cast<std::size_t>(length));
  }
  text += 'Z';
  return text;
}

Result<google::protobuf::Timestamp> parse_timestamp(std::string_view text) {
  // YYYY-MM-DDTHH:MM:SS[.fraction]Z; the round trip below makes it canonical.
  const auto not_a_timestamp = [] { return invalid_value("not an RFC 3339 UTC timestamp in canonical form"); };
  if (text.size() < 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' || text[16] != ':' ||
      text.back() != 'Z') {
    return not_a_timestamp();
  }
  const auto year = parse_digits(text.substr(0, 4));
  const auto month = parse_digits(text.substr(5, 2));
  const auto day = parse_digits(text.substr(8, 2));
  const auto hour = parse_digits(text.substr(11, 2));
  const auto minute = parse_digits(text.substr(14, 2));
  const auto second = parse_digits(text.substr(17, 2));
  if (!year || !month || !day || !hour || !minute || !second || *year < 1 || *month < 1 || *month > 12 || *day < 1 ||
      *hour > 23 || *minute > 59 || *second > 59) {
    return not_a_timestamp();
  }
  const CivilDate date{static_cast<std::int64_t>(*year), static_cast<unsigned>(*month), static_cast<unsigned>(*day)};
  const std::int64_t days = days_from_civil(date);
  const CivilDate round_trip = civil_from_days(days);
  if (round_trip.month != date.month || round_trip.day != date.day) {
    return not_a_timestamp();  // e.g. February 30
  }
  std::int64_t nanos = 0;
  const std::string_view fraction = text.substr(19, text.size() - 20);
  if (!fraction.empty()) {
    if (fraction.front() != '.' || fraction.size() > 10) {
      return not_a_timestamp();
    }
    const auto digits = parse_digits(fraction.substr(1));
    if (!digits) {
      return not_a_timestamp();
    }
    nanos = static_cast<std::int64_t>(*digits);
    for (std::size_t scale = fraction.size() - 1; scale < 9; ++scale) {
      nanos *= 10;
    }
  }
  google::protobuf::Timestamp timestamp;
  timestamp.set_seconds(days * kSecondsPerDay + static_cast<std::int64_t>(*hour * 3600 + *minute * 60 + *second));
  timestamp.set_nanos(static_cast<std::int32_t>(nanos));
  WEFT_TRY(auto canonical, format_timestamp(timestamp));
  if (canonical != text) {
    return not_a_timestamp();
  }
  return timestamp;
}

std::string format_tlp(v1::Tlp tlp) {
  return format_enum(
      tlp, [](v1::Tlp value) { return v1::Tlp_Name(value); }, v1::Tlp_IsValid);
}

Result<v1::Tlp> parse_tlp(std::string_view text) {
  const auto tlp = parse_enum<v1::Tlp>(text, v1::Tlp_Parse, v1::Tlp_IsValid);
  if (!tlp || *tlp == v1::TLP_UNSPECIFIED) {
    return invalid_value("not a TLP level name or unnamed number");
  }
  return *tlp;
}

std::string format_indicator_type(v1::Indicator::Type type) {
  return format_enum(
      type, [](v1::Indicator::Type value) { return v1::Indicator::Type_Name(value); }, v1::Indicator::Type_IsValid);
}

Result<v1::Indicator::Type> parse_indicator_type(std::string_view text) {
  const auto type = parse_enum<v1::Indicator::Type>(text, v1::Indicator::Type_Parse, v1::Indicator::Type_IsValid);
  if (!type || *type == v1::Indicator::TYPE_UNSPECIFIED) {
    return invalid_value("not an indicator type name or unnamed number");
  }
  return *type;
}

std::string format_confidence(std::uint32_t confidence) { return std::to_string(confidence); }

Result<std::uint32_t> parse_confidence(std::string_view text) {
  const auto value = text.size() <= 10 ? parse_digits(text) : std::nullopt;
  if (!value || *value == 0 || *value > std::numeric_limits<std::uint32_t>::max() || text.front() == '0') {
    return invalid_value("not a decimal number from 1 to 4294967295 without leading zeros");
  }
  return static_cast<std::uint32_t>(*value);
}

bool is_valid_utf8(std::string_view text) { return utf8::is_valid(text); }

}  // namespace weft::provenance
