// How fast weft turns the formats into reports and back: STIX, MISP and CSV
// import (indicators per second) and STIX, MISP, CSV export of delivered
// reports (reports per second). One line of figures per operation, the
// median of --runs runs. Run by bench/formats.sh.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "formats/formats.h"

namespace {

using namespace weft;
using Clock = std::chrono::steady_clock;

std::string ipv4(std::size_t i) {
  return "198." + std::to_string(18 + (i >> 16) % 2) + "." + std::to_string((i >> 8) & 0xFF) + "." +
         std::to_string(i & 0xFF);
}

std::string hex64(std::size_t i) {
  char buffer[65];
  std::snprintf(buffer, sizeof buffer, "%064zx", i * 2654435761U);
  return buffer;
}

std::string stix_input(std::size_t indicators) {
  std::string objects;
  std::string refs;
  for (std::size_t i = 0; i < indicators; ++i) {
    char id[64];
    std::snprintf(id, sizeof id, "indicator--%08zx-0000-4000-8000-000000000000", i);
    const std::string pattern = i % 3 == 0   ? "[ipv4-addr:value = '" + ipv4(i) + "']"
                                : i % 3 == 1 ? "[file:hashes.'SHA-256' = '" + hex64(i) + "']"
                                             : "[domain-name:value = 'host" + std::to_string(i) + ".bad.example']";
    objects += std::string(R"({"type":"indicator","spec_version":"2.1","id":")") + id +
               R"(","created":"2026-11-20T08:00:00.000Z","modified":"2026-11-20T08:00:00.000Z",)"
               R"("name":"C2 infrastructure","indicator_types":["malicious-activity"],"pattern_type":"stix",)"
               R"("pattern":")" + pattern + R"(","valid_from":"2026-11-20T08:00:00Z","confidence":80,)"
               R"("kill_chain_phases":[{"kill_chain_name":"lockheed-martin-cyber-kill-chain","phase_name":"command-and-control"}],)"
               R"("object_marking_refs":["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"]},)";
    refs += std::string(i == 0 ? "" : ",") + "\"" + id + "\"";
  }
  return R"({"type":"bundle","id":"bundle--6f3c2a10-0000-4000-8000-000000000001","objects":[)" + objects +
         R"({"type":"report","spec_version":"2.1","id":"report--6f3c2a10-0000-4000-8000-000000000002",)"
         R"("created":"2026-11-20T08:00:00.000Z","modified":"2026-11-20T08:00:00.000Z","name":"Campaign",)"
         R"("published":"2026-11-20T08:00:00.000Z","report_types":["campaign"],)"
         R"("object_marking_refs":["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"],"object_refs":[)" +
         refs + "]}]}";
}

std::string misp_input(std::size_t attributes) {
  std::string list;
  for (std::size_t i = 0; i < attributes; ++i) {
    char uuid[64];
    std::snprintf(uuid, sizeof uuid, "%08zx-0000-4000-8000-000000000000", i);
    const bool ip = i % 2 == 0;
    list += std::string(i == 0 ? "" : ",") + R"({"uuid":")" + uuid + R"(","type":")" + (ip ? "ip-dst" : "sha256") +
            R"(","category":")" + (ip ? "Network activity" : "Payload delivery") + R"(","value":")" +
            (ip ? ipv4(i) : hex64(i)) + R"(","to_ids":true,"comment":"seen in the campaign"})";
  }
  return R"({"Event":{"uuid":"6f3c2a10-0000-4000-8000-000000000003","info":"Campaign","date":"2026-11-20",)"
         R"("threat_level_id":"2","analysis":"1","distribution":"1","Tag":[{"name":"tlp:green"}],"Attribute":[)" +
         list + "]}}";
}

std::string csv_input(std::size_t rows) {
  std::string text = "type,value,description\n";
  for (std::size_t i = 0; i < rows; ++i) {
    text += i % 2 == 0 ? "ipv4," + ipv4(i) + ",C2 server\n" : "sha256," + hex64(i) + ",loader\n";
  }
  return text;
}

// A delivered report as a subscriber receives it: stamped, with a redaction summary.
v1::Report delivered_report(std::size_t indicators) {
  v1::Report report;
  report.set_id("6f3c2a10-0000-4000-8000-000000000004");
  report.set_feed("phishing");
  report.set_tlp(v1::GREEN);
  report.set_title("Credential phishing campaign against online banking customers");
  report.set_description("Kit collecting bank logins; victims were told to call [REDACTED:PHONE].");
  report.mutable_created()->set_seconds(1'795'000'000);
  report.mutable_broker()->set_source_organisation("cert-nl");
  report.mutable_broker()->mutable_received_at()->set_seconds(1'795'000'100);
  report.mutable_broker()->set_sequence(42);
  report.mutable_redaction()->set_policy("eu-baseline");
  report.mutable_redaction()->set_policy_version(1);
  auto* count = report.mutable_redaction()->add_counts();
  count->set_category("PHONE");
  count->set_action(v1::REDACT);
  count->set_count(1);
  for (std::size_t i = 0; i < indicators; ++i) {
    auto* indicator = report.add_indicators();
    indicator->set_type(i % 2 == 0 ? v1::Indicator::IPV4 : v1::Indicator::SHA256);
    indicator->set_value(i % 2 == 0 ? ipv4(i) : hex64(i));
    indicator->set_description("seen in the campaign");
    indicator->set_confidence(80);
    indicator->add_labels("kill-chain:lockheed-martin-cyber-kill-chain:command-and-control");
  }
  return report;
}

double median_seconds(int runs, const std::function<void()>& work) {
  std::vector<double> seconds;
  for (int run = 0; run < runs; ++run) {
    const auto start = Clock::now();
    work();
    seconds.push_back(std::chrono::duration<double>(Clock::now() - start).count());
  }
  std::sort(seconds.begin(), seconds.end());
  return seconds[seconds.size() / 2];
}

void print(const char* operation, const char* unit, double count, double seconds, std::size_t bytes) {
  std::printf("formats op=%s %s_per_s=%.0f MB_per_s=%.1f seconds=%.4f\n", operation, unit, count / seconds,
              static_cast<double>(bytes) / seconds / 1e6, seconds);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"weft formats throughput"};
  std::size_t indicators = 10000;
  std::size_t report_indicators = 20;
  std::size_t reports = 2000;
  int runs = 5;
  app.add_option("--indicators", indicators, "Indicators per imported file")->capture_default_str();
  app.add_option("--report-indicators", report_indicators, "Indicators per exported report")->capture_default_str();
  app.add_option("--reports", reports, "Reports exported per run")->capture_default_str();
  app.add_option("--runs", runs, "Runs; the median is printed")->capture_default_str()->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);

  formats::ImportOptions options;
  options.feed = "phishing";
  options.default_tlp = v1::GREEN;
  const auto import = [&](const char* name, const std::string& text, auto importer) {
    std::size_t imported = 0;
    const double seconds = median_seconds(runs, [&] {
      auto result = importer(text, options);
      imported = 0;
      if (result) {
        for (const auto& report : result.value().reports) {
          imported += static_cast<std::size_t>(report.report.indicators_size());
        }
      }
    });
    if (imported != indicators) {
      std::fprintf(stderr, "formats_throughput: %s imported %zu of %zu indicators\n", name, imported, indicators);
      std::exit(1);
    }
    print(name, "indicators", static_cast<double>(indicators), seconds, text.size());
  };
  import("stix_import", stix_input(indicators), formats::import_stix);
  import("misp_import", misp_input(indicators), formats::import_misp);
  import("csv_import", csv_input(indicators), formats::import_csv);

  const v1::Report report = delivered_report(report_indicators);
  const auto export_as = [&](const char* name, const std::function<std::string(const v1::Report&)>& exporter) {
    std::size_t bytes = 0;
    const double seconds = median_seconds(runs, [&] {
      bytes = 0;
      for (std::size_t i = 0; i < reports; ++i) {
        bytes += exporter(report).size();
      }
    });
    print(name, "reports", static_cast<double>(reports), seconds, bytes);
  };
  export_as("stix_export", formats::stix_bundle);
  export_as("misp_export", formats::misp_event);
  export_as("csv_export", formats::csv_rows);
  std::printf("# %zu indicators per imported file; %zu indicators per exported report; median of %d runs\n",
              indicators, report_indicators, runs);
  return 0;
}
