// Files that hold secret keys: readable by their owner only, created without
// ever replacing an existing key, and read into memory that the caller wipes.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

#include "common/secret_memory.h"
#include "proto/error.h"

namespace weft::files {

// CONFIG_INVALID naming `what` and the file when it is missing, unreadable,
// accessible to group or others (refused the way ssh refuses such keys: a
// key others could read must be treated as leaked) (with the chmod that fixes it) or larger
// than `max_bytes`. The caller wipes the returned text (sodium_memzero).
Result<std::string> read_secret_file(const std::filesystem::path& file, std::string_view what, std::size_t max_bytes);

// One of the broker's raw keys that `weft admin init` writes (storage,
// pseudonymisation, audit fingerprint): exactly `size` bytes, checked like
// read_secret_file, returned in guarded memory that is still writable (the
// caller derives what it needs, then seals it). The read buffer is wiped.
Result<SecretBytes> read_raw_key_file(const std::filesystem::path& file, std::string_view what, std::size_t size);

// Writes `content` to `file` with mode 0600, complete or not at all, and
// refuses to replace an existing file: a key that signed or sealed something
// is never lost to a second `init`.
Result<void> create_secret_file(const std::filesystem::path& file, std::string_view content, std::string_view what);

}  // namespace weft::files
