#include "audit/merkle.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <limits>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace weft::audit {
namespace {

// ---------------------------------------------------------------------------
// Helpers

std::string bytes_from_hex(std::string_view hex) {
  std::string bytes;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    bytes.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return bytes;
}

// Used for constants at namespace scope, before any test runs: no EXPECT here.
Hash hash_from_hex(std::string_view hex) {
  const std::string bytes = bytes_from_hex(hex);
  if (bytes.size() != std::tuple_size_v<Hash>) {
    throw std::invalid_argument("not a 32-byte hex hash");
  }
  Hash hash;
  std::copy(bytes.begin(), bytes.end(), hash.begin());
  return hash;
}

Hash tampered(Hash hash) {
  hash[7] ^= 0x01;
  return hash;
}

// Serves the nodes CompactRange::append returned, and counts what it is asked.
class MemoryStore final : public HashReader {
 public:
  void append_leaf(std::string_view leaf_bytes) {
    for (const StoredNode& node : edge_.append(leaf_hash(leaf_bytes))) {
      nodes_[{node.id.level, node.id.index}] = node.hash;
    }
  }

  Result<std::vector<Hash>> read(const std::vector<NodeId>& nodes) override {
    ++read_calls;
    nodes_read += nodes.size();
    std::vector<Hash> hashes;
    for (const NodeId& id : nodes) {
      auto found = nodes_.find({id.level, id.index});
      if (found == nodes_.end()) {
        return make_error(v1::NOT_FOUND, "node (" + std::to_string(id.level) + ", " +
                                             std::to_string(id.index) + ") is not stored");
      }
      hashes.push_back(found->second);
    }
    return hashes;
  }

  const CompactRange& edge() const { return edge_; }
  void reset_counts() {
    read_calls = 0;
    nodes_read = 0;
  }

  int read_calls = 0;
  std::size_t nodes_read = 0;

 private:
  CompactRange edge_;
  std::map<std::pair<std::uint32_t, std::uint64_t>, Hash> nodes_;
};

// A tree of any size (up to 2^64 - 1) whose leaves are all the same, so the
// hash of a perfect subtree depends only on its level: lets proofs for huge
// trees be generated and verified without storing anything.
class UniformTreeReader final : public HashReader {
 public:
  UniformTreeReader() {
    level_hashes_[0] = leaf_hash("same");
    for (std::size_t level = 1; level < level_hashes_.size(); ++level) {
      level_hashes_[level] = node_hash(level_hashes_[level - 1], level_hashes_[level - 1]);
    }
  }

  Result<std::vector<Hash>> read(const std::vector<NodeId>& nodes) override {
    ++read_calls;
    nodes_read += nodes.size();
    std::vector<Hash> hashes;
    for (const NodeId& id : nodes) {
      EXPECT_LT(id.level, 64U);
      // The node must lie inside a tree of at most 2^64 - 1 leaves.
      EXPECT_LT(id.index, std::numeric_limits<std::uint64_t>::max() >> id.level) << id.level;
      hashes.push_back(level_hashes_[id.level]);
    }
    return hashes;
  }

  Hash leaf() const { return level_hashes_[0]; }

  int read_calls = 0;
  std::size_t nodes_read = 0;

 private:
  std::array<Hash, 64> level_hashes_;
};

// Returns a fixed failure, or a short answer.
class BrokenReader final : public HashReader {
 public:
  explicit BrokenReader(bool fail) : fail_(fail) {}
  Result<std::vector<Hash>> read(const std::vector<NodeId>& nodes) override {
    if (fail_) {
      return make_error(v1::STORAGE_UNAVAILABLE, "disk on fire");
    }
    return std::vector<Hash>(nodes.size() - 1);
  }

 private:
  bool fail_;
};

// ---------------------------------------------------------------------------
// An independent reference, written from the RFC text over the full leaf
// list: recursive MTH / PATH / SUBPROOF, and the RFC 9162 verification steps
// as listed. It hashes with libsodium directly rather than through
// leaf_hash/node_hash, so it shares nothing with the code under test.

Hash reference_sha256(const std::string& bytes) {
  Hash out;
  crypto_hash_sha256(out.data(), reinterpret_cast<const unsigned char*>(bytes.data()),
                     bytes.size());
  return out;
}

std::string as_string(const Hash& hash) {
  return std::string(reinterpret_cast<const char*>(hash.data()), hash.size());
}

Hash reference_node(const Hash& left, const Hash& right) {
  return reference_sha256(std::string(1, '\x01') + as_string(left) + as_string(right));
}

// Largest power of two strictly below n (n > 1).
std::uint64_t reference_split(std::uint64_t n) {
  std::uint64_t k = 1;
  while (k * 2 < n) {
    k *= 2;
  }
  return k;
}

class ReferenceTree {
 public:
  explicit ReferenceTree(const std::vector<std::string>& leaves) {
    for (const std::string& leaf : leaves) {
      leaf_hashes_.push_back(reference_sha256(std::string(1, '\0') + leaf));
    }
  }

  std::uint64_t size() const { return leaf_hashes_.size(); }
  const Hash& leaf(std::uint64_t index) const { return leaf_hashes_[index]; }

  // MTH(D[begin:end]), memoised: the exhaustive tests ask for the same ranges often.
  Hash mth(std::uint64_t begin, std::uint64_t end) const {
    const std::uint64_t n = end - begin;
    if (n == 0) {
      return reference_sha256("");
    }
    if (n == 1) {
      return leaf_hashes_[begin];
    }
    auto cached = mth_cache_.find({begin, end});
    if (cached != mth_cache_.end()) {
      return cached->second;
    }
    const std::uint64_t k = reference_split(n);
    const Hash result = reference_node(mth(begin, begin + k), mth(begin + k, end));
    mth_cache_.emplace(std::make_pair(begin, end), result);
    return result;
  }

  // PATH(m, D[begin:end]), m relative to begin.
  std::vector<Hash> path(std::uint64_t m, std::uint64_t begin, std::uint64_t end) const {
    const std::uint64_t n = end - begin;
    if (n == 1) {
      return {};
    }
    const std::uint64_t k = reference_split(n);
    std::vector<Hash> result;
    if (m < k) {
      result = path(m, begin, begin + k);
      result.push_back(mth(begin + k, end));
    } else {
      result = path(m - k, begin + k, end);
      result.push_back(mth(begin, begin + k));
    }
    return result;
  }

  // SUBPROOF(m, D[begin:end], b), m relative to begin.
  std::vector<Hash> subproof(std::uint64_t m, std::uint64_t begin, std::uint64_t end,
                             bool b) const {
    const std::uint64_t n = end - begin;
    if (m == n) {
      if (b) {
        return {};
      }
      return {mth(begin, end)};
    }
    const std::uint64_t k = reference_split(n);
    std::vector<Hash> result;
    if (m <= k) {
      result = subproof(m, begin, begin + k, b);
      result.push_back(mth(begin + k, end));
    } else {
      result = subproof(m - k, begin + k, end, false);
      result.push_back(mth(begin, begin + k));
    }
    return result;
  }

  // PROOF(m, D[0:n]), 0 < m < n.
  std::vector<Hash> consistency(std::uint64_t m, std::uint64_t n) const {
    return subproof(m, 0, n, true);
  }

 private:
  std::vector<Hash> leaf_hashes_;
  mutable std::map<std::pair<std::uint64_t, std::uint64_t>, Hash> mth_cache_;
};

// RFC 9162 §2.1.3.2, step by step.
bool reference_verify_inclusion(std::uint64_t leaf_index, std::uint64_t tree_size, const Hash& leaf,
                                const std::vector<Hash>& inclusion_path, const Hash& root) {
  if (leaf_index >= tree_size) {
    return false;
  }
  std::uint64_t fn = leaf_index;
  std::uint64_t sn = tree_size - 1;
  Hash r = leaf;
  for (const Hash& p : inclusion_path) {
    if (sn == 0) {
      return false;
    }
    if ((fn & 1) == 1 || fn == sn) {
      r = reference_node(p, r);
      while ((fn & 1) == 0 && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      r = reference_node(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && r == root;
}

// RFC 9162 §2.1.4.2, step by step; 0 < first < second.
bool reference_verify_consistency(std::uint64_t first, std::uint64_t second, const Hash& first_hash,
                                  const Hash& second_hash, std::vector<Hash> consistency_path) {
  if (consistency_path.empty()) {
    return false;
  }
  if ((first & (first - 1)) == 0) {
    consistency_path.insert(consistency_path.begin(), first_hash);
  }
  std::uint64_t fn = first - 1;
  std::uint64_t sn = second - 1;
  while ((fn & 1) == 1) {
    fn >>= 1;
    sn >>= 1;
  }
  Hash fr = consistency_path[0];
  Hash sr = consistency_path[0];
  for (std::size_t i = 1; i < consistency_path.size(); ++i) {
    const Hash& c = consistency_path[i];
    if (sn == 0) {
      return false;
    }
    if ((fn & 1) == 1 || fn == sn) {
      fr = reference_node(c, fr);
      sr = reference_node(c, sr);
      while ((fn & 1) == 0 && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      sr = reference_node(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return fr == first_hash && sr == second_hash && sn == 0;
}

// ---------------------------------------------------------------------------
// RFC 6962 reference vectors (research/translog.md §7).

const std::vector<std::string> kVectorLeaves = {
    bytes_from_hex(""),
    bytes_from_hex("00"),
    bytes_from_hex("10"),
    bytes_from_hex("2021"),
    bytes_from_hex("3031"),
    bytes_from_hex("40414243"),
    bytes_from_hex("5051525354555657"),
    bytes_from_hex("606162636465666768696a6b6c6d6e6f"),
};

const Hash kR1 = hash_from_hex("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
const Hash kR2 = hash_from_hex("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125");
const Hash kR3 = hash_from_hex("aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77");
const Hash kR4 = hash_from_hex("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7");
const Hash kR5 = hash_from_hex("4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4");
const Hash kR6 = hash_from_hex("76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef");
const Hash kR7 = hash_from_hex("ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c");
const Hash kR8 = hash_from_hex("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328");
const std::vector<Hash> kVectorRoots = {kR1, kR2, kR3, kR4, kR5, kR6, kR7, kR8};

const Hash kA = hash_from_hex("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7");
const Hash kB = hash_from_hex("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e");
const Hash kC = hash_from_hex("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4");
const Hash kE = hash_from_hex("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b");
const Hash kF = hash_from_hex("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0");
const Hash kG = hash_from_hex("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a");
const Hash kJ = hash_from_hex("b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f");

class MerkleVectors : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const std::string& leaf : kVectorLeaves) {
      store_.append_leaf(leaf);
    }
  }
  MemoryStore store_;
};

TEST_F(MerkleVectors, EmptyTreeRoot) {
  EXPECT_EQ(to_hex(empty_tree_root()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(to_base64(empty_tree_root()), "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
  EXPECT_EQ(CompactRange().root(), empty_tree_root());
  EXPECT_EQ(CompactRange().size(), 0U);
  MemoryStore store;
  auto root = tree_root(store, 0);
  ASSERT_TRUE(root) << root.error().describe();
  EXPECT_EQ(root.value(), empty_tree_root());
  EXPECT_EQ(store.read_calls, 0);
}

TEST_F(MerkleVectors, Roots) {
  // Root 1 is the leaf hash of the empty leaf.
  EXPECT_EQ(leaf_hash(""), kR1);
  CompactRange range;
  for (std::size_t n = 1; n <= kVectorLeaves.size(); ++n) {
    range.append(leaf_hash(kVectorLeaves[n - 1]));
    EXPECT_EQ(range.root(), kVectorRoots[n - 1]) << n;
    EXPECT_EQ(range.size(), n);
    auto root = tree_root(store_, n);
    ASSERT_TRUE(root) << root.error().describe();
    EXPECT_EQ(root.value(), kVectorRoots[n - 1]) << n;
  }
  EXPECT_EQ(to_base64(kR8), "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=");
  EXPECT_EQ(to_hex(kR8), "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328");
}

TEST_F(MerkleVectors, InclusionProofs) {
  struct Case {
    std::uint64_t index;
    std::uint64_t size;
    std::vector<Hash> path;
  };
  // clang-format off
  const std::vector<Case> cases = {
      {0, 1, {}},
      {0, 8, {kA, kB, kC}},
      {5, 8, {kE, kF, kR4}},
      {2, 3, {kR2}},
      {1, 5, {kR1, kB, kE}},
  };
  // clang-format on
  for (const Case& c : cases) {
    SCOPED_TRACE("index " + std::to_string(c.index) + " size " + std::to_string(c.size));
    auto proof = inclusion_proof(store_, c.index, c.size);
    ASSERT_TRUE(proof) << proof.error().describe();
    EXPECT_EQ(proof.value(), c.path);
    const Hash leaf = leaf_hash(kVectorLeaves[c.index]);
    const Hash& root = kVectorRoots[c.size - 1];
    auto verified = verify_inclusion(c.index, c.size, leaf, c.path, root);
    EXPECT_TRUE(verified) << verified.error().describe();
    EXPECT_TRUE(reference_verify_inclusion(c.index, c.size, leaf, c.path, root));
  }
}

TEST_F(MerkleVectors, ConsistencyProofs) {
  struct Case {
    std::uint64_t old_size;
    std::uint64_t new_size;
    std::vector<Hash> path;
  };
  // clang-format off
  const std::vector<Case> cases = {
      {1, 1, {}},
      {1, 8, {kA, kB, kC}},
      {6, 8, {kG, kF, kR4}},
      {2, 5, {kB, kE}},
      {6, 7, {kG, kJ, kR4}},
  };
  // clang-format on
  for (const Case& c : cases) {
    SCOPED_TRACE("from " + std::to_string(c.old_size) + " to " + std::to_string(c.new_size));
    auto proof = consistency_proof(store_, c.old_size, c.new_size);
    ASSERT_TRUE(proof) << proof.error().describe();
    EXPECT_EQ(proof.value(), c.path);
    const Hash& old_root = kVectorRoots[c.old_size - 1];
    const Hash& new_root = kVectorRoots[c.new_size - 1];
    auto verified = verify_consistency(c.old_size, c.new_size, old_root, new_root, c.path);
    EXPECT_TRUE(verified) << verified.error().describe();
    if (c.old_size < c.new_size) {
      EXPECT_TRUE(reference_verify_consistency(c.old_size, c.new_size, old_root, new_root, c.path));
    }
  }
}

// ---------------------------------------------------------------------------
// Every tree up to 70 leaves against the reference.

constexpr std::uint64_t kMaxExhaustiveSize = 70;

class MerkleExhaustive : public ::testing::Test {
 protected:
  MerkleExhaustive() : reference_(make_leaves()) {
    for (const std::string& leaf : make_leaves()) {
      store_.append_leaf(leaf);
    }
  }

  static std::vector<std::string> make_leaves() {
    std::vector<std::string> leaves;
    for (std::uint64_t i = 0; i < kMaxExhaustiveSize; ++i) {
      leaves.push_back("leaf " + std::to_string(i));
    }
    return leaves;
  }

  // The most node reads a proof may need: one per level for the siblings,
  // plus the perfect pieces of one ragged right-edge sibling.
  static std::size_t read_budget(std::uint64_t size) { return 2 * std::bit_width(size); }

  ReferenceTree reference_;
  MemoryStore store_;
};

TEST_F(MerkleExhaustive, RootsMatchReference) {
  CompactRange range;
  EXPECT_EQ(range.root(), reference_.mth(0, 0));
  for (std::uint64_t n = 1; n <= kMaxExhaustiveSize; ++n) {
    range.append(reference_.leaf(n - 1));
    const Hash expected = reference_.mth(0, n);
    EXPECT_EQ(range.root(), expected) << n;
    store_.reset_counts();
    auto root = tree_root(store_, n);
    ASSERT_TRUE(root) << root.error().describe();
    EXPECT_EQ(root.value(), expected) << n;
    EXPECT_EQ(store_.read_calls, 1);
    EXPECT_EQ(store_.nodes_read, static_cast<std::size_t>(std::popcount(n)));
  }
  EXPECT_EQ(store_.edge().root(), reference_.mth(0, kMaxExhaustiveSize));
}

TEST_F(MerkleExhaustive, SubtreeHashesMatchReference) {
  for (std::uint64_t begin = 0; begin <= kMaxExhaustiveSize; ++begin) {
    for (std::uint64_t end = begin; end <= kMaxExhaustiveSize; ++end) {
      auto hash = subtree_hash(store_, begin, end);
      const std::uint64_t length = end - begin;
      const bool aligned = length == 0 || begin % std::bit_ceil(length) == 0;
      if (aligned) {
        ASSERT_TRUE(hash) << begin << ".." << end << ": " << hash.error().describe();
        EXPECT_EQ(hash.value(), reference_.mth(begin, end)) << begin << ".." << end;
      } else {
        ASSERT_FALSE(hash) << begin << ".." << end;
        EXPECT_EQ(hash.error().code, v1::AUDIT_INVALID);
      }
    }
  }
}

TEST_F(MerkleExhaustive, InclusionProofsMatchReferenceAndVerify) {
  for (std::uint64_t size = 1; size <= kMaxExhaustiveSize; ++size) {
    const Hash root = reference_.mth(0, size);
    for (std::uint64_t index = 0; index < size; ++index) {
      SCOPED_TRACE("index " + std::to_string(index) + " size " + std::to_string(size));
      store_.reset_counts();
      auto generated = inclusion_proof(store_, index, size);
      ASSERT_TRUE(generated) << generated.error().describe();
      const std::vector<Hash>& proof = generated.value();
      ASSERT_EQ(proof, reference_.path(index, 0, size));
      EXPECT_EQ(store_.read_calls, proof.empty() ? 0 : 1);
      EXPECT_LE(store_.nodes_read, read_budget(size));

      const Hash& leaf = reference_.leaf(index);
      auto verified = verify_inclusion(index, size, leaf, proof, root);
      EXPECT_TRUE(verified) << verified.error().describe();
      EXPECT_TRUE(reference_verify_inclusion(index, size, leaf, proof, root));

      // Every single-hash change, and every wrong length, fails.
      for (std::size_t i = 0; i < proof.size(); ++i) {
        std::vector<Hash> bad = proof;
        bad[i] = tampered(bad[i]);
        EXPECT_FALSE(verify_inclusion(index, size, leaf, bad, root)) << i;
      }
      if (!proof.empty()) {
        const std::vector<Hash> shorter(proof.begin(), proof.end() - 1);
        EXPECT_FALSE(verify_inclusion(index, size, leaf, shorter, root));
        EXPECT_FALSE(reference_verify_inclusion(index, size, leaf, shorter, root));
      }
      std::vector<Hash> longer = proof;
      longer.push_back(root);
      EXPECT_FALSE(verify_inclusion(index, size, leaf, longer, root));
      EXPECT_FALSE(reference_verify_inclusion(index, size, leaf, longer, root));
      EXPECT_FALSE(verify_inclusion(index, size, tampered(leaf), proof, root));
      EXPECT_FALSE(verify_inclusion(index, size, leaf, proof, tampered(root)));
      for (std::uint64_t other : {index ^ 1, index + 1, index - 1, std::uint64_t{0}, size - 1}) {
        if (other != index && other < size) {
          EXPECT_FALSE(verify_inclusion(other, size, leaf, proof, root)) << other;
          EXPECT_FALSE(reference_verify_inclusion(other, size, leaf, proof, root)) << other;
        }
      }
    }
  }
}

TEST_F(MerkleExhaustive, ConsistencyProofsMatchReferenceAndVerify) {
  for (std::uint64_t new_size = 1; new_size <= kMaxExhaustiveSize; ++new_size) {
    const Hash new_root = reference_.mth(0, new_size);
    for (std::uint64_t old_size = 1; old_size <= new_size; ++old_size) {
      SCOPED_TRACE("from " + std::to_string(old_size) + " to " + std::to_string(new_size));
      const Hash old_root = reference_.mth(0, old_size);
      store_.reset_counts();
      auto generated = consistency_proof(store_, old_size, new_size);
      ASSERT_TRUE(generated) << generated.error().describe();
      const std::vector<Hash>& proof = generated.value();
      auto verified = verify_consistency(old_size, new_size, old_root, new_root, proof);
      EXPECT_TRUE(verified) << verified.error().describe();
      if (old_size == new_size) {
        EXPECT_TRUE(proof.empty());
        EXPECT_EQ(store_.read_calls, 0);
        continue;
      }
      ASSERT_EQ(proof, reference_.consistency(old_size, new_size));
      EXPECT_EQ(store_.read_calls, 1);
      EXPECT_LE(store_.nodes_read, read_budget(new_size));
      EXPECT_TRUE(reference_verify_consistency(old_size, new_size, old_root, new_root, proof));

      for (std::size_t i = 0; i < proof.size(); ++i) {
        std::vector<Hash> bad = proof;
        bad[i] = tampered(bad[i]);
        EXPECT_FALSE(verify_consistency(old_size, new_size, old_root, new_root, bad)) << i;
      }
      const std::vector<Hash> shorter(proof.begin(), proof.end() - 1);
      EXPECT_FALSE(verify_consistency(old_size, new_size, old_root, new_root, shorter));
      EXPECT_FALSE(reference_verify_consistency(old_size, new_size, old_root, new_root, shorter));
      std::vector<Hash> longer = proof;
      longer.push_back(new_root);
      EXPECT_FALSE(verify_consistency(old_size, new_size, old_root, new_root, longer));
      EXPECT_FALSE(reference_verify_consistency(old_size, new_size, old_root, new_root, longer));
      EXPECT_FALSE(verify_consistency(old_size, new_size, tampered(old_root), new_root, proof));
      EXPECT_FALSE(verify_consistency(old_size, new_size, old_root, tampered(new_root), proof));
      EXPECT_FALSE(verify_consistency(old_size, new_size, new_root, old_root, proof));
    }
  }
}

TEST_F(MerkleExhaustive, LoadedRangeContinuesLikeTheOriginal) {
  // Replays the appends, recording what each one returned.
  CompactRange original;
  std::vector<std::vector<StoredNode>> appended;
  for (std::uint64_t i = 0; i < kMaxExhaustiveSize; ++i) {
    appended.push_back(original.append(reference_.leaf(i)));
  }
  for (std::uint64_t n = 0; n <= kMaxExhaustiveSize; ++n) {
    SCOPED_TRACE("size " + std::to_string(n));
    store_.reset_counts();
    auto loaded = CompactRange::load(store_, n);
    ASSERT_TRUE(loaded) << loaded.error().describe();
    EXPECT_EQ(store_.read_calls, n == 0 ? 0 : 1);
    EXPECT_EQ(store_.nodes_read, static_cast<std::size_t>(std::popcount(n)));
    CompactRange range = std::move(loaded).value();
    EXPECT_EQ(range.size(), n);
    EXPECT_EQ(range.root(), reference_.mth(0, n));
    for (std::uint64_t i = n; i < kMaxExhaustiveSize; ++i) {
      ASSERT_EQ(range.append(reference_.leaf(i)), appended[i]) << "leaf " << i;
    }
    EXPECT_EQ(range.root(), original.root());
  }
}

// ---------------------------------------------------------------------------

TEST(MerkleCompactRange, AppendReturnsCompletedNodesLeafFirst) {
  CompactRange range;
  std::vector<Hash> leaves;
  std::vector<std::vector<StoredNode>> appended;
  for (int i = 0; i < 8; ++i) {
    leaves.push_back(leaf_hash(kVectorLeaves[static_cast<std::size_t>(i)]));
    appended.push_back(range.append(leaves.back()));
  }
  auto ids = [](const std::vector<StoredNode>& nodes) {
    std::vector<std::pair<std::uint32_t, std::uint64_t>> result;
    for (const StoredNode& node : nodes) {
      result.emplace_back(node.id.level, node.id.index);
    }
    return result;
  };
  using Ids = std::vector<std::pair<std::uint32_t, std::uint64_t>>;
  EXPECT_EQ(ids(appended[0]), (Ids{{0, 0}}));
  EXPECT_EQ(ids(appended[1]), (Ids{{0, 1}, {1, 0}}));
  EXPECT_EQ(ids(appended[4]), (Ids{{0, 4}}));
  EXPECT_EQ(ids(appended[5]), (Ids{{0, 5}, {1, 2}}));
  EXPECT_EQ(ids(appended[7]), (Ids{{0, 7}, {1, 3}, {2, 1}, {3, 0}}));
  EXPECT_EQ(appended[7][0].hash, leaves[7]);
  EXPECT_EQ(appended[7][1].hash, node_hash(leaves[6], leaves[7]));
  EXPECT_EQ(appended[7][3].hash, kR8);  // the perfect tree of 8 is its own root
  EXPECT_EQ(appended[3][2].hash, kR4);
}

TEST(MerkleCompactRange, LoadPassesReaderFailuresOn) {
  BrokenReader failing(/*fail=*/true);
  auto loaded = CompactRange::load(failing, 5);
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().code, v1::STORAGE_UNAVAILABLE);
  EXPECT_NE(loaded.error().message.find("disk on fire"), std::string::npos);

  BrokenReader short_answer(/*fail=*/false);
  loaded = CompactRange::load(short_answer, 5);
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().code, v1::INTERNAL);
}

TEST(MerkleReader, ProofsPassReaderFailuresOn) {
  BrokenReader failing(/*fail=*/true);
  BrokenReader short_answer(/*fail=*/false);
  for (HashReader* reader : std::vector<HashReader*>{&failing, &short_answer}) {
    const auto expected = reader == &failing ? v1::STORAGE_UNAVAILABLE : v1::INTERNAL;
    auto root = tree_root(*reader, 6);
    ASSERT_FALSE(root);
    EXPECT_EQ(root.error().code, expected);
    auto inclusion = inclusion_proof(*reader, 2, 6);
    ASSERT_FALSE(inclusion);
    EXPECT_EQ(inclusion.error().code, expected);
    auto consistency = consistency_proof(*reader, 3, 6);
    ASSERT_FALSE(consistency);
    EXPECT_EQ(consistency.error().code, expected);
  }
  // A node the store does not have is the store's error, not ours.
  MemoryStore store;
  store.append_leaf("only");
  auto proof = inclusion_proof(store, 0, 2);
  ASSERT_FALSE(proof);
  EXPECT_EQ(proof.error().code, v1::NOT_FOUND);
  EXPECT_NE(proof.error().message.find("reading 1 tree nodes: node (0, 1)"), std::string::npos)
      << proof.error().message;
}

// Proofs for trees far beyond what a test can store: O(log n) reads, one
// call, and the results verify in both verifiers. No shift overflows at 2^63.
TEST(MerkleReader, HugeTreesNeedLogarithmicReads) {
  constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();
  const std::vector<std::uint64_t> sizes = {(std::uint64_t{1} << 32) + 1,
                                            (std::uint64_t{1} << 63) - 1,
                                            std::uint64_t{1} << 63,
                                            (std::uint64_t{1} << 63) + 12345,
                                            kMax - 1,
                                            kMax};
  UniformTreeReader reader;
  for (std::uint64_t size : sizes) {
    SCOPED_TRACE("size " + std::to_string(size));
    auto root = tree_root(reader, size);
    ASSERT_TRUE(root) << root.error().describe();
    auto loaded = CompactRange::load(reader, size);
    ASSERT_TRUE(loaded) << loaded.error().describe();
    EXPECT_EQ(loaded.value().root(), root.value());

    for (std::uint64_t index : {std::uint64_t{0}, size / 3, size - 2, size - 1}) {
      reader.read_calls = 0;
      reader.nodes_read = 0;
      auto proof = inclusion_proof(reader, index, size);
      ASSERT_TRUE(proof) << proof.error().describe();
      EXPECT_EQ(reader.read_calls, 1);
      EXPECT_LE(reader.nodes_read, 128U);
      auto verified = verify_inclusion(index, size, reader.leaf(), proof.value(), root.value());
      EXPECT_TRUE(verified) << index << ": " << verified.error().describe();
      EXPECT_TRUE(
          reference_verify_inclusion(index, size, reader.leaf(), proof.value(), root.value()))
          << index;
    }
    for (std::uint64_t old_size : {std::uint64_t{1}, std::uint64_t{3}, size / 2, size - 1}) {
      auto old_root = tree_root(reader, old_size);
      ASSERT_TRUE(old_root);
      reader.read_calls = 0;
      reader.nodes_read = 0;
      auto proof = consistency_proof(reader, old_size, size);
      ASSERT_TRUE(proof) << proof.error().describe();
      EXPECT_EQ(reader.read_calls, 1);
      EXPECT_LE(reader.nodes_read, 128U);
      auto verified =
          verify_consistency(old_size, size, old_root.value(), root.value(), proof.value());
      EXPECT_TRUE(verified) << old_size << ": " << verified.error().describe();
      EXPECT_TRUE(reference_verify_consistency(old_size, size, old_root.value(), root.value(),
                                               proof.value()))
          << old_size;
    }
  }
}

// ---------------------------------------------------------------------------
// Rejections, with the code and a message that names the problem.

class MerkleVerify : public MerkleVectors {};

TEST_F(MerkleVerify, InclusionRejections) {
  const Hash leaf5 = leaf_hash(kVectorLeaves[5]);
  const std::vector<Hash> proof = {kE, kF, kR4};
  ASSERT_TRUE(verify_inclusion(5, 8, leaf5, proof, kR8));

  auto tampered_element = verify_inclusion(5, 8, leaf5, {kE, tampered(kF), kR4}, kR8);
  ASSERT_FALSE(tampered_element);
  EXPECT_EQ(tampered_element.error().code, v1::AUDIT_INVALID);
  EXPECT_EQ(tampered_element.error().message,
            "inclusion proof for index 5 in a tree of 8: root mismatch");

  auto wrong_index = verify_inclusion(4, 8, leaf5, proof, kR8);
  ASSERT_FALSE(wrong_index);
  EXPECT_EQ(wrong_index.error().code, v1::AUDIT_INVALID);

  auto too_short = verify_inclusion(5, 8, leaf5, {kE, kF}, kR8);
  ASSERT_FALSE(too_short);
  EXPECT_EQ(too_short.error().code, v1::AUDIT_INVALID);
  EXPECT_EQ(too_short.error().message,
            "inclusion proof for index 5 in a tree of 8: 2 hashes, expected 3 (proof too short)");

  auto too_long = verify_inclusion(5, 8, leaf5, {kE, kF, kR4, kR4}, kR8);
  ASSERT_FALSE(too_long);
  EXPECT_EQ(too_long.error().code, v1::AUDIT_INVALID);
  EXPECT_NE(too_long.error().message.find("too long"), std::string::npos);

  auto wrong_root = verify_inclusion(5, 8, leaf5, proof, kR7);
  ASSERT_FALSE(wrong_root);
  EXPECT_EQ(wrong_root.error().code, v1::AUDIT_INVALID);

  auto wrong_leaf = verify_inclusion(5, 8, leaf_hash(kVectorLeaves[4]), proof, kR8);
  ASSERT_FALSE(wrong_leaf);
  EXPECT_EQ(wrong_leaf.error().code, v1::AUDIT_INVALID);

  auto out_of_range = verify_inclusion(8, 8, leaf5, proof, kR8);
  ASSERT_FALSE(out_of_range);
  EXPECT_EQ(out_of_range.error().code, v1::AUDIT_INVALID);
  EXPECT_EQ(out_of_range.error().message,
            "inclusion proof for index 8 in a tree of 8: index out of range");
  auto empty_tree = verify_inclusion(0, 0, leaf5, {}, empty_tree_root());
  ASSERT_FALSE(empty_tree);
  EXPECT_EQ(empty_tree.error().code, v1::AUDIT_INVALID);

  // A one-leaf tree: empty proof, the root is the leaf hash.
  EXPECT_TRUE(verify_inclusion(0, 1, kR1, {}, kR1));
  EXPECT_FALSE(verify_inclusion(0, 1, kR1, {kR1}, kR1));
}

TEST_F(MerkleVerify, InclusionProofRejectsIndexOutOfRange) {
  for (std::uint64_t size : {0, 1, 8}) {
    auto proof = inclusion_proof(store_, size, size);
    ASSERT_FALSE(proof) << size;
    EXPECT_EQ(proof.error().code, v1::AUDIT_INVALID);
    EXPECT_NE(proof.error().message.find("index out of range"), std::string::npos);
  }
  EXPECT_EQ(store_.read_calls, 0);
}

TEST_F(MerkleVerify, ConsistencyRejections) {
  const std::vector<Hash> proof = {kG, kF, kR4};
  ASSERT_TRUE(verify_consistency(6, 8, kR6, kR8, proof));

  auto tampered_element = verify_consistency(6, 8, kR6, kR8, {kG, kF, tampered(kR4)});
  ASSERT_FALSE(tampered_element);
  EXPECT_EQ(tampered_element.error().code, v1::AUDIT_INVALID);
  EXPECT_EQ(tampered_element.error().message,
            "consistency proof from tree size 6 to 8: old root mismatch");

  auto wrong_new_root = verify_consistency(6, 8, kR6, kR7, proof);
  ASSERT_FALSE(wrong_new_root);
  EXPECT_EQ(wrong_new_root.error().code, v1::AUDIT_INVALID);
  EXPECT_EQ(wrong_new_root.error().message,
            "consistency proof from tree size 6 to 8: new root mismatch");

  auto wrong_old_root = verify_consistency(6, 8, kR5, kR8, proof);
  ASSERT_FALSE(wrong_old_root);
  EXPECT_EQ(wrong_old_root.error().code, v1::AUDIT_INVALID);

  auto too_short = verify_consistency(6, 8, kR6, kR8, {kG, kF});
  ASSERT_FALSE(too_short);
  EXPECT_EQ(too_short.error().code, v1::AUDIT_INVALID);
  EXPECT_NE(too_short.error().message.find("too short"), std::string::npos);

  auto too_long = verify_consistency(6, 8, kR6, kR8, {kG, kF, kR4, kR4});
  ASSERT_FALSE(too_long);
  EXPECT_EQ(too_long.error().code, v1::AUDIT_INVALID);
  EXPECT_NE(too_long.error().message.find("too long"), std::string::npos);

  // The proof for 6 -> 8 claimed for other sizes.
  EXPECT_FALSE(verify_consistency(5, 8, kR5, kR8, proof));
  EXPECT_FALSE(verify_consistency(6, 7, kR6, kR7, proof));
  EXPECT_FALSE(verify_consistency(4, 8, kR4, kR8, {kG, kF, kR4}));

  auto shrinking = verify_consistency(8, 6, kR8, kR6, proof);
  ASSERT_FALSE(shrinking);
  EXPECT_EQ(shrinking.error().code, v1::AUDIT_INVALID);
  EXPECT_EQ(shrinking.error().message,
            "consistency proof from tree size 8 to 6: old size exceeds new size");
  auto generated = consistency_proof(store_, 8, 6);
  ASSERT_FALSE(generated);
  EXPECT_EQ(generated.error().code, v1::AUDIT_INVALID);
  EXPECT_EQ(store_.read_calls, 0);
}

TEST_F(MerkleVerify, ConsistencyConventionsForEmptyAndEqualSizes) {
  // From the empty tree: an empty proof, always consistent.
  EXPECT_TRUE(verify_consistency(0, 8, empty_tree_root(), kR8, {}));
  EXPECT_TRUE(verify_consistency(0, 0, empty_tree_root(), empty_tree_root(), {}));
  auto nonempty = verify_consistency(0, 8, empty_tree_root(), kR8, {kR8});
  ASSERT_FALSE(nonempty);
  EXPECT_EQ(nonempty.error().code, v1::AUDIT_INVALID);
  auto generated = consistency_proof(store_, 0, 8);
  ASSERT_TRUE(generated);
  EXPECT_TRUE(generated.value().empty());

  // Same size: an empty proof and equal roots.
  EXPECT_TRUE(verify_consistency(8, 8, kR8, kR8, {}));
  auto forked = verify_consistency(8, 8, kR8, kR7, {});
  ASSERT_FALSE(forked);
  EXPECT_EQ(forked.error().code, v1::AUDIT_INVALID);
  EXPECT_EQ(forked.error().message,
            "consistency proof from tree size 8 to 8: same size, different roots");
  auto padded = verify_consistency(8, 8, kR8, kR8, {kR8});
  ASSERT_FALSE(padded);
  EXPECT_EQ(padded.error().code, v1::AUDIT_INVALID);
  EXPECT_EQ(store_.read_calls, 0);
}

// ---------------------------------------------------------------------------

TEST(MerkleBase64, RoundTrip) {
  for (const Hash& hash : {kR8, empty_tree_root(), Hash{}, tampered(kA)}) {
    const std::string text = to_base64(hash);
    EXPECT_EQ(text.size(), 44U);
    auto decoded = hash_from_base64(text);
    ASSERT_TRUE(decoded) << text << ": " << decoded.error().describe();
    EXPECT_EQ(decoded.value(), hash);
  }
  Hash all_ones;
  all_ones.fill(0xff);
  EXPECT_EQ(to_base64(all_ones), "//////////////////////////////////////////8=");
  EXPECT_TRUE(hash_from_base64("//////////////////////////////////////////8="));
}

TEST(MerkleBase64, StrictRejections) {
  const std::string good = "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=";
  ASSERT_TRUE(hash_from_base64(good));
  const std::vector<std::string> bad = {
      "",
      good.substr(0, 43),                              // padding missing
      good + "=",                                      // too long
      good + "\n",                                     // trailing newline
      " " + good.substr(0, 43),                        // leading space
      "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyh=",  // non-zero padding bits
      "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz-Nw7_RgQyg=",  // URL-safe alphabet
      "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQw==",  // canonical, but 31 bytes
      "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQ===",  // too much padding
      "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQygA",  // 33 bytes, no padding
      "XcnaeacGWamtVZy3Ad7Zoqud=gjqtL0lgz+Nw7/RgQyg",  // padding in the middle
      "Xcnaeac GWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg",  // embedded space
      std::string(44, '!'),
      std::string(44, '='),
      std::string("XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg\0", 44),
  };
  for (const std::string& text : bad) {
    auto decoded = hash_from_base64(text);
    ASSERT_FALSE(decoded) << "accepted '" << text << "'";
    EXPECT_EQ(decoded.error().code, v1::AUDIT_INVALID);
    EXPECT_EQ(decoded.error().message.rfind("hash: ", 0), 0U) << decoded.error().message;
  }
}

TEST(MerkleHashing, DomainSeparation) {
  // A leaf holding two hashes must not hash like the node over them.
  const std::string two_hashes = as_string(kA) + as_string(kB);
  EXPECT_NE(leaf_hash(two_hashes), node_hash(kA, kB));
  EXPECT_EQ(leaf_hash(two_hashes), reference_sha256(std::string(1, '\0') + two_hashes));
  EXPECT_EQ(node_hash(kA, kB), reference_node(kA, kB));
  EXPECT_EQ(to_hex(kA), "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7");
}

}  // namespace
}  // namespace weft::audit
