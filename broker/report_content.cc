#include "broker/report_content.h"
#include "proto/deterministic.h"

namespace weft::broker {

std::string comparable_content(const v1::Report& report) {
  v1::Report content = report;
  content.clear_id();
  content.clear_feed();
  content.clear_tlp();
  content.clear_recipients();
  content.clear_created();
  content.clear_broker();
  content.clear_redaction();
  content.clear_provenance();  // signatures and salts differ on every copy
  return proto::deterministic_bytes(content);
}

bool is_restricted(v1::Tlp tlp) { return tlp == v1::AMBER || tlp == v1::AMBER_STRICT || tlp == v1::RED; }

}  // namespace weft::broker
