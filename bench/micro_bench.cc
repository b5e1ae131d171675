// Micro-benchmarks of the broker's hot stages, one Google Benchmark each, so
// that when bench/relay gets slower the stage that regressed shows here.
// Run by bench/micro.sh; any Google Benchmark flag works:
//
//   build/bench/micro --benchmark_filter=Policy --benchmark_min_time=0.2
//
// The storage benchmarks write SQLite files (WAL, synchronous=FULL) in a
// temp folder under $TMPDIR, so their figures include the disk's fsync.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <benchmark/benchmark.h>

#include "audit/merkle.h"
#include "bench/report_maker.h"
#include "broker/pipeline/audit_records.h"
#include "broker/store/audit_store.h"
#include "broker/store/sqlite_store.h"
#include "broker/store/storage_key.h"
#include "policies/policy.h"
#include "policies/redactor.h"
#include "policies/shipped_policies.h"
#include "proto/frame_codec.h"
#include "weft/v1/frame.pb.h"
#include "proto/deterministic.h"

namespace {

namespace v1 = weft::v1;
namespace store = weft::broker::store;
namespace policies = weft::policies;

constexpr std::size_t kReportBytes = 1024;

// The personal data a CERT's report typically carries about a victim: a
// name, an e-mail address and a phone number, so the policies have work.
constexpr std::string_view kPersonalData =
    "The victim's contact person is Maria Rossi (maria.rossi@victim.example, +31 6 12345678) and she reported "
    "the message. ";

// A report of about kReportBytes whose description starts with kPersonalData.
v1::Report report_with_personal_data(std::mt19937_64& generator) {
  v1::Report report = weft::bench::make_report("phishing", kReportBytes - kPersonalData.size(), generator);
  report.set_description(std::string(kPersonalData) + report.description());
  return report;
}

v1::Report stamped(v1::Report report) {
  v1::BrokerStamp& stamp = *report.mutable_broker();
  stamp.set_source_organisation("bench-pub");
  stamp.mutable_received_at()->set_seconds(1700000000);
  stamp.set_broker_id("weftd");
  return report;
}

// A folder under $TMPDIR removed when the benchmark ends.
class TempDir {
 public:
  TempDir() {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp != nullptr ? tmp : "/tmp") + "/weft-micro.XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) {
      std::perror("micro: mkdtemp");
      std::exit(1);
    }
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// ---- frame decode ------------------------------------------------------

std::string publish_frame_bytes() {
  std::mt19937_64 generator{1};
  v1::Frame frame;
  frame.set_correlation_id(42);
  *frame.mutable_publish()->mutable_report() = report_with_personal_data(generator);
  return weft::proto::encode_frame(frame);
}

// decode_frame_body alone: the protobuf parse with the wire limits.
void BM_FrameDecodeBody(benchmark::State& state) {
  const std::string bytes = publish_frame_bytes();
  const std::string_view body = std::string_view(bytes).substr(weft::proto::kFrameHeaderBytes);
  for (auto _ : state) {
    v1::Frame frame;
    auto decoded = weft::proto::decode_frame_body(body, frame);
    if (!decoded) {
      state.SkipWithError("decode failed");
      break;
    }
    benchmark::DoNotOptimize(frame);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(bytes.size()));
}
BENCHMARK(BM_FrameDecodeBody);

// What a session does per frame read: bytes into the FrameAssembler, the
// frame cut out, its body decoded.
void BM_FrameAssembleAndDecode(benchmark::State& state) {
  const std::string bytes = publish_frame_bytes();
  weft::proto::FrameAssembler assembler(weft::proto::kDefaultMaxFrameBytes);
  for (auto _ : state) {
    std::size_t copied = 0;
    while (copied < bytes.size()) {
      const std::span<char> space = assembler.prepare();
      const std::size_t n = std::min(space.size(), bytes.size() - copied);
      std::copy_n(bytes.data() + copied, n, space.data());
      assembler.commit(n);
      copied += n;
    }
    const auto next = assembler.next();
    if (next.status != weft::proto::FrameAssembler::Status::kFrame) {
      state.SkipWithError("no frame");
      break;
    }
    v1::Frame frame;
    if (!weft::proto::decode_frame_body(next.body, frame)) {
      state.SkipWithError("decode failed");
      break;
    }
    benchmark::DoNotOptimize(frame);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(bytes.size()));
}
BENCHMARK(BM_FrameAssembleAndDecode);

// ---- policy apply ------------------------------------------------------

std::shared_ptr<const policies::Policy> shipped_policy(std::string_view name) {
  for (const auto& entry : policies::shipped_policies()) {
    if (entry.name == name) {
      auto parsed = policies::Policy::parse(entry.text, entry.name);
      if (parsed) {
        return parsed.value();
      }
      std::fprintf(stderr, "micro: shipped policy %s: %s\n", std::string(name).c_str(),
                   parsed.error().describe().c_str());
      std::exit(1);
    }
  }
  std::fprintf(stderr, "micro: no shipped policy %s\n", std::string(name).c_str());
  std::exit(1);
}

// redact() once per (report, policy), as fan-out does.
void policy_apply(benchmark::State& state, std::string_view policy_name) {
  const auto policy = shipped_policy(policy_name);
  std::mt19937_64 generator{2};
  const v1::Report report = report_with_personal_data(generator);
  std::size_t decisions = 0;
  for (auto _ : state) {
    policies::Redaction redaction = policies::redact(report, *policy);
    decisions = redaction.decisions.size();
    benchmark::DoNotOptimize(redaction);
  }
  // Shows a policy that silently stopped finding the personal data.
  state.counters["decisions"] = static_cast<double>(decisions);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(report.ByteSizeLong()));
}
BENCHMARK_CAPTURE(policy_apply, eu_baseline, "eu-baseline");
BENCHMARK_CAPTURE(policy_apply, cert_peer, "cert-peer");

// ---- audit append --------------------------------------------------------

// Stand-in for AuditLog's keyed fingerprint: the benchmark times the log's
// hashing and storage, not how the record was built.
class FixedTrail final : public weft::broker::AuditTrail {
 public:
  bool has_room() const override { return true; }
  void record(v1::AuditRecord) override {}
  std::string fingerprint(std::string_view) const override { return std::string(64, 'f'); }
};

v1::AuditRecord delivered_record() {
  std::mt19937_64 generator{3};
  FixedTrail trail;
  const v1::Report report = stamped(report_with_personal_data(generator));
  const v1::AuditRecord base = weft::broker::pipeline::report_record(report, trail);
  v1::Organisation org;
  org.set_name("subscriber-1");
  org.set_jurisdiction("NL");
  org.set_sector("finance");
  v1::AuditRecord record =
      weft::broker::pipeline::recipient_record(base, org, v1::AuditRecord::DELIVERED);
  v1::PolicyRef& policy = *record.mutable_policy();
  policy.set_name("eu-baseline");
  policy.set_version(1);
  policy.set_sha256(std::string(64, 'a'));
  for (const char* category : {"EMAIL", "PHONE", "PERSON_NAME"}) {
    v1::RedactionDecision& decision = *record.add_decisions();
    decision.set_category(category);
    decision.set_place("description");
    decision.set_action(v1::REDACT);
    decision.set_rule("contacts");
    decision.set_count(1);
  }
  record.set_output_fingerprint(trail.fingerprint(""));
  return record;
}

// The audit writer's commit of one batch (AuditLog::commit): index, serialize,
// leaf hash, Merkle nodes, one SQLite transaction. Argument: records per batch.
void BM_AuditAppend(benchmark::State& state) {
  const auto batch_size = static_cast<std::size_t>(state.range(0));
  TempDir dir;
  auto opened = store::AuditStore::open(dir.path() / "audit.db", {});
  if (!opened) {
    state.SkipWithError(opened.error().describe().c_str());
    return;
  }
  store::AuditStore& audit_store = *opened.value();
  v1::AuditRecord record = delivered_record();
  weft::audit::CompactRange tree;
  std::vector<store::AuditStore::Leaf> leaves;
  std::vector<weft::audit::StoredNode> nodes;
  for (auto _ : state) {
    leaves.clear();
    nodes.clear();
    for (std::size_t i = 0; i < batch_size; ++i) {
      store::AuditStore::Leaf leaf;
      leaf.index = tree.size();
      record.set_index(leaf.index);
      leaf.time_ms = 1700000000000;
      leaf.bytes = weft::proto::deterministic_bytes(record);
      leaf.hash = weft::audit::leaf_hash(leaf.bytes);
      auto completed = tree.append(leaf.hash);
      nodes.insert(nodes.end(), completed.begin(), completed.end());
      leaves.push_back(std::move(leaf));
    }
    if (auto stored = audit_store.append(leaves, nodes); !stored) {
      state.SkipWithError(stored.error().describe().c_str());
      break;
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}
// Real time: the cost is mostly waiting for fsync, not CPU.
BENCHMARK(BM_AuditAppend)->Arg(1)->Arg(64)->UseRealTime()->Unit(benchmark::kMicrosecond);

// ---- store append ------------------------------------------------------

// SqliteStore::append_batch: encryption, fingerprint, feed sequence and one
// transaction per batch. Argument: reports per batch.
void BM_StoreAppend(benchmark::State& state) {
  const auto batch_size = static_cast<std::size_t>(state.range(0));
  TempDir dir;
  const auto key = store::StorageKey::from_bytes(std::string(store::StorageKey::kKeyBytes, 'k'));
  auto opened = store::SqliteStore::open(dir.path() / "weft.db", *key, {});
  if (!opened) {
    state.SkipWithError(opened.error().describe().c_str());
    return;
  }
  store::SqliteStore& writer = *opened.value();
  std::mt19937_64 generator{4};
  const v1::Report templ = stamped(report_with_personal_data(generator));
  std::vector<store::AppendRequest> batch(batch_size, store::AppendRequest{templ});
  for (auto _ : state) {
    // Fresh ids, or the store answers "duplicate" without writing.
    state.PauseTiming();
    for (auto& request : batch) {
      request.report.set_id(weft::uuid::random_v4(generator));
    }
    state.ResumeTiming();
    for (const auto& result : writer.append_batch(batch)) {
      if (!result || result.value().duplicate) {
        state.SkipWithError(result ? "unexpected duplicate" : result.error().describe().c_str());
        break;
      }
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_StoreAppend)->Arg(1)->Arg(64)->UseRealTime()->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
