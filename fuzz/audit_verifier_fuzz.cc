// What an auditor's verifier reads from an untrusted broker: signed
// checkpoints, and inclusion and consistency proofs. Properties: nothing
// but the real signer's note opens, and a proof made of arbitrary hashes
// does not verify against a root it was not built for.
#include <cstring>
#include <vector>

#include "audit/checkpoint.h"
#include "audit/merkle.h"
#include "audit/note.h"
#include "fuzz/fuzz_target.h"

namespace {

std::uint64_t take_u64(std::string_view& in) {
  std::uint64_t value = 0;
  const std::size_t n = std::min<std::size_t>(8, in.size());
  std::memcpy(&value, in.data(), n);
  in.remove_prefix(n);
  return value;
}

weft::audit::Hash take_hash(std::string_view& in) {
  weft::audit::Hash hash{};
  const std::size_t n = std::min(hash.size(), in.size());
  std::memcpy(hash.data(), in.data(), n);
  in.remove_prefix(n);
  return hash;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in = weft::fuzz::as_text(data, size);
  (void)weft::audit::parse_checkpoint_text(in);
  (void)weft::audit::check_note_text(in);

  // Small trees mostly, so that some proofs have the right length.
  const std::uint64_t size_word = take_u64(in);
  const std::uint64_t tree_size = size_word % 2 == 0 ? size_word % 97 : size_word;
  const std::uint64_t index = tree_size == 0 ? 0 : take_u64(in) % tree_size;
  const auto leaf = take_hash(in);
  std::vector<weft::audit::Hash> proof;
  while (in.size() >= 32 && proof.size() < 70) {
    proof.push_back(take_hash(in));
  }
  // The root is a hash nobody built a tree for: nothing may verify against it.
  const auto root = weft::audit::leaf_hash("a root no proof was made for");
  // Except a one-leaf tree whose leaf is that root: its proof is empty and no
  // hashing happens, and libFuzzer's comparison tracing hands it the bytes.
  // Any larger tree would need a hash preimage.
  const bool root_as_single_leaf = tree_size == 1 && leaf == root;
  if (!root_as_single_leaf && weft::audit::verify_inclusion(index, tree_size, leaf, proof, root)) {
    weft::fuzz::property_failed("an arbitrary inclusion proof verified");
  }
  if (tree_size > 0 && weft::audit::verify_consistency(tree_size / 2 + 1, tree_size, leaf, root, proof) &&
      tree_size / 2 + 1 != tree_size) {
    weft::fuzz::property_failed("an arbitrary consistency proof verified");
  }
  return 0;
}
