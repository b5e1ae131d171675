// `weft audit ...`: an auditor's view of the broker's audit log. Every
// command checks what it prints against the verifier key pinned in the
// profile; the output formats are a fixed contract (README, docs/audit-log-format.md).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "cli/client_commands.h"

namespace weft::cli {

struct AuditFilter {
  std::string since;  // RFC 3339 time or YYYY-MM-DD (UTC)
  std::string until;
  std::string organisation;
  std::string policy;
  std::string category;
  std::string action;   // KEEP, MASK, ... (weft.v1.Action)
  std::string outcome;  // DELIVERED, WITHHELD_POLICY, ... (weft.v1.AuditRecord.Outcome)
  std::string feed;
  std::uint64_t limit = 0;  // 0: all
};

int run_audit_key(const ClientOptions& options);
int run_audit_checkpoint(const ClientOptions& options);
int run_audit_entry(const ClientOptions& options, std::uint64_t index);
int run_audit_prove(const ClientOptions& options, std::uint64_t index);
int run_audit_consistency(const ClientOptions& options, std::uint64_t from, std::optional<std::uint64_t> to);
// Downloads and re-hashes the whole log; `state_file` keeps the checkpoint
// seen last time (empty: beside the profile).
int run_audit_verify(const ClientOptions& options, std::filesystem::path state_file);
int run_audit_query(const ClientOptions& options, const AuditFilter& filter);
// `format`: "md" or "html"; `out_file` empty: stdout.
int run_audit_report(const ClientOptions& options, const AuditFilter& filter, const std::string& format,
                     const std::filesystem::path& out_file);

}  // namespace weft::cli
