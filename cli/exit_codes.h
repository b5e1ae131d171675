// Exit statuses of the weft command, documented in the README.
#pragma once

namespace weft::cli {

inline constexpr int kExitOk = 0;
// The broker refused a request (some reports refused, forbidden feed...),
// or the input held reports that could not be read.
inline constexpr int kExitRefused = 1;
// The command line was wrong.
inline constexpr int kExitUsage = 2;
// No session: cannot connect, TLS failed, identity unknown or revoked, or the
// connection was lost.
inline constexpr int kExitNoSession = 3;
// `subscribe --timeout` passed before `--count` reports arrived.
inline constexpr int kExitTimeout = 4;
// A local file (profile, key, deployment folder) is missing or invalid.
inline constexpr int kExitConfig = 5;
// The audit log did not verify: a bad signature, a proof that does not
// check, entries that do not hash to the signed root, or a log that shrank
// or forked since it was last seen.
inline constexpr int kExitAuditFailed = 6;
// Interrupted (SIGINT/SIGTERM) before the command finished its work.
inline constexpr int kExitInterrupted = 130;

}  // namespace weft::cli
