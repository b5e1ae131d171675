// Shared by the provenance tests: sample and random reports, span finders,
// and the broker's redaction run the way weftd runs it.
#pragma once

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "policies/detector.h"
#include "policies/policy.h"
#include "policies/pseudonymizer.h"
#include "provenance/attestation.h"
#include "provenance/keys.h"
#include "provenance/segments.h"
#include "provenance/verify.h"
#include "weft/v1/report.pb.h"

namespace weft::provenance::testing {

inline constexpr std::string_view kPublisher = "cert-nl";

// A phishing report as a CERT writes it: attacker infrastructure in the
// indicators; the victim's name, e-mail, phone, IBAN and IP in the text; a
// victim liaison contact.
v1::Report phishing_report();

// The built-in detectors as the publisher's span finder.
SpanFinder detector_finder(const policies::Detector& detector);
const policies::Detector& builtin_detector();

std::shared_ptr<const policies::Policy> shipped_policy(std::string_view name);
std::shared_ptr<const policies::Policy> policy_from_text(const std::string& text);

// What weftd does for one recipient: redact by policy, drop the publisher's
// distribution list, fill in the recipient's pseudonyms. `decisions` gets the
// policy's decisions.
v1::Report delivered_copy(const v1::Report& stored, const policies::Policy& policy, std::string_view recipient,
                          std::vector<v1::RedactionDecision>* decisions = nullptr);

// The report as the broker stores it: stamped with its source.
v1::Report stamped(v1::Report report);

// A random report parts_of accepts: unicode, empty fields, many elements.
v1::Report random_report(std::mt19937_64& random);
// Random, overlapping, out-of-range and mid-code-point spans, the same for
// the same text.
std::vector<Span> random_spans(std::string_view text);

KeyLookup lookup_for(std::string_view organisation, const VerifyingKey& key);

struct Delivery {
  v1::PublisherProvenance publication;
  v1::Report delivered;
  v1::DeliveredProvenance provenance;
};

// The whole path, asserting each step: the publisher signs `report` as
// kPublisher with `find_personal` (default: the built-in detectors); the
// broker checks the publication, stamps the report, redacts it for
// `recipient` by `policy` (nullptr: delivered as published) and attests.
Delivery deliver(const v1::Report& report, const policies::Policy* policy, std::string_view recipient,
                 const SigningKey& publisher_key, const SigningKey& broker_key, const SpanFinder& find_personal = {});

}  // namespace weft::provenance::testing
