// Keeps the keys a process holds out of core dumps and out of reach of
// same-user debuggers (docs/keys.md, "Secrets in memory").
#pragma once

#include "proto/error.h"

namespace weft {

// Sets RLIMIT_CORE to 0 (soft and hard: raising it needs CAP_SYS_RESOURCE)
// and marks the process not dumpable (prctl PR_SET_DUMPABLE 0): no core file
// even where a core_pattern pipe ignores the limit, /proc/<pid>/mem, maps,
// environ and fd, ptrace and process_vm_readv are refused to the same
// non-root user, and those /proc files belong to root. Root with
// CAP_SYS_PTRACE is unaffected, and what anyone may read (/proc/<pid>/status,
// stat, limits) stays readable. Call before reading any key. INTERNAL when
// either fails.
Result<void> keep_secrets_out_of_core_dumps();

}  // namespace weft
