#include "broker/store/storage_service.h"

#include <chrono>
#include <map>

#include <boost/asio/post.hpp>

#include "common/files.h"
#include "common/log.h"

namespace weft::broker::store {
namespace {

template <class T>
void complete(boost::asio::any_io_executor executor, StorageService::Done<T> done, Result<T> result) {
  boost::asio::post(executor, [done = std::move(done), result = std::move(result)]() mutable { done(std::move(result)); });
}

}  // namespace

Result<std::unique_ptr<StorageService>> StorageService::open(const StorageSettings& settings) {
  WEFT_TRY(auto key, StorageKey::load(settings.storage_key_file));
  if (settings.database_file.has_parent_path()) {
    WEFT_TRY(files::make_directory(settings.database_file.parent_path(), 0700));
  }
  SqliteStore::Options writer_options;
  writer_options.max_database_bytes = settings.max_database_bytes;
  writer_options.wal_autocheckpoint = false;
  WEFT_TRY(auto writer, SqliteStore::open(settings.database_file, *key, writer_options));
  WEFT_TRY(auto feed_ends, writer->feed_ends());
  WEFT_TRY(auto checkpointer, WalCheckpointer::start(settings.database_file, WalCheckpointer::Timing{}));
  SqliteStore::Options reader_options;
  reader_options.writer = false;
  reader_options.check_integrity = false;  // the writer just checked
  WEFT_TRY(auto reader, SqliteStore::open(settings.database_file, *key, reader_options));
  return std::unique_ptr<StorageService>(new StorageService(std::move(key), std::move(writer), std::move(reader),
                                                            std::move(checkpointer), std::move(feed_ends),
                                                            settings));
}

StorageService::StorageService(std::unique_ptr<StorageKey> key, std::unique_ptr<SqliteStore> writer,
                               std::unique_ptr<SqliteStore> reader, std::unique_ptr<WalCheckpointer> checkpointer,
                               FeedEnds feed_ends_at_open, const StorageSettings& settings)
    : key_(std::move(key)),
      writer_store_(std::move(writer)),
      reader_store_(std::move(reader)),
      checkpointer_(std::move(checkpointer)),
      feed_ends_at_open_(std::move(feed_ends_at_open)),
      max_batch_(std::max<std::size_t>(settings.max_batch, 1)),
      queue_limit_(std::max<std::size_t>(settings.queue_limit, 16)) {
  writer_thread_ = std::thread([this] { run_writer(); });
  reader_thread_ = std::thread([this] { run_reader(); });
}

StorageService::~StorageService() {
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

bool StorageService::writable() const { return writable_.load(std::memory_order_relaxed); }

bool StorageService::enqueue_writer(WriterJob job) {
  {
    std::lock_guard lock(writer_mutex_);
    if (writer_jobs_.size() >= queue_limit_ || stopping_) {
      return false;
    }
    writer_jobs_.push_back(std::move(job));
  }
  writer_ready_.notify_one();
  return true;
}

void StorageService::append(AppendRequest request, boost::asio::any_io_executor executor, Done<Appended> done) {
  WriterJob job{std::move(request), executor, done, {}};
  if (!enqueue_writer(std::move(job))) {
    complete<Appended>(executor, std::move(done),
                       make_error(v1::OVERLOADED, "the broker's storage queue is full; retry shortly"));
  }
}

void StorageService::open_subscription(std::string organisation, std::string name, std::string feed,
                                       boost::asio::any_io_executor executor, Done<DurableSubscription> done) {
  WriterJob job;
  job.task = [organisation = std::move(organisation), name = std::move(name), feed = std::move(feed), executor,
              done](SqliteStore& store) { complete(executor, done, store.open_subscription(organisation, name, feed)); };
  if (!enqueue_writer(std::move(job))) {
    complete<DurableSubscription>(executor, std::move(done),
                                  make_error(v1::OVERLOADED, "the broker's storage queue is full; retry shortly"));
  }
}

void StorageService::sweep(std::int64_t now_ms, std::vector<RetentionRule> rules, std::int64_t red_max_age_ms,
                           std::size_t batch, boost::asio::any_io_executor executor, Done<std::size_t> done) {
  WriterJob job;
  job.task = [now_ms, rules = std::move(rules), red_max_age_ms, batch, executor, done](SqliteStore& store) {
    complete(executor, done, store.sweep(now_ms, rules, red_max_age_ms, batch));
  };
  if (!enqueue_writer(std::move(job))) {
    complete<std::size_t>(executor, std::move(done), make_error(v1::OVERLOADED, "storage queue full"));
  }
}

void StorageService::save_cursor(CursorUpdate update) {
  {
    std::lock_guard lock(writer_mutex_);
    auto& acked = pending_cursors_[{std::move(update.organisation), std::move(update.name)}];
    acked = std::max(acked, update.acked);
  }
  writer_ready_.notify_one();
}

void StorageService::remember_copy(RememberedCopy copy) {
  {
    std::lock_guard lock(writer_mutex_);
    if (pending_copies_.size() >= kMaxPendingCopies) {
      log::warn("storage.copy_not_remembered", {{"id", copy.report_id}, {"pending", pending_copies_.size()}});
      return;
    }
    pending_copies_.push_back(std::move(copy));
  }
  writer_ready_.notify_one();
}

void StorageService::read_feed(std::string feed, std::uint64_t after, std::size_t limit,
                               boost::asio::any_io_executor executor, Done<std::vector<v1::Report>> done) {
  {
    std::lock_guard lock(reader_mutex_);
    reader_jobs_.push_back([feed = std::move(feed), after, limit, executor, done](SqliteStore& store) {
      complete(executor, done, store.read_feed(feed, after, limit));
    });
  }
  reader_ready_.notify_one();
}

void StorageService::find_report(std::string id, boost::asio::any_io_executor executor,
                                 Done<std::optional<v1::Report>> done) {
  {
    std::lock_guard lock(reader_mutex_);
    reader_jobs_.push_back([id = std::move(id), executor, done](SqliteStore& store) {
      complete(executor, done, store.find_report(id));
    });
  }
  reader_ready_.notify_one();
}

void StorageService::list_feeds(boost::asio::any_io_executor executor, Done<std::vector<std::string>> done) {
  {
    std::lock_guard lock(reader_mutex_);
    reader_jobs_.push_back([executor, done](SqliteStore& store) { complete(executor, done, store.list_feeds()); });
  }
  reader_ready_.notify_one();
}

void StorageService::run_writer() {
  while (true) {
    std::deque<WriterJob> jobs;
    std::map<std::pair<std::string, std::string>, std::uint64_t> cursors;
    std::vector<RememberedCopy> copies;
    {
      std::unique_lock lock(writer_mutex_);
      writer_ready_.wait(lock, [this] {
        return stopping_ || !writer_jobs_.empty() || !pending_cursors_.empty() || !pending_copies_.empty();
      });
      if (writer_jobs_.empty() && pending_cursors_.empty() && pending_copies_.empty()) {
        return;  // stopping, and everything queued is done
      }
      jobs.swap(writer_jobs_);
      cursors.swap(pending_cursors_);
      copies.swap(pending_copies_);
    }
    // Before the appends: a copy was handed out before its recipient could
    // try to publish it again, so it must be known when that publish comes.
    if (auto remembered = writer_store_->remember_copies(copies); !remembered) {
      log::error("storage.copies_not_remembered", {{"copies", copies.size()}, {"error", remembered.error().message}});
    }
    // Also before the jobs: an acknowledgement read before a subscription is
    // reopened must be where the reopened subscription resumes.
    if (!cursors.empty()) {
      std::vector<CursorUpdate> updates;
      for (const auto& [subscription, acked] : cursors) {
        updates.push_back({subscription.first, subscription.second, acked});
      }
      if (auto saved = writer_store_->save_cursors(updates); !saved) {
        log::error("storage.cursor_save_failed", {{"error", saved.error().message}});
      }
    }
    while (!jobs.empty()) {
      if (!jobs.front().append) {
        jobs.front().task(*writer_store_);
        jobs.pop_front();
        continue;
      }
      // Consecutive appends commit together.
      std::vector<AppendRequest> batch;
      std::vector<WriterJob> waiting;
      while (!jobs.empty() && jobs.front().append && batch.size() < max_batch_) {
        batch.push_back(std::move(*jobs.front().append));
        waiting.push_back(std::move(jobs.front()));
        jobs.pop_front();
      }
      auto results = writer_store_->append_batch(batch);
      checkpointer_->note_commit(batch.size());
      for (std::size_t i = 0; i < waiting.size(); ++i) {
        if (results[i] && !results[i].value().duplicate) {
          committed_.fetch_add(1, std::memory_order_relaxed);
        }
        complete(waiting[i].executor, std::move(waiting[i].done), std::move(results[i]));
      }
    }
    if (!writer_store_->writable() && writable_.exchange(false)) {
      log::error("storage.failed", {{"effect", "publishes are refused with STORAGE_UNAVAILABLE until restart"}});
    }
  }
}

void StorageService::run_reader() {
  while (true) {
    std::function<void(SqliteStore&)> job;
    {
      std::unique_lock lock(reader_mutex_);
      reader_ready_.wait(lock, [this] { return stopping_ || !reader_jobs_.empty(); });
      if (reader_jobs_.empty()) {
        return;
      }
      job = std::move(reader_jobs_.front());
      reader_jobs_.pop_front();
    }
    job(*reader_store_);
  }
}

}  // namespace weft::broker::store
