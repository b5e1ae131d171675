// PERSON: a name right after a cue such as "contact:", "reported by",
// "Ansprechpartner", "contactpersoon", "interlocuteur", "referente". Names
// are title-case words (any script), with lower-case particles between them
// (van, de, von, di, ...) and an optional courtesy title before them.
#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include <array>
#include <string>

#include "policies/detectors/extractors.h"
#include "policies/detectors/text_scan.h"

namespace weft::policies::detectors {
namespace {

constexpr std::array<std::string_view, 26> kParticles = {
    "van", "de",  "der", "den", "von", "zu",  "di",  "da", "del", "della", "le", "la", "du",
    "des", "dos", "das", "ten", "ter", "'t",  "y",   "e",  "bin", "al",    "el", "vom", "dei"};

// Linking words between a cue and the name: "contact person is Maria Rossi".
constexpr std::array<std::string_view, 16> kLinkingWords = {"is",  "was", "ist", "war",  "est",    "es",
                                                            "era", "è",   "e'",  "zijn", "heet",   "heißt",
                                                            "called", "named", "namely", "nämlich"};

constexpr std::array<std::string_view, 30> kTitles = {
    "mr",   "mrs",  "ms",  "miss", "dr",   "prof",  "herr", "herrn", "frau", "mevrouw", "mevr", "dhr", "heer", "m",   "mme",
    "mlle", "monsieur", "madame", "sr", "sra", "srta", "don", "doña", "sig", "sig.ra", "dott", "dott.ssa", "ing", "mag", "ir"};

// Words that follow a cue but start a phrase, not a name.
constexpr std::array<std::string_view, 40> kNotNames = {
    "the",      "our",     "your",    "this",     "that",    "these",    "support", "team",    "service", "desk",
    "security", "incident", "please", "us",       "we",      "information", "details", "form",  "center",  "centre",
    "point",    "person",  "persons", "der",      "die",     "das",      "unser",   "unsere",  "le",      "la",
    "les",      "notre",   "el",      "nuestro",  "il",      "lo",       "het",     "ons",     "onze",    "een"};

template <std::size_t N>
bool in_list(const std::array<std::string_view, N>& list, const std::string& word) {
  for (std::string_view entry : list) {
    if (entry == word) {
      return true;
    }
  }
  return false;
}

std::string lowered(std::string_view word) {
  std::string out;
  for (char c : word) {
    out += to_lower(c);
  }
  return out;
}

struct Word {
  std::size_t begin;
  std::size_t end;
  bool title_case;  // upper-case letter then at least one lower-case letter
  bool all_upper;
};

// A word of letters (any script) with inner '-' or apostrophes, at `i`.
std::optional<Word> read_word(std::string_view text, std::size_t i) {
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(text.data());
  const auto length = static_cast<std::int32_t>(text.size());
  auto position = static_cast<std::int32_t>(i);
  Word word{i, i, false, true};
  int letters = 0;
  int lower_letters = 0;
  bool first_upper = false;
  while (position < length) {
    const std::int32_t here = position;
    UChar32 c = 0;
    U8_NEXT(bytes, position, length, c);
    if (c < 0) {
      break;
    }
    if (u_isalpha(c)) {
      if (letters == 0) {
        first_upper = u_isupper(c) || u_istitle(c);
      }
      ++letters;
      if (u_islower(c)) {
        ++lower_letters;
        word.all_upper = false;
      }
      word.end = static_cast<std::size_t>(position);
      continue;
    }
    const bool joiner = c == '-' || c == '\'' || c == 0x2019;
    if (joiner && letters > 0 && position < length) {
      std::int32_t peek = position;
      UChar32 next = 0;
      U8_NEXT(bytes, peek, length, next);
      if (next >= 0 && u_isalpha(next)) {
        continue;  // "Jean-Luc", "O'Brien"
      }
    }
    position = here;
    break;
  }
  if (letters == 0) {
    return std::nullopt;
  }
  word.title_case = first_upper && lower_letters > 0;
  return word;
}

std::size_t skip_spaces(std::string_view text, std::size_t i) {
  while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) {
    ++i;
  }
  return i;
}

}  // namespace

std::optional<Span> extract_person(std::string_view text, std::size_t cue_end) {
  if (is_word_byte(at_or_nul(text, cue_end))) {
    return std::nullopt;  // the cue was only the start of a longer word ("contactless")
  }
  std::size_t i = skip_spaces(text, cue_end);
  // Separators between the cue and the name: "Contact: ", "reported by - ", "Kontakt, ".
  while (i < text.size() && (text[i] == ':' || text[i] == '-' || text[i] == ',' || text[i] == '=')) {
    i = skip_spaces(text, i + 1);
  }
  if (auto link = read_word(text, i)) {
    if (in_list(kLinkingWords, lowered(text.substr(link->begin, link->end - link->begin))) &&
        at_or_nul(text, link->end) == ' ') {
      i = skip_spaces(text, link->end);
      while (i < text.size() && text[i] == ':') {
        i = skip_spaces(text, i + 1);
      }
    }
  }
  // An optional courtesy title: "Mr.", "Frau", "Mevr.", "Sig.ra".
  if (auto title = read_word(text, i)) {
    std::string word = lowered(text.substr(title->begin, title->end - title->begin));
    std::size_t after = title->end;
    if (at_or_nul(text, after) == '.') {
      ++after;
      if (word == "sig" || word == "dott") {
        if (auto suffix = read_word(text, after); suffix && (lowered(text.substr(suffix->begin, 3)) == "ra" ||
                                                             lowered(text.substr(suffix->begin, 3)) == "ssa")) {
          after = suffix->end;
        }
      }
    }
    if (in_list(kTitles, word) && at_or_nul(text, after) == ' ') {
      i = skip_spaces(text, after);
    }
  }
  std::size_t begin = i;
  std::size_t end = i;
  int names = 0;
  while (names < 5) {
    auto word = read_word(text, i);
    if (!word) {
      break;
    }
    const std::string value = lowered(text.substr(word->begin, word->end - word->begin));
    if (word->title_case) {
      if (names == 0 && in_list(kNotNames, value)) {
        return std::nullopt;
      }
      ++names;
      end = word->end;
    } else if (names > 0 && in_list(kParticles, value)) {
      // A particle ("van", "de") is part of the name only if a name follows;
      // `end` moves only on names.
    } else {
      break;
    }
    const std::size_t next = word->end;
    if (at_or_nul(text, next) != ' ' || (next + 1 < text.size() && text[next + 1] == ' ')) {
      break;
    }
    i = next + 1;
  }
  if (names == 0) {
    return std::nullopt;
  }
  return Span{begin, end};
}

}  // namespace weft::policies::detectors
