#include "audit/merkle.h"

#include <sodium.h>

#include <algorithm>
#include <bit>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <limits>
#include <string>
#include <utility>

namespace weft::audit {
namespace {

// libsodium must be initialised before use; a function-local static makes
// that happen once, thread-safely, on first use.
void ensure_sodium() {
  static const bool initialised = sodium_init() >= 0;
  if (!initialised) {
    // Nothing here can work without libsodium, and no caller can fix it.
    std::fputs("weft::audit: libsodium failed to initialise\n", stderr);
    std::abort();
  }
}

constexpr std::uint8_t kLeafPrefix = 0x00;
constexpr std::uint8_t kNodePrefix = 0x01;

Hash sha256_with_prefix(std::uint8_t prefix, std::string_view first, std::string_view second = {}) {
  ensure_sodium();
  crypto_hash_sha256_state state;
  crypto_hash_sha256_init(&state);
  crypto_hash_sha256_update(&state, &prefix, 1);
  for (std::string_view part : {first, second}) {
    if (!part.empty()) {  // an empty string_view may hold a null pointer
      crypto_hash_sha256_update(&state, reinterpret_cast<const unsigned char*>(part.data()),
                                part.size());
    }
  }
  Hash out;
  crypto_hash_sha256_final(&state, out.data());
  return out;
}

std::string_view bytes_of(const Hash& hash) {
  return {reinterpret_cast<const char*>(hash.data()), hash.size()};
}

// A range of leaves [begin, end).
struct Range {
  std::uint64_t begin;
  std::uint64_t end;
};

// The largest power of two strictly below n (n >= 2): where RFC 6962 splits a tree of n leaves.
std::uint64_t split_point(std::uint64_t n) { return std::bit_floor(n - 1); }

// Whether [begin, end) is a node of the log's tree: begin must be a multiple
// of the smallest power of two >= end - begin. Only such ranges decompose into
// stored (aligned) perfect subtrees.
bool is_subtree(std::uint64_t begin, std::uint64_t end) {
  if (begin > end) {
    return false;
  }
  const std::uint64_t length = end - begin;
  if (length <= 1) {
    return true;
  }
  // All ones below the smallest power of two >= length (computed without
  // forming that power, which may not fit in 64 bits).
  const std::uint64_t alignment_mask =
      std::numeric_limits<std::uint64_t>::max() >> std::countl_zero(length - 1);
  return (begin & alignment_mask) == 0;
}

// The perfect subtrees of a subtree range, left to right (largest first): one
// per set bit of its length. Alignment of `range` makes each one aligned too.
void append_perfect_subtrees(Range range, std::vector<NodeId>& out) {
  std::uint64_t position = range.begin;
  std::uint64_t remaining = range.end - range.begin;
  while (remaining != 0) {
    const auto level = static_cast<std::uint32_t>(std::bit_width(remaining) - 1);
    out.push_back(NodeId{level, position >> level});
    const std::uint64_t width = std::uint64_t{1} << level;
    position += width;
    remaining -= width;
  }
}

// MTH of a list of perfect subtrees, left to right: RFC 6962 splits off the
// largest power of two on the left, so the root folds from the right.
Hash fold_from_right(const Hash* first, std::size_t count) {
  Hash root = first[count - 1];
  for (std::size_t i = count - 1; i-- > 0;) {
    root = node_hash(first[i], root);
  }
  return root;
}

// Reads through `reader` and checks it kept its side of the contract.
Result<std::vector<Hash>> read_nodes(HashReader& reader, const std::vector<NodeId>& nodes) {
  auto hashes = reader.read(nodes);
  if (!hashes) {
    Error error = std::move(hashes).error();
    error.message = "reading " + std::to_string(nodes.size()) + " tree nodes: " + error.message;
    return error;
  }
  if (hashes.value().size() != nodes.size()) {
    return make_error(v1::INTERNAL, "hash reader returned " +
                                        std::to_string(hashes.value().size()) + " hashes for " +
                                        std::to_string(nodes.size()) + " nodes");
  }
  return hashes;
}

// MTH of each (non-empty, subtree) range, with a single read() for all of them.
Result<std::vector<Hash>> range_hashes(HashReader& reader, const std::vector<Range>& ranges) {
  std::vector<NodeId> nodes;
  std::vector<std::size_t> nodes_per_range;
  nodes_per_range.reserve(ranges.size());
  for (const Range& range : ranges) {
    const std::size_t before = nodes.size();
    append_perfect_subtrees(range, nodes);
    nodes_per_range.push_back(nodes.size() - before);
  }
  if (nodes.empty()) {
    return std::vector<Hash>{};
  }
  WEFT_TRY(auto node_hashes, read_nodes(reader, nodes));
  std::vector<Hash> result;
  result.reserve(ranges.size());
  std::size_t next = 0;
  for (std::size_t count : nodes_per_range) {
    result.push_back(fold_from_right(node_hashes.data() + next, count));
    next += count;
  }
  return result;
}

// The sibling ranges of RFC 9162 PATH(index, D[0:size]), leaf to root.
std::vector<Range> inclusion_ranges(std::uint64_t index, std::uint64_t size) {
  std::vector<Range> siblings;
  Range node{0, size};
  while (node.end - node.begin > 1) {
    const std::uint64_t middle = node.begin + split_point(node.end - node.begin);
    if (index < middle) {
      siblings.push_back({middle, node.end});
      node.end = middle;
    } else {
      siblings.push_back({node.begin, middle});
      node.begin = middle;
    }
  }
  // Walked from the root down; the RFC lists the deepest sibling first.
  std::reverse(siblings.begin(), siblings.end());
  return siblings;
}

// The ranges of RFC 9162 SUBPROOF(old_size, D[0:new_size], true), 0 < old_size < new_size.
std::vector<Range> consistency_ranges(std::uint64_t old_size, std::uint64_t new_size) {
  std::vector<Range> ranges;
  Range node{0, new_size};
  // Descend towards the node that ends exactly at old_size.
  while (node.end != old_size) {
    const std::uint64_t middle = node.begin + split_point(node.end - node.begin);
    if (old_size <= middle) {
      ranges.push_back({middle, node.end});
      node.end = middle;
    } else {
      ranges.push_back({node.begin, middle});
      node.begin = middle;
    }
  }
  // SUBPROOF's flag is still true only if the walk never went right, i.e. the
  // node is the whole old tree: the verifier has that hash (the old root).
  if (node.begin != 0) {
    ranges.push_back(node);
  }
  std::reverse(ranges.begin(), ranges.end());
  return ranges;
}

std::string inclusion_context(std::uint64_t index, std::uint64_t size) {
  return "inclusion proof for index " + std::to_string(index) + " in a tree of " +
         std::to_string(size);
}

std::string consistency_context(std::uint64_t old_size, std::uint64_t new_size) {
  return "consistency proof from tree size " + std::to_string(old_size) + " to " +
         std::to_string(new_size);
}

Error wrong_length(const std::string& context, std::size_t actual, std::size_t expected) {
  return make_error(v1::AUDIT_INVALID, context + ": " + std::to_string(actual) +
                                           " hashes, expected " + std::to_string(expected) +
                                           " (proof too " + (actual < expected ? "short" : "long") +
                                           ")");
}

// The path from node `index` (at some level) to the root of a tree whose last
// node at that level is `last`, seen from below:
//  - the lowest `inner` levels lie below the point where the paths to `index`
//    and to `last` join; each has a sibling, on either side (bit of index);
//  - above it the path runs along the right edge; only levels where the node
//    is a right child have a sibling (a left one), the others are skipped.
// This is the RFC 9162 verification loop with the skipping worked out up
// front, so the expected proof length is known before hashing anything.
struct PathShape {
  int inner;
  int border;
  std::size_t length() const { return static_cast<std::size_t>(inner + border); }
};

PathShape path_shape(std::uint64_t index, std::uint64_t last) {
  const int inner = std::bit_width(index ^ last);
  // index < 2^64, so inner == 64 only if index ^ last has the top bit set; shifting by 64 is UB.
  const int border = inner == 64 ? 0 : std::popcount(index >> inner);
  return {inner, border};
}

}  // namespace

Hash leaf_hash(std::string_view leaf_bytes) { return sha256_with_prefix(kLeafPrefix, leaf_bytes); }

Hash node_hash(const Hash& left, const Hash& right) {
  return sha256_with_prefix(kNodePrefix, bytes_of(left), bytes_of(right));
}

Hash empty_tree_root() {
  ensure_sodium();
  const unsigned char nothing = 0;  // a valid pointer for zero bytes
  Hash out;
  crypto_hash_sha256(out.data(), &nothing, 0);
  return out;
}

std::string to_base64(const Hash& hash) {
  ensure_sodium();
  constexpr std::size_t kEncodedSize =
      sodium_base64_ENCODED_LEN(std::tuple_size_v<Hash>, sodium_base64_VARIANT_ORIGINAL);
  char encoded[kEncodedSize];
  sodium_bin2base64(encoded, sizeof encoded, hash.data(), hash.size(),
                    sodium_base64_VARIANT_ORIGINAL);
  return std::string(encoded);
}

Result<Hash> hash_from_base64(std::string_view text) {
  ensure_sodium();
  constexpr std::size_t kCanonicalLength = 44;
  if (text.size() != kCanonicalLength) {
    return make_error(v1::AUDIT_INVALID, "hash: base64 is " + std::to_string(text.size()) +
                                             " characters, expected 44");
  }
  Hash hash;
  std::size_t decoded_length = 0;
  const char* parsed_end = nullptr;
  const int status = sodium_base642bin(hash.data(), hash.size(), text.data(), text.size(),
                                       /*ignore=*/nullptr, &decoded_length, &parsed_end,
                                       sodium_base64_VARIANT_ORIGINAL);
  if (status != 0 || parsed_end != text.data() + text.size() || decoded_length != hash.size()) {
    return make_error(v1::AUDIT_INVALID, "hash: not the base64 of 32 bytes");
  }
  // Exactly one encoding per hash: otherwise two spellings of one checkpoint
  // could both verify. Re-encoding catches non-zero padding bits whatever the
  // decoder tolerates.
  if (to_base64(hash) != text) {
    return make_error(v1::AUDIT_INVALID, "hash: base64 is not canonical");
  }
  return hash;
}

std::string to_hex(const Hash& hash) {
  ensure_sodium();
  char hex[std::tuple_size_v<Hash> * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, hash.data(), hash.size());
  return std::string(hex);
}

Result<Hash> subtree_hash(HashReader& reader, std::uint64_t begin, std::uint64_t end) {
  if (!is_subtree(begin, end)) {
    return make_error(v1::AUDIT_INVALID, "leaves [" + std::to_string(begin) + ", " +
                                             std::to_string(end) + ") are not a subtree");
  }
  if (begin == end) {
    return empty_tree_root();
  }
  WEFT_TRY(auto hashes, range_hashes(reader, {Range{begin, end}}));
  return hashes.front();
}

Result<Hash> tree_root(HashReader& reader, std::uint64_t size) {
  return subtree_hash(reader, 0, size);
}

Result<std::vector<Hash>> inclusion_proof(HashReader& reader, std::uint64_t index,
                                          std::uint64_t size) {
  if (index >= size) {
    return make_error(v1::AUDIT_INVALID, inclusion_context(index, size) + ": index out of range");
  }
  return range_hashes(reader, inclusion_ranges(index, size));
}

Result<std::vector<Hash>> consistency_proof(HashReader& reader, std::uint64_t old_size,
                                            std::uint64_t new_size) {
  if (old_size > new_size) {
    return make_error(v1::AUDIT_INVALID,
                      consistency_context(old_size, new_size) + ": old size exceeds new size");
  }
  if (old_size == 0 || old_size == new_size) {
    return std::vector<Hash>{};
  }
  return range_hashes(reader, consistency_ranges(old_size, new_size));
}

Result<void> verify_inclusion(std::uint64_t index, std::uint64_t size, const Hash& leaf,
                              const std::vector<Hash>& proof, const Hash& root) {
  const std::string context = inclusion_context(index, size);
  if (index >= size) {
    return make_error(v1::AUDIT_INVALID, context + ": index out of range");
  }
  const PathShape shape = path_shape(index, size - 1);
  if (proof.size() != shape.length()) {
    return wrong_length(context, proof.size(), shape.length());
  }
  Hash computed = leaf;
  for (int level = 0; level < shape.inner; ++level) {
    const Hash& sibling = proof[static_cast<std::size_t>(level)];
    const bool is_right_child = ((index >> level) & 1) != 0;
    computed = is_right_child ? node_hash(sibling, computed) : node_hash(computed, sibling);
  }
  for (std::size_t i = static_cast<std::size_t>(shape.inner); i < proof.size(); ++i) {
    computed = node_hash(proof[i], computed);  // the border: only left siblings
  }
  if (computed != root) {
    return make_error(v1::AUDIT_INVALID, context + ": root mismatch");
  }
  return ok();
}

Result<void> verify_consistency(std::uint64_t old_size, std::uint64_t new_size,
                                const Hash& old_root, const Hash& new_root,
                                const std::vector<Hash>& proof) {
  const std::string context = consistency_context(old_size, new_size);
  if (old_size > new_size) {
    return make_error(v1::AUDIT_INVALID, context + ": old size exceeds new size");
  }
  if (old_size == new_size || old_size == 0) {
    if (!proof.empty()) {
      return wrong_length(context, proof.size(), 0);
    }
    if (old_size == new_size && old_root != new_root) {
      return make_error(v1::AUDIT_INVALID, context + ": same size, different roots");
    }
    return ok();
  }

  // The proof climbs from the largest perfect subtree that ends at old_size
  // (level = trailing zeros of old_size) to the new root. That subtree's hash
  // comes first in the proof, unless it is the whole old tree (old_size a power
  // of two): then the verifier already holds it as old_root.
  const int seed_level = std::countr_zero(old_size);
  const bool seed_is_old_root = std::has_single_bit(old_size);
  const std::uint64_t seed_index = (old_size - 1) >> seed_level;
  const PathShape shape = path_shape(seed_index, (new_size - 1) >> seed_level);
  const std::size_t expected = (seed_is_old_root ? 0 : 1) + shape.length();
  if (proof.size() != expected) {
    return wrong_length(context, proof.size(), expected);
  }

  std::size_t next = 0;
  const Hash seed = seed_is_old_root ? old_root : proof[next++];
  // Left siblings belong to both trees; right siblings only to the new one.
  Hash computed_old = seed;
  Hash computed_new = seed;
  for (int level = 0; level < shape.inner; ++level) {
    const Hash& sibling = proof[next++];
    if (((seed_index >> level) & 1) != 0) {
      computed_old = node_hash(sibling, computed_old);
      computed_new = node_hash(sibling, computed_new);
    } else {
      computed_new = node_hash(computed_new, sibling);
    }
  }
  for (; next < proof.size(); ++next) {
    computed_old = node_hash(proof[next], computed_old);
    computed_new = node_hash(proof[next], computed_new);
  }
  if (computed_old != old_root) {
    return make_error(v1::AUDIT_INVALID, context + ": old root mismatch");
  }
  if (computed_new != new_root) {
    return make_error(v1::AUDIT_INVALID, context + ": new root mismatch");
  }
  return ok();
}

Result<CompactRange> CompactRange::load(HashReader& reader, std::uint64_t size) {
  CompactRange range;
  range.size_ = size;
  if (size == 0) {
    return range;
  }
  std::vector<NodeId> nodes;
  append_perfect_subtrees(Range{0, size}, nodes);
  WEFT_TRY(auto roots, read_nodes(reader, nodes));
  range.subtree_roots_ = std::move(roots);
  return range;
}

std::vector<StoredNode> CompactRange::append(const Hash& leaf) {
  if (size_ == std::numeric_limits<std::uint64_t>::max()) {
    std::fputs("weft::audit: CompactRange is full\n", stderr);
    std::abort();
  }
  const std::uint64_t index = size_;
  std::vector<StoredNode> completed{{NodeId{0, index}, leaf}};
  subtree_roots_.push_back(leaf);
  // Each trailing one bit of the old size is a perfect subtree of that level
  // waiting for a right sibling of the same size: merge them pairwise upwards.
  for (std::uint32_t level = 0; ((index >> level) & 1) != 0; ++level) {
    const Hash right = subtree_roots_.back();
    subtree_roots_.pop_back();
    Hash& left = subtree_roots_.back();
    left = node_hash(left, right);
    completed.push_back({NodeId{level + 1, index >> (level + 1)}, left});
  }
  ++size_;
  return completed;
}

Hash CompactRange::root() const {
  if (subtree_roots_.empty()) {
    return empty_tree_root();
  }
  return fold_from_right(subtree_roots_.data(), subtree_roots_.size());
}

}  // namespace weft::audit
