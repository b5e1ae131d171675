// Candidate extraction and validation, one category per file.
//
// The multi-pattern scan (policies/detector.cc) reports where a cheap anchor
// matched: for example an '@' between a local-part character and a domain
// character. Each extractor takes the scan text and the anchor's end offset,
// finds the whole candidate around it, applies the category's boundary rules
// and validation (checksums, lengths, country tables) and returns the span in
// scan-text bytes, or nothing.
//
// Pure functions on ASCII-folded text (see NormalizedText).
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace weft::policies::detectors {

struct Span {
  std::size_t begin;
  std::size_t end;
};

std::optional<Span> extract_email(std::string_view text, std::size_t anchor_end);
std::optional<Span> extract_ipv4(std::string_view text, std::size_t anchor_end);
std::optional<Span> extract_ipv6(std::string_view text, std::size_t anchor_end);
std::optional<Span> extract_iban(std::string_view text, std::size_t anchor_end);
std::optional<Span> extract_payment_card(std::string_view text, std::size_t anchor_end);
// `international`: the anchor was "+" or "00" followed by digits.
std::optional<Span> extract_phone(std::string_view text, std::size_t anchor_end, bool international);
// `cue_end`: just after a cue such as "contact:", "reported by", "Ansprechpartner".
std::optional<Span> extract_person(std::string_view text, std::size_t cue_end);

// Validators, exposed for tests.
bool luhn_valid(std::string_view digits);
// Issuer (IIN) prefix and length of a payment card number.
bool card_issuer_valid(std::string_view digits);
// `iban`: compact, upper case. Registry length and ISO 7064 mod-97.
bool iban_valid(std::string_view iban);
bool ipv4_valid(std::string_view text);
bool ipv6_valid(std::string_view text);

}  // namespace weft::policies::detectors
