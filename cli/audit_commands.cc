#include "cli/audit_commands.h"

#include <sodium.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iostream>

#include <google/protobuf/util/time_util.h>

#include "audit/checkpoint.h"
#include "audit/merkle.h"
#include "audit/note.h"
#include "cli/audit_report.h"
#include "cli/client_session.h"
#include "cli/exit_codes.h"
#include "cli/json_text.h"
#include "common/base64.h"
#include "common/files.h"

namespace weft::cli {
namespace {

namespace asio = boost::asio;
using client::Connection;
constexpr std::uint32_t kEntriesPerRequest = 1000;

Result<audit::Hash> hash_from_bytes(std::string_view bytes) {
  audit::Hash hash{};
  if (bytes.size() != hash.size()) {
    return make_error(v1::AUDIT_INVALID, "the broker sent a proof hash of " + std::to_string(bytes.size()) +
                                             " bytes instead of 32");
  }
  std::memcpy(hash.data(), bytes.data(), hash.size());
  return hash;
}

Result<std::vector<audit::Hash>> hashes_of(const v1::AuditResponse::Proof& proof) {
  std::vector<audit::Hash> out;
  for (const auto& bytes : proof.hashes()) {
    WEFT_TRY(auto hash, hash_from_bytes(bytes));
    out.push_back(hash);
  }
  return out;
}

std::string json_hash_list(const std::vector<audit::Hash>& hashes) {
  std::string out = "[";
  for (std::size_t i = 0; i < hashes.size(); ++i) {
    out += (i == 0 ? "" : ", ") + json_string(audit::to_base64(hashes[i]));
  }
  return out + "]";
}

Result<audit::NoteVerifier> pinned_verifier(const client::Profile& profile) {
  if (profile.audit_verifier_key.empty()) {
    return make_error(v1::CONFIG_INVALID,
                      profile.path.string() + " has no audit_verifier_key: ask the operator for the audit log's "
                                              "verifier key (weft admin init prints it) and add "
                                              "audit_verifier_key: \"...\" to the profile");
  }
  return audit::NoteVerifier::parse(profile.audit_verifier_key);
}

// An auditor's session: the profile, its pinned key and a connection.
// An auditor's connection; closed when the session goes out of scope, on
// every path out of a command.
struct AuditSession {
  client::Profile profile;
  std::optional<audit::NoteVerifier> verifier;
  std::shared_ptr<Connection> connection;

  AuditSession() = default;
  AuditSession(AuditSession&&) noexcept = default;
  AuditSession& operator=(AuditSession&&) noexcept = default;
  AuditSession(const AuditSession&) = delete;
  AuditSession& operator=(const AuditSession&) = delete;
  ~AuditSession() {
    if (connection) {
      connection->close();
    }
  }

  asio::awaitable<Result<v1::AuditResponse>> ask(v1::AuditRequest request) {
    co_return co_await connection->audit(std::move(request));
  }

  // The latest checkpoint, verified with the pinned key.
  asio::awaitable<Result<std::pair<std::string, audit::Checkpoint>>> checkpoint() {
    v1::AuditRequest request;
    request.mutable_checkpoint();
    auto answer = co_await ask(request);
    if (!answer) {
      co_return answer.error();
    }
    const std::string note = answer.value().checkpoint();
    auto opened = audit::open_checkpoint(*verifier, note);
    if (!opened) {
      co_return make_error(v1::AUDIT_INVALID, "the broker's checkpoint does not verify with the pinned key: " +
                                                  opened.error().message);
    }
    co_return std::make_pair(note, opened.value());
  }

  asio::awaitable<Result<std::vector<v1::AuditEntry>>> entries(std::uint64_t start, std::uint32_t count) {
    v1::AuditRequest request;
    request.mutable_entries()->set_start(start);
    request.mutable_entries()->set_count(count);
    auto answer = co_await ask(request);
    if (!answer) {
      co_return answer.error();
    }
    auto& entries = *answer.value().mutable_entries()->mutable_entries();
    co_return std::vector<v1::AuditEntry>(entries.begin(), entries.end());
  }

  asio::awaitable<Result<std::vector<audit::Hash>>> inclusion(std::uint64_t index, std::uint64_t size) {
    v1::AuditRequest request;
    request.mutable_inclusion()->set_index(index);
    request.mutable_inclusion()->set_size(size);
    auto answer = co_await ask(request);
    if (!answer) {
      co_return answer.error();
    }
    co_return hashes_of(answer.value().proof());
  }

  asio::awaitable<Result<std::vector<audit::Hash>>> consistency(std::uint64_t from, std::uint64_t to) {
    v1::AuditRequest request;
    request.mutable_consistency()->set_from(from);
    request.mutable_consistency()->set_to(to);
    auto answer = co_await ask(request);
    if (!answer) {
      co_return answer.error();
    }
    co_return hashes_of(answer.value().proof());
  }
};

asio::awaitable<Result<AuditSession>> open_audit_session(const ClientOptions& options) {
  AuditSession session;
  auto profile = load_profile(options);
  if (!profile) {
    co_return profile.error();
  }
  session.profile = std::move(profile).value();
  auto verifier = pinned_verifier(session.profile);
  if (!verifier) {
    co_return verifier.error();
  }
  session.verifier = std::move(verifier).value();
  auto connection = co_await Connection::connect(co_await asio::this_coro::executor, session.profile,
                                                 connection_options(options));
  if (!connection) {
    co_return connection.error();
  }
  session.connection = std::move(connection).value();
  co_return session;
}

// ---- key, checkpoint, entry, prove, consistency ---------------------------------

asio::awaitable<int> print_checkpoint(ClientOptions options) {
  auto session = co_await open_audit_session(options);
  if (!session) {
    co_return report_failure("cannot open an audit session", session.error());
  }
  auto checkpoint = co_await session.value().checkpoint();
  if (!checkpoint) {
    co_return report_failure("no verified checkpoint", checkpoint.error());
  }
  std::cout << checkpoint.value().first << std::flush;
  co_return kExitOk;
}

asio::awaitable<int> print_entry(ClientOptions options, std::uint64_t index) {
  auto opened = co_await open_audit_session(options);
  if (!opened) {
    co_return report_failure("cannot open an audit session", opened.error());
  }
  AuditSession& session = opened.value();
  auto checkpoint = co_await session.checkpoint();
  auto entries = co_await session.entries(index, 1);
  if (!checkpoint || !entries) {
    co_return report_failure("cannot read entry " + std::to_string(index),
                             !checkpoint ? checkpoint.error() : entries.error());
  }
  if (entries.value().empty() || entries.value().front().index() != index) {
    co_return report_failure("cannot read entry " + std::to_string(index),
                             make_error(v1::AUDIT_INVALID, "the broker answered with another entry"));
  }
  const std::string& leaf = entries.value().front().leaf();
  const audit::Checkpoint& head = checkpoint.value().second;
  // Checked against the signed tree when the checkpoint covers it.
  std::string verified = "false";
  if (index < head.size) {
    auto proof = co_await session.inclusion(index, head.size);
    if (!proof) {
      co_return report_failure("cannot prove entry " + std::to_string(index), proof.error());
    }
    if (auto checked = audit::verify_inclusion(index, head.size, audit::leaf_hash(leaf), proof.value(), head.root);
        !checked) {
      co_return report_failure("entry " + std::to_string(index) + " is not in the signed log", checked.error());
    }
    verified = "true";
  }
  v1::AuditRecord record;
  const bool decoded = record.ParseFromString(leaf);
  print_line("{\"index\": " + std::to_string(index) + ", \"leaf\": " + json_string(base64::encode(leaf)) +
             ", \"leaf_hash\": " + json_string(audit::to_base64(audit::leaf_hash(leaf))) +
             ", \"included_in_checkpoint\": " + verified + ", \"checkpoint_size\": " + std::to_string(head.size) +
             (decoded ? ", \"record\": " + json_line(record) : std::string()) + "}");
  co_return kExitOk;
}

asio::awaitable<int> print_inclusion(ClientOptions options, std::uint64_t index) {
  auto opened = co_await open_audit_session(options);
  if (!opened) {
    co_return report_failure("cannot open an audit session", opened.error());
  }
  AuditSession& session = opened.value();
  auto checkpoint = co_await session.checkpoint();
  if (!checkpoint) {
    co_return report_failure("no verified checkpoint", checkpoint.error());
  }
  const audit::Checkpoint& head = checkpoint.value().second;
  if (index >= head.size) {
    co_return report_failure("cannot prove entry " + std::to_string(index),
                             make_error(v1::NOT_FOUND, "the latest checkpoint covers " + std::to_string(head.size) +
                                                           " entries"));
  }
  auto proof = co_await session.inclusion(index, head.size);
  auto entries = co_await session.entries(index, 1);
  if (!proof || !entries) {
    co_return report_failure("cannot prove entry " + std::to_string(index), !proof ? proof.error() : entries.error());
  }
  if (entries.value().empty()) {
    co_return report_failure("cannot prove entry " + std::to_string(index),
                             make_error(v1::AUDIT_INVALID, "the broker did not send the entry"));
  }
  // Printed only once it checks out against the signed root.
  if (auto checked = audit::verify_inclusion(index, head.size, audit::leaf_hash(entries.value().front().leaf()),
                                             proof.value(), head.root);
      !checked) {
    co_return report_failure("the broker's proof for entry " + std::to_string(index) + " does not verify",
                             checked.error());
  }
  print_line("{\"index\": " + std::to_string(index) + ", \"size\": " + std::to_string(head.size) +
             ", \"inclusion\": " + json_hash_list(proof.value()) + "}");
  co_return kExitOk;
}

asio::awaitable<int> print_consistency(ClientOptions options, std::uint64_t from, std::optional<std::uint64_t> to) {
  auto opened = co_await open_audit_session(options);
  if (!opened) {
    co_return report_failure("cannot open an audit session", opened.error());
  }
  AuditSession& session = opened.value();
  auto checkpoint = co_await session.checkpoint();
  if (!checkpoint) {
    co_return report_failure("no verified checkpoint", checkpoint.error());
  }
  const std::uint64_t new_size = to.value_or(checkpoint.value().second.size);
  auto proof = co_await session.consistency(from, new_size);
  if (!proof) {
    co_return report_failure("no consistency proof from " + std::to_string(from) + " to " + std::to_string(new_size),
                             proof.error());
  }
  print_line("{\"from\": " + std::to_string(from) + ", \"to\": " + std::to_string(new_size) +
             ", \"proof\": " + json_hash_list(proof.value()) + "}");
  co_return kExitOk;
}

// ---- verify ---------------------------------------------------------------------

// Every node of the tree over the downloaded leaves, level by level, so that
// the root of any prefix can be computed while searching for a divergence.
class DownloadedTree final : public audit::HashReader {
 public:
  explicit DownloadedTree(std::vector<audit::Hash> leaves) { levels_.push_back(std::move(leaves)); }
  Result<std::vector<audit::Hash>> read(const std::vector<audit::NodeId>& nodes) override {
    std::vector<audit::Hash> out;
    for (const auto& id : nodes) {
      while (levels_.size() <= id.level) {
        const auto& below = levels_.back();
        std::vector<audit::Hash> level;
        for (std::size_t i = 0; i + 1 < below.size(); i += 2) {
          level.push_back(audit::node_hash(below[i], below[i + 1]));
        }
        levels_.push_back(std::move(level));
      }
      if (id.index >= levels_[id.level].size()) {
        return make_error(v1::INTERNAL, "node beyond the downloaded entries");
      }
      out.push_back(levels_[id.level][id.index]);
    }
    return out;
  }

 private:
  std::vector<std::vector<audit::Hash>> levels_;
};

class Progress {
 public:
  explicit Progress(std::uint64_t total) : total_(total), terminal_(::isatty(STDERR_FILENO) == 1) {}
  void update(std::uint64_t done) {
    const int percent = total_ == 0 ? 100 : static_cast<int>(done * 100 / total_);
    if (percent == shown_) {
      return;
    }
    shown_ = percent;
    if (terminal_) {
      const int width = 40;
      const int filled = percent * width / 100;
      std::cerr << "\rdownloading the log [" << std::string(static_cast<std::size_t>(filled), '#')
                << std::string(static_cast<std::size_t>(width - filled), ' ') << "] " << percent << "% (" << done
                << "/" << total_ << ")" << std::flush;
    } else if (percent % 10 == 0) {
      std::cerr << "weft: downloaded " << done << " of " << total_ << " entries\n";
    }
  }
  void finish() {
    if (terminal_) {
      std::cerr << "\n";
    }
  }

 private:
  std::uint64_t total_;
  bool terminal_;
  int shown_ = -1;
};

// Every entry up to `size`, each checked to be the record of its own
// position, as leaf hashes. AUDIT_INVALID when the broker serves something else.
asio::awaitable<Result<std::vector<audit::Hash>>> download_leaf_hashes(AuditSession& session, std::uint64_t size) {
  Progress progress(size);
  std::vector<audit::Hash> leaves;
  leaves.reserve(size);
  while (leaves.size() < size) {
    const auto count = static_cast<std::uint32_t>(std::min<std::uint64_t>(kEntriesPerRequest, size - leaves.size()));
    auto page = co_await session.entries(leaves.size(), count);
    if (!page) {
      progress.finish();
      co_return page.error();
    }
    if (page.value().empty()) {
      progress.finish();
      co_return make_error(v1::AUDIT_INVALID, "the broker has no entry " + std::to_string(leaves.size()) +
                                                  " although it signed size " + std::to_string(size));
    }
    for (const auto& entry : page.value()) {
      v1::AuditRecord record;
      if (entry.index() != leaves.size() || !record.ParseFromString(entry.leaf()) ||
          record.index() != entry.index()) {
        progress.finish();
        co_return make_error(v1::AUDIT_INVALID, "entry " + std::to_string(leaves.size()) +
                                                    " is not the audit record of its own position");
      }
      leaves.push_back(audit::leaf_hash(entry.leaf()));
      if (leaves.size() == size) {
        break;
      }
    }
    progress.update(leaves.size());
  }
  progress.finish();
  co_return leaves;
}

// The first entry that does not belong to the signed tree: binary search for
// the largest prefix the broker can prove consistent with the signed root.
asio::awaitable<std::uint64_t> first_divergence(AuditSession& session, DownloadedTree& tree,
                                                const audit::Checkpoint& head) {
  std::uint64_t good = 0;
  std::uint64_t bad = head.size;
  while (bad - good > 1) {
    const std::uint64_t middle = good + (bad - good) / 2;
    auto proof = co_await session.consistency(middle, head.size);
    auto prefix_root = audit::tree_root(tree, middle);
    const bool consistent =
        proof && prefix_root &&
        audit::verify_consistency(middle, head.size, prefix_root.value(), head.root, proof.value());
    (consistent ? good : bad) = middle;
  }
  co_return good;
}

int verification_failed(const std::string& what) {
  print_line("FAILED: " + what);
  return kExitAuditFailed;
}

asio::awaitable<int> verify_log(ClientOptions options, std::filesystem::path state_file) {
  auto opened = co_await open_audit_session(options);
  if (!opened) {
    co_return report_failure("cannot open an audit session", opened.error());
  }
  AuditSession& session = opened.value();
  if (state_file.empty()) {
    state_file = session.profile.path.parent_path() / "audit-seen.checkpoint";
  }
  auto checkpoint = co_await session.checkpoint();
  if (!checkpoint) {
    if (checkpoint.error().code == v1::AUDIT_INVALID) {
      co_return verification_failed(checkpoint.error().message);
    }
    co_return report_failure("no checkpoint", checkpoint.error());
  }
  const std::string note = checkpoint.value().first;
  const audit::Checkpoint head = checkpoint.value().second;

  // What this auditor saw last time, like a witness: the log may only grow.
  std::optional<audit::Checkpoint> seen;
  if (std::filesystem::exists(state_file)) {
    auto text = files::read_file(state_file, 64 * 1024);
    auto parsed = text ? audit::open_checkpoint(*session.verifier, text.value()) : Result<audit::Checkpoint>(text.error());
    if (!parsed) {
      co_return report_failure("the saved checkpoint " + state_file.string() + " is unusable", parsed.error());
    }
    seen = parsed.value();
    if (seen->size > head.size) {
      co_return verification_failed("the log shrank: size " + std::to_string(seen->size) + " was signed before (" +
                                    state_file.string() + "), the broker now signs size " +
                                    std::to_string(head.size));
    }
  }

  auto downloaded = co_await download_leaf_hashes(session, head.size);
  if (!downloaded) {
    if (downloaded.error().code == v1::AUDIT_INVALID) {
      co_return verification_failed(downloaded.error().message);
    }
    co_return report_failure("cannot download the log", downloaded.error());
  }
  std::vector<audit::Hash> leaves = std::move(downloaded).value();

  DownloadedTree tree(leaves);
  const auto root_of = [&](std::uint64_t size) { return audit::tree_root(tree, size); };
  auto root = root_of(head.size);
  if (!root) {
    co_return report_failure("cannot compute the root", root.error());
  }
  if (root.value() != head.root) {
    const std::uint64_t first_bad = co_await first_divergence(session, tree, head);
    co_return verification_failed("the log diverges at index " + std::to_string(first_bad) +
                                  ": the entries served from there on do not hash to the signed root of size " +
                                  std::to_string(head.size));
  }
  if (seen && seen->size > 0) {
    auto earlier = root_of(seen->size);
    auto proof = co_await session.consistency(seen->size, head.size);
    if (!earlier || earlier.value() != seen->root) {
      co_return verification_failed("the first " + std::to_string(seen->size) +
                                    " entries no longer hash to the root signed before (" + state_file.string() +
                                    "): the log's history was rewritten");
    }
    if (!proof || !audit::verify_consistency(seen->size, head.size, seen->root, head.root, proof.value())) {
      co_return verification_failed("the broker's consistency proof from size " + std::to_string(seen->size) +
                                    " does not verify");
    }
  } else {
  }
  if (auto saved = files::write_file_atomic(state_file, note, 0644); !saved) {
    co_return report_failure("cannot save the checkpoint seen", saved.error());
  }
  print_line("OK: " + std::to_string(head.size) + " entries hash to the signed root " + audit::to_base64(head.root) +
             " of " + head.origin +
             (seen ? "; consistent with size " + std::to_string(seen->size) + " seen before" : std::string()));
  co_return kExitOk;
}

// ---- query and report -------------------------------------------------------------

Result<google::protobuf::Timestamp> parse_time(const std::string& text, const char* what) {
  google::protobuf::Timestamp time;
  std::string full = text;
  if (full.size() == 10) {
    full += "T00:00:00Z";  // a day means its start, UTC
  }
  if (!google::protobuf::util::TimeUtil::FromString(full, &time)) {
    return make_error(v1::INVALID_INPUT, std::string(what) + ": '" + text +
                                             "' is not a time (RFC 3339 like 2026-11-28T09:00:00Z, or 2026-11-28)");
  }
  return time;
}

Result<v1::AuditRequest::Query> query_for(const AuditFilter& filter) {
  v1::AuditRequest::Query query;
  if (!filter.since.empty()) {
    WEFT_TRY(*query.mutable_since(), parse_time(filter.since, "--since"));
  }
  if (!filter.until.empty()) {
    WEFT_TRY(*query.mutable_until(), parse_time(filter.until, "--until"));
  }
  query.set_organisation(filter.organisation);
  query.set_policy(filter.policy);
  query.set_category(filter.category);
  query.set_feed(filter.feed);
  if (!filter.action.empty()) {
    v1::Action action;
    if (!v1::Action_Parse(filter.action, &action)) {
      return make_error(v1::INVALID_INPUT, "--action: '" + filter.action +
                                               "' is not an action (KEEP, MASK, GENERALISE, PSEUDONYMISE, REDACT, "
                                               "DROP_FIELD, DROP_INDICATOR, WITHHOLD_REPORT)");
    }
    query.set_action(action);
  }
  if (!filter.outcome.empty()) {
    v1::AuditRecord::Outcome outcome;
    if (!v1::AuditRecord::Outcome_Parse(filter.outcome, &outcome)) {
      return make_error(v1::INVALID_INPUT, "--outcome: '" + filter.outcome +
                                               "' is not an outcome (DELIVERED, WITHHELD_POLICY, WITHHELD_TLP, "
                                               "FAILED_CLOSED, PUBLISH_REFUSED)");
    }
    query.set_outcome(outcome);
  }
  return query;
}

// Pages through the matching records, calling `each` for every one.
asio::awaitable<Result<void>> for_each_match(AuditSession& session, v1::AuditRequest::Query query,
                                             std::uint64_t limit,
                                             const std::function<void(const v1::AuditRecord&)>& each) {
  std::uint64_t delivered = 0;
  while (true) {
    v1::AuditRequest request;
    *request.mutable_query() = query;
    auto answer = co_await session.ask(request);
    if (!answer) {
      co_return answer.error();
    }
    const auto& result = answer.value().query();
    for (const auto& entry : result.entries()) {
      v1::AuditRecord record;
      if (!record.ParseFromString(entry.leaf())) {
        co_return make_error(v1::AUDIT_INVALID, "entry " + std::to_string(entry.index()) + " does not decode");
      }
      each(record);
      if (limit > 0 && ++delivered >= limit) {
        co_return ok();
      }
    }
    if (result.next_index() >= result.log_size() || result.next_index() <= query.start_index()) {
      co_return ok();
    }
    query.set_start_index(result.next_index());
  }
}

asio::awaitable<int> query_log(ClientOptions options, AuditFilter filter) {
  auto query = query_for(filter);
  if (!query) {
    std::cerr << "weft: " << query.error().message << "\n";
    co_return kExitUsage;
  }
  auto opened = co_await open_audit_session(options);
  if (!opened) {
    co_return report_failure("cannot open an audit session", opened.error());
  }
  auto done = co_await for_each_match(opened.value(), query.value(), filter.limit,
                                      [](const v1::AuditRecord& record) { print_line(json_line(record)); });
  if (!done) {
    co_return report_failure("query failed", done.error());
  }
  co_return kExitOk;
}

asio::awaitable<int> report_log(ClientOptions options, AuditFilter filter, std::string format,
                                std::filesystem::path out_file) {
  if (format != "md" && format != "html") {
    std::cerr << "weft: --format must be md or html\n";
    co_return kExitUsage;
  }
  auto query = query_for(filter);
  if (!query) {
    std::cerr << "weft: " << query.error().message << "\n";
    co_return kExitUsage;
  }
  auto opened = co_await open_audit_session(options);
  if (!opened) {
    co_return report_failure("cannot open an audit session", opened.error());
  }
  auto checkpoint = co_await opened.value().checkpoint();
  if (!checkpoint) {
    co_return report_failure("no verified checkpoint", checkpoint.error());
  }
  std::vector<v1::AuditRecord> records;
  auto done = co_await for_each_match(opened.value(), query.value(), filter.limit,
                                      [&](const v1::AuditRecord& record) { records.push_back(record); });
  if (!done) {
    co_return report_failure("query failed", done.error());
  }
  AuditReportOptions report_options;
  report_options.log_origin = checkpoint.value().second.origin;
  report_options.checkpoint_size = checkpoint.value().second.size;
  report_options.checkpoint_root_base64 = audit::to_base64(checkpoint.value().second.root);
  if (query.value().has_since()) {
    report_options.since = query.value().since();
  }
  if (query.value().has_until()) {
    report_options.until = query.value().until();
  }
  const std::string rendered = render_audit_report(
      records, report_options, format == "html" ? AuditReportFormat::kHtml : AuditReportFormat::kMarkdown);
  if (out_file.empty()) {
    std::cout << rendered << std::flush;
  } else if (auto written = files::write_file_atomic(out_file, rendered, 0644); !written) {
    co_return report_failure("cannot write the report", written.error());
  } else {
    std::cerr << "weft: wrote " << out_file.string() << " (" << records.size() << " records)\n";
  }
  co_return kExitOk;
}

}  // namespace

int run_audit_key(const ClientOptions& options) {
  auto profile = load_profile(options);
  if (!profile) {
    return report_failure("cannot read the profile", profile.error());
  }
  auto verifier = pinned_verifier(profile.value());
  if (!verifier) {
    return report_failure("no audit key", verifier.error());
  }
  print_line(verifier.value().verifier_key());
  return kExitOk;
}

int run_audit_checkpoint(const ClientOptions& options) {
  asio::io_context io(1);
  return run_to_completion(io, print_checkpoint(options));
}

int run_audit_entry(const ClientOptions& options, std::uint64_t index) {
  asio::io_context io(1);
  return run_to_completion(io, print_entry(options, index));
}

int run_audit_prove(const ClientOptions& options, std::uint64_t index) {
  asio::io_context io(1);
  return run_to_completion(io, print_inclusion(options, index));
}

int run_audit_consistency(const ClientOptions& options, std::uint64_t from, std::optional<std::uint64_t> to) {
  asio::io_context io(1);
  return run_to_completion(io, print_consistency(options, from, to));
}

int run_audit_verify(const ClientOptions& options, std::filesystem::path state_file) {
  asio::io_context io(1);
  return run_to_completion(io, verify_log(options, std::move(state_file)));
}

int run_audit_query(const ClientOptions& options, const AuditFilter& filter) {
  asio::io_context io(1);
  return run_to_completion(io, query_log(options, filter));
}

int run_audit_report(const ClientOptions& options, const AuditFilter& filter, const std::string& format,
                     const std::filesystem::path& out_file) {
  asio::io_context io(1);
  return run_to_completion(io, report_log(options, filter, format, out_file));
}

}  // namespace weft::cli
