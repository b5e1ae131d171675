#include "formats/stix_pattern.h"

#include <algorithm>
#include <cctype>
#include <optional>

namespace weft::formats {
namespace {

enum class TokenKind {
  kEnd,
  kLeftBracket,
  kRightBracket,
  kLeftParen,
  kRightParen,
  kColon,
  kDot,
  kComma,
  kAsterisk,
  kOperator,  // = == != <> < <= > >=
  kKeyword,   // AND OR NOT FOLLOWEDBY LIKE MATCHES ISSUBSET ISSUPERSET IN EXISTS START STOP WITHIN SECONDS REPEATS TIMES LAST
  kIdentifier,
  kLiteral,
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  std::string text;  // operator, keyword or identifier; unused for literals
  StixLiteral literal;
  bool negative = false;  // a number written with a leading '-'
  std::size_t position = 0;
};

constexpr std::string_view kKeywords[] = {"AND",     "OR",    "NOT",    "FOLLOWEDBY", "LIKE",    "MATCHES",
                                          "ISSUBSET", "ISSUPERSET", "IN", "EXISTS", "START", "STOP",
                                          "WITHIN",  "SECONDS", "REPEATS", "TIMES", "LAST"};

bool is_identifier_start(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_';
}

bool is_identifier_part(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
}

bool is_digit(char c) {
  return std::isdigit(static_cast<unsigned char>(c)) != 0;
}

Error error_at(std::size_t position, std::string_view what) {
  return make_error(v1::INVALID_INPUT, "at position " + std::to_string(position) + ": " + std::string(what));
}

// t'YYYY-MM-DDTHH:MM:SS[.fraction]Z', as the grammar's TimestampLiteral.
bool is_stix_timestamp(std::string_view text) {
  constexpr std::string_view kShape = "dddd-dd-ddTdd:dd:dd";
  if (text.size() < kShape.size() + 1 || text.back() != 'Z') {
    return false;
  }
  for (std::size_t i = 0; i < kShape.size(); ++i) {
    if (kShape[i] == 'd' ? !is_digit(text[i]) : text[i] != kShape[i]) {
      return false;
    }
  }
  const int month = std::stoi(std::string(text.substr(5, 2)));
  const int day = std::stoi(std::string(text.substr(8, 2)));
  const int hour = std::stoi(std::string(text.substr(11, 2)));
  const int minute = std::stoi(std::string(text.substr(14, 2)));
  const int second = std::stoi(std::string(text.substr(17, 2)));
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return false;
  }
  std::string_view rest = text.substr(kShape.size(), text.size() - kShape.size() - 1);
  if (rest.empty()) {
    return true;
  }
  return rest.size() >= 2 && rest.front() == '.' &&
         std::all_of(rest.begin() + 1, rest.end(), [](char c) { return is_digit(c); });
}

bool is_base64(std::string_view text) {
  if (text.size() % 4 != 0) {
    return false;
  }
  const std::size_t padding = text.size() - std::min(text.size(), text.find_last_not_of('=') + 1);
  if (padding > 2) {
    return false;
  }
  return std::all_of(text.begin(), text.end() - static_cast<std::ptrdiff_t>(padding), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/';
  });
}

class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {}

  Result<std::vector<Token>> tokens() {
    std::vector<Token> out;
    while (true) {
      skip_space();
      WEFT_TRY(Token token, next());
      const bool end = token.kind == TokenKind::kEnd;
      out.push_back(std::move(token));
      if (end) {
        return out;
      }
    }
  }

 private:
  void skip_space() {
    while (at_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[at_]))) {
      ++at_;
    }
  }

  bool quote_follows(std::size_t offset) const {
    return at_ + offset < text_.size() && text_[at_ + offset] == '\'';
  }

  Result<Token> next() {
    Token token;
    token.position = at_;
    if (at_ >= text_.size()) {
      return token;
    }
    const char c = text_[at_];
    const auto single = [&](TokenKind kind) {
      token.kind = kind;
      token.text = std::string(1, c);
      ++at_;
      return token;
    };
    switch (c) {
      case '[':
        return single(TokenKind::kLeftBracket);
      case ']':
        return single(TokenKind::kRightBracket);
      case '(':
        return single(TokenKind::kLeftParen);
      case ')':
        return single(TokenKind::kRightParen);
      case ':':
        return single(TokenKind::kColon);
      case ',':
        return single(TokenKind::kComma);
      case '*':
        return single(TokenKind::kAsterisk);
      case '\'':
        return quoted(token, StixLiteral::Kind::kString, 0);
      default:
        break;
    }
    if (c == '=' || c == '!' || c == '<' || c == '>') {
      return comparison_operator(token);
    }
    if ((c == 't' || c == 'h' || c == 'b') && quote_follows(1)) {
      const auto kind = c == 't'   ? StixLiteral::Kind::kTimestamp
                        : c == 'h' ? StixLiteral::Kind::kHex
                                   : StixLiteral::Kind::kBinary;
      return quoted(token, kind, 1);
    }
    const char after = at_ + 1 < text_.size() ? text_[at_ + 1] : '\0';
    if (is_digit(c) || (c == '.' && is_digit(after)) || ((c == '+' || c == '-') && (is_digit(after) || after == '.'))) {
      return number(token);
    }
    if (c == '.') {
      return single(TokenKind::kDot);
    }
    if (is_identifier_start(c)) {
      const std::size_t start = at_;
      while (at_ < text_.size() && is_identifier_part(text_[at_])) {
        ++at_;
      }
      token.text = std::string(text_.substr(start, at_ - start));
      if (token.text == "true" || token.text == "false") {
        token.kind = TokenKind::kLiteral;
        token.literal = {StixLiteral::Kind::kBoolean, token.text};
      } else if (std::find(std::begin(kKeywords), std::end(kKeywords), token.text) != std::end(kKeywords)) {
        token.kind = TokenKind::kKeyword;
      } else {
        token.kind = TokenKind::kIdentifier;
      }
      return token;
    }
    return error_at(at_, "unexpected character");
  }

  Result<Token> comparison_operator(Token& token) {
    const std::string_view rest = text_.substr(at_);
    for (std::string_view op : {"==", "!=", "<>", "<=", ">=", "=", "<", ">"}) {
      if (rest.substr(0, op.size()) == op) {
        at_ += op.size();
        token.kind = TokenKind::kOperator;
        token.text = op == "==" ? "=" : op == "<>" ? "!=" : std::string(op);
        return token;
      }
    }
    return error_at(at_, "unexpected character");
  }

  // A quoted literal; `prefix_size` characters (t, h or b) precede the quote.
  Result<Token> quoted(Token& token, StixLiteral::Kind kind, std::size_t prefix_size) {
    at_ += prefix_size + 1;
    std::string content;
    while (true) {
      if (at_ >= text_.size()) {
        return error_at(token.position, "unterminated quoted literal");
      }
      const char c = text_[at_];
      if (c == '\'') {
        ++at_;
        break;
      }
      if (c == '\\' && kind == StixLiteral::Kind::kString) {
        // Only \' and \\ are escapes in the grammar; anything else is an error.
        if (at_ + 1 >= text_.size() || (text_[at_ + 1] != '\'' && text_[at_ + 1] != '\\')) {
          return error_at(at_, "a backslash in a string must escape ' or \\");
        }
        content.push_back(text_[at_ + 1]);
        at_ += 2;
        continue;
      }
      content.push_back(c);
      ++at_;
    }
    const bool well_formed =
        kind == StixLiteral::Kind::kString ||
        (kind == StixLiteral::Kind::kTimestamp && is_stix_timestamp(content)) ||
        (kind == StixLiteral::Kind::kHex && content.size() % 2 == 0 &&
         std::all_of(content.begin(), content.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); })) ||
        (kind == StixLiteral::Kind::kBinary && is_base64(content));
    if (!well_formed) {
      return error_at(token.position, kind == StixLiteral::Kind::kTimestamp ? "malformed timestamp literal"
                                      : kind == StixLiteral::Kind::kHex     ? "malformed hex literal"
                                                                            : "malformed binary literal");
    }
    token.kind = TokenKind::kLiteral;
    token.literal = {kind, std::move(content)};
    return token;
  }

  Result<Token> number(Token& token) {
    const std::size_t start = at_;
    if (text_[at_] == '+' || text_[at_] == '-') {
      token.negative = text_[at_] == '-';
      ++at_;
    }
    const std::size_t digits_start = at_;
    while (at_ < text_.size() && is_digit(text_[at_])) {
      ++at_;
    }
    const std::size_t integer_digits = at_ - digits_start;
    bool is_float = false;
    if (at_ < text_.size() && text_[at_] == '.') {
      is_float = true;
      ++at_;
      const std::size_t fraction_start = at_;
      while (at_ < text_.size() && is_digit(text_[at_])) {
        ++at_;
      }
      if (at_ == fraction_start) {
        return error_at(start, "malformed number");
      }
    } else if (integer_digits > 1 && text_[digits_start] == '0') {
      return error_at(start, "integers have no leading zeros");
    }
    if (at_ < text_.size() && is_identifier_part(text_[at_])) {
      return error_at(start, "malformed number");
    }
    token.kind = TokenKind::kLiteral;
    token.literal = {is_float ? StixLiteral::Kind::kFloat : StixLiteral::Kind::kInteger,
                     std::string(text_.substr(start, at_ - start))};
    return token;
  }

  std::string_view text_;
  std::size_t at_ = 0;
};

// Recursive descent over the grammar, lowest precedence first:
//   pattern      := followed_by END
//   followed_by  := obs_or (FOLLOWEDBY obs_or)*
//   obs_or       := obs_and (OR obs_and)*
//   obs_and      := qualified (AND qualified)*
//   qualified    := observation (WITHIN n SECONDS | REPEATS n TIMES | START t'' STOP t'')*
//   observation  := '[' cmp_or ']' | '(' followed_by ')'
//   cmp_or       := cmp_and (OR cmp_and)*
//   cmp_and      := test (AND test)*
//   test         := '(' cmp_or ')' | EXISTS path | path NOT? operator literal
class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}

  Result<StixPattern> parse() {
    if (peek().kind == TokenKind::kEnd) {
      return error_at(0, "empty pattern");
    }
    WEFT_TRY(followed_by());
    if (peek().kind != TokenKind::kEnd) {
      return error_at(peek().position, "expected AND, OR, FOLLOWEDBY or a qualifier");
    }
    std::sort(pattern_.combinators.begin(), pattern_.combinators.end());
    pattern_.combinators.erase(std::unique(pattern_.combinators.begin(), pattern_.combinators.end()),
                               pattern_.combinators.end());
    return std::move(pattern_);
  }

 private:
  const Token& peek() const { return tokens_[at_]; }
  const Token& take() { return tokens_[at_ < tokens_.size() - 1 ? at_++ : at_]; }
  bool keyword_next(std::string_view word) const {
    return peek().kind == TokenKind::kKeyword && peek().text == word;
  }

  Result<void> expect(TokenKind kind, std::string_view what) {
    if (peek().kind != kind) {
      return error_at(peek().position, "expected " + std::string(what));
    }
    take();
    return ok();
  }

  Result<void> followed_by() {
    WEFT_TRY(observation_or());
    while (keyword_next("FOLLOWEDBY")) {
      take();
      pattern_.combinators.emplace_back("FOLLOWEDBY");
      WEFT_TRY(observation_or());
    }
    return ok();
  }

  Result<void> observation_or() {
    WEFT_TRY(observation_and());
    while (keyword_next("OR")) {
      take();
      WEFT_TRY(observation_and());
    }
    return ok();
  }

  Result<void> observation_and() {
    WEFT_TRY(qualified());
    while (keyword_next("AND")) {
      take();
      pattern_.combinators.emplace_back("AND");
      WEFT_TRY(qualified());
    }
    return ok();
  }

  Result<void> qualified() {
    WEFT_TRY(observation());
    while (true) {
      if (keyword_next("WITHIN")) {
        take();
        const Token& amount = take();
        const bool positive_number = amount.kind == TokenKind::kLiteral && !amount.negative &&
                                     (amount.literal.kind == StixLiteral::Kind::kInteger ||
                                      amount.literal.kind == StixLiteral::Kind::kFloat);
        if (!positive_number) {
          return error_at(amount.position, "expected a positive number of seconds after WITHIN");
        }
        if (!keyword_next("SECONDS")) {
          return error_at(peek().position, "expected SECONDS");
        }
        take();
        pattern_.combinators.emplace_back("WITHIN");
      } else if (keyword_next("REPEATS")) {
        take();
        const Token& count = take();
        if (count.kind != TokenKind::kLiteral || count.negative || count.literal.kind != StixLiteral::Kind::kInteger) {
          return error_at(count.position, "expected a positive integer after REPEATS");
        }
        if (!keyword_next("TIMES")) {
          return error_at(peek().position, "expected TIMES");
        }
        take();
        pattern_.combinators.emplace_back("REPEATS");
      } else if (keyword_next("START")) {
        take();
        WEFT_TRY(timestamp_literal("START"));
        if (!keyword_next("STOP")) {
          return error_at(peek().position, "expected STOP");
        }
        take();
        WEFT_TRY(timestamp_literal("STOP"));
        pattern_.combinators.emplace_back("START/STOP");
      } else {
        return ok();
      }
    }
  }

  Result<void> timestamp_literal(std::string_view after) {
    const Token& token = take();
    if (token.kind != TokenKind::kLiteral || token.literal.kind != StixLiteral::Kind::kTimestamp) {
      return error_at(token.position, "expected a timestamp literal t'...' after " + std::string(after));
    }
    return ok();
  }

  Result<void> observation() {
    if (peek().kind == TokenKind::kLeftBracket) {
      take();
      WEFT_TRY(comparison_or());
      return expect(TokenKind::kRightBracket, "']' or AND/OR");
    }
    if (peek().kind == TokenKind::kLeftParen) {
      take();
      WEFT_TRY(followed_by());
      return expect(TokenKind::kRightParen, "')'");
    }
    return error_at(peek().position, "expected '[' or '('");
  }

  Result<void> comparison_or() {
    WEFT_TRY(comparison_and());
    while (keyword_next("OR")) {
      take();
      WEFT_TRY(comparison_and());
    }
    return ok();
  }

  Result<void> comparison_and() {
    WEFT_TRY(test());
    while (keyword_next("AND")) {
      take();
      pattern_.combinators.emplace_back("AND");
      WEFT_TRY(test());
    }
    return ok();
  }

  Result<void> test() {
    if (peek().kind == TokenKind::kLeftParen) {
      take();
      WEFT_TRY(comparison_or());
      return expect(TokenKind::kRightParen, "')'");
    }
    StixComparison comparison;
    comparison.position = peek().position;
    if (keyword_next("EXISTS")) {
      take();
      comparison.position = peek().position;
      comparison.op = "EXISTS";
      WEFT_TRY(object_path(comparison));
      pattern_.comparisons.push_back(std::move(comparison));
      return ok();
    }
    WEFT_TRY(object_path(comparison));
    if (keyword_next("NOT")) {
      take();
      comparison.negated = true;
    }
    const Token& op = take();
    if (op.kind == TokenKind::kOperator) {
      comparison.op = op.text;
      const Token& value = take();
      const bool ordered = op.text != "=" && op.text != "!=";
      if (value.kind != TokenKind::kLiteral || (ordered && value.literal.kind == StixLiteral::Kind::kBoolean)) {
        return error_at(value.position, ordered ? "expected an orderable literal" : "expected a literal");
      }
      comparison.values.push_back(value.literal);
    } else if (op.kind == TokenKind::kKeyword && op.text == "IN") {
      comparison.op = "IN";
      WEFT_TRY(set_literal(comparison));
    } else if (op.kind == TokenKind::kKeyword &&
               (op.text == "LIKE" || op.text == "MATCHES" || op.text == "ISSUBSET" || op.text == "ISSUPERSET")) {
      comparison.op = op.text;
      const Token& value = take();
      if (value.kind != TokenKind::kLiteral || value.literal.kind != StixLiteral::Kind::kString) {
        return error_at(value.position, "expected a string literal after " + op.text);
      }
      comparison.values.push_back(value.literal);
    } else {
      return error_at(op.position, "expected a comparison operator");
    }
    pattern_.comparisons.push_back(std::move(comparison));
    return ok();
  }

  Result<void> set_literal(StixComparison& comparison) {
    WEFT_TRY(expect(TokenKind::kLeftParen, "'(' after IN"));
    if (peek().kind == TokenKind::kRightParen) {
      take();
      return ok();
    }
    while (true) {
      const Token& value = take();
      if (value.kind != TokenKind::kLiteral) {
        return error_at(value.position, "expected a literal in the set");
      }
      comparison.values.push_back(value.literal);
      if (peek().kind == TokenKind::kComma) {
        take();
        continue;
      }
      return expect(TokenKind::kRightParen, "',' or ')'");
    }
  }

  // object-type ':' first-component ( '.' name | '[' index ']' )*
  Result<void> object_path(StixComparison& comparison) {
    const Token& type = take();
    if (type.kind != TokenKind::kIdentifier) {
      return error_at(type.position, "expected an object type");
    }
    comparison.object_type = type.text;
    WEFT_TRY(expect(TokenKind::kColon, "':' after the object type"));
    WEFT_TRY(property_name(comparison, /*first=*/true));
    while (true) {
      if (peek().kind == TokenKind::kDot) {
        take();
        WEFT_TRY(property_name(comparison, /*first=*/false));
      } else if (peek().kind == TokenKind::kLeftBracket) {
        take();
        const Token& index = take();
        if (index.kind == TokenKind::kAsterisk) {
          comparison.path.emplace_back("[*]");
        } else if (index.kind == TokenKind::kLiteral && index.literal.kind == StixLiteral::Kind::kInteger) {
          comparison.path.push_back("[" + index.literal.text + "]");
        } else {
          return error_at(index.position, "expected an index or '*'");
        }
        WEFT_TRY(expect(TokenKind::kRightBracket, "']' after the index"));
      } else {
        return ok();
      }
    }
  }

  Result<void> property_name(StixComparison& comparison, bool first) {
    const Token& name = take();
    const bool plain = name.kind == TokenKind::kIdentifier && name.text.find('-') == std::string::npos;
    const bool quoted = name.kind == TokenKind::kLiteral && name.literal.kind == StixLiteral::Kind::kString;
    if (plain) {
      comparison.path.push_back(name.text);
      return ok();
    }
    if (quoted) {
      comparison.path.push_back(name.literal.text);
      return ok();
    }
    return error_at(name.position, first ? "expected a property name after ':'" : "expected a property name after '.'");
  }

  std::vector<Token> tokens_;
  std::size_t at_ = 0;
  StixPattern pattern_;
};

bool needs_quotes(std::string_view name) {
  if (name.empty() || !is_identifier_start(name.front())) {
    return true;
  }
  return !std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  }) || std::find(std::begin(kKeywords), std::end(kKeywords), name) != std::end(kKeywords) ||
         name == "true" || name == "false";
}

}  // namespace

Result<StixPattern> parse_stix_pattern(std::string_view pattern) {
  WEFT_TRY(std::vector<Token> tokens, Lexer(pattern).tokens());
  return Parser(std::move(tokens)).parse();
}

std::string stix_string_literal(std::string_view value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\\' || c == '\'') {
      out.push_back('\\');
    }
    out.push_back(c);
  }
  out.push_back('\'');
  return out;
}

std::string stix_object_path(const StixComparison& comparison) {
  std::string out = comparison.object_type + ":";
  bool first = true;
  for (const std::string& part : comparison.path) {
    if (part.size() >= 2 && part.front() == '[' && part.back() == ']') {
      out += part;
    } else {
      if (!first) {
        out.push_back('.');
      }
      out += needs_quotes(part) ? stix_string_literal(part) : part;
    }
    first = false;
  }
  return out;
}

}  // namespace weft::formats
