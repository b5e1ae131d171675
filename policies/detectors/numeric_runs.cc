#include "policies/detectors/numeric_runs.h"

#include "policies/detectors/byte_classes.h"
#include "policies/detectors/text_scan.h"

namespace weft::policies::detectors {
namespace {

bool is_separator(char c) { return c == ' ' || c == '-' || c == '.' || c == '/'; }

struct Run {
  std::size_t begin;
  std::size_t end;
  std::size_t digits = 0;
  std::size_t groups = 0;
  std::size_t first_group = 0;
  bool only_dots = true;
  std::size_t max_group = 0;
};

Run read_run(std::string_view text, std::size_t begin) {
  Run run{begin, begin};
  std::size_t j = begin;
  const std::size_t n = text.size();
  while (true) {
    const std::size_t group_begin = j;
    while (j < n && is_digit(text[j])) {
      ++j;
    }
    const std::size_t length = j - group_begin;
    run.digits += length;
    run.max_group = std::max(run.max_group, length);
    if (run.groups++ == 0) {
      run.first_group = length;
    }
    run.end = j;
    if (j + 1 < n && is_separator(text[j]) && is_digit(text[j + 1])) {
      run.only_dots = run.only_dots && text[j] == '.';
      ++j;
      continue;
    }
    // "(089) 123": a closing parenthesis and a space continue a phone number.
    if (j + 2 < n && text[j] == ')' && (text[j + 1] == ' ' || text[j + 1] == '-') && is_digit(text[j + 2])) {
      run.only_dots = false;
      j += 2;
      continue;
    }
    return run;
  }
}

bool date_shaped(const Run& run) {
  // 2024-03-15, 15.03.2024, 15/03/24: three groups of 8 or 6 digits at most.
  return run.groups == 3 && run.digits <= 8 && run.max_group <= 4;
}

// The run of hex digits, colons and dots around the colon at `colon`: is it
// shaped like an IPv6 address (a "::", or seven colons)?
struct HexColonRun {
  std::size_t end;
  bool plausible;
};

HexColonRun hex_colon_run(std::string_view text, std::size_t colon) {
  std::size_t end = colon;
  int colons = 0;
  bool double_colon = false;
  while (end < text.size() && end - colon < 45 && (is_hex(text[end]) || text[end] == ':' || text[end] == '.')) {
    if (text[end] == ':') {
      ++colons;
      double_colon = double_colon || (end > 0 && text[end - 1] == ':');
    }
    ++end;
  }
  if (colon > 0 && text[colon - 1] == ':') {
    double_colon = true;
  }
  return {end, double_colon || colons >= 6};
}

}  // namespace

void scan_numeric_runs(std::string_view text, const std::function<void(NumericCategory, Span)>& found) {
  const std::size_t n = text.size();
  std::size_t resume = 0;       // no new number starts before this
  std::size_t resume_ipv6 = 0;  // no new IPv6 candidate starts before this
  std::uint64_t previous_word = 0;
  std::uint64_t previous_letter = 0;
  for (std::size_t offset = 0; offset < n; offset += 64) {
    const ByteClasses classes = classify_block(text.data(), n, offset);
    // Bits for the bytes one, two and three positions back (carried over blocks).
    const std::uint64_t word_1 = (classes.word << 1) | (previous_word >> 63);
    const std::uint64_t letter_1 = (classes.letter << 1) | (previous_letter >> 63);
    const std::uint64_t letter_2 = (classes.letter << 2) | (previous_letter >> 62);
    const std::uint64_t word_3 = (classes.word << 3) | (previous_word >> 61);
    previous_word = classes.word;
    previous_letter = classes.letter;
    // Digits after a non-word byte start a number; digits after two letters
    // that start a word may start an IBAN ("DE89", "nl91").
    const std::uint64_t number_starts = classes.digit & ~word_1;
    const std::uint64_t iban_starts = classes.digit & letter_1 & letter_2 & ~word_3;
    std::uint64_t colons = classes.colon;
    while (colons != 0) {
      const std::size_t at = offset + static_cast<std::size_t>(__builtin_ctzll(colons));
      colons &= colons - 1;
      if (at < resume_ipv6) {
        continue;
      }
      const HexColonRun run = hex_colon_run(text, at);
      resume_ipv6 = run.end;
      if (run.plausible) {
        if (auto span = extract_ipv6(text, at + 1)) {
          found(NumericCategory::kIpv6, *span);
          resume_ipv6 = std::max(resume_ipv6, span->end);
        }
      }
    }
    std::uint64_t candidates = number_starts | iban_starts;
    while (candidates != 0) {
      const int bit = __builtin_ctzll(candidates);
      candidates &= candidates - 1;
      const std::size_t i = offset + static_cast<std::size_t>(bit);
      if (i < resume) {
        continue;
      }
      if ((iban_starts >> bit) & 1U) {
        const std::size_t anchor_end = at_or_nul(text, i + 2) == ' ' ? i + 4 : i + 3;
        if (is_digit(at_or_nul(text, i + 1)) && anchor_end <= n) {
          if (auto span = extract_iban(text, anchor_end)) {
            found(NumericCategory::kIban, *span);
            resume = span->end;
          }
        }
        continue;
      }
      const Run run = read_run(text, i);
      resume = run.end;
      if (run.digits < 4) {
        continue;
      }
      if (run.groups == 4 && run.only_dots && run.max_group <= 3) {
        if (auto span = extract_ipv4(text, run.end)) {
          found(NumericCategory::kIpv4, *span);
          resume = std::max(resume, span->end);
        }
        continue;
      }
      if (run.digits >= 12) {
        if (auto span = extract_payment_card(text, run.end)) {
          found(NumericCategory::kPaymentCard, *span);
          resume = std::max(resume, span->end);
          continue;
        }
      }
      if (run.digits >= 7 && run.digits <= 15 && !date_shaped(run)) {
        const bool international = run.first_group >= 3 && text[run.begin] == '0' && text[run.begin + 1] == '0';
        if (auto span = extract_phone(text, run.begin + (international ? 4 : 2), international)) {
          found(NumericCategory::kPhone, *span);
          resume = std::max(resume, span->end);
        }
      }
    }
  }
}

}  // namespace weft::policies::detectors
