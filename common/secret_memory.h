// Secrets in memory: long-lived keys in libsodium guarded memory, and
// transient copies (file buffers, decoded seeds, key strings) wiped when
// their scope ends (docs/keys.md, "Secrets in memory").
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <type_traits>

namespace weft {

// A fixed-size secret (key, seed) in sodium_malloc'd memory: its own pages
// between two guard pages, a canary, locked into RAM where RLIMIT_MEMLOCK
// allows (kept out of swap and hibernation images), wiped and unlocked when
// freed. It is filled while writable, then sealed: from then on a stray
// write faults instead of corrupting the key.
//
// Move-only. Thread safety: read() may run on any number of threads at
// once; writable() and seal() belong to the thread that builds the secret.
class SecretBytes {
  struct Guarded;

 public:
  // What the pages allow once sealed, while no Reader holds them.
  enum class WhenIdle {
    // Readable by every thread at any time. For keys on hot paths (every
    // delivery, every stored report): see the .cc for why these are not
    // switched to no-access between uses.
    kReadOnly,
    // Unreadable except while a Reader exists, so that a stray read or an
    // out-of-bounds read primitive faults instead of disclosing the key.
    // Costs two mprotect calls per first/last reader: for keys used rarely.
    kNoAccess,
  };

  // `size` zero bytes, writable. Throws std::bad_alloc when no guarded
  // memory can be had, std::runtime_error when libsodium cannot start.
  explicit SecretBytes(std::size_t size);
  // A copy of `bytes`; the caller wipes its own.
  static SecretBytes copy_of(std::span<const unsigned char> bytes);
  // `size` bytes from libsodium's CSPRNG.
  static SecretBytes random(std::size_t size);

  SecretBytes(SecretBytes&& other) noexcept;
  SecretBytes& operator=(SecretBytes&& other) noexcept;
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;
  ~SecretBytes();

  // 0 once moved from.
  std::size_t size() const;
  bool sealed() const;

  // The bytes to fill. std::logic_error once sealed or moved from.
  std::span<unsigned char> writable();
  // Ends the writable phase for good. std::logic_error when moved from.
  void seal(WhenIdle when_idle);

  // Keeps the secret readable while it lives; must not outlive the
  // SecretBytes. Taken for one use (a signature, a derivation) and dropped.
  class Reader {
   public:
    Reader(const Reader&) = delete;
    Reader& operator=(const Reader&) = delete;
    ~Reader();

    const unsigned char* data() const { return data_; }
    std::size_t size() const { return size_; }

   private:
    friend class SecretBytes;
    Reader(Guarded* guarded, const unsigned char* data, std::size_t size);

    Guarded* guarded_;
    const unsigned char* data_;
    std::size_t size_;
  };

  // std::logic_error when moved from; std::system_error when a no-access
  // secret cannot be made readable.
  Reader read() const;

 private:
  std::unique_ptr<Guarded> guarded_;
};

// sodium_memzero: a wipe the optimiser cannot drop.
void wipe(void* data, std::size_t size);

// Wipes what held a secret when the scope ends, however it ends: a
// container (string, vector, array) over its size at that moment, so a
// buffer that grows must reserve first (a reallocation leaves the old copy
// behind); any other object (a hash state) over all its bytes.
template <class Buffer>
class WipeOnExit {
 public:
  explicit WipeOnExit(Buffer& buffer) : buffer_(buffer) {}
  WipeOnExit(const WipeOnExit&) = delete;
  WipeOnExit& operator=(const WipeOnExit&) = delete;
  ~WipeOnExit() {
    if constexpr (requires { buffer_.data(); buffer_.size(); }) {
      wipe(buffer_.data(), buffer_.size() * sizeof(*buffer_.data()));
    } else {
      static_assert(std::is_trivially_copyable_v<Buffer>, "WipeOnExit: wipes containers or plain objects");
      wipe(&buffer_, sizeof(Buffer));
    }
  }

 private:
  Buffer& buffer_;
};

}  // namespace weft
