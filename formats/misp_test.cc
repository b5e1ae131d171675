#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include <boost/json.hpp>
#include <google/protobuf/util/message_differencer.h>

#include "formats/formats.h"
#include "formats/identifiers.h"

namespace weft::formats {
namespace {

namespace json = boost::json;

std::string read_data(const std::string& name) {
  std::ifstream in(std::string(WEFT_TEST_DATA_DIR) + "/misp/" + name, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string to_lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

ImportOptions options(v1::Tlp default_tlp = v1::TLP_UNSPECIFIED) {
  ImportOptions out;
  out.feed = "phishing.nl";
  out.default_tlp = default_tlp;
  return out;
}

bool has_label(const google::protobuf::RepeatedPtrField<std::string>& labels, const std::string& label) {
  return std::find(labels.begin(), labels.end(), label) != labels.end();
}

const v1::Indicator* by_uuid(const v1::Report& report, const std::string& uuid, int part = 0) {
  for (const auto& indicator : report.indicators()) {
    if (has_label(indicator.labels(), "misp-uuid:" + uuid) &&
        (part == 0 || has_label(indicator.labels(), "misp-composite:" + std::to_string(part)))) {
      return &indicator;
    }
  }
  return nullptr;
}

const v1::Contact* contact_for(const v1::Report& report, const std::string& uuid) {
  for (const auto& contact : report.contacts()) {
    if (contact.role().find(uuid) != std::string::npos) {
      return &contact;
    }
  }
  return nullptr;
}

bool mentions(const std::vector<Problem>& list, const std::string& object_part, const std::string& message_part) {
  return std::any_of(list.begin(), list.end(), [&](const Problem& p) {
    return p.object.find(object_part) != std::string::npos && p.message.find(message_part) != std::string::npos;
  });
}

std::string all_text(const Imported& imported) {
  std::string text;
  for (const auto* list : {&imported.problems, &imported.not_carried}) {
    for (const auto& p : *list) {
      text += p.object + " " + p.message + "\n";
    }
  }
  return text;
}

Imported phishing() {
  auto imported = import_misp(read_data("phishing_event.json"), options());
  EXPECT_TRUE(imported) << imported.error().describe();
  return std::move(imported).value();
}

TEST(MispImport, EventFieldsAndLabels) {
  const Imported imported = phishing();
  ASSERT_EQ(imported.reports.size(), 1U);
  EXPECT_TRUE(imported.problems.empty()) << all_text(imported);
  const v1::Report& report = imported.reports[0].report;
  EXPECT_EQ(imported.reports[0].source, "Event 5f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d");
  EXPECT_EQ(report.id(), "5f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d");
  EXPECT_EQ(report.feed(), "phishing.nl");
  EXPECT_EQ(report.tlp(), v1::AMBER);
  EXPECT_EQ(report.title(), "Phishing wave against municipal finance departments");
  EXPECT_EQ(rfc3339_millis(report.created()), "2026-03-14T00:00:00.000Z");
  EXPECT_FALSE(report.has_broker());
  for (const char* label :
       {"misp-distribution:1", "misp-threat-level:2", "misp-analysis:1", "misp-orgc:CERT-Example", "type:OSINT",
        "misp-galaxy:threat-actor=\"Sofacy\"",
        "misp-object-def:b2000000-0000-4000-8000-000000000001|file|file|688c46fb-5edb-40a3-8273-1af7923e2215|24",
        "misp-object-def:b2000000-0000-4000-8000-000000000002|person|misc|a15b0477-e9d1-4b4c-b8d9-b4f8b2a1f2c5|16"}) {
    EXPECT_TRUE(has_label(report.labels(), label)) << label;
  }
  EXPECT_FALSE(has_label(report.labels(), "workflow:state=\"draft\"")) << "local tags stay on their instance";
  EXPECT_FALSE(has_label(report.labels(), "tlp:amber")) << "the TLP is the report's tlp, not a label";
}

TEST(MispImport, AttributesBecomeIndicators) {
  const v1::Report report = phishing().reports.at(0).report;
  EXPECT_EQ(report.indicators_size(), 14);

  const v1::Indicator* email = by_uuid(report, "a1000000-0000-4000-8000-000000000001");
  ASSERT_NE(email, nullptr);
  EXPECT_EQ(email->type(), v1::Indicator::EMAIL);
  EXPECT_EQ(email->value(), "invoices@evil-mail.example");
  EXPECT_EQ(email->description(), "Sender of the lure");
  EXPECT_EQ(rfc3339_millis(email->valid_from()), "2026-03-13T08:00:00.000Z");
  EXPECT_EQ(rfc3339_millis(email->valid_until()), "2026-03-14T17:30:00.250Z");
  EXPECT_TRUE(has_label(email->labels(), "misp-type:email-src"));
  EXPECT_TRUE(has_label(email->labels(), "misp-category:Payload delivery"));
  EXPECT_TRUE(has_label(email->labels(), "kill-chain:delivery"));
  EXPECT_FALSE(has_label(email->labels(), "to-ids:false"));

  const v1::Indicator* url = by_uuid(report, "a1000000-0000-4000-8000-000000000002");
  ASSERT_NE(url, nullptr);
  EXPECT_EQ(url->type(), v1::Indicator::URL);
  EXPECT_EQ(url->value(), "https://login.evil-mail.example/office365/auth.php");

  const v1::Indicator* ip = by_uuid(report, "a1000000-0000-4000-8000-000000000003");
  ASSERT_NE(ip, nullptr);
  EXPECT_EQ(ip->type(), v1::Indicator::IPV4);
  EXPECT_EQ(ip->value(), "203.0.113.7");
  EXPECT_FALSE(has_label(ip->labels(), "to-ids:false")) << "to_ids \"1\" is true";

  const v1::Indicator* ipv6 = by_uuid(report, "a1000000-0000-4000-8000-00000000000d");
  ASSERT_NE(ipv6, nullptr);
  EXPECT_EQ(ipv6->type(), v1::Indicator::IPV6);
  const v1::Indicator* network = by_uuid(report, "a1000000-0000-4000-8000-00000000000e");
  ASSERT_NE(network, nullptr);
  EXPECT_EQ(network->type(), v1::Indicator::IPV4_CIDR);
  EXPECT_TRUE(has_label(network->labels(), "misp-type:ip-src"));

  const v1::Indicator* context = by_uuid(report, "a1000000-0000-4000-8000-00000000000a");
  ASSERT_NE(context, nullptr);
  EXPECT_EQ(context->type(), v1::Indicator::DOMAIN);
  EXPECT_TRUE(has_label(context->labels(), "to-ids:false"));

  const v1::Indicator* text = by_uuid(report, "a1000000-0000-4000-8000-00000000000b");
  ASSERT_NE(text, nullptr);
  EXPECT_EQ(text->type(), v1::Indicator::OTHER);
  EXPECT_EQ(text->value(), "Campaign observed against Dutch municipalities.\nLures are Dutch-language invoices.");
  EXPECT_TRUE(has_label(text->labels(), "misp-type:text"));
  EXPECT_TRUE(has_label(text->labels(), "to-ids:false"));

  EXPECT_EQ(by_uuid(report, "a1000000-0000-4000-8000-00000000000c"), nullptr) << "deleted attributes stay out";

  const v1::Indicator* path = by_uuid(report, "a1000000-0000-4000-8000-00000000000f");
  ASSERT_NE(path, nullptr);
  EXPECT_EQ(path->type(), v1::Indicator::OTHER) << "a uri without scheme and host is context, not a URL";
  EXPECT_TRUE(has_label(path->labels(), "misp-type:uri"));
}

TEST(MispImport, CompositeAttributesSplitIntoLabelledHalves) {
  const v1::Report report = phishing().reports.at(0).report;
  const v1::Indicator* name = by_uuid(report, "a1000000-0000-4000-8000-000000000008", 1);
  const v1::Indicator* hash = by_uuid(report, "a1000000-0000-4000-8000-000000000008", 2);
  ASSERT_NE(name, nullptr);
  ASSERT_NE(hash, nullptr);
  EXPECT_EQ(name->type(), v1::Indicator::FILENAME);
  EXPECT_EQ(name->value(), "factuur_2026-03.zip");
  EXPECT_EQ(hash->type(), v1::Indicator::SHA256);
  EXPECT_EQ(hash->value(), "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
  for (const auto* half : {name, hash}) {
    EXPECT_TRUE(has_label(half->labels(), "misp-type:filename|sha256"));
    EXPECT_EQ(half->description(), "Attachment");
  }

  const v1::Indicator* address = by_uuid(report, "a1000000-0000-4000-8000-000000000009", 1);
  const v1::Indicator* port = by_uuid(report, "a1000000-0000-4000-8000-000000000009", 2);
  ASSERT_NE(address, nullptr);
  ASSERT_NE(port, nullptr);
  EXPECT_EQ(address->type(), v1::Indicator::IPV4);
  EXPECT_EQ(address->value(), "198.51.100.23");
  EXPECT_EQ(port->type(), v1::Indicator::OTHER) << "weft has no port type: the port is context";
  EXPECT_EQ(port->value(), "8443");
}

TEST(MispImport, ObjectAttributesCarryTheirObject) {
  const v1::Report report = phishing().reports.at(0).report;
  const v1::Indicator* filename = by_uuid(report, "b2000000-0000-4000-8000-000000000011");
  const v1::Indicator* sha256 = by_uuid(report, "b2000000-0000-4000-8000-000000000012");
  ASSERT_NE(filename, nullptr);
  ASSERT_NE(sha256, nullptr);
  EXPECT_EQ(filename->type(), v1::Indicator::FILENAME);
  EXPECT_EQ(filename->value(), "invoice.pdf.exe");
  EXPECT_TRUE(has_label(filename->labels(), "misp-object:b2000000-0000-4000-8000-000000000001:filename"));
  EXPECT_EQ(sha256->type(), v1::Indicator::SHA256);
  EXPECT_TRUE(has_label(sha256->labels(), "misp-object:b2000000-0000-4000-8000-000000000001:sha256"));
}

TEST(MispImport, PersonalDataBecomesContacts) {
  const v1::Report report = phishing().reports.at(0).report;
  EXPECT_EQ(report.contacts_size(), 6);
  for (const auto& indicator : report.indicators()) {
    EXPECT_NE(indicator.value(), "Jan Jansen");
    EXPECT_NE(indicator.value(), "jan.jansen@victim.example");
  }
  const v1::Contact* name = contact_for(report, "a1000000-0000-4000-8000-000000000004");
  ASSERT_NE(name, nullptr);
  EXPECT_EQ(name->role(), "misp:Person:full-name:a1000000-0000-4000-8000-000000000004");
  EXPECT_EQ(name->name(), "Jan Jansen");
  EXPECT_TRUE(name->email().empty());

  const v1::Contact* email = contact_for(report, "a1000000-0000-4000-8000-000000000005");
  ASSERT_NE(email, nullptr);
  EXPECT_EQ(email->email(), "jan.jansen@victim.example");
  EXPECT_EQ(email->role(), "misp:Person:email:a1000000-0000-4000-8000-000000000005");

  const v1::Contact* target = contact_for(report, "a1000000-0000-4000-8000-000000000006");
  ASSERT_NE(target, nullptr);
  EXPECT_EQ(target->email(), "finance@victim.example");
  EXPECT_EQ(target->role(), "misp:Targeting data:target-email:a1000000-0000-4000-8000-000000000006");

  const v1::Contact* organisation = contact_for(report, "a1000000-0000-4000-8000-000000000007");
  ASSERT_NE(organisation, nullptr);
  EXPECT_EQ(organisation->organisation(), "Gemeente Voorbeeld");

  const v1::Contact* first = contact_for(report, "b2000000-0000-4000-8000-000000000021");
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->name(), "Petra");
  EXPECT_EQ(first->role(),
            "misp:Person:first-name:b2000000-0000-4000-8000-000000000021:b2000000-0000-4000-8000-000000000002:"
            "first-name");
  const v1::Contact* phone = contact_for(report, "b2000000-0000-4000-8000-000000000022");
  ASSERT_NE(phone, nullptr);
  EXPECT_EQ(phone->phone(), "+31 20 555 0100");
}

TEST(MispImport, NamesWhatIsNotCarried) {
  const Imported imported = phishing();
  const auto& notes = imported.not_carried;
  const std::string event = "Event 5f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
  EXPECT_TRUE(mentions(notes, event, "Sighting: 2 not carried")) << all_text(imported);
  EXPECT_TRUE(mentions(notes, event, "Galaxy"));
  EXPECT_TRUE(mentions(notes, event, "EventReport: 1 not carried"));
  EXPECT_TRUE(mentions(notes, event, "ObjectReference: 1 not carried"));
  EXPECT_TRUE(mentions(notes, event, "local Tag: 1 not carried"));
  EXPECT_TRUE(mentions(notes, event, "Orgc"));
  EXPECT_TRUE(mentions(notes, event, "timestamp"));
  EXPECT_TRUE(mentions(notes, "Attribute 12 (uuid a1000000-0000-4000-8000-00000000000c)", "deleted"));
  EXPECT_TRUE(mentions(notes, "Attribute 4 (uuid a1000000-0000-4000-8000-000000000004)", "comment"));
  EXPECT_TRUE(mentions(notes, "Object 1 (uuid b2000000-0000-4000-8000-000000000001)", "description"));
  EXPECT_TRUE(mentions(notes, "Attribute 15 (uuid a1000000-0000-4000-8000-00000000000f)", "carried as context"));
  const std::string text = all_text(imported);
  for (const char* value : {"Jan Jansen", "jan.jansen@victim.example", "finance@victim.example", "203.0.113.7",
                            "typo-squat.example", "Recipient who clicked"}) {
    EXPECT_EQ(text.find(value), std::string::npos) << "messages must not quote values: " << value;
  }
}

TEST(MispImport, BadAttributesAreProblemsAndTheRestGoesOn) {
  auto result = import_misp(read_data("bad_events.json"), options());
  ASSERT_TRUE(result) << result.error().describe();
  const Imported& imported = result.value();
  const auto& problems = imported.problems;
  EXPECT_TRUE(mentions(problems, "Attribute 1 (uuid d4000000-0000-4000-8000-0000000000a1)", "not an IPv4 address"))
      << all_text(imported);
  EXPECT_TRUE(mentions(problems, "Attribute 2 (uuid d4000000-0000-4000-8000-0000000000a2)", "64 hex digits"));
  EXPECT_TRUE(mentions(problems, "Attribute 3 (uuid d4000000-0000-4000-8000-0000000000a3)", "defanged"));
  EXPECT_TRUE(mentions(problems, "Attribute 4 (uuid d4000000-0000-4000-8000-0000000000a4)",
                       "unknown MISP attribute type 'quantum-entanglement'"));
  EXPECT_TRUE(mentions(problems, "Attribute 5 (uuid d4000000-0000-4000-8000-0000000000a5)", "second part"));
  EXPECT_TRUE(mentions(problems, "Attribute 6 (uuid d4000000-0000-4000-8000-0000000000a6)", "tlp:red"));
  EXPECT_TRUE(mentions(problems, "Event 2 (no uuid)", "no uuid"));
  EXPECT_TRUE(mentions(problems, "Event d4000000-0000-4000-8000-000000000003", "no tlp:* tag; give --tlp"));
  EXPECT_TRUE(mentions(problems, "Event 5", "not an {\"Event\""));
  EXPECT_EQ(problems.size(), 9U) << all_text(imported);
  const std::string text = all_text(imported);
  for (const char* value : {"999.12.1.1", "not-a-hash", "evil[.]example", "spooky", "dropper.exe", "secret.example"}) {
    EXPECT_EQ(text.find(value), std::string::npos) << "messages must not quote values: " << value;
  }

  ASSERT_EQ(imported.reports.size(), 2U);
  const v1::Report& broken = imported.reports[0].report;
  EXPECT_EQ(broken.tlp(), v1::GREEN);
  ASSERT_EQ(broken.indicators_size(), 2);
  EXPECT_EQ(broken.indicators(0).value(), "fine.example");
  EXPECT_EQ(broken.indicators(1).type(), v1::Indicator::MD5);
  EXPECT_FALSE(std::any_of(broken.indicators(1).labels().begin(), broken.indicators(1).labels().end(),
                           [](const std::string& l) { return l.starts_with("misp-uuid:"); }));

  const v1::Report& two_tlps = imported.reports[1].report;
  EXPECT_EQ(two_tlps.tlp(), v1::AMBER) << "several TLP tags: the strictest";
  EXPECT_TRUE(mentions(imported.not_carried, "Event d4000000-0000-4000-8000-000000000004", "strictest, tlp:amber"));
}

// Every text the import puts in a report meets the broker's rules: the
// description that misp_event() writes as a text attribute is a problem when
// it holds a control character, and a tag the broker would refuse is named
// with what is wrong with it.
TEST(MispImport, TextTheBrokerRefusesIsNamed) {
  const std::string event = R"({"Event":{"uuid":"d5000000-0000-4000-8000-000000000001","info":"Wave",)"
                            R"("Tag":[{"name":"tlp:green"},{"name":"bell\u0007"},{"name":"kept"}],"Attribute":[)"
                            R"({"uuid":"d5000000-0000-4000-8000-0000000000a1","type":"text","category":"Other",)"
                            R"("to_ids":false,"comment":"weft report description","value":"whose acc\u007funt"},)"
                            R"({"uuid":"d5000000-0000-4000-8000-0000000000a2","type":"domain","category":"Network activity",)"
                            R"("to_ids":true,"value":"fine.example"}]}})";
  auto result = import_misp(event, options());
  ASSERT_TRUE(result) << result.error().describe();
  const Imported& imported = result.value();
  EXPECT_TRUE(mentions(imported.problems, "Attribute 1 (uuid d5000000-0000-4000-8000-0000000000a1)",
                       "value (the report description) contains the control character U+007F"))
      << all_text(imported);
  EXPECT_TRUE(mentions(imported.not_carried, "Event d5000000-0000-4000-8000-000000000001",
                       "a tag contains the control character U+0007; not carried"))
      << all_text(imported);
  ASSERT_EQ(imported.reports.size(), 1U);
  const v1::Report& report = imported.reports[0].report;
  EXPECT_TRUE(report.description().empty());
  EXPECT_TRUE(has_label(report.labels(), "kept"));
  ASSERT_EQ(report.indicators_size(), 1);
  EXPECT_EQ(report.indicators(0).value(), "fine.example");
}

TEST(MispImport, DefaultTlpAppliesToUntaggedEvents) {
  auto result = import_misp(read_data("bad_events.json"), options(v1::GREEN));
  ASSERT_TRUE(result);
  ASSERT_EQ(result.value().reports.size(), 3U);
  EXPECT_EQ(result.value().reports[1].report.id(), "d4000000-0000-4000-8000-000000000003");
  EXPECT_EQ(result.value().reports[1].report.tlp(), v1::GREEN);
}

TEST(MispImport, WholeInputFailures) {
  const std::string event = read_data("phishing_event.json");
  ImportOptions no_feed;
  no_feed.default_tlp = v1::GREEN;
  auto missing_feed = import_misp(event, no_feed);
  ASSERT_FALSE(missing_feed);
  EXPECT_EQ(missing_feed.error().code, v1::INVALID_INPUT);
  auto not_json = import_misp("{\"Event\": ", options());
  ASSERT_FALSE(not_json);
  EXPECT_EQ(not_json.error().code, v1::INVALID_INPUT);
  auto wrong_shape = import_misp("{\"type\": \"bundle\"}", options());
  ASSERT_FALSE(wrong_shape);
  EXPECT_EQ(wrong_shape.error().code, v1::INVALID_INPUT);
  EXPECT_NE(wrong_shape.error().message.find("not a MISP event"), std::string::npos);
}

TEST(MispImport, AcceptsRestSearchAnswersAndEventLines) {
  const std::string event = R"({"Event": {"uuid": "e5000000-0000-4000-8000-000000000001", "info": "one",
      "Tag": [{"name": "tlp:clear"}], "threat_level_id": 3, "Attribute": [{"type": "AS", "category":
      "Network activity", "to_ids": 1, "value": "64496"}]}})";
  const std::string other =
      R"({"Event":{"uuid":"e5000000-0000-4000-8000-000000000002","info":"two","Tag":[{"name":"tlp:white"}]}})";
  auto response = import_misp(R"({"response": [)" + event + "," + other + "]}", options());
  ASSERT_TRUE(response) << response.error().describe();
  ASSERT_EQ(response.value().reports.size(), 2U);
  const v1::Report& first = response.value().reports[0].report;
  EXPECT_EQ(first.tlp(), v1::CLEAR);
  EXPECT_TRUE(has_label(first.labels(), "misp-threat-level:3")) << "integers are accepted as well as strings";
  ASSERT_EQ(first.indicators_size(), 1);
  EXPECT_EQ(first.indicators(0).type(), v1::Indicator::ASN);
  EXPECT_EQ(response.value().reports[1].report.tlp(), v1::CLEAR) << "tlp:white is TLP 1.0 for clear";

  std::string lines = event;
  std::replace(lines.begin(), lines.end(), '\n', ' ');
  lines += "\n" + other + "\n";
  auto per_line = import_misp(lines, options());
  ASSERT_TRUE(per_line) << per_line.error().describe();
  EXPECT_EQ(per_line.value().reports.size(), 2U);
}

TEST(MispImport, ObjectDefinitionsEscapePipes) {
  const std::string event = R"({"Event": {"uuid": "e6000000-0000-4000-8000-000000000001", "info": "objects",
      "Tag": [{"name": "tlp:green"}], "Object": [{"name": "odd|name%", "meta-category": "misc",
      "template_uuid": "e6000000-0000-4000-8000-0000000000aa", "template_version": "1",
      "uuid": "e6000000-0000-4000-8000-0000000000bb", "Attribute": [{"type": "domain", "category":
      "Network activity", "to_ids": true, "object_relation": "domain", "value": "odd.example"}]}]}})";
  auto result = import_misp(event, options());
  ASSERT_TRUE(result);
  const v1::Report& report = result.value().reports.at(0).report;
  EXPECT_TRUE(has_label(report.labels(), "misp-object-def:e6000000-0000-4000-8000-0000000000bb|odd%7Cname%25|misc|"
                                         "e6000000-0000-4000-8000-0000000000aa|1"));
  const json::object exported = json::parse(misp_event(report)).as_object().at("Event").as_object();
  const json::object& object = exported.at("Object").as_array().at(0).as_object();
  EXPECT_EQ(object.at("name").as_string(), "odd|name%");
  EXPECT_EQ(object.at("Attribute").as_array().at(0).as_object().at("value").as_string(), "odd.example");
}

// What a recipient gets: the broker's stamp and redaction summary on it.
v1::Report delivered(v1::Report report) {
  report.mutable_broker()->set_source_organisation("CERT-NL");
  report.mutable_broker()->mutable_received_at()->set_seconds(1773600000);  // 2026-03-15T18:40:00Z
  report.mutable_broker()->set_sequence(42);
  auto* redaction = report.mutable_redaction();
  redaction->set_policy("nl-default");
  redaction->set_policy_version(3);
  auto* count = redaction->add_counts();
  count->set_category("EMAIL");
  count->set_action(v1::KEEP);
  count->set_count(2);
  return report;
}

json::object parse_event(const std::string& line) {
  EXPECT_EQ(line.find('\n'), std::string::npos) << "one line";
  json::value root = json::parse(line);
  return root.as_object().at("Event").as_object();
}

std::string str(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  return value != nullptr && value->is_string() ? std::string(value->get_string()) : std::string("<absent>");
}

std::set<std::string> tag_names(const json::object& holder) {
  std::set<std::string> out;
  if (const json::value* tags = holder.if_contains("Tag")) {
    for (const auto& tag : tags->as_array()) {
      out.insert(std::string(tag.as_object().at("name").as_string()));
    }
  }
  return out;
}

TEST(MispExport, EventShape) {
  const v1::Report report = delivered(phishing().reports.at(0).report);
  const json::object event = parse_event(misp_event(report));
  for (const char* key : {"uuid", "info", "date", "timestamp", "distribution", "threat_level_id", "analysis"}) {
    ASSERT_TRUE(event.at(key).is_string()) << key << " is a string, as MISP writes integers";
  }
  EXPECT_EQ(str(event, "uuid"), "5f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d");
  EXPECT_EQ(str(event, "info"), "Phishing wave against municipal finance departments");
  EXPECT_EQ(str(event, "date"), "2026-03-14");
  EXPECT_EQ(str(event, "timestamp"), "1773600000");
  EXPECT_EQ(str(event, "distribution"), "1");
  EXPECT_EQ(str(event, "threat_level_id"), "2");
  EXPECT_EQ(str(event, "analysis"), "1");
  EXPECT_EQ(event.at("published"), json::value(false));
  const json::object& orgc = event.at("Orgc").as_object();
  EXPECT_EQ(str(orgc, "name"), "CERT-NL");
  EXPECT_EQ(str(orgc, "uuid"), name_based_uuid("organisation:CERT-NL"));
  const std::set<std::string> tags = tag_names(event);
  for (const char* tag : {"tlp:amber", "type:OSINT", "misp-galaxy:threat-actor=\"Sofacy\"", "misp-orgc:CERT-Example"}) {
    EXPECT_TRUE(tags.contains(tag)) << tag;
  }
  for (const auto& tag : tags) {
    EXPECT_FALSE(tag.starts_with("misp-object-def:") || tag.starts_with("misp-distribution:")) << tag;
  }
  for (const auto& value : event.at("Attribute").as_array()) {
    const json::object& attribute = value.as_object();
    for (const char* key : {"uuid", "type", "category", "value", "distribution"}) {
      EXPECT_TRUE(attribute.at(key).is_string()) << key;
    }
    EXPECT_TRUE(attribute.at("to_ids").is_bool());
  }
  EXPECT_EQ(misp_event(report), misp_event(report)) << "deterministic";
}

// Every attribute of the source event, by uuid, with where it sits.
std::map<std::string, std::pair<std::string, json::object>> attributes_by_uuid(const json::object& event) {
  std::map<std::string, std::pair<std::string, json::object>> out;
  for (const auto& value : event.at("Attribute").as_array()) {
    const json::object& attribute = value.as_object();
    out[to_lower(str(attribute, "uuid"))] = {"", attribute};
  }
  if (const json::value* objects = event.if_contains("Object")) {
    for (const auto& object : objects->as_array()) {
      for (const auto& value : object.as_object().at("Attribute").as_array()) {
        out[to_lower(str(value.as_object(), "uuid"))] = {str(object.as_object(), "uuid"), value.as_object()};
      }
    }
  }
  return out;
}

bool truthy(const json::value& value) {
  if (value.is_bool()) {
    return value.get_bool();
  }
  return value.is_string() && value.get_string() == "1";
}

TEST(MispRoundTrip, KeepsEveryCarriedField) {
  const json::object source = json::parse(read_data("phishing_event.json")).as_object().at("Event").as_object();
  const v1::Report imported = phishing().reports.at(0).report;
  const json::object exported = parse_event(misp_event(delivered(imported)));

  EXPECT_EQ(str(exported, "uuid"), to_lower(str(source, "uuid")));
  EXPECT_EQ(str(exported, "info"), str(source, "info"));
  EXPECT_EQ(str(exported, "date"), str(source, "date"));
  for (const char* key : {"distribution", "threat_level_id"}) {
    EXPECT_EQ(str(exported, key), str(source, key)) << key;
  }
  EXPECT_EQ(str(exported, "analysis"), "1");
  std::set<std::string> source_tags = tag_names(source);
  source_tags.erase("workflow:state=\"draft\"");  // local: not carried
  for (const auto& tag : source_tags) {
    EXPECT_TRUE(tag_names(exported).contains(tag)) << tag;
  }

  const auto before = attributes_by_uuid(source);
  const auto after = attributes_by_uuid(exported);
  std::size_t compared = 0;
  for (const auto& [uuid, placed] : before) {
    const json::object& original = placed.second;
    if (truthy(original.contains("deleted") ? original.at("deleted") : json::value(false))) {
      EXPECT_FALSE(after.contains(uuid)) << uuid;
      continue;
    }
    ASSERT_TRUE(after.contains(uuid)) << uuid;
    const auto& [object_uuid, copy] = after.at(uuid);
    ++compared;
    EXPECT_EQ(object_uuid, placed.first) << uuid;
    for (const char* key : {"type", "category", "value"}) {
      EXPECT_EQ(str(copy, key), str(original, key)) << uuid << " " << key;
    }
    EXPECT_EQ(truthy(copy.at("to_ids")), truthy(original.at("to_ids"))) << uuid;
    if (!placed.first.empty()) {
      EXPECT_EQ(str(copy, "object_relation"), str(original, "object_relation")) << uuid;
    }
    const bool personal = str(original, "category") == "Person" || str(original, "category") == "Targeting data";
    if (!personal) {
      const std::string comment = str(original, "comment");
      EXPECT_EQ(str(copy, "comment"), comment.empty() ? "<absent>" : comment) << uuid;
      for (const char* key : {"first_seen", "last_seen"}) {
        if (original.contains(key)) {
          EXPECT_EQ(rfc3339_millis(*parse_rfc3339(str(copy, key))), rfc3339_millis(*parse_rfc3339(str(original, key))))
              << uuid << " " << key;
        }
      }
      EXPECT_EQ(tag_names(copy), tag_names(original)) << uuid;
    }
  }
  EXPECT_EQ(compared, 18U);

  std::map<std::string, json::object> objects;
  for (const auto& object : exported.at("Object").as_array()) {
    objects[str(object.as_object(), "uuid")] = object.as_object();
  }
  for (const auto& value : source.at("Object").as_array()) {
    const json::object& original = value.as_object();
    ASSERT_TRUE(objects.contains(str(original, "uuid")));
    const json::object& copy = objects.at(str(original, "uuid"));
    for (const char* key : {"name", "meta-category", "template_uuid", "template_version"}) {
      EXPECT_EQ(str(copy, key), str(original, key)) << key;
    }
    EXPECT_EQ(copy.at("Attribute").as_array().size(), original.at("Attribute").as_array().size());
  }

  // And back again: the same report, but for the publisher's name now being
  // a second misp-orgc: label.
  auto again = import_misp(misp_event(delivered(imported)), options());
  ASSERT_TRUE(again);
  ASSERT_EQ(again.value().reports.size(), 1U);
  const v1::Report& second = again.value().reports[0].report;
  EXPECT_TRUE(mentions(again.value().not_carried, "Attribute", "redaction summary"));
  ASSERT_EQ(second.indicators_size(), imported.indicators_size());
  std::map<std::string, const v1::Indicator*> first_by_key;
  const auto key_of = [](const v1::Indicator& indicator) {
    std::string key;
    for (const auto& label : indicator.labels()) {
      if (label.starts_with("misp-uuid:") || label.starts_with("misp-composite:")) {
        key += label;
      }
    }
    return key;
  };
  for (const auto& indicator : imported.indicators()) {
    first_by_key[key_of(indicator)] = &indicator;
  }
  for (const auto& indicator : second.indicators()) {
    ASSERT_TRUE(first_by_key.contains(key_of(indicator))) << key_of(indicator);
    const v1::Indicator& original = *first_by_key.at(key_of(indicator));
    std::set<std::string> a(original.labels().begin(), original.labels().end());
    std::set<std::string> b(indicator.labels().begin(), indicator.labels().end());
    EXPECT_EQ(a, b);
    v1::Indicator x = original;
    v1::Indicator y = indicator;
    x.clear_labels();
    y.clear_labels();
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(x, y)) << x.DebugString() << y.DebugString();
  }
  ASSERT_EQ(second.contacts_size(), imported.contacts_size());
  std::set<std::string> contacts_before;
  std::set<std::string> contacts_after;
  for (const auto& contact : imported.contacts()) {
    contacts_before.insert(contact.SerializeAsString());
  }
  for (const auto& contact : second.contacts()) {
    contacts_after.insert(contact.SerializeAsString());
  }
  EXPECT_EQ(contacts_before, contacts_after);
  EXPECT_TRUE(has_label(second.labels(), "misp-orgc:CERT-Example"));
  EXPECT_TRUE(has_label(second.labels(), "misp-orgc:CERT-NL"));
}

const json::object* find_attribute(const json::object& event, const std::string& uuid) {
  for (const auto& value : event.at("Attribute").as_array()) {
    if (str(value.as_object(), "uuid") == uuid) {
      return &value.as_object();
    }
  }
  for (const auto& object : event.at("Object").as_array()) {
    for (const auto& value : object.as_object().at("Attribute").as_array()) {
      if (str(value.as_object(), "uuid") == uuid) {
        return &value.as_object();
      }
    }
  }
  return nullptr;
}

TEST(MispExport, ReplacedValuesExportAsAnonymised) {
  v1::Report report = phishing().reports.at(0).report;
  for (auto& indicator : *report.mutable_indicators()) {
    if (indicator.value() == "invoices@evil-mail.example") {
      indicator.set_value("EMAIL:7f3a9c0d11e2b4a5");  // a pseudonym
    }
    if (indicator.value() == "203.0.113.7") {
      indicator.set_value("203.0.113.0/24");  // generalised
    }
    if (indicator.value() == "198.51.100.23") {
      indicator.set_value("198.51.100.*");  // masked half of ip-dst|port
    }
  }
  for (auto& contact : *report.mutable_contacts()) {
    if (contact.email() == "jan.jansen@victim.example") {
      contact.set_email("[REDACTED:EMAIL]");
    }
    if (contact.name() == "Jan Jansen") {
      contact.set_name("[REDACTED:PERSON]");
    }
    if (contact.email() == "finance@victim.example") {
      contact.clear_email();  // DROP_FIELD
    }
  }
  const json::object event = parse_event(misp_event(delivered(report)));

  const json::object* email = find_attribute(event, "a1000000-0000-4000-8000-000000000001");
  ASSERT_NE(email, nullptr);
  EXPECT_EQ(str(*email, "type"), "anonymised");
  EXPECT_EQ(str(*email, "category"), "Payload delivery");
  EXPECT_FALSE(email->at("to_ids").as_bool());

  const json::object* ip = find_attribute(event, "a1000000-0000-4000-8000-000000000003");
  ASSERT_NE(ip, nullptr);
  EXPECT_EQ(str(*ip, "type"), "ip-dst") << "MISP takes a network in ip-dst";
  EXPECT_EQ(str(*ip, "value"), "203.0.113.0/24");

  const json::object* composite = find_attribute(event, "a1000000-0000-4000-8000-000000000009");
  ASSERT_NE(composite, nullptr);
  EXPECT_EQ(str(*composite, "type"), "anonymised") << "the masked half stands alone";
  EXPECT_EQ(str(*composite, "value"), "198.51.100.*");
  bool port_alone = false;
  for (const auto& value : event.at("Attribute").as_array()) {
    port_alone = port_alone || (str(value.as_object(), "type") == "port" && str(value.as_object(), "value") == "8443");
  }
  EXPECT_TRUE(port_alone);

  const json::object* person_email = find_attribute(event, "a1000000-0000-4000-8000-000000000005");
  ASSERT_NE(person_email, nullptr);
  EXPECT_EQ(str(*person_email, "type"), "anonymised");
  EXPECT_EQ(str(*person_email, "category"), "Person");
  EXPECT_EQ(str(*person_email, "value"), "[REDACTED:EMAIL]");
  const json::object* person_name = find_attribute(event, "a1000000-0000-4000-8000-000000000004");
  ASSERT_NE(person_name, nullptr);
  EXPECT_EQ(str(*person_name, "type"), "full-name") << "any text is a name to MISP";
  EXPECT_EQ(find_attribute(event, "a1000000-0000-4000-8000-000000000006"), nullptr) << "dropped field, no attribute";

  const json::object* summary = find_attribute(event, name_based_uuid(report.id() + "/redaction"));
  ASSERT_NE(summary, nullptr);
  EXPECT_EQ(str(*summary, "type"), "comment");
  EXPECT_EQ(str(*summary, "category"), "Other");
  EXPECT_EQ(str(*summary, "comment"), "weft redaction summary");
  EXPECT_EQ(str(*summary, "value"), "policy nl-default version 3: EMAIL KEEP 2");
  EXPECT_FALSE(summary->at("to_ids").as_bool());
}

TEST(MispExport, ReportsWithoutMispLabels) {
  v1::Report report;
  report.set_id("0a1b2c3d-0000-4000-8000-000000000099");
  report.set_feed("x");
  report.set_tlp(v1::GREEN);
  report.set_title("From STIX");
  report.set_description("What happened.");
  report.add_labels("kill-chain:delivery");
  *report.mutable_created() = *parse_rfc3339("2026-01-02T03:04:05Z");
  auto* ip = report.add_indicators();
  ip->set_type(v1::Indicator::IPV4);
  ip->set_value("192.0.2.1");
  ip->set_confidence(70);
  auto* key = report.add_indicators();
  key->set_type(v1::Indicator::REGISTRY_KEY);
  key->set_value("HKLM\\Software\\Evil");
  auto* asn = report.add_indicators();
  asn->set_type(v1::Indicator::ASN);
  asn->set_value("AS64496");
  auto* note = report.add_indicators();
  note->set_type(v1::Indicator::OTHER);
  note->set_value("seen twice");
  auto* contact = report.add_contacts();
  contact->set_role("incident handler");
  contact->set_name("Desk");
  contact->set_email("desk@cert.example");

  const json::object event = parse_event(misp_event(report));
  EXPECT_EQ(str(event, "distribution"), "0");
  EXPECT_EQ(str(event, "threat_level_id"), "4");
  EXPECT_EQ(str(event, "analysis"), "0");
  EXPECT_EQ(str(event, "date"), "2026-01-02");
  EXPECT_EQ(str(event, "timestamp"), std::to_string(report.created().seconds()));
  EXPECT_FALSE(event.contains("Orgc"));
  EXPECT_TRUE(tag_names(event).contains("kill-chain:delivery"));
  std::map<std::string, json::object> by_value;
  for (const auto& value : event.at("Attribute").as_array()) {
    by_value[str(value.as_object(), "value")] = value.as_object();
  }
  EXPECT_EQ(str(by_value.at("192.0.2.1"), "type"), "ip-dst");
  EXPECT_EQ(str(by_value.at("192.0.2.1"), "category"), "Network activity");
  EXPECT_EQ(str(by_value.at("192.0.2.1"), "uuid"), name_based_uuid(report.id() + "/indicator/0"));
  EXPECT_TRUE(tag_names(by_value.at("192.0.2.1")).contains("weft-confidence:70"));
  EXPECT_TRUE(by_value.at("192.0.2.1").at("to_ids").as_bool());
  EXPECT_EQ(str(by_value.at("HKLM\\Software\\Evil"), "type"), "regkey");
  EXPECT_EQ(str(by_value.at("HKLM\\Software\\Evil"), "category"), "Artifacts dropped");
  EXPECT_EQ(str(by_value.at("64496"), "type"), "AS") << "MISP keeps AS numbers as bare digits";
  EXPECT_EQ(str(by_value.at("seen twice"), "type"), "text");
  EXPECT_FALSE(by_value.at("seen twice").at("to_ids").as_bool());
  EXPECT_EQ(str(by_value.at("Desk"), "type"), "full-name");
  EXPECT_EQ(str(by_value.at("Desk"), "category"), "Person");
  EXPECT_EQ(str(by_value.at("desk@cert.example"), "type"), "email");
  EXPECT_EQ(str(by_value.at("What happened."), "comment"), "weft report description");

  auto back = import_misp(misp_event(report), options());
  ASSERT_TRUE(back);
  const v1::Report& again = back.value().reports.at(0).report;
  EXPECT_EQ(again.description(), "What happened.");
  EXPECT_EQ(again.tlp(), v1::GREEN);
  bool confidence_kept = false;
  for (const auto& indicator : again.indicators()) {
    confidence_kept = confidence_kept || (indicator.value() == "192.0.2.1" && indicator.confidence() == 70);
  }
  EXPECT_TRUE(confidence_kept);
}

}  // namespace
}  // namespace weft::formats
