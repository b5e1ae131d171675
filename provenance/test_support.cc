#include "provenance/test_support.h"

#include <gtest/gtest.h>

#include <array>
#include <functional>

#include "policies/redactor.h"
#include "policies/shipped_policies.h"
#include "provenance/publication.h"
#include "provenance/publisher.h"

namespace weft::provenance::testing {

v1::Report phishing_report() {
  v1::Report report;
  report.set_id("5f0c6c1e-8d1b-4a57-9a43-0d6f4f3c2b10");
  report.set_feed("phishing");
  report.set_tlp(v1::AMBER);
  report.set_title("Phishing wave against ACME customers");
  report.set_description(
      "The victim's contact person is Maria Rossi (maria.rossi@victim.example, +31 6 12345678). Money went to "
      "IBAN NL91 ABNA 0417 1643 00. The kit was reached from the victim workstation 198.51.100.23.");
  report.mutable_created()->set_seconds(1795860000);
  report.mutable_created()->set_nanos(123000000);
  report.add_labels("phishing");
  report.add_labels("banking");
  report.add_recipients("acme-bank");
  auto* sender = report.add_indicators();
  sender->set_type(v1::Indicator::EMAIL);
  sender->set_value("refunds@tax-refund-portal.example");
  sender->set_description("Sender address");
  sender->set_confidence(90);
  auto* c2 = report.add_indicators();
  c2->set_type(v1::Indicator::IPV4);
  c2->set_value("203.0.113.7");
  c2->add_labels("c2");
  auto* hash = report.add_indicators();
  hash->set_type(v1::Indicator::SHA256);
  hash->set_value("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
  hash->mutable_valid_from()->set_seconds(1795800000);
  auto* contact = report.add_contacts();
  contact->set_role("victim liaison");
  contact->set_name("Jan de Vries");
  contact->set_email("jan.devries@victim.example");
  contact->set_phone("020 123 4567");
  contact->set_organisation("Victim Corp");
  return report;
}

SpanFinder detector_finder(const policies::Detector& detector) {
  return [&detector](std::string_view text) {
    std::vector<Span> spans;
    for (const auto& finding : detector.find(text)) {
      spans.emplace_back(finding.begin, finding.end);
    }
    return spans;
  };
}

const policies::Detector& builtin_detector() {
  static const std::shared_ptr<const policies::Detector> detector = policies::Detector::create().value();
  return *detector;
}

std::shared_ptr<const policies::Policy> policy_from_text(const std::string& text) {
  auto policy = policies::Policy::parse(text, "test");
  EXPECT_TRUE(policy) << policy.error().describe();
  return policy.value();
}

std::shared_ptr<const policies::Policy> shipped_policy(std::string_view name) {
  for (const auto& entry : policies::shipped_policies()) {
    if (entry.name == name) {
      return policy_from_text(std::string(entry.text));
    }
  }
  ADD_FAILURE() << "no shipped policy " << name;
  return nullptr;
}

v1::Report delivered_copy(const v1::Report& stored, const policies::Policy& policy, std::string_view recipient,
                          std::vector<v1::RedactionDecision>* decisions) {
  static const auto pseudonymizer = policies::Pseudonymizer::with_random_key();
  policies::Redaction redaction = policies::redact(stored, policy);
  redaction.report.clear_recipients();  // as the broker's strip_distribution does
  policies::personalise(redaction.report, redaction.pseudonyms, *pseudonymizer, recipient);
  if (decisions != nullptr) {
    *decisions = redaction.decisions;
  }
  return redaction.report;
}

v1::Report stamped(v1::Report report) {
  report.mutable_broker()->set_source_organisation(std::string(kPublisher));
  report.mutable_broker()->mutable_received_at()->set_seconds(1795860100);
  report.mutable_broker()->set_sequence(42);
  report.mutable_broker()->set_broker_id("broker-1");
  return report;
}

namespace {

// Pieces random text is made of: ASCII words, digits, punctuation and
// multi-byte UTF-8 (2, 3 and 4 bytes).
constexpr std::array<std::string_view, 16> kPieces = {"alpha", "Bravo",       " ",    ", ", ".",    "0612345678",
                                                      "@",     "x@y.example", "é",    "€",  "中文", "𝄞",
                                                      "\n",    "ü-ß",         "IBAN", "-"};

std::string random_text(std::mt19937_64& random, std::size_t max_pieces) {
  std::uniform_int_distribution<std::size_t> count(0, max_pieces);
  std::uniform_int_distribution<std::size_t> piece(0, kPieces.size() - 1);
  std::string text;
  for (std::size_t n = count(random); n > 0; --n) {
    text += kPieces[piece(random)];
  }
  return text;
}

std::string non_empty_text(std::mt19937_64& random, std::size_t max_pieces) {
  std::string text = random_text(random, max_pieces);
  return text.empty() ? std::string("x") : text;
}

bool chance(std::mt19937_64& random, double probability) { return std::bernoulli_distribution(probability)(random); }

void random_timestamp(std::mt19937_64& random, google::protobuf::Timestamp& timestamp) {
  std::uniform_int_distribution<std::int64_t> seconds(-62135596800LL, 253402300799LL);
  const std::array<std::int32_t, 5> nanos = {0, 5, 120000000, 123456000, 999999999};
  timestamp.set_seconds(seconds(random));
  timestamp.set_nanos(nanos[std::uniform_int_distribution<std::size_t>(0, nanos.size() - 1)(random)]);
}

}  // namespace

v1::Report random_report(std::mt19937_64& random) {
  v1::Report report;
  report.set_id("id-" + std::to_string(random() % 100000));
  if (chance(random, 0.8)) {
    report.set_feed("feed." + std::to_string(random() % 10));
  }
  report.set_tlp(static_cast<v1::Tlp>(chance(random, 0.1) ? 42 : static_cast<int>(random() % 6)));
  report.set_title(random_text(random, 6));
  report.set_description(random_text(random, 40));
  if (chance(random, 0.7)) {
    random_timestamp(random, *report.mutable_created());
  }
  for (std::size_t n = random() % 4; n > 0; --n) {
    report.add_labels(non_empty_text(random, 3));
  }
  for (std::size_t n = random() % 3; n > 0; --n) {
    report.add_recipients("org-" + std::to_string(random() % 50));
  }
  for (std::size_t n = random() % 4; n > 0; --n) {
    v1::Contact& contact = *report.add_contacts();
    contact.set_role(chance(random, 0.5) ? random_text(random, 2) : "");
    contact.set_name(chance(random, 0.5) ? random_text(random, 3) : "");
    contact.set_organisation(chance(random, 0.5) ? random_text(random, 2) : "");
    contact.set_email(chance(random, 0.5) ? random_text(random, 2) : "");
    contact.set_phone(chance(random, 0.5) ? "+31 6 " + std::to_string(random() % 100000000) : "");
    if (contact.ByteSizeLong() == 0) {
      contact.set_name("someone");
    }
  }
  for (std::size_t n = random() % 12; n > 0; --n) {
    v1::Indicator& indicator = *report.add_indicators();
    indicator.set_type(static_cast<v1::Indicator::Type>(chance(random, 0.05) ? 77 : static_cast<int>(random() % 20)));
    indicator.set_value(non_empty_text(random, 3));
    indicator.set_description(random_text(random, 8));
    indicator.set_confidence(chance(random, 0.5) ? static_cast<std::uint32_t>(random() % 101) : 0);
    if (chance(random, 0.3)) {
      random_timestamp(random, *indicator.mutable_valid_from());
    }
    if (chance(random, 0.3)) {
      random_timestamp(random, *indicator.mutable_valid_until());
    }
    for (std::size_t l = random() % 3; l > 0; --l) {
      indicator.add_labels(non_empty_text(random, 2));
    }
  }
  return report;
}

std::vector<Span> random_spans(std::string_view text) {
  std::mt19937_64 random(std::hash<std::string_view>{}(text));
  std::vector<Span> spans;
  if (text.empty()) {
    return spans;
  }
  std::uniform_int_distribution<std::size_t> position(0, text.size() + 2);
  for (std::size_t n = random() % 5; n > 0; --n) {
    spans.emplace_back(position(random), position(random));  // some empty, reversed or past the end
  }
  return spans;
}

KeyLookup lookup_for(std::string_view organisation, const VerifyingKey& key) {
  return [name = std::string(organisation), key](std::string_view asked) -> std::optional<VerifyingKey> {
    if (asked == name) {
      return key;
    }
    return std::nullopt;
  };
}

Delivery deliver(const v1::Report& report, const policies::Policy* policy, std::string_view recipient,
                 const SigningKey& publisher_key, const SigningKey& broker_key, const SpanFinder& find_personal) {
  Delivery delivery;
  auto publication = sign_report(report, kPublisher, publisher_key,
                                 find_personal ? find_personal : detector_finder(builtin_detector()));
  EXPECT_TRUE(publication) << publication.error().describe();
  if (!publication) {
    return delivery;
  }
  delivery.publication = std::move(publication).value();
  const v1::Report stored = stamped(report);
  const auto checked = check_publication(stored, kPublisher, delivery.publication, publisher_key.verifying_key());
  EXPECT_TRUE(checked) << checked.error().describe();

  AttestationContext context;
  context.recipient = std::string(recipient);
  context.broker_id = "broker-1";
  if (policy != nullptr) {
    delivery.delivered = delivered_copy(stored, *policy, recipient, &context.decisions);
    context.policy = policy->name();
    context.policy_version = policy->version();
  } else {
    delivery.delivered = stored;
  }
  auto attested = attest(delivery.publication, delivery.delivered, context, broker_key);
  EXPECT_TRUE(attested) << attested.error().describe();
  if (attested) {
    delivery.provenance = std::move(attested).value();
  }
  return delivery;
}

}  // namespace weft::provenance::testing
