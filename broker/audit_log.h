// The audit log service: records what the broker did with every report for
// every recipient, as the leaves of an RFC 9162 Merkle tree whose
// checkpoints it signs (C2SP signed note, Ed25519), and answers auditors'
// requests for checkpoints, entries, proofs and queries.
//
// At start it re-hashes every stored leaf and node and checks them against
// its last signed checkpoint (kept in the database and in a file beside
// it); a log that was edited, truncated or rolled back is refused with
// AUDIT_TAMPERED and weftd does not start. The same pass notes each feed's
// highest feed_sequence, which weftd compares with the report store's
// (broker/store_audit_cross_check.h).
//
// Threads: record() is called from network threads and only queues; a
// writer thread assigns indexes, hashes, commits in batches and signs
// checkpoints (when the tree grew, at most once per checkpoint interval, and
// at shutdown); a reader thread answers auditor requests with its own
// database connection and posts the answers to the caller's executor.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <boost/asio/any_io_executor.hpp>

#include "audit/merkle.h"
#include "audit/note.h"
#include "broker/audit_trail.h"
#include "broker/config.h"
#include "broker/store/audit_store.h"
#include "broker/store/report_store.h"
#include "common/secret_memory.h"
#include "proto/error.h"
#include "weft/v1/audit.pb.h"

namespace weft::broker {

class AuditLog final : public AuditTrail {
 public:
  template <class T>
  using Done = std::function<void(Result<T>)>;

  // Opens and verifies the stored log (AUDIT_TAMPERED when it does not match
  // its last signed checkpoint) and starts the writer and reader threads.
  static Result<std::unique_ptr<AuditLog>> open(const AuditSettings& settings);
  // Writes every queued record and signs a final checkpoint.
  ~AuditLog() override;
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  bool has_room() const override;
  void record(v1::AuditRecord record) override;
  std::string fingerprint(std::string_view bytes) const override;

  // Answers an auditor's request on the reader thread; `done` runs on `executor`.
  void serve(v1::AuditRequest request, boost::asio::any_io_executor executor, Done<v1::AuditResponse> done);

  std::string verifier_key() const;
  // Leaves committed so far.
  std::uint64_t size() const { return committed_size_.load(std::memory_order_acquire); }
  // The latest signed checkpoint note (empty before the first one).
  std::string latest_checkpoint() const;
  // Records the writer could not store (disk trouble); they stay queued.
  bool failing() const { return failing_.load(std::memory_order_relaxed); }
  // The highest feed_sequence per feed that the records of stored reports
  // held when the log was opened (gathered by the start-up verification).
  const store::FeedEnds& feed_ends_at_open() const { return feed_ends_at_open_; }

 private:
  struct Verified;
  AuditLog(const AuditSettings& settings, std::unique_ptr<audit::NoteSigner> signer, SecretBytes fingerprint_key,
           std::unique_ptr<store::AuditStore> writer, std::unique_ptr<store::AuditStore> reader, Verified verified);

  void run_writer();
  void run_reader();
  // Writer thread: hashes and commits one batch; false when the store failed.
  bool commit(std::deque<v1::AuditRecord>& batch);
  void note_record_time(std::int64_t time_ms, std::uint64_t index);
  // Writer thread: signs the current tree and publishes the checkpoint.
  void sign_checkpoint();
  Result<v1::AuditResponse> answer(const v1::AuditRequest& request);
  Result<v1::AuditResponse> query(const v1::AuditRequest::Query& query);

  AuditSettings settings_;
  std::unique_ptr<audit::NoteSigner> signer_;
  SecretBytes fingerprint_key_;  // 32 bytes, read-only
  std::unique_ptr<store::AuditStore> writer_store_;  // writer thread only
  std::int64_t latest_record_time_ms_ = 0;           // writer thread only
  bool reported_time_regression_ = false;            // writer thread only
  std::unique_ptr<store::AuditStore> reader_store_;  // reader thread only

  // Writer thread state.
  audit::CompactRange tree_;
  std::uint64_t signed_size_ = 0;
  // Successful or not: a checkpoint that cannot be stored or written is
  // retried once per checkpoint_interval, not in a loop as fast as the
  // failure comes back.
  std::chrono::steady_clock::time_point last_checkpoint_attempt_{};
  bool checkpoint_failing_ = false;  // logged once per run of failures

  mutable std::mutex writer_mutex_;
  std::condition_variable writer_ready_;
  std::deque<v1::AuditRecord> queue_;  // guarded by writer_mutex_
  bool stopping_ = false;              // guarded by writer_mutex_ and reader_mutex_
  std::atomic<std::size_t> queued_{0};
  std::atomic<bool> failing_{false};
  std::atomic<std::uint64_t> committed_size_{0};
  const store::FeedEnds feed_ends_at_open_;

  mutable std::mutex checkpoint_mutex_;
  std::string latest_note_;            // guarded by checkpoint_mutex_
  std::uint64_t latest_note_size_ = 0;  // guarded by checkpoint_mutex_

  std::mutex reader_mutex_;
  std::condition_variable reader_ready_;
  std::deque<std::function<void()>> reader_jobs_;  // guarded by reader_mutex_

  std::thread writer_thread_;
  std::thread reader_thread_;
};

}  // namespace weft::broker
