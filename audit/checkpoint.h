// C2SP tlog-checkpoint (c2sp.org/tlog-checkpoint): the signed statement "the
// log <origin> has <size> entries and this Merkle root". The text is
//
//   <origin>\n<size in decimal>\n<base64 of the RFC 6962 root>\n[extension lines]
//
// signed as a C2SP signed note by the log's key, whose name is the origin.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "audit/merkle.h"
#include "audit/note.h"
#include "proto/error.h"

namespace weft::audit {

struct Checkpoint {
  std::string origin;
  std::uint64_t size = 0;
  Hash root{};

  friend bool operator==(const Checkpoint&, const Checkpoint&) = default;
};

// "<origin>\n<size>\n<base64 root>\n". weft writes no extension lines: log
// monitors cannot audit them.
std::string format_checkpoint_text(const Checkpoint& checkpoint);

// Strict, unlike the lax parsers in the wild: at least three lines, every
// line non-empty and ending in '\n'; origin non-empty; size in decimal
// without leading zeros ("0" alone is the empty tree) that fits 64 bits; root
// the canonical base64 of exactly 32 bytes. Extension lines after the root
// are accepted and ignored. Valid note text only (UTF-8, no CR or other
// control characters). AUDIT_INVALID.
Result<Checkpoint> parse_checkpoint_text(std::string_view text);

// Opens a signed checkpoint with `verifier` and parses it; the origin must be
// the verifier's key name, so one log's key cannot vouch for another log.
Result<Checkpoint> open_checkpoint(const NoteVerifier& verifier, std::string_view signed_note);

}  // namespace weft::audit
