#include "provenance/parts.h"

#include <gtest/gtest.h>

#include <random>
#include <set>

#include "provenance/content.h"
#include "provenance/paths.h"
#include "provenance/test_support.h"
#include "provenance/values.h"

namespace weft::provenance {
namespace {

// Marks every occurrence of `secret` as personal data.
SpanFinder occurrences_of(std::string secret) {
  return [secret](std::string_view text) {
    std::vector<Span> spans;
    for (auto at = text.find(secret); at != std::string_view::npos; at = text.find(secret, at + 1)) {
      spans.emplace_back(at, at + secret.size());
    }
    return spans;
  };
}

std::vector<PartValue> values_of(const std::vector<Part>& parts) {
  std::vector<PartValue> values;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    values.push_back({i, parts[i].path, parts[i].value});
  }
  return values;
}

v1::Report every_field() {
  v1::Report report;
  report.set_id("r1");
  report.set_feed("phishing");
  report.set_tlp(v1::AMBER_STRICT);
  report.set_title("Hi");
  report.set_description("Mail a@b.example now");
  report.mutable_created()->set_seconds(1795860000);
  report.mutable_created()->set_nanos(123456789);
  report.add_labels("x");
  report.add_recipients("acme");
  v1::Contact& contact = *report.add_contacts();
  contact.set_role("reporter");
  contact.set_name("Jan");
  contact.set_organisation("Org");
  contact.set_email("jan@org.example");
  contact.set_phone("+31 6 1");
  v1::Indicator& indicator = *report.add_indicators();
  indicator.set_type(v1::Indicator::EMAIL);
  indicator.set_value("bad@evil.example");
  indicator.set_description("from a@b.example");
  indicator.set_confidence(50);
  indicator.mutable_valid_from()->set_seconds(1);
  indicator.mutable_valid_until()->set_seconds(2);
  indicator.add_labels("l");
  v1::Indicator& hash = *report.add_indicators();
  hash.set_type(v1::Indicator::MD5);
  hash.set_value("d41d8cd98f00b204e9800998ecf8427e");
  return report;
}

TEST(ProvenanceParts, CanonicalOrderPathsValuesAndPersonalFlags) {
  const auto parts = parts_of(every_field(), occurrences_of("a@b.example"));
  ASSERT_TRUE(parts) << parts.error().describe();
  const std::vector<std::tuple<std::string, std::string, bool>> expected = {
      {"id", "r1", false},
      {"feed", "phishing", false},
      {"tlp", "AMBER_STRICT", false},
      {"title#0", "Hi", false},
      {"description#0", "Mail ", false},
      {"description#1", "a@b.example", true},
      {"description#2", " now", false},
      {"created", "2026-11-28T10:00:00.123456789Z", false},
      {"labels[0]#0", "x", false},
      {"recipients[0]", "acme", false},
      {"contacts[0].role", "reporter", false},
      {"contacts[0].name", "Jan", true},
      {"contacts[0].organisation", "Org", false},
      {"contacts[0].email", "jan@org.example", true},
      {"contacts[0].phone", "+31 6 1", true},
      {"indicators[0].type", "EMAIL", false},
      {"indicators[0].value", "bad@evil.example", true},
      {"indicators[0].description#0", "from ", false},
      {"indicators[0].description#1", "a@b.example", true},
      {"indicators[0].confidence", "50", false},
      {"indicators[0].valid_from", "1970-01-01T00:00:01Z", false},
      {"indicators[0].valid_until", "1970-01-01T00:00:02Z", false},
      {"indicators[0].labels[0]#0", "l", false},
      {"indicators[1].type", "MD5", false},
      {"indicators[1].value", "d41d8cd98f00b204e9800998ecf8427e", false},
  };
  ASSERT_EQ(parts.value().size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(parts.value()[i].path, std::get<0>(expected[i])) << i;
    EXPECT_EQ(parts.value()[i].value, std::get<1>(expected[i])) << i;
    EXPECT_EQ(parts.value()[i].personal, std::get<2>(expected[i])) << parts.value()[i].path;
  }
}

TEST(ProvenanceParts, EmptyFieldsHaveNoParts) {
  v1::Report report;
  report.set_id("only-id");
  report.set_title("");
  const auto parts = parts_of(report, nullptr);
  ASSERT_TRUE(parts);
  ASSERT_EQ(parts.value().size(), 1U);
  EXPECT_EQ(parts.value()[0].path, "id");
}

TEST(ProvenanceParts, FinderMarksRoleOrganisationAndIndicatorValues) {
  v1::Report report;
  report.set_id("r");
  report.add_contacts()->set_organisation("Acme, ask a@b.example");
  v1::Indicator& url = *report.add_indicators();
  url.set_type(v1::Indicator::URL);
  url.set_value("https://x.example/?to=a@b.example");
  const auto parts = parts_of(report, occurrences_of("a@b.example"));
  ASSERT_TRUE(parts);
  ASSERT_EQ(parts.value().size(), 4U);
  EXPECT_EQ(parts.value()[1].path, "contacts[0].organisation");
  EXPECT_TRUE(parts.value()[1].personal);
  EXPECT_EQ(parts.value()[3].path, "indicators[0].value");
  EXPECT_TRUE(parts.value()[3].personal);
}

TEST(ProvenanceParts, RefusesWhatPartsCannotRepresent) {
  v1::Report empty_label;
  empty_label.set_id("r");
  empty_label.add_labels("");
  auto refused = parts_of(empty_label, nullptr);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, v1::INVALID_INPUT);
  EXPECT_NE(refused.error().message.find("labels[0]"), std::string::npos);

  v1::Report empty_contact;
  empty_contact.set_id("r");
  empty_contact.add_contacts();
  EXPECT_FALSE(parts_of(empty_contact, nullptr));

  v1::Report bad_utf8;
  bad_utf8.set_id("r");
  bad_utf8.set_description(std::string("caf\xC3", 4));
  refused = parts_of(bad_utf8, nullptr);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message, "description: not valid UTF-8");

  v1::Report far_future;
  far_future.set_id("r");
  far_future.mutable_created()->set_seconds(253402300800LL);
  EXPECT_FALSE(parts_of(far_future, nullptr));
}

TEST(ProvenanceParts, RebuildRefusesBadPartsWithoutQuotingValues) {
  const auto refuse = [](std::string_view path, std::string_view value) {
    const std::vector<PartValue> parts = {{7, path, value}};
    auto rebuilt = rebuild(parts);
    EXPECT_FALSE(rebuilt) << path;
    return rebuilt ? std::string() : rebuilt.error().message;
  };
  EXPECT_EQ(refuse("title", "x"), "part 7 has an invalid path");
  EXPECT_EQ(refuse("title#0", ""), "part 7 (title#0): empty value");
  EXPECT_EQ(refuse("created", "secret@victim.example").find("secret"), std::string::npos);
  refuse("tlp", "TLP_UNSPECIFIED");
  refuse("tlp", "4");  // AMBER_STRICT has a name: the number is not canonical
  refuse("created", "2026-11-28T10:00:00.100000Z");
  refuse("indicators[0].confidence", "007");
  refuse("indicators[0].type", "0");
}

TEST(ProvenanceParts, RebuildDropsElementsWithoutPartsAndKeepsOrder) {
  const v1::Report report = every_field();
  auto parts = parts_of(report, nullptr).value();
  std::vector<Part> kept;
  for (const Part& part : parts) {
    if (!part.path.starts_with("indicators[0]")) {
      kept.push_back(part);
    }
  }
  const auto rebuilt = rebuild(values_of(kept));
  ASSERT_TRUE(rebuilt);
  ASSERT_EQ(rebuilt.value().indicators_size(), 1);
  EXPECT_EQ(rebuilt.value().indicators(0).type(), v1::Indicator::MD5);
}

// Removes the elements whose element path is in `dropped` from a report.
v1::Report without_elements(v1::Report report, const std::set<std::string>& dropped) {
  const auto drop = [&dropped](auto& field, const std::string& name) {
    for (int i = field.size() - 1; i >= 0; --i) {
      if (dropped.contains(name + "[" + std::to_string(i) + "]")) {
        field.DeleteSubrange(i, 1);
      }
    }
  };
  for (int i = report.indicators_size() - 1; i >= 0; --i) {
    drop(*report.mutable_indicators(i)->mutable_labels(), "indicators[" + std::to_string(i) + "].labels");
  }
  drop(*report.mutable_labels(), "labels");
  drop(*report.mutable_recipients(), "recipients");
  drop(*report.mutable_contacts(), "contacts");
  drop(*report.mutable_indicators(), "indicators");
  return report;
}

// The element a part belongs to, innermost first: "indicators[2].labels[0]",
// "indicators[2]", "labels[1]", ...
std::vector<std::string> elements_of(const std::string& path) {
  std::vector<std::string> elements;
  const auto parsed = parse_path(path);
  if (!parsed) {
    return elements;
  }
  if (parsed->field == Field::kIndicators && parsed->indicator_field() == IndicatorField::kLabels) {
    elements.push_back(field_path(*parsed));
  }
  if (!element_path(*parsed).empty()) {
    elements.push_back(element_path(*parsed));
  } else if (parsed->field == Field::kLabels || parsed->field == Field::kRecipients) {
    elements.push_back(field_path(*parsed));
  }
  return elements;
}

TEST(ProvenancePartsProperty, RebuildingAllPartsGivesTheContentBack) {
  std::mt19937_64 random(20261128);
  for (int round = 0; round < 600; ++round) {
    v1::Report report = testing::random_report(random);
    report = testing::stamped(report);
    const auto parts = parts_of(report, testing::random_spans);
    ASSERT_TRUE(parts) << parts.error().describe();
    std::optional<PartPath> previous;
    for (const Part& part : parts.value()) {
      ASSERT_FALSE(part.value.empty()) << part.path;
      ASSERT_TRUE(is_valid_utf8(part.value)) << part.path;
      const auto path = parse_path(part.path);
      ASSERT_TRUE(path) << part.path;
      ASSERT_EQ(format_path(*path), part.path);
      ASSERT_TRUE(!previous || *previous < *path) << part.path;
      previous = path;
    }
    const auto rebuilt = rebuild(values_of(parts.value()));
    ASSERT_TRUE(rebuilt) << rebuilt.error().describe();
    ASSERT_TRUE(same_content(rebuilt.value(), content_of(report))) << "round " << round << "\n"
                                                                   << report.DebugString() << "\n"
                                                                   << rebuilt.value().DebugString();
  }
}

TEST(ProvenancePartsProperty, DroppedElementsLeaveNoGap) {
  std::mt19937_64 random(7);
  for (int round = 0; round < 500; ++round) {
    const v1::Report report = testing::random_report(random);
    const auto parts = parts_of(report, testing::random_spans);
    ASSERT_TRUE(parts);
    std::set<std::string> elements;
    for (const Part& part : parts.value()) {
      for (const std::string& element : elements_of(part.path)) {
        elements.insert(element);
      }
    }
    std::set<std::string> dropped;
    for (const std::string& element : elements) {
      if (random() % 3 == 0) {
        dropped.insert(element);
      }
    }
    std::vector<Part> kept;
    for (const Part& part : parts.value()) {
      bool keep = true;
      for (const std::string& element : elements_of(part.path)) {
        keep = keep && !dropped.contains(element);
      }
      if (keep) {
        kept.push_back(part);
      }
    }
    const auto rebuilt = rebuild(values_of(kept));
    ASSERT_TRUE(rebuilt);
    ASSERT_TRUE(same_content(rebuilt.value(), content_of(without_elements(report, dropped)))) << "round " << round;
  }
}

}  // namespace
}  // namespace weft::provenance
