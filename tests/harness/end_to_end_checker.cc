#include "tests/harness/end_to_end_checker.h"

#include <sstream>

namespace weft::testing {
namespace {

void describe_class(std::ostringstream& out, const char* name, const std::vector<std::string>& ids) {
  out << " " << name << "=" << ids.size();
  if (ids.empty()) {
    return;
  }
  out << " [";
  constexpr std::size_t kShown = 5;
  for (std::size_t i = 0; i < ids.size() && i < kShown; ++i) {
    out << (i ? " " : "") << ids[i];
  }
  out << (ids.size() > kShown ? " ...]" : "]");
}

}  // namespace

std::string EndToEndVerdict::describe() const {
  std::ostringstream out;
  out << "acknowledged=" << acknowledged << " deliveries=" << deliveries;
  describe_class(out, "lost", lost);
  describe_class(out, "recovered", recovered);
  describe_class(out, "unexpected", unexpected);
  describe_class(out, "duplicated", duplicated);
  out << " redelivered=" << redelivered;
  describe_class(out, "leaked", leaked);
  describe_class(out, "stranded", stranded);
  return out.str();
}

void EndToEndHistory::attempted(const std::string& report_id, std::vector<std::string> withheld_markers) {
  std::lock_guard lock(mutex_);
  auto& attempt = attempts_[report_id];
  if (attempt.withheld_markers.empty()) {
    attempt.withheld_markers = std::move(withheld_markers);
  }
}

void EndToEndHistory::acknowledged(const std::string& report_id) {
  std::lock_guard lock(mutex_);
  // A retry of an attempt that got no answer may be acknowledged later;
  // an acknowledgement is final.
  auto& attempt = attempts_[report_id];
  if (attempt.outcome != Outcome::kAcknowledged) {
    attempt.outcome = Outcome::kAcknowledged;
    attempt.acknowledged_at = ++events_;
  }
}

void EndToEndHistory::refused(const std::string& report_id) {
  std::lock_guard lock(mutex_);
  auto& attempt = attempts_[report_id];
  if (attempt.outcome != Outcome::kAcknowledged) {
    attempt.outcome = Outcome::kRefused;
  }
}

void EndToEndHistory::indeterminate(const std::string& report_id) {
  std::lock_guard lock(mutex_);
  auto& attempt = attempts_[report_id];
  if (attempt.outcome == Outcome::kPending) {
    attempt.outcome = Outcome::kIndeterminate;
  }
}

void EndToEndHistory::subscribed(const std::string& subscriber) {
  std::lock_guard lock(mutex_);
  subscribers_[subscriber];
}

void EndToEndHistory::new_session(const std::string& subscriber) {
  std::lock_guard lock(mutex_);
  ++subscribers_[subscriber].session;
}

void EndToEndHistory::delivered(const std::string& subscriber, const v1::Report& report) {
  std::lock_guard lock(mutex_);
  ++deliveries_;
  auto& log = subscribers_[subscriber];
  const std::string& id = report.id();
  const auto attempt = attempts_.find(id);
  if (attempt == attempts_.end()) {
    unexpected_.push_back(subscriber + ":" + id);
  } else {
    const std::string bytes = report.SerializeAsString();
    for (const auto& marker : attempt->second.withheld_markers) {
      if (bytes.find(marker) != std::string::npos) {
        log.leaked.insert(id);
      }
    }
  }
  const auto previous = log.last_session_of.find(id);
  if (previous != log.last_session_of.end()) {
    if (previous->second == log.session) {
      log.duplicated.insert(id);
    } else {
      ++log.redelivered;
    }
  }
  log.last_session_of[id] = log.session;
  ++log.copies[id];
  log.last_delivery_at = ++events_;
}

void EndToEndHistory::broker_stopped_for_good() {
  std::lock_guard lock(mutex_);
  broker_stopped_for_good_ = true;
}

bool EndToEndHistory::all_acknowledged_delivered() const {
  std::lock_guard lock(mutex_);
  for (const auto& [id, attempt] : attempts_) {
    if (attempt.outcome != Outcome::kAcknowledged) {
      continue;
    }
    for (const auto& [name, log] : subscribers_) {
      if (!log.copies.count(id)) {
        return false;
      }
    }
  }
  return true;
}

std::size_t EndToEndHistory::acknowledged_count() const {
  std::lock_guard lock(mutex_);
  std::size_t count = 0;
  for (const auto& [id, attempt] : attempts_) {
    count += attempt.outcome == Outcome::kAcknowledged;
  }
  return count;
}

EndToEndVerdict EndToEndHistory::check() const {
  std::lock_guard lock(mutex_);
  EndToEndVerdict verdict;
  verdict.deliveries = deliveries_;
  verdict.unexpected = unexpected_;
  for (const auto& [id, attempt] : attempts_) {
    verdict.acknowledged += attempt.outcome == Outcome::kAcknowledged;
    bool delivered_anywhere = false;
    for (const auto& [name, log] : subscribers_) {
      const bool delivered = log.copies.count(id) > 0;
      delivered_anywhere = delivered_anywhere || delivered;
      if (attempt.outcome == Outcome::kAcknowledged && !delivered) {
        const bool stranded = broker_stopped_for_good_ && attempt.acknowledged_at > log.last_delivery_at;
        (stranded ? verdict.stranded : verdict.lost).push_back(name + ":" + id);
      }
      if (attempt.outcome == Outcome::kRefused && delivered) {
        verdict.unexpected.push_back(name + ":" + id);
      }
    }
    if ((attempt.outcome == Outcome::kIndeterminate || attempt.outcome == Outcome::kPending) && delivered_anywhere) {
      verdict.recovered.push_back(id);
    }
  }
  for (const auto& [name, log] : subscribers_) {
    verdict.redelivered += log.redelivered;
    for (const auto& id : log.duplicated) {
      verdict.duplicated.push_back(name + ":" + id);
    }
    for (const auto& id : log.leaked) {
      verdict.leaked.push_back(name + ":" + id);
    }
  }
  return verdict;
}

}  // namespace weft::testing
