#include "broker/report_content.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

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
  std::string out;
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    content.SerializeToCodedStream(&coded);
  }
  return out;
}

bool is_restricted(v1::Tlp tlp) { return tlp == v1::AMBER || tlp == v1::AMBER_STRICT || tlp == v1::RED; }

}  // namespace weft::broker
