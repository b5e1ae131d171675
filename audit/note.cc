#include "audit/note.h"

#include <sodium.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

#include "common/base64.h"
#include "common/files.h"
#include "common/secret_files.h"
#include "common/utf8.h"

namespace weft::audit {
namespace {

static_assert(crypto_sign_PUBLICKEYBYTES == std::tuple_size_v<Ed25519PublicKey>);
static_assert(crypto_sign_SEEDBYTES == 32 && crypto_sign_BYTES == 64);

constexpr std::uint8_t kEd25519Type = 0x01;
constexpr std::size_t kKeyIdBytes = 4;
// A signature line: U+2014 EM DASH in UTF-8, then one space.
constexpr std::string_view kSignatureLinePrefix = "\xE2\x80\x94 ";
constexpr std::string_view kPrivateKeyPrefix = "PRIVATE+KEY+";
// A key string is about 100 bytes; anything much larger is not a key file.
constexpr std::size_t kMaxKeyFileBytes = 4096;

// The type byte followed by the key: what both key strings base64-encode.
using TypedKey = std::array<unsigned char, 1 + 32>;
// The key id followed by the Ed25519 signature: what a signature line encodes.
using KeyIdAndSignature = std::array<unsigned char, kKeyIdBytes + crypto_sign_BYTES>;

void require_sodium() {
  if (sodium_init() < 0) {
    throw std::runtime_error("libsodium failed to initialise");
  }
}

Error audit_invalid(std::string message) { return make_error(v1::AUDIT_INVALID, std::move(message)); }
Error config_invalid(std::string message) { return make_error(v1::CONFIG_INVALID, std::move(message)); }

const unsigned char* bytes_of(std::string_view text) { return reinterpret_cast<const unsigned char*>(text.data()); }

void write_big_endian(std::uint32_t value, unsigned char* out) {
  out[0] = static_cast<unsigned char>(value >> 24);
  out[1] = static_cast<unsigned char>(value >> 16);
  out[2] = static_cast<unsigned char>(value >> 8);
  out[3] = static_cast<unsigned char>(value);
}

std::uint32_t read_big_endian(const unsigned char* in) {
  return (std::uint32_t{in[0]} << 24) | (std::uint32_t{in[1]} << 16) | (std::uint32_t{in[2]} << 8) |
         std::uint32_t{in[3]};
}

std::string format_key_id(std::uint32_t id) {
  char hex[9];
  std::snprintf(hex, sizeof hex, "%08x", static_cast<unsigned>(id));
  return hex;
}

// Exactly 8 hex digits (either case, as x/mod accepts).
std::optional<std::uint32_t> parse_key_id(std::string_view hex) {
  std::uint32_t id = 0;
  const auto [end, error] = std::from_chars(hex.data(), hex.data() + hex.size(), id, 16);
  if (hex.size() != 8 || error != std::errc() || end != hex.data() + hex.size()) {
    return std::nullopt;
  }
  return id;
}

// Unicode White_Space, the set Go's unicode.IsSpace tests (x/mod refuses
// such names).
bool is_space(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

// C0, DEL and C1.
bool is_control(char32_t c) { return c < 0x20 || (c >= 0x7F && c <= 0x9F); }

// What is wrong with a key name, or "" if nothing is.
std::string_view key_name_problem(std::string_view name) {
  if (name.empty()) {
    return "is empty";
  }
  for (std::size_t pos = 0; pos < name.size();) {
    const auto code_point = utf8::next_code_point(name, pos);
    if (!code_point) {
      return "is not valid UTF-8";
    }
    if (*code_point == U'+') {
      return "contains '+'";
    }
    if (is_space(*code_point)) {
      return "contains whitespace";
    }
    if (is_control(*code_point)) {
      return "contains a control character";
    }
  }
  return {};
}

// What is wrong with the characters of a note, or "" if nothing is. The
// signed-note spec allows any UTF-8 without ASCII control characters other
// than newline.
std::string_view note_characters_problem(std::string_view note) {
  for (std::size_t pos = 0; pos < note.size();) {
    const auto code_point = utf8::next_code_point(note, pos);
    if (!code_point) {
      return "is not valid UTF-8";
    }
    if (*code_point < 0x20 && *code_point != U'\n') {
      return "contains a control character other than newline";
    }
  }
  return {};
}

std::string format_verifier_key(std::string_view name, std::uint32_t id, const Ed25519PublicKey& public_key) {
  TypedKey typed_key{};
  typed_key[0] = kEd25519Type;
  std::copy(public_key.begin(), public_key.end(), typed_key.begin() + 1);
  return std::string(name) + "+" + format_key_id(id) + "+" + base64::encode(typed_key.data(), typed_key.size());
}

// "<name>+<id>+<base64 key>": the shape shared by verifier keys and (after
// "PRIVATE+KEY+") signer keys. Names have no '+'; base64 may.
struct KeyStringParts {
  std::string_view name;
  std::string_view id;
  std::string_view key;
};

std::optional<KeyStringParts> split_key_string(std::string_view text) {
  const auto name_end = text.find('+');
  if (name_end == std::string_view::npos) {
    return std::nullopt;
  }
  const auto id_end = text.find('+', name_end + 1);
  if (id_end == std::string_view::npos) {
    return std::nullopt;
  }
  return KeyStringParts{text.substr(0, name_end), text.substr(name_end + 1, id_end - name_end - 1),
                        text.substr(id_end + 1)};
}

struct SignatureLine {
  std::string_view key_name;
  std::uint32_t key_id = 0;
  std::vector<unsigned char> signature;
};

// "— <key name> <base64(key id || signature)>", without the newline.
Result<SignatureLine> parse_signature_line(std::string_view line) {
  if (!line.starts_with(kSignatureLinePrefix)) {
    return audit_invalid("signed note: a signature line does not start with an em dash and one space");
  }
  line.remove_prefix(kSignatureLinePrefix.size());
  const auto space = line.find(' ');
  if (space == std::string_view::npos) {
    return audit_invalid("signed note: a signature line has no space between key name and signature");
  }
  SignatureLine parsed;
  parsed.key_name = line.substr(0, space);
  if (const auto problem = key_name_problem(parsed.key_name); !problem.empty()) {
    return audit_invalid("signed note: a signature line's key name " + std::string(problem));
  }
  auto decoded = base64::decode(line.substr(space + 1));
  if (!decoded) {
    return audit_invalid("signed note: a signature is not standard base64 after a single space");
  }
  if (decoded->size() < kKeyIdBytes + 1) {
    return audit_invalid("signed note: a signature is shorter than a key id and one byte");
  }
  parsed.key_id = read_big_endian(decoded->data());
  parsed.signature.assign(decoded->begin() + kKeyIdBytes, decoded->end());
  return parsed;
}

}  // namespace

Result<void> check_key_name(std::string_view name) {
  if (const auto problem = key_name_problem(name); !problem.empty()) {
    return config_invalid("key name " + std::string(problem));
  }
  return ok();
}

Result<void> check_note_text(std::string_view text) {
  if (text.empty()) {
    return audit_invalid("note text is empty");
  }
  if (text.back() != '\n') {
    return audit_invalid("note text does not end in a newline");
  }
  if (const auto problem = note_characters_problem(text); !problem.empty()) {
    return audit_invalid("note text " + std::string(problem));
  }
  return ok();
}

std::uint32_t key_id(std::string_view name, const Ed25519PublicKey& public_key) {
  require_sodium();
  static constexpr unsigned char kSeparatorAndType[] = {'\n', kEd25519Type};
  crypto_hash_sha256_state state;
  crypto_hash_sha256_init(&state);
  crypto_hash_sha256_update(&state, bytes_of(name), name.size());
  crypto_hash_sha256_update(&state, kSeparatorAndType, sizeof kSeparatorAndType);
  crypto_hash_sha256_update(&state, public_key.data(), public_key.size());
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_final(&state, digest);
  return read_big_endian(digest);
}

// ---- NoteSigner ----

NoteSigner::NoteSigner(std::string name, SecretBytes secret_key, const Ed25519PublicKey& public_key)
    : name_(std::move(name)),
      secret_key_(std::move(secret_key)),
      public_key_(public_key),
      id_(key_id(name_, public_key_)) {}

NoteSigner::~NoteSigner() = default;

Result<std::unique_ptr<NoteSigner>> NoteSigner::from_seed(std::string name, const unsigned char* seed) {
  WEFT_TRY(check_key_name(name));
  SecretBytes secret_key(crypto_sign_SECRETKEYBYTES);
  Ed25519PublicKey public_key{};
  crypto_sign_seed_keypair(public_key.data(), secret_key.writable().data(), seed);
  secret_key.seal(SecretBytes::WhenIdle::kNoAccess);
  return std::unique_ptr<NoteSigner>(new NoteSigner(std::move(name), std::move(secret_key), public_key));
}

Result<std::unique_ptr<NoteSigner>> NoteSigner::generate(std::string name) {
  const SecretBytes seed = SecretBytes::random(crypto_sign_SEEDBYTES);
  return from_seed(std::move(name), seed.read().data());  // freeing `seed` wipes it
}

Result<std::unique_ptr<NoteSigner>> NoteSigner::from_private_key_string(std::string_view text) {
  // No message below quotes the string: it is a secret.
  if (!text.starts_with(kPrivateKeyPrefix)) {
    return config_invalid("signer key does not start with PRIVATE+KEY+");
  }
  const auto parts = split_key_string(text.substr(kPrivateKeyPrefix.size()));
  if (!parts) {
    return config_invalid("signer key is not PRIVATE+KEY+<name>+<id>+<key>");
  }
  if (const auto problem = key_name_problem(parts->name); !problem.empty()) {
    return config_invalid("signer key name " + std::string(problem));
  }
  const auto id = parse_key_id(parts->id);
  if (!id) {
    return config_invalid("signer key id is not 8 hex digits");
  }
  auto typed_seed = base64::decode(parts->key);
  if (!typed_seed) {
    return config_invalid("signer key is not standard base64");
  }
  const WipeOnExit wipe(*typed_seed);
  if (typed_seed->size() != TypedKey().size() || (*typed_seed)[0] != kEd25519Type) {
    return config_invalid("signer key is not an Ed25519 seed (type 0x01 and 32 bytes)");
  }
  WEFT_TRY(auto signer, from_seed(std::string(parts->name), typed_seed->data() + 1));
  if (signer->id() != *id) {
    return config_invalid("signer key id does not match its name and key");
  }
  return signer;
}

Result<std::unique_ptr<NoteSigner>> NoteSigner::load(const std::filesystem::path& file) {
  WEFT_TRY(auto content, files::read_secret_file(file, "note signing key", kMaxKeyFileBytes));
  const WipeOnExit wipe(content);
  std::string_view key_string = content;
  if (key_string.ends_with('\n')) {
    key_string.remove_suffix(1);
  }
  auto signer = from_private_key_string(key_string);
  if (!signer) {
    return make_error(signer.error().code, "note signing key " + file.string() + ": " + signer.error().message);
  }
  return signer;
}

Result<void> NoteSigner::create_key_file(const std::filesystem::path& file, std::string name) {
  WEFT_TRY(auto signer, generate(std::move(name)));
  std::string key_string = signer->private_key_string();
  const WipeOnExit wipe_key_string(key_string);
  // Sized up front: appending the newline to key_string could reallocate and
  // leave an unwiped copy of the key on the heap.
  std::string content;
  content.reserve(key_string.size() + 1);
  const WipeOnExit wipe_content(content);
  content.append(key_string).push_back('\n');
  return files::create_secret_file(file, content, "note signing key");
}

std::string NoteSigner::private_key_string() const {
  TypedKey typed_seed{};
  const WipeOnExit wipe_seed(typed_seed);
  typed_seed[0] = kEd25519Type;
  crypto_sign_ed25519_sk_to_seed(typed_seed.data() + 1, secret_key_.read().data());
  std::string encoded = base64::encode(typed_seed.data(), typed_seed.size());
  const WipeOnExit wipe_encoded(encoded);

  std::string key_string;
  key_string.reserve(kPrivateKeyPrefix.size() + name_.size() + 10 + encoded.size());
  key_string.append(kPrivateKeyPrefix).append(name_).append("+").append(format_key_id(id_)).append("+").append(encoded);
  return key_string;
}

std::string NoteSigner::verifier_key() const { return format_verifier_key(name_, id_, public_key_); }

NoteVerifier NoteSigner::verifier() const { return NoteVerifier(name_, public_key_); }

Result<std::string> NoteSigner::sign(std::string_view text) const {
  WEFT_TRY(check_note_text(text));
  KeyIdAndSignature signature{};
  write_big_endian(id_, signature.data());
  crypto_sign_detached(signature.data() + kKeyIdBytes, nullptr, bytes_of(text), text.size(),
                       secret_key_.read().data());
  const std::string encoded = base64::encode(signature.data(), signature.size());

  std::string note;
  note.reserve(text.size() + 1 + kSignatureLinePrefix.size() + name_.size() + 1 + encoded.size() + 1);
  note.append(text).append("\n").append(kSignatureLinePrefix).append(name_).append(" ").append(encoded).append("\n");
  return note;
}

// ---- NoteVerifier ----

NoteVerifier::NoteVerifier(std::string name, const Ed25519PublicKey& public_key)
    : name_(std::move(name)), public_key_(public_key), id_(key_id(name_, public_key_)) {}

Result<NoteVerifier> NoteVerifier::parse(std::string_view verifier_key) {
  const auto parts = split_key_string(verifier_key);
  if (!parts) {
    return config_invalid("verifier key is not <name>+<id>+<key>");
  }
  if (const auto problem = key_name_problem(parts->name); !problem.empty()) {
    return config_invalid("verifier key name " + std::string(problem));
  }
  const auto id = parse_key_id(parts->id);
  if (!id) {
    return config_invalid("verifier key id is not 8 hex digits");
  }
  const auto typed_key = base64::decode(parts->key);
  if (!typed_key || typed_key->empty()) {
    return config_invalid("verifier key is not standard base64");
  }
  if ((*typed_key)[0] != kEd25519Type) {
    return config_invalid("verifier key type is not Ed25519 (0x01)");
  }
  if (typed_key->size() != TypedKey().size()) {
    return config_invalid("verifier key is not a 32-byte Ed25519 public key");
  }
  Ed25519PublicKey public_key{};
  std::copy(typed_key->begin() + 1, typed_key->end(), public_key.begin());
  NoteVerifier verifier(std::string(parts->name), public_key);
  if (verifier.id() != *id) {
    return config_invalid("verifier key id does not match its name and key");
  }
  return verifier;
}

std::string NoteVerifier::verifier_key() const { return format_verifier_key(name_, id_, public_key_); }

Result<std::string> NoteVerifier::open(std::string_view note) const {
  if (const auto problem = note_characters_problem(note); !problem.empty()) {
    return audit_invalid("signed note " + std::string(problem));
  }
  // The text may contain blank lines; signature lines are never empty, so
  // the last blank line is the one before the signatures.
  const auto split = note.rfind("\n\n");
  if (split == std::string_view::npos) {
    return audit_invalid("signed note has no blank line before its signatures");
  }
  const std::string_view text = note.substr(0, split + 1);
  std::string_view signature_lines = note.substr(split + 2);
  if (signature_lines.empty()) {
    return audit_invalid("signed note has no signature lines");
  }
  if (signature_lines.back() != '\n') {
    return audit_invalid("signed note does not end in a newline");
  }
  // Counted before any signature is checked, so a huge note costs no crypto.
  if (static_cast<std::size_t>(std::count(signature_lines.begin(), signature_lines.end(), '\n')) >
      kMaxNoteSignatures) {
    return audit_invalid("signed note has more than " + std::to_string(kMaxNoteSignatures) + " signature lines");
  }

  bool verified = false;
  while (!signature_lines.empty()) {
    const auto line_end = signature_lines.find('\n');
    WEFT_TRY(auto line, parse_signature_line(signature_lines.substr(0, line_end)));
    signature_lines.remove_prefix(line_end + 1);
    // (name, id) identifies a key. Lines from other keys (witnesses, a
    // rotated key) are ignored, even if they share the name or the id.
    if (line.key_name != name_ || line.key_id != id_) {
      continue;
    }
    // Every line from this key is checked, repeats included: one that does
    // not verify means a forgery or a broken signer, never noise.
    if (line.signature.size() != crypto_sign_BYTES ||
        crypto_sign_verify_detached(line.signature.data(), bytes_of(text), text.size(), public_key_.data()) != 0) {
      return audit_invalid("signed note: the signature from " + name_ + " does not verify");
    }
    verified = true;
  }
  if (!verified) {
    return audit_invalid("signed note has no signature from " + name_);
  }
  return std::string(text);
}

}  // namespace weft::audit
