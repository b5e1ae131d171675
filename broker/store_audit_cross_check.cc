#include "broker/store_audit_cross_check.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>

#include <string>
#include <vector>

#include "weft/v1/audit.pb.h"

namespace weft::broker {
namespace {

using google::protobuf::internal::WireFormatLite;

constexpr std::uint32_t kOutcomeTag =
    WireFormatLite::MakeTag(v1::AuditRecord::kOutcomeFieldNumber, WireFormatLite::WIRETYPE_VARINT);
constexpr std::uint32_t kFeedTag =
    WireFormatLite::MakeTag(v1::AuditRecord::kFeedFieldNumber, WireFormatLite::WIRETYPE_LENGTH_DELIMITED);
constexpr std::uint32_t kFeedSequenceTag =
    WireFormatLite::MakeTag(v1::AuditRecord::kFeedSequenceFieldNumber, WireFormatLite::WIRETYPE_VARINT);

// A message names at most this many feeds; the rest are counted.
constexpr std::size_t kFeedsNamed = 5;

}  // namespace

bool AuditedFeedEnds::add(std::string_view leaf) {
  google::protobuf::io::CodedInputStream input(reinterpret_cast<const std::uint8_t*>(leaf.data()),
                                               static_cast<int>(leaf.size()));
  std::uint64_t outcome = 0;
  std::string_view feed;
  std::uint64_t sequence = 0;
  while (const std::uint32_t tag = input.ReadTag()) {
    if (tag == kOutcomeTag) {
      if (!input.ReadVarint64(&outcome)) {
        return false;
      }
    } else if (tag == kFeedTag) {
      std::uint32_t length = 0;
      if (!input.ReadVarint32(&length)) {
        return false;
      }
      const auto start = static_cast<std::size_t>(input.CurrentPosition());
      if (length > leaf.size() - start) {
        return false;
      }
      feed = leaf.substr(start, length);
      input.Skip(static_cast<int>(length));
    } else if (tag == kFeedSequenceTag) {
      if (!input.ReadVarint64(&sequence)) {
        return false;
      }
    } else if (!WireFormatLite::SkipField(&input, tag)) {
      return false;
    }
  }
  if (!input.ConsumedEntireMessage()) {
    return false;
  }
  if (outcome == v1::AuditRecord::PUBLISH_REFUSED || sequence == 0) {
    return true;
  }
  const auto found = ends_.find(feed);
  if (found == ends_.end()) {
    ends_.emplace(std::string(feed), sequence);
  } else if (found->second < sequence) {
    found->second = sequence;
  }
  return true;
}

Result<void> check_store_covers_audit_log(const store::FeedEnds& audited, const store::FeedEnds& stored,
                                          const std::filesystem::path& database_file,
                                          const std::filesystem::path& audit_file) {
  std::vector<std::string> behind;
  for (const auto& [feed, audited_end] : audited) {
    const auto found = stored.find(feed);
    const std::uint64_t stored_end = found == stored.end() ? 0 : found->second;
    if (audited_end > stored_end) {
      behind.push_back("feed '" + feed + "' reaches sequence " + std::to_string(audited_end) +
                       " in the audit log but only " + std::to_string(stored_end) + " in the store");
    }
  }
  if (behind.empty()) {
    return ok();
  }
  std::string feeds;
  for (std::size_t i = 0; i < behind.size() && i < kFeedsNamed; ++i) {
    feeds += (i == 0 ? "" : "; ") + behind[i];
  }
  if (behind.size() > kFeedsNamed) {
    feeds += "; and " + std::to_string(behind.size() - kFeedsNamed) + " more feeds";
  }
  const std::string database = database_file.string();
  return make_error(
      v1::STORE_BEHIND_AUDIT_LOG,
      "the report store " + database + " is behind the audit log " + audit_file.string() + ": " + feeds +
          ". Acknowledged reports the audit log has records of are gone from the store: its last transactions " +
          "were lost (its WAL file lost its tail, e.g. on a media fault, or the database was replaced by an older " +
          "copy), which SQLite cannot notice. Refusing to start, as the store would hand out those sequence " +
          "numbers again and durable subscribers already past them would never get the new reports. Restore " +
          database + " from a backup that holds these sequences (delete " + database + "-wal and " + database +
          "-shm first, so that they are not replayed onto the backup), then start weftd again");
}

}  // namespace weft::broker
