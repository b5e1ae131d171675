#include "provenance/paths.h"

#include <array>
#include <utility>

namespace weft::provenance {
namespace {

constexpr std::array<std::pair<std::string_view, ContactField>, 5> kContactFields = {{
    {"role", ContactField::kRole},
    {"name", ContactField::kName},
    {"organisation", ContactField::kOrganisation},
    {"email", ContactField::kEmail},
    {"phone", ContactField::kPhone},
}};

constexpr std::array<std::pair<std::string_view, IndicatorField>, 7> kIndicatorFields = {{
    {"type", IndicatorField::kType},
    {"value", IndicatorField::kValue},
    {"description", IndicatorField::kDescription},
    {"confidence", IndicatorField::kConfidence},
    {"valid_from", IndicatorField::kValidFrom},
    {"valid_until", IndicatorField::kValidUntil},
    {"labels", IndicatorField::kLabels},
}};

// Reads the text the parser expects next.
class Cursor {
 public:
  explicit Cursor(std::string_view text) : rest_(text) {}

  bool take(std::string_view expected) {
    if (!rest_.starts_with(expected)) {
      return false;
    }
    rest_.remove_prefix(expected.size());
    return true;
  }

  // n = "0" | [1-9][0-9]{0,8}: one spelling per number.
  std::optional<std::uint32_t> number() {
    std::size_t length = 0;
    while (length < rest_.size() && rest_[length] >= '0' && rest_[length] <= '9') {
      ++length;
    }
    if (length == 0 || length > 9 || (length > 1 && rest_[0] == '0')) {
      return std::nullopt;
    }
    std::uint32_t value = 0;
    for (std::size_t i = 0; i < length; ++i) {
      value = value * 10 + static_cast<std::uint32_t>(rest_[i] - '0');
    }
    rest_.remove_prefix(length);
    return value;
  }

  std::optional<std::uint32_t> bracketed_number() {
    if (!take("[")) {
      return std::nullopt;
    }
    const auto value = number();
    if (!value || !take("]")) {
      return std::nullopt;
    }
    return value;
  }

  std::optional<std::uint32_t> segment() {
    if (!take("#")) {
      return std::nullopt;
    }
    return number();
  }

  // The longest name in `names` that the rest starts with.
  template <class Names>
  auto name(const Names& names) -> std::optional<typename Names::value_type::second_type> {
    std::optional<typename Names::value_type::second_type> found;
    std::size_t found_length = 0;
    for (const auto& [spelling, value] : names) {
      if (rest_.starts_with(spelling) && spelling.size() > found_length) {
        found = value;
        found_length = spelling.size();
      }
    }
    rest_.remove_prefix(found_length);
    return found;
  }

  bool at_end() const { return rest_.empty(); }

 private:
  std::string_view rest_;
};

std::string indexed(std::string_view name, std::uint32_t index) {
  return std::string(name) + "[" + std::to_string(index) + "]";
}

template <class Names, class Value>
std::string_view spelling_of(const Names& names, Value value) {
  for (const auto& [spelling, candidate] : names) {
    if (candidate == value) {
      return spelling;
    }
  }
  return "?";
}

std::optional<PartPath> parse_contact(Cursor& cursor, PartPath path) {
  const auto member = cursor.name(kContactFields);
  if (!member) {
    return std::nullopt;
  }
  path.member = static_cast<int>(*member);
  return path;
}

std::optional<PartPath> parse_indicator(Cursor& cursor, PartPath path) {
  const auto member = cursor.name(kIndicatorFields);
  if (!member) {
    return std::nullopt;
  }
  path.member = static_cast<int>(*member);
  if (*member == IndicatorField::kLabels) {
    const auto sub_index = cursor.bracketed_number();
    if (!sub_index) {
      return std::nullopt;
    }
    path.sub_index = *sub_index;
  }
  if (path.is_text()) {
    const auto segment = cursor.segment();
    if (!segment) {
      return std::nullopt;
    }
    path.segment = *segment;
  }
  return path;
}

}  // namespace

bool PartPath::is_text() const {
  switch (field) {
    case Field::kTitle:
    case Field::kDescription:
    case Field::kLabels:
      return true;
    case Field::kIndicators:
      return indicator_field() == IndicatorField::kDescription || indicator_field() == IndicatorField::kLabels;
    default:
      return false;
  }
}

std::optional<PartPath> parse_path(std::string_view text) {
  constexpr std::array<std::pair<std::string_view, Field>, 10> kFields = {{
      {"id", Field::kId},
      {"feed", Field::kFeed},
      {"tlp", Field::kTlp},
      {"title", Field::kTitle},
      {"description", Field::kDescription},
      {"created", Field::kCreated},
      {"labels", Field::kLabels},
      {"recipients", Field::kRecipients},
      {"contacts", Field::kContacts},
      {"indicators", Field::kIndicators},
  }};
  Cursor cursor(text);
  const auto field = cursor.name(kFields);
  if (!field) {
    return std::nullopt;
  }
  PartPath path;
  path.field = *field;
  std::optional<PartPath> parsed;
  switch (*field) {
    case Field::kId:
    case Field::kFeed:
    case Field::kTlp:
    case Field::kCreated:
      parsed = path;
      break;
    case Field::kTitle:
    case Field::kDescription:
      if (const auto segment = cursor.segment()) {
        path.segment = *segment;
        parsed = path;
      }
      break;
    case Field::kLabels:
    case Field::kRecipients:
    case Field::kContacts:
    case Field::kIndicators: {
      const auto index = cursor.bracketed_number();
      if (!index) {
        return std::nullopt;
      }
      path.index = *index;
      if (*field == Field::kLabels) {
        if (const auto segment = cursor.segment()) {
          path.segment = *segment;
          parsed = path;
        }
      } else if (*field == Field::kRecipients) {
        parsed = path;
      } else if (cursor.take(".")) {
        parsed = *field == Field::kContacts ? parse_contact(cursor, path) : parse_indicator(cursor, path);
      }
      break;
    }
  }
  if (!parsed || !cursor.at_end()) {
    return std::nullopt;
  }
  return parsed;
}

std::string field_path(const PartPath& path) {
  switch (path.field) {
    case Field::kId:
      return "id";
    case Field::kFeed:
      return "feed";
    case Field::kTlp:
      return "tlp";
    case Field::kTitle:
      return "title";
    case Field::kDescription:
      return "description";
    case Field::kCreated:
      return "created";
    case Field::kLabels:
      return indexed("labels", path.index);
    case Field::kRecipients:
      return indexed("recipients", path.index);
    case Field::kContacts:
      return element_path(path) + "." + std::string(spelling_of(kContactFields, path.contact_field()));
    case Field::kIndicators: {
      std::string text = element_path(path) + "." + std::string(spelling_of(kIndicatorFields, path.indicator_field()));
      if (path.indicator_field() == IndicatorField::kLabels) {
        text += "[" + std::to_string(path.sub_index) + "]";
      }
      return text;
    }
  }
  return "?";
}

std::string element_path(const PartPath& path) {
  if (path.field == Field::kContacts) {
    return indexed("contacts", path.index);
  }
  if (path.field == Field::kIndicators) {
    return indexed("indicators", path.index);
  }
  return {};
}

std::string format_path(const PartPath& path) {
  std::string text = field_path(path);
  if (path.is_text()) {
    text += "#" + std::to_string(path.segment);
  }
  return text;
}

}  // namespace weft::provenance
