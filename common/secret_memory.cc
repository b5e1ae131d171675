#include "common/secret_memory.h"

#include <sodium.h>

#include <algorithm>
#include <cerrno>
#include <mutex>
#include <new>
#include <stdexcept>
#include <system_error>

namespace weft {

// Why hot keys stay read-only rather than no-access between uses: the
// storage, pseudonymisation, audit fingerprint and provenance keys are read
// on every publish or delivery, from several io threads at once. Flipping
// the protection per use without a count would let one thread revoke the
// pages while another is inside crypto_* with a pointer to them (SIGSEGV);
// with a count (as kNoAccess does) every use takes a process-wide mutex and,
// at the first and last reader, an mprotect whose TLB shootdown interrupts
// every core. Under load the pages would hardly ever be idle, so that cost
// would buy almost nothing. They keep guard pages, mlock and read-only
// pages; kNoAccess is for keys used at most a few times a second.
struct SecretBytes::Guarded {
  unsigned char* bytes = nullptr;
  std::size_t size = 0;
  bool sealed = false;
  WhenIdle when_idle = WhenIdle::kReadOnly;
  // kNoAccess only: readers counted so that the pages close when the last
  // one leaves and not while another thread still reads.
  std::mutex mutex;
  std::size_t readers = 0;  // guarded by mutex

  ~Guarded() { sodium_free(bytes); }  // makes the pages writable, wipes, unlocks, unmaps
};

SecretBytes::SecretBytes(std::size_t size) : guarded_(std::make_unique<Guarded>()) {
  if (sodium_init() < 0) {
    throw std::runtime_error("libsodium failed to initialise");
  }
  // sodium_malloc also mlocks the pages; when RLIMIT_MEMLOCK is exhausted it
  // still returns memory, unlocked, which beats refusing to start.
  guarded_->bytes = static_cast<unsigned char*>(sodium_malloc(size));
  if (guarded_->bytes == nullptr) {
    throw std::bad_alloc();
  }
  guarded_->size = size;
  sodium_memzero(guarded_->bytes, size);
}

SecretBytes SecretBytes::copy_of(std::span<const unsigned char> bytes) {
  SecretBytes secret(bytes.size());
  std::copy(bytes.begin(), bytes.end(), secret.writable().begin());
  return secret;
}

SecretBytes SecretBytes::random(std::size_t size) {
  SecretBytes secret(size);
  randombytes_buf(secret.guarded_->bytes, size);
  return secret;
}

SecretBytes::SecretBytes(SecretBytes&& other) noexcept = default;
SecretBytes& SecretBytes::operator=(SecretBytes&& other) noexcept = default;
SecretBytes::~SecretBytes() = default;

std::size_t SecretBytes::size() const { return guarded_ ? guarded_->size : 0; }

bool SecretBytes::sealed() const { return guarded_ && guarded_->sealed; }

std::span<unsigned char> SecretBytes::writable() {
  if (!guarded_ || guarded_->sealed) {
    throw std::logic_error("SecretBytes: written after seal() or move");
  }
  return {guarded_->bytes, guarded_->size};
}

void SecretBytes::seal(WhenIdle when_idle) {
  if (!guarded_) {
    throw std::logic_error("SecretBytes: sealed after move");
  }
  guarded_->sealed = true;
  guarded_->when_idle = when_idle;
  // A failed mprotect (too many mappings) leaves the pages writable: less
  // hardening, same behaviour, so it does not stop the process.
  if (when_idle == WhenIdle::kNoAccess) {
    sodium_mprotect_noaccess(guarded_->bytes);
  } else {
    sodium_mprotect_readonly(guarded_->bytes);
  }
}

SecretBytes::Reader SecretBytes::read() const {
  if (!guarded_) {
    throw std::logic_error("SecretBytes: read after move");
  }
  Guarded& guarded = *guarded_;
  if (!guarded.sealed || guarded.when_idle != WhenIdle::kNoAccess) {
    return Reader(nullptr, guarded.bytes, guarded.size);
  }
  std::lock_guard lock(guarded.mutex);
  if (guarded.readers == 0 && sodium_mprotect_readonly(guarded.bytes) != 0) {
    throw std::system_error(errno, std::generic_category(), "cannot make a secret key readable");
  }
  ++guarded.readers;
  return Reader(&guarded, guarded.bytes, guarded.size);
}

SecretBytes::Reader::Reader(Guarded* guarded, const unsigned char* data, std::size_t size)
    : guarded_(guarded), data_(data), size_(size) {}

SecretBytes::Reader::~Reader() {
  if (guarded_ == nullptr) {
    return;
  }
  std::lock_guard lock(guarded_->mutex);
  if (--guarded_->readers == 0) {
    sodium_mprotect_noaccess(guarded_->bytes);
  }
}

void wipe(void* data, std::size_t size) { sodium_memzero(data, size); }

}  // namespace weft
