// RFC 6962 / RFC 9162 Merkle trees for the audit log: leaf and node hashing,
// tree roots, inclusion and consistency proofs (generation and verification),
// and the log's right edge while appending (CompactRange).
//
// Storage model. The log never keeps a tree in memory. A store persists every
// complete node (level, index) — a perfect, aligned subtree — exactly as
// CompactRange::append returns them, and serves them back through HashReader.
// Roots and proofs for any tree size up to the stored one are then computed
// from O(log n) of those nodes, read in a single HashReader::read call.
// Ragged right-edge subtrees are never stored: they are recomputed from the
// perfect subtrees they decompose into.
//
// Proof order is the RFC's (PATH and SUBPROOF): leaf to root, the deepest
// sibling first. Hashes are SHA-256 from libsodium.
//
// Errors. v1::AUDIT_INVALID: an argument is out of range (index >= size,
// old size > new size, a range that is not a subtree) or a proof does not
// verify; the message says which check failed. v1::INTERNAL: a HashReader
// broke its contract (returned the wrong number of hashes). A failing
// HashReader's own error is passed on with its code, its message prefixed.
//
// Thread safety: everything here is pure. Free functions may run on any
// thread; HashReader calls happen on the caller's thread, synchronously. A
// CompactRange is a plain value: copy it freely, synchronise shared use.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "proto/error.h"

namespace weft::audit {

using Hash = std::array<std::uint8_t, 32>;

// SHA-256(0x00 || leaf_bytes): the hash of one log entry.
Hash leaf_hash(std::string_view leaf_bytes);
// SHA-256(0x01 || left || right): an interior node.
Hash node_hash(const Hash& left, const Hash& right);
// SHA-256(""): the root of the tree of size 0.
Hash empty_tree_root();

// Standard padded base64 (RFC 4648 §4), 44 characters, as in C2SP checkpoints.
std::string to_base64(const Hash& hash);
// Strict: only the canonical 44-character encoding of exactly 32 bytes.
Result<Hash> hash_from_base64(std::string_view text);
// 64 lower-case hex digits.
std::string to_hex(const Hash& hash);

// A stored perfect subtree: level L, index i covers leaves [i << L, (i + 1) << L).
// Level 0 nodes are leaf hashes.
struct NodeId {
  std::uint32_t level;
  std::uint64_t index;

  friend bool operator==(const NodeId&, const NodeId&) = default;
};

struct StoredNode {
  NodeId id;
  Hash hash;

  friend bool operator==(const StoredNode&, const StoredNode&) = default;
};

// Where roots and proofs get their hashes. Only complete (perfect, aligned)
// subtrees that CompactRange::append has returned are ever asked for.
class HashReader {
 public:
  virtual ~HashReader() = default;
  // One hash per requested node, in the order asked. Fail (with a code that
  // says why) rather than return fewer hashes.
  virtual Result<std::vector<Hash>> read(const std::vector<NodeId>& nodes) = 0;
};

// MTH(D[begin:end]) from the perfect subtrees the range decomposes into: at
// most 64 nodes, one read() call. The range must be a subtree of the log, i.e.
// begin a multiple of the smallest power of two >= end - begin (every range an
// RFC proof uses is one; so is C2SP's "subtree"). begin == end gives
// empty_tree_root().
Result<Hash> subtree_hash(HashReader& reader, std::uint64_t begin, std::uint64_t end);
// The root of the first `size` leaves; size 0 gives empty_tree_root() without reading.
Result<Hash> tree_root(HashReader& reader, std::uint64_t size);

// RFC 9162 §2.1.3.1 PATH(index, D[0:size]), leaf to root. One read() call.
Result<std::vector<Hash>> inclusion_proof(HashReader& reader, std::uint64_t index,
                                          std::uint64_t size);
// RFC 9162 §2.1.4.1 PROOF(old_size, D[0:new_size]) in SUBPROOF order. Empty
// (no read) when old_size is 0 or equals new_size; old_size > new_size is an
// error. One read() call otherwise.
Result<std::vector<Hash>> consistency_proof(HashReader& reader, std::uint64_t old_size,
                                            std::uint64_t new_size);

// Succeeds iff `proof` proves that `leaf` (a leaf_hash) is entry `index` of the
// tree of `size` leaves whose root is `root`. The proof length must be exact.
// As in the RFC, the proof does not authenticate `size` on its own: take size
// and root together from one verified checkpoint.
Result<void> verify_inclusion(std::uint64_t index, std::uint64_t size, const Hash& leaf,
                              const std::vector<Hash>& proof, const Hash& root);
// Succeeds iff `proof` proves that the tree (old_size, old_root) is a prefix of
// (new_size, new_root). Conventions beyond the RFC (as transparency-dev/merkle
// and C2SP tlog-witness): old_size == new_size needs an empty proof and equal
// roots; old_size == 0 needs an empty proof and is always consistent;
// old_size > new_size is rejected.
Result<void> verify_consistency(std::uint64_t old_size, std::uint64_t new_size,
                                const Hash& old_root, const Hash& new_root,
                                const std::vector<Hash>& proof);

// The log's right edge while appending: the roots of the perfect subtrees a
// tree of `size` leaves decomposes into (one per set bit of size, at most 64),
// enough to append and to compute the root without reading anything.
class CompactRange {
 public:
  CompactRange() = default;  // the empty tree

  // Rebuilds the edge of a tree of `size` leaves from stored nodes: at most 64
  // nodes in one read() call, none for size 0.
  static Result<CompactRange> load(HashReader& reader, std::uint64_t size);

  // Appends a leaf hash; returns every node that became complete, the leaf
  // itself (level 0) first, then upwards — exactly what a store must persist
  // so that HashReader can serve later reads. The tree must not be full
  // (size 2^64 - 1); that is a bug, not input, and aborts.
  std::vector<StoredNode> append(const Hash& leaf);

  // MTH of the whole tree; empty_tree_root() for size 0.
  Hash root() const;
  std::uint64_t size() const { return size_; }

 private:
  std::uint64_t size_ = 0;
  // Roots of the perfect subtrees, leftmost (largest) first: one per set bit
  // of size_, from the highest bit down.
  std::vector<Hash> subtree_roots_;
};

}  // namespace weft::audit
