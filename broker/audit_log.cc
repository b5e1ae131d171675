#include "broker/audit_log.h"

#include <sodium.h>

#include <algorithm>
#include <chrono>
#include <map>

#include <boost/asio/post.hpp>

#include "audit/checkpoint.h"
#include "broker/store_audit_cross_check.h"
#include "common/files.h"
#include "common/log.h"
#include "common/secret_files.h"
#include "proto/deterministic.h"

namespace weft::broker {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::uint32_t kMaxEntriesPerRequest = 1000;
constexpr std::uint32_t kMaxQueryResults = 1000;
constexpr std::uint64_t kMaxQueryScan = 100000;
constexpr std::size_t kMaxReaderJobs = 256;
// Leaves re-hashed per batch of stored-node comparisons at start-up.
constexpr std::uint64_t kVerifyBatch = 8192;

std::int64_t to_ms(const google::protobuf::Timestamp& time) {
  return time.seconds() * 1000 + time.nanos() / 1000000;
}

Error tampered(const std::string& problem) {
  return make_error(v1::AUDIT_TAMPERED, "the audit log does not match its last signed checkpoint: " + problem +
                                            "; refusing to extend it (restore the database and " +
                                            "checkpoint file from a backup taken together)");
}

Result<SecretBytes> load_fingerprint_key(const std::filesystem::path& file) {
  WEFT_TRY(auto key, files::read_raw_key_file(file, "audit fingerprint key", crypto_generichash_KEYBYTES));
  // Read for every record of every delivery, from the io threads.
  key.seal(SecretBytes::WhenIdle::kReadOnly);
  return key;
}

// A record matches a query when every filter given holds.
bool matches(const v1::AuditRecord& record, const v1::AuditRequest::Query& query) {
  if (query.has_since() && to_ms(record.time()) < to_ms(query.since())) {
    return false;
  }
  if (query.has_until() && to_ms(record.time()) >= to_ms(query.until())) {
    return false;
  }
  if (!query.organisation().empty() && record.publisher() != query.organisation() &&
      record.recipient() != query.organisation()) {
    return false;
  }
  if (!query.policy().empty() && record.policy().name() != query.policy()) {
    return false;
  }
  if (!query.feed().empty() && record.feed() != query.feed()) {
    return false;
  }
  if (query.outcome() != v1::AuditRecord::OUTCOME_UNSPECIFIED && record.outcome() != query.outcome()) {
    return false;
  }
  if (!query.category().empty() || query.action() != v1::ACTION_UNSPECIFIED) {
    return std::any_of(record.decisions().begin(), record.decisions().end(), [&](const v1::RedactionDecision& d) {
      return (query.category().empty() || d.category() == query.category()) &&
             (query.action() == v1::ACTION_UNSPECIFIED || d.action() == query.action());
    });
  }
  return true;
}

}  // namespace

// What start-up verification established.
struct AuditLog::Verified {
  audit::CompactRange tree;
  std::uint64_t signed_size = 0;
  std::string latest_note;
  store::FeedEnds feed_ends;
};

Result<std::unique_ptr<AuditLog>> AuditLog::open(const AuditSettings& settings) {
  if (sodium_init() < 0) {
    return make_error(v1::INTERNAL, "libsodium failed to initialise");
  }
  WEFT_TRY(auto signer, audit::NoteSigner::load(settings.signing_key_file));
  WEFT_TRY(auto verifier, audit::NoteVerifier::parse(signer->verifier_key()));
  WEFT_TRY(auto fingerprint_key, load_fingerprint_key(settings.fingerprint_key_file));
  if (settings.database_file.has_parent_path()) {
    WEFT_TRY(files::make_directory(settings.database_file.parent_path(), 0700));
  }
  WEFT_TRY(auto writer, store::AuditStore::open(settings.database_file, {.writer = true}));
  WEFT_TRY(auto reader, store::AuditStore::open(settings.database_file, {.writer = false}));

  // The last signed checkpoint: in the database, and in a file beside it so
  // that a database swapped for an older copy does not go unnoticed.
  Verified verified;
  std::optional<audit::Checkpoint> signed_head;
  WEFT_TRY(auto stored, writer->latest_checkpoint());
  if (stored) {
    auto opened = audit::open_checkpoint(verifier, stored->note);
    if (!opened) {
      return tampered("the newest checkpoint in " + settings.database_file.string() + " does not verify (" +
                      opened.error().message + ")");
    }
    if (opened.value().size != stored->size || opened.value().root != stored->root) {
      return tampered("the newest checkpoint in " + settings.database_file.string() +
                      " disagrees with its own columns");
    }
    signed_head = opened.value();
    verified.latest_note = stored->note;
  }
  std::optional<audit::Checkpoint> file_head;
  if (std::filesystem::exists(settings.checkpoint_file)) {
    WEFT_TRY(auto text, files::read_file(settings.checkpoint_file, 64 * 1024));
    auto from_file = audit::open_checkpoint(verifier, text);
    if (!from_file) {
      return tampered(settings.checkpoint_file.string() + " does not verify (" + from_file.error().message + ")");
    }
    file_head = from_file.value();
  }
  if (file_head && !signed_head) {
    return tampered(settings.checkpoint_file.string() + " holds a checkpoint of size " +
                    std::to_string(file_head->size) + " but the database has none (was it replaced?)");
  }
  if (!file_head && signed_head) {
    return tampered(settings.checkpoint_file.string() + " is missing although the log has signed checkpoints");
  }
  if (file_head && signed_head) {
    if (signed_head->size < file_head->size) {
      return tampered("the database's newest checkpoint has size " + std::to_string(signed_head->size) + " but " +
                      settings.checkpoint_file.string() + " already signed size " + std::to_string(file_head->size) +
                      " (the database was rolled back)");
    }
    if (signed_head->size == file_head->size && signed_head->root != file_head->root) {
      return tampered("two different roots were signed for size " + std::to_string(signed_head->size));
    }
    // A newer head in the database than in the file (a crash between the
    // two writes) must extend the file's: checked as the leaves are re-hashed.
  }

  WEFT_TRY(const std::uint64_t count, writer->leaf_count());
  if (signed_head && count < signed_head->size) {
    return tampered("it holds " + std::to_string(count) + " entries but size " + std::to_string(signed_head->size) +
                    " was signed (entries were removed)");
  }

  // Re-hash every leaf and every stored node: an edited record, node or
  // hash shows up here, before anything is appended to it.
  audit::CompactRange tree;
  std::vector<audit::StoredNode> completed;
  // Gathered in the same pass, for the cross-check with the report store.
  AuditedFeedEnds feed_ends;
  const auto check_nodes = [&]() -> Result<void> {
    std::map<std::uint32_t, std::vector<const audit::StoredNode*>> by_level;
    for (const auto& node : completed) {
      if (node.id.level > 0) {
        by_level[node.id.level].push_back(&node);
      }
    }
    for (const auto& [level, nodes] : by_level) {
      WEFT_TRY(auto stored_nodes, writer->level_range(level, nodes.front()->id.index, nodes.back()->id.index));
      if (stored_nodes.size() != nodes.size()) {
        return tampered("tree nodes of level " + std::to_string(level) + " are missing");
      }
      for (std::size_t i = 0; i < nodes.size(); ++i) {
        if (stored_nodes[i].first != nodes[i]->id.index || stored_nodes[i].second != nodes[i]->hash) {
          return tampered("tree node " + std::to_string(level) + "/" + std::to_string(nodes[i]->id.index) +
                          " does not match the entries below it");
        }
      }
    }
    completed.clear();
    return ok();
  };
  const auto check_head = [&](const std::optional<audit::Checkpoint>& head) -> Result<void> {
    if (head && tree.size() == head->size && tree.root() != head->root) {
      return tampered("its first " + std::to_string(head->size) + " entries do not hash to the signed root");
    }
    return ok();
  };
  WEFT_TRY(check_head(signed_head));
  WEFT_TRY(check_head(file_head));
  WEFT_TRY(writer->for_each_leaf(0, count, [&](std::uint64_t index, std::string_view bytes,
                                               const audit::Hash& stored_hash) -> Result<bool> {
    const audit::Hash hash = audit::leaf_hash(bytes);
    if (hash != stored_hash) {
      return tampered("entry " + std::to_string(index) + " was changed after it was recorded");
    }
    if (!feed_ends.add(bytes)) {
      return tampered("entry " + std::to_string(index) + " is not an audit record");
    }
    auto nodes = tree.append(hash);
    completed.insert(completed.end(), nodes.begin(), nodes.end());
    WEFT_TRY(check_head(signed_head));
    WEFT_TRY(check_head(file_head));
    if (tree.size() % kVerifyBatch == 0) {
      WEFT_TRY(check_nodes());
    }
    return true;
  }));
  WEFT_TRY(check_nodes());

  verified.tree = std::move(tree);
  verified.signed_size = signed_head ? signed_head->size : 0;
  verified.feed_ends = feed_ends.ends();
  log::info("audit.verified", {{"entries", count},
                               {"signed_size", verified.signed_size},
                               {"origin", signer->name()},
                               {"key", signer->verifier_key()}});
  return std::unique_ptr<AuditLog>(new AuditLog(settings, std::move(signer), std::move(fingerprint_key),
                                                std::move(writer), std::move(reader), std::move(verified)));
}

AuditLog::AuditLog(const AuditSettings& settings, std::unique_ptr<audit::NoteSigner> signer,
                   SecretBytes fingerprint_key, std::unique_ptr<store::AuditStore> writer,
                   std::unique_ptr<store::AuditStore> reader, Verified verified)
    : settings_(settings),
      signer_(std::move(signer)),
      fingerprint_key_(std::move(fingerprint_key)),
      writer_store_(std::move(writer)),
      reader_store_(std::move(reader)),
      tree_(std::move(verified.tree)),
      signed_size_(verified.signed_size),
      committed_size_(tree_.size()),
      feed_ends_at_open_(std::move(verified.feed_ends)) {
  latest_note_ = std::move(verified.latest_note);
  latest_note_size_ = signed_size_;
  // Entries recorded after the last checkpoint (a crash) get signed at once,
  // and a new log starts with a signed empty tree, so that auditors always
  // have a checkpoint to pin.
  if (tree_.size() > signed_size_ || latest_note_.empty()) {
    sign_checkpoint();
  }
  writer_thread_ = std::thread([this] { run_writer(); });
  reader_thread_ = std::thread([this] { run_reader(); });
}

AuditLog::~AuditLog() {
  {
    std::lock_guard writer_lock(writer_mutex_);
    std::lock_guard reader_lock(reader_mutex_);
    stopping_ = true;
  }
  writer_ready_.notify_all();
  reader_ready_.notify_all();
  writer_thread_.join();
  reader_thread_.join();
}

bool AuditLog::has_room() const {
  return !failing_.load(std::memory_order_relaxed) &&
         queued_.load(std::memory_order_relaxed) < settings_.queue_limit;
}

void AuditLog::record(v1::AuditRecord record) {
  {
    std::lock_guard lock(writer_mutex_);
    queue_.push_back(std::move(record));
    // Counted before the writer can take it: counted after, the writer's
    // subtraction could come first and wrap the count, and has_room() would
    // then hold deliveries back for no reason.
    queued_.fetch_add(1, std::memory_order_relaxed);
  }
  writer_ready_.notify_one();
}

std::string AuditLog::fingerprint(std::string_view bytes) const {
  std::string out(crypto_generichash_BYTES, '\0');
  crypto_generichash(reinterpret_cast<unsigned char*>(out.data()), out.size(),
                     reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                     fingerprint_key_.read().data(), fingerprint_key_.size());
  return out;
}

std::string AuditLog::verifier_key() const { return signer_->verifier_key(); }

std::string AuditLog::latest_checkpoint() const {
  std::lock_guard lock(checkpoint_mutex_);
  return latest_note_;
}

void AuditLog::run_writer() {
  std::deque<v1::AuditRecord> batch;
  while (true) {
    bool stop = false;
    {
      std::unique_lock lock(writer_mutex_);
      const bool unsigned_growth = committed_size_.load() > signed_size_;
      const auto due = last_checkpoint_attempt_ + settings_.checkpoint_interval;
      const auto has_work = [&] { return stopping_ || !queue_.empty(); };
      if (batch.empty()) {
        if (unsigned_growth) {
          writer_ready_.wait_until(lock, due, has_work);
        } else {
          writer_ready_.wait(lock, has_work);
        }
      }
      while (!queue_.empty() && batch.size() < settings_.max_batch) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      stop = stopping_ && queue_.empty();
    }
    if (!batch.empty()) {
      const std::size_t taken = batch.size();
      if (commit(batch)) {
        queued_.fetch_sub(taken, std::memory_order_relaxed);
        batch.clear();
        if (failing_.exchange(false)) {
          log::info("audit.recovered", {{"entries", committed_size_.load()}});
        }
      } else if (!stop) {
        // Keep the batch and try again: the records must not be lost, and
        // deliveries are held back (has_room) until the disk recovers.
        failing_ = true;
        std::this_thread::sleep_for(std::chrono::seconds(1));
        continue;
      }
    }
    const bool grown = committed_size_.load() > signed_size_;
    if (grown && (stop || Clock::now() - last_checkpoint_attempt_ >= settings_.checkpoint_interval)) {
      sign_checkpoint();
    }
    if (stop) {
      if (!batch.empty()) {
        log::error("audit.records_lost", {{"count", batch.size()}, {"reason", "the store kept failing at shutdown"}});
      }
      return;
    }
  }
}

void AuditLog::note_record_time(std::int64_t time_ms, std::uint64_t index) {
  // Records are stamped on several threads, so small inversions are normal;
  // a step back beyond that is the wall clock going back, which an auditor
  // reading times in the log must be told about.
  constexpr std::int64_t kToleranceMs = 60'000;
  if (time_ms + kToleranceMs < latest_record_time_ms_) {
    if (!reported_time_regression_) {
      reported_time_regression_ = true;
      log::warn("audit.time_went_back", {{"index", index}, {"by_s", (latest_record_time_ms_ - time_ms) / 1000}});
    }
    return;
  }
  reported_time_regression_ = false;
  latest_record_time_ms_ = std::max(latest_record_time_ms_, time_ms);
}

bool AuditLog::commit(std::deque<v1::AuditRecord>& batch) {
  const audit::CompactRange before = tree_;
  std::vector<store::AuditStore::Leaf> leaves;
  std::vector<audit::StoredNode> nodes;
  leaves.reserve(batch.size());
  for (auto& record : batch) {
    store::AuditStore::Leaf leaf;
    leaf.index = tree_.size();
    record.set_index(leaf.index);
    leaf.time_ms = to_ms(record.time());
    note_record_time(leaf.time_ms, leaf.index);
    leaf.bytes = proto::deterministic_bytes(record);
    leaf.hash = audit::leaf_hash(leaf.bytes);
    auto completed = tree_.append(leaf.hash);
    nodes.insert(nodes.end(), completed.begin(), completed.end());
    leaves.push_back(std::move(leaf));
  }
  if (auto stored = writer_store_->append(leaves, nodes); !stored) {
    tree_ = before;
    log::error("audit.append_failed", {{"records", batch.size()}, {"error", stored.error().message}});
    return false;
  }
  committed_size_.store(tree_.size(), std::memory_order_release);
  return true;
}

void AuditLog::sign_checkpoint() {
  last_checkpoint_attempt_ = Clock::now();
  const auto failed = [this](std::string_view event, const std::string& error) {
    if (!checkpoint_failing_) {
      log::error(event, {{"error", error}});
      checkpoint_failing_ = true;
    }
  };
  const audit::Checkpoint head{signer_->name(), tree_.size(), tree_.root()};
  auto note = signer_->sign(audit::format_checkpoint_text(head));
  if (!note) {
    failed("audit.sign_failed", note.error().message);
    return;
  }
  // Stored before it is published: a checkpoint an auditor saw is never lost.
  if (auto saved = writer_store_->save_checkpoint({head.size, head.root, note.value()}); !saved) {
    failed("audit.checkpoint_failed", saved.error().message);
    return;
  }
  if (auto written = files::write_file_atomic(settings_.checkpoint_file, note.value(), 0644); !written) {
    failed("audit.checkpoint_failed", written.error().message);
    return;
  }
  if (checkpoint_failing_) {
    log::info("audit.checkpoint_recovered", {{"size", head.size}});
    checkpoint_failing_ = false;
  }
  signed_size_ = head.size;
  {
    std::lock_guard lock(checkpoint_mutex_);
    latest_note_ = note.value();
    latest_note_size_ = head.size;
  }
  log::debug("audit.checkpoint", {{"size", head.size}});
}

void AuditLog::serve(v1::AuditRequest request, boost::asio::any_io_executor executor,
                     Done<v1::AuditResponse> done) {
  {
    std::lock_guard lock(reader_mutex_);
    if (reader_jobs_.size() < kMaxReaderJobs && !stopping_) {
      reader_jobs_.push_back([this, request = std::move(request), executor, done]() {
        auto answer_result = answer(request);
        boost::asio::post(executor, [done, answer_result = std::move(answer_result)]() mutable {
          done(std::move(answer_result));
        });
      });
      reader_ready_.notify_one();
      return;
    }
  }
  boost::asio::post(executor, [done] {
    done(make_error(v1::OVERLOADED, "too many audit requests are waiting; retry shortly"));
  });
}

void AuditLog::run_reader() {
  while (true) {
    std::function<void()> job;
    {
      std::unique_lock lock(reader_mutex_);
      reader_ready_.wait(lock, [this] { return stopping_ || !reader_jobs_.empty(); });
      if (reader_jobs_.empty()) {
        return;
      }
      job = std::move(reader_jobs_.front());
      reader_jobs_.pop_front();
    }
    job();
  }
}

Result<v1::AuditResponse> AuditLog::answer(const v1::AuditRequest& request) {
  std::uint64_t checkpoint_size = 0;
  {
    std::lock_guard lock(checkpoint_mutex_);
    checkpoint_size = latest_note_size_;
  }
  const std::uint64_t committed = size();
  v1::AuditResponse response;
  switch (request.body_case()) {
    case v1::AuditRequest::kCheckpoint: {
      const std::string note = latest_checkpoint();
      if (note.empty()) {
        return make_error(v1::NOT_FOUND, "the audit log has no signed checkpoint yet");
      }
      response.set_checkpoint(note);
      return response;
    }
    case v1::AuditRequest::kEntries: {
      const auto& entries = request.entries();
      if (entries.count() == 0 || entries.count() > kMaxEntriesPerRequest) {
        return make_error(v1::VALIDATION_FAILED, "audit_request.entries.count: between 1 and " +
                                                     std::to_string(kMaxEntriesPerRequest));
      }
      if (entries.start() >= committed) {
        return make_error(v1::NOT_FOUND, "audit_request.entries.start: the log has " + std::to_string(committed) +
                                             " entries");
      }
      const auto count = static_cast<std::uint32_t>(std::min<std::uint64_t>(entries.count(), committed - entries.start()));
      WEFT_TRY(auto found, reader_store_->entries(entries.start(), count));
      for (auto& entry : found) {
        *response.mutable_entries()->add_entries() = std::move(entry);
      }
      return response;
    }
    case v1::AuditRequest::kInclusion: {
      const auto& inclusion = request.inclusion();
      const std::uint64_t tree_size = inclusion.size() == 0 ? checkpoint_size : inclusion.size();
      if (tree_size > committed || tree_size == 0) {
        return make_error(v1::VALIDATION_FAILED, "audit_request.inclusion.size: " + std::to_string(tree_size) +
                                                     " is not a size of this log (it has " +
                                                     std::to_string(committed) + " entries)");
      }
      if (inclusion.index() >= tree_size) {
        return make_error(v1::VALIDATION_FAILED, "audit_request.inclusion.index: " +
                                                     std::to_string(inclusion.index()) +
                                                     " is not below the tree size " + std::to_string(tree_size));
      }
      WEFT_TRY(auto proof, audit::inclusion_proof(*reader_store_, inclusion.index(), tree_size));
      auto& out = *response.mutable_proof();
      out.set_index(inclusion.index());
      out.set_size(tree_size);
      for (const auto& hash : proof) {
        out.add_hashes(std::string(reinterpret_cast<const char*>(hash.data()), hash.size()));
      }
      return response;
    }
    case v1::AuditRequest::kConsistency: {
      const auto& consistency = request.consistency();
      const std::uint64_t to = consistency.to() == 0 ? checkpoint_size : consistency.to();
      if (to > committed || consistency.from() > to) {
        return make_error(v1::VALIDATION_FAILED, "audit_request.consistency: from " +
                                                     std::to_string(consistency.from()) + " to " +
                                                     std::to_string(to) + " is not a range of this log (it has " +
                                                     std::to_string(committed) + " entries)");
      }
      WEFT_TRY(auto proof, audit::consistency_proof(*reader_store_, consistency.from(), to));
      auto& out = *response.mutable_proof();
      out.set_from(consistency.from());
      out.set_size(to);
      for (const auto& hash : proof) {
        out.add_hashes(std::string(reinterpret_cast<const char*>(hash.data()), hash.size()));
      }
      return response;
    }
    case v1::AuditRequest::kQuery:
      return query(request.query());
    case v1::AuditRequest::BODY_NOT_SET:
      break;
  }
  return make_error(v1::VALIDATION_FAILED, "audit_request: empty request");
}

Result<v1::AuditResponse> AuditLog::query(const v1::AuditRequest::Query& query) {
  const std::uint64_t committed = size();
  const std::uint32_t limit = query.limit() == 0 ? kMaxQueryResults : std::min(query.limit(), kMaxQueryResults);
  std::uint64_t start = query.start_index();
  if (query.has_since()) {
    WEFT_TRY(const std::uint64_t first, reader_store_->first_index_at_or_after(to_ms(query.since())));
    start = std::max(start, first);
  }
  start = std::min(start, committed);
  const std::uint64_t end = std::min(committed, start + kMaxQueryScan);
  v1::AuditResponse response;
  auto& result = *response.mutable_query();
  std::uint64_t next = end;
  std::uint32_t found = 0;
  // Stops early once `limit` records matched; `next` says where to go on.
  WEFT_TRY(reader_store_->for_each_leaf(
      start, end, [&](std::uint64_t index, std::string_view bytes, const audit::Hash&) -> Result<bool> {
        if (found == limit) {
          next = index;
          return false;
        }
        v1::AuditRecord record;
        if (!record.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
          return make_error(v1::AUDIT_TAMPERED, "audit entry " + std::to_string(index) + " does not decode");
        }
        if (matches(record, query)) {
          auto& entry = *result.add_entries();
          entry.set_index(index);
          entry.set_leaf(std::string(bytes));
          ++found;
        }
        return true;
      }));
  result.set_next_index(next);
  result.set_log_size(committed);
  return response;
}

}  // namespace weft::broker
