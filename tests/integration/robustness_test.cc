// Hostile and careless peers against a real weftd: oversized and empty
// frames, garbage, protocol misuse, deadlines, and slow subscribers. After
// each, the broker must still serve a healthy client.
#include <gtest/gtest.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/unknown_field_set.h>

#include <regex>
#include <thread>

#include "client-lib/report_signer.h"
#include "tests/harness/case_invariants.h"
#include "tests/harness/deployment.h"
#include "tests/harness/raw_tls_client.h"
#include "tests/harness/test_client.h"

namespace weft::testing {
namespace {

using namespace std::chrono_literals;

class RobustnessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    deployment_.add_org("cert-de", "publisher,subscriber");
    deployment_.add_org("acme-bank", "subscriber", {}, "NL", "finance");
    invariants_.prepare();
  }

  void TearDown() override { invariants_.verify(); }

  void start(const std::string& limits = {}) {
    if (!limits.empty()) {
      deployment_.append_config("limits { " + limits + " }");
    }
    deployment_.start_broker();
    invariants_.begin();
  }

  RawTlsClient::Identity identity(const std::string& org) const {
    return {deployment_.org_file(org, "cert.pem"), deployment_.org_file(org, "key.pem")};
  }

  std::unique_ptr<RawTlsClient> raw(const std::string& org = "cert-de", bool say_hello = true) {
    auto client = std::make_unique<RawTlsClient>(deployment_.ca_cert(), identity(org));
    EXPECT_EQ(client->connect(deployment_.port()), "");
    if (say_hello) {
      EXPECT_TRUE(client->hello());
    }
    return client;
  }

  // The closing error the broker sent before hanging up, if any.
  static std::optional<v1::Error> closing_error(const RawTlsClient& client) {
    for (const auto& frame : client.frames_before_close()) {
      if (frame.has_error() && frame.error().closing()) {
        return frame.error();
      }
    }
    return std::nullopt;
  }

  // A publish frame as libweft would send it (cert-de signs its reports).
  v1::Frame signed_publish(v1::Report report, std::uint64_t correlation_id = 3) {
    auto signer = client::ReportSigner::load(deployment_.org_file("cert-de", "signing.key"), "cert-de");
    EXPECT_TRUE(signer) << signer.error().describe();
    if (signer) {
      EXPECT_TRUE(signer.value()->sign(report));
    }
    v1::Frame frame;
    frame.set_correlation_id(correlation_id);
    *frame.mutable_publish()->mutable_report() = std::move(report);
    return frame;
  }

  // A hand-made body as the wire carries it.
  static std::string with_length_prefix(const std::string& body) {
    std::string frame(proto::kFrameHeaderBytes, '\0');
    proto::write_length_prefix(static_cast<std::uint32_t>(body.size()), frame.data());
    return frame + body;
  }

  // The answer to one frame: an error that leaves the session open.
  static v1::Error refusal_keeping_the_session(RawTlsClient& client) {
    v1::Frame reply;
    EXPECT_EQ(client.read_frame(reply), RawTlsClient::ReadStatus::kFrame);
    EXPECT_TRUE(reply.has_error()) << reply.DebugString();
    EXPECT_FALSE(reply.error().closing()) << reply.DebugString();
    v1::Frame ping;
    ping.set_correlation_id(99);
    ping.mutable_ping()->set_nonce(4242);
    EXPECT_TRUE(client.send_frame(ping));
    v1::Frame pong;
    EXPECT_EQ(client.read_frame(pong), RawTlsClient::ReadStatus::kFrame);
    EXPECT_EQ(pong.pong().nonce(), 4242U) << "the session did not stay usable: " << pong.DebugString();
    return reply.error();
  }

  void expect_broker_still_serves() {
    TestClient subscriber;
    ASSERT_TRUE(subscriber.connect(deployment_.profile("acme-bank"), deployment_.port()));
    ASSERT_TRUE(subscriber.subscribe("health"));
    TestClient publisher;
    ASSERT_TRUE(publisher.connect(deployment_.profile("cert-de"), deployment_.port()));
    ASSERT_TRUE(publisher.publish(make_report("health")));
    EXPECT_TRUE(subscriber.next_delivery().has_value());
  }

  TestDeployment deployment_{"robustness"};
  CaseInvariants invariants_{deployment_};
};

TEST_F(RobustnessTest, OversizedLengthPrefixClosesWithoutAllocating) {
  start();
  const long rss_before = deployment_.broker().rss_kib();
  auto client = raw();
  ASSERT_TRUE(client->send_bytes(std::string("\xff\xff\xff\xff", 4)));
  ASSERT_TRUE(client->wait_closed());
  auto error = closing_error(*client);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->code(), v1::FRAME_TOO_LARGE);
  EXPECT_NE(error->message().find("4294967295"), std::string::npos) << error->message();
  // Had the broker sized a buffer for the declared 4 GiB, its RSS would show it.
  EXPECT_LT(deployment_.broker().rss_kib() - rss_before, 16 * 1024);
  expect_broker_still_serves();
}

TEST_F(RobustnessTest, FrameOneByteOverTheLimitIsRefused) {
  start("max_frame_bytes: 4096");
  auto client = raw();
  std::string header(4, '\0');
  proto::write_length_prefix(4097, header.data());
  ASSERT_TRUE(client->send_bytes(header));
  ASSERT_TRUE(client->wait_closed());
  ASSERT_TRUE(closing_error(*client).has_value());
  EXPECT_EQ(closing_error(*client)->code(), v1::FRAME_TOO_LARGE);
}

TEST_F(RobustnessTest, EmptyFrameIsRefused) {
  start();
  auto client = raw();
  ASSERT_TRUE(client->send_bytes(std::string(4, '\0')));
  ASSERT_TRUE(client->wait_closed());
  ASSERT_TRUE(closing_error(*client).has_value());
  EXPECT_EQ(closing_error(*client)->code(), v1::EMPTY_FRAME);
}

TEST_F(RobustnessTest, GarbageInsideTheTlsStreamClosesThatConnectionOnly) {
  start();
  TestClient bystander;
  ASSERT_TRUE(bystander.connect(deployment_.profile("acme-bank"), deployment_.port()));
  ASSERT_TRUE(bystander.subscribe("phishing"));

  auto client = raw();
  ASSERT_TRUE(client->send_bytes("GET / HTTP/1.1\r\nHost: weft\r\n\r\n"));
  ASSERT_TRUE(client->wait_closed());

  TestClient publisher;
  ASSERT_TRUE(publisher.connect(deployment_.profile("cert-de"), deployment_.port()));
  ASSERT_TRUE(publisher.publish(make_report("phishing")));
  EXPECT_TRUE(bystander.next_delivery().has_value());
}

TEST_F(RobustnessTest, GarbageTlsRecordsAfterTheHandshakeCloseThatConnectionOnly) {
  start();
  TestClient bystander;
  ASSERT_TRUE(bystander.connect(deployment_.profile("acme-bank"), deployment_.port()));
  auto client = raw();
  // A record header claiming application data, then bytes that are not a
  // valid ciphertext for this session.
  ASSERT_TRUE(client->send_raw_tcp(std::string("\x17\x03\x03\x00\x20", 5) + std::string(32, 'G')));
  ASSERT_TRUE(client->wait_closed());
  EXPECT_TRUE(bystander.is_open());
  expect_broker_still_serves();
}

TEST_F(RobustnessTest, PlainTcpJunkInsteadOfAClientHelloIsDropped) {
  start();
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket tcp(io);
  tcp.connect({boost::asio::ip::make_address("127.0.0.1"), deployment_.port()});
  boost::asio::write(tcp, boost::asio::buffer(std::string("GET / HTTP/1.1\r\nHost: weft\r\n\r\n")));
  // The broker answers with a TLS alert at most, then hangs up.
  std::string sink;
  boost::system::error_code error;
  boost::asio::read(tcp, boost::asio::dynamic_buffer(sink), error);
  EXPECT_TRUE(error == boost::asio::error::eof || error == boost::asio::error::connection_reset) << error.message();
  EXPECT_LT(sink.size(), 64U);
  expect_broker_still_serves();
}

TEST_F(RobustnessTest, UndecodableFramesGetErrorsThenCloseAfterThreeInARow) {
  start();
  auto client = raw();
  const std::string junk_frame("\x00\x00\x00\x05\xff\xff\xff\xff\xff", 9);
  ASSERT_TRUE(client->send_bytes(junk_frame));
  v1::Frame reply;
  ASSERT_EQ(client->read_frame(reply), RawTlsClient::ReadStatus::kFrame);
  EXPECT_EQ(reply.error().code(), v1::DECODE_ERROR);
  EXPECT_FALSE(reply.error().closing());
  // Still usable after one bad frame.
  v1::Frame ping;
  ping.set_correlation_id(5);
  ping.mutable_ping()->set_nonce(77);
  ASSERT_TRUE(client->send_frame(ping));
  ASSERT_EQ(client->read_frame(reply), RawTlsClient::ReadStatus::kFrame);
  EXPECT_EQ(reply.pong().nonce(), 77U);
  ASSERT_TRUE(client->send_bytes(junk_frame + junk_frame + junk_frame));
  ASSERT_TRUE(client->wait_closed());
  ASSERT_TRUE(closing_error(*client).has_value());
  EXPECT_EQ(closing_error(*client)->code(), v1::DECODE_ERROR);
}

TEST_F(RobustnessTest, PublishBeforeHelloIsUnexpected) {
  start();
  auto client = raw("cert-de", false);
  v1::Frame publish;
  publish.set_correlation_id(1);
  *publish.mutable_publish()->mutable_report() = make_report("phishing");
  ASSERT_TRUE(client->send_frame(publish));
  ASSERT_TRUE(client->wait_closed());
  ASSERT_TRUE(closing_error(*client).has_value());
  EXPECT_EQ(closing_error(*client)->code(), v1::UNEXPECTED_MESSAGE);
}

TEST_F(RobustnessTest, SecondHelloIsAProtocolViolation) {
  start();
  auto client = raw();
  v1::Frame hello;
  hello.mutable_hello()->set_version(v1::PROTOCOL_V1);
  ASSERT_TRUE(client->send_frame(hello));
  ASSERT_TRUE(client->wait_closed());
  ASSERT_TRUE(closing_error(*client).has_value());
  EXPECT_EQ(closing_error(*client)->code(), v1::PROTOCOL_VIOLATION);
}

TEST_F(RobustnessTest, UnsupportedProtocolVersionIsRefused) {
  start();
  auto client = raw("cert-de", false);
  v1::Frame hello;
  hello.mutable_hello()->set_version(static_cast<v1::ProtocolVersion>(9));
  ASSERT_TRUE(client->send_frame(hello));
  ASSERT_TRUE(client->wait_closed());
  ASSERT_TRUE(closing_error(*client).has_value());
  EXPECT_EQ(closing_error(*client)->code(), v1::UNSUPPORTED_VERSION);
}

TEST_F(RobustnessTest, HelloSentOneByteAtATimeIsUnderstood) {
  start();
  auto client = raw("cert-de", false);
  v1::Frame hello;
  hello.set_correlation_id(1);
  hello.mutable_hello()->set_version(v1::PROTOCOL_V1);
  const std::string bytes = proto::encode_frame(hello);
  for (char c : bytes) {
    ASSERT_TRUE(client->send_bytes(std::string(1, c)));
  }
  v1::Frame reply;
  ASSERT_EQ(client->read_frame(reply), RawTlsClient::ReadStatus::kFrame);
  ASSERT_TRUE(reply.has_welcome());
  EXPECT_EQ(reply.welcome().organisation(), "cert-de");
}

TEST_F(RobustnessTest, SilentClientIsClosedAtTheHelloDeadline) {
  start("hello_timeout_ms: 300");
  auto client = raw("cert-de", false);
  const auto started = std::chrono::steady_clock::now();
  ASSERT_TRUE(client->wait_closed(5s));
  EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
  ASSERT_TRUE(closing_error(*client).has_value());
  EXPECT_EQ(closing_error(*client)->code(), v1::TIMEOUT);
}

TEST_F(RobustnessTest, TcpConnectionThatNeverStartsTlsIsDroppedAtTheHandshakeDeadline) {
  start("handshake_timeout_ms: 300");
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket tcp(io);
  tcp.connect({boost::asio::ip::make_address("127.0.0.1"), deployment_.port()});
  const auto started = std::chrono::steady_clock::now();
  char byte = 0;
  boost::system::error_code error;
  boost::asio::read(tcp, boost::asio::buffer(&byte, 1), error);
  EXPECT_TRUE(error);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
  EXPECT_TRUE(deployment_.broker_logged("tls_handshake_timeout"))
      << deployment_.broker_log();
  expect_broker_still_serves();
}

TEST_F(RobustnessTest, TricklingAFrameHitsTheWholeFrameDeadline) {
  start("frame_timeout_ms: 400");
  auto client = raw();
  v1::Frame ping;
  ping.set_correlation_id(2);
  ping.mutable_ping()->set_nonce(1);
  const std::string bytes = proto::encode_frame(ping);
  // Half the frame, then one byte every 150 ms: each byte is "progress", but
  // the frame as a whole is late.
  ASSERT_TRUE(client->send_bytes(bytes.substr(0, 3)));
  const auto started = std::chrono::steady_clock::now();
  for (std::size_t i = 3; i + 1 < bytes.size() && std::chrono::steady_clock::now() - started < 2s; ++i) {
    std::this_thread::sleep_for(150ms);
    if (!client->send_bytes(bytes.substr(i, 1), 500ms)) {
      break;
    }
  }
  ASSERT_TRUE(client->wait_closed(3s));
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2500ms);
  ASSERT_TRUE(closing_error(*client).has_value());
  EXPECT_EQ(closing_error(*client)->code(), v1::TIMEOUT);
}

TEST_F(RobustnessTest, SlowSubscriberIsCutOffWhileAFastOneKeepsReceiving) {
  start("subscriber_queue_frames: 64 subscriber_queue_bytes: 1048576");
  [[maybe_unused]] const long rss_before = deployment_.broker().rss_kib();
  auto slow = std::make_unique<RawTlsClient>(deployment_.ca_cert(), identity("acme-bank"));
  slow->set_receive_buffer(16 * 1024);
  ASSERT_EQ(slow->connect(deployment_.port()), "");
  ASSERT_TRUE(slow->hello());
  v1::Frame subscribe;
  subscribe.set_correlation_id(2);
  subscribe.mutable_subscribe()->set_feed("phishing");
  ASSERT_TRUE(slow->send_frame(subscribe));
  v1::Frame ack;
  ASSERT_EQ(slow->read_frame(ack), RawTlsClient::ReadStatus::kFrame);
  ASSERT_TRUE(ack.has_subscribe_ack());
  // From here on the slow subscriber reads nothing.

  TestClient fast;
  ASSERT_TRUE(fast.connect(deployment_.profile("cert-de"), deployment_.port()));
  ASSERT_TRUE(fast.subscribe("phishing"));
  TestClient publisher;
  ASSERT_TRUE(publisher.connect(deployment_.profile("cert-de"), deployment_.port()));
  constexpr int kReports = 3000;
  const std::string filler(8000, 'x');  // 8 KB each: ~24 MB, far beyond socket buffers
  for (int i = 0; i < kReports; ++i) {
    auto report = make_report("phishing");
    report.set_description(filler);
    auto ack_or_error = publisher.publish(report);
    ASSERT_TRUE(ack_or_error) << i << ": " << ack_or_error.error().describe();
  }
  ASSERT_TRUE(eventually([&] { return fast.deliveries_received() == static_cast<std::size_t>(kReports); }, 20s))
      << "fast subscriber got " << fast.deliveries_received();
  EXPECT_TRUE(fast.is_open());
  EXPECT_TRUE(deployment_.broker_logged("reason=slow_consumer"))
      << deployment_.broker_log();

  ASSERT_TRUE(slow->wait_closed(20s));
  EXPECT_LT(slow->frames_before_close().size(), static_cast<std::size_t>(kReports));
  if (auto error = closing_error(*slow)) {
    EXPECT_EQ(error->code(), v1::SLOW_CONSUMER);
  }
#ifndef __SANITIZE_ADDRESS__  // ASan's quarantine keeps freed memory resident
  // 24 MB went through; the slow subscriber's backlog was bounded at 1 MiB.
  EXPECT_LT(deployment_.broker().rss_kib() - rss_before, 48 * 1024);
#endif
}

TEST_F(RobustnessTest, UnknownFieldsAreDroppedBeforeForwarding) {
  start();
  TestClient bank;
  ASSERT_TRUE(bank.connect(deployment_.profile("acme-bank"), deployment_.port()));
  ASSERT_TRUE(bank.subscribe("phishing"));
  auto client = raw();
  v1::Frame publish;
  publish.set_correlation_id(3);
  auto* report = publish.mutable_publish()->mutable_report();
  *report = make_report("phishing");
  // Signed as libweft would (cert-de has a registered signing key).
  auto signer = client::ReportSigner::load(deployment_.org_file("cert-de", "signing.key"), "cert-de");
  ASSERT_TRUE(signer) << signer.error().describe();
  ASSERT_TRUE(signer.value()->sign(*report));
  // A field from a "future schema" that this broker does not know.
  report->GetReflection()->MutableUnknownFields(report)->AddLengthDelimited(500, "PLANTED-1234");
  ASSERT_NE(publish.SerializeAsString().find("PLANTED-1234"), std::string::npos);
  ASSERT_TRUE(client->send_frame(publish));
  v1::Frame reply;
  ASSERT_EQ(client->read_frame(reply), RawTlsClient::ReadStatus::kFrame);
  ASSERT_TRUE(reply.has_publish_ack()) << reply.DebugString();
  auto delivery = bank.next_delivery();
  ASSERT_TRUE(delivery.has_value());
  EXPECT_EQ(delivery->report().SerializeAsString().find("PLANTED-1234"), std::string::npos);
}

// ---- matrix rows 4-6, 9, 10, 12-14 (docs/bad-input-matrix.md) -----------

TEST_F(RobustnessTest, HalfAFrameThenSilenceHitsTheFrameDeadline) {
  start("frame_timeout_ms: 400");
  auto client = raw();
  const std::string bytes = proto::encode_frame(signed_publish(make_report("phishing")));
  ASSERT_TRUE(client->send_bytes(bytes.substr(0, bytes.size() / 2)));
  const auto started = std::chrono::steady_clock::now();
  ASSERT_TRUE(client->wait_closed(3s));
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2500ms);
  ASSERT_TRUE(closing_error(*client).has_value());
  EXPECT_EQ(closing_error(*client)->code(), v1::TIMEOUT);
}

TEST_F(RobustnessTest, HalfAFrameThenFinClosesTheSessionWithOneLogLine) {
  start();
  TestClient bank;
  ASSERT_TRUE(bank.connect(deployment_.profile("acme-bank"), deployment_.port()));
  ASSERT_TRUE(bank.subscribe("phishing"));
  auto client = raw();
  const std::string bytes = proto::encode_frame(signed_publish(make_report("phishing")));
  ASSERT_TRUE(client->send_bytes(bytes.substr(0, bytes.size() / 2)));
  ASSERT_TRUE(client->finish_sending());
  ASSERT_TRUE(client->wait_closed(3s));
  const std::regex closed_line("session\\.closed conn=[0-9]+ org=cert-de");
  const auto closed_lines = [&] {
    const std::string log = deployment_.broker_log();
    return std::distance(std::sregex_iterator(log.begin(), log.end(), closed_line), std::sregex_iterator());
  };
  ASSERT_TRUE(eventually([&] { return closed_lines() >= 1; })) << deployment_.broker_log();
  std::this_thread::sleep_for(200ms);  // a second line, if any, would come right after
  EXPECT_EQ(closed_lines(), 1) << deployment_.broker_log();
  EXPECT_FALSE(bank.next_delivery(300ms).has_value()) << "half a report was delivered";
}

TEST_F(RobustnessTest, APublishTrickledOneByteAtATimeIsStoredOnce) {
  start();
  TestClient bank;
  ASSERT_TRUE(bank.connect(deployment_.profile("acme-bank"), deployment_.port()));
  ASSERT_TRUE(bank.subscribe("phishing"));
  auto client = raw();
  const v1::Frame publish = signed_publish(make_report("phishing"));
  const std::string bytes = proto::encode_frame(publish);
  for (const char byte : bytes) {
    ASSERT_TRUE(client->send_bytes(std::string_view(&byte, 1)));
  }
  v1::Frame reply;
  ASSERT_EQ(client->read_frame(reply), RawTlsClient::ReadStatus::kFrame);
  ASSERT_TRUE(reply.has_publish_ack()) << reply.DebugString();
  auto delivery = bank.next_delivery();
  ASSERT_TRUE(delivery.has_value());
  EXPECT_EQ(delivery->report().id(), publish.publish().report().id());
  EXPECT_FALSE(bank.next_delivery(300ms).has_value()) << "delivered twice";
}

TEST_F(RobustnessTest, AKnownFieldWithTheWrongWireTypeIsADecodeError) {
  start();
  auto client = raw();
  // frame.publish (a message) sent as a varint.
  const int publish_field = v1::Frame::descriptor()->FindFieldByName("publish")->number();
  std::string body;
  {
    google::protobuf::io::StringOutputStream stream(&body);
    google::protobuf::io::CodedOutputStream out(&stream);
    out.WriteTag(static_cast<std::uint32_t>(publish_field << 3));
    out.WriteVarint32(1);
  }
  ASSERT_TRUE(client->send_bytes(with_length_prefix(body)));
  const v1::Error error = refusal_keeping_the_session(*client);
  EXPECT_EQ(error.code(), v1::DECODE_ERROR) << error.message();
}

TEST_F(RobustnessTest, TenThousandNestedGroupsAreTooDeepAndTheSessionGoesOn) {
  start();
  auto client = raw();
  std::string body;
  for (int i = 0; i < 10000; ++i) {
    body += "\x9b\x06";  // field 99, start group
  }
  for (int i = 0; i < 10000; ++i) {
    body += "\x9c\x06";  // field 99, end group
  }
  ASSERT_TRUE(client->send_bytes(with_length_prefix(body)));
  const v1::Error error = refusal_keeping_the_session(*client);
  EXPECT_EQ(error.code(), v1::TOO_DEEP) << error.message();
}

TEST_F(RobustnessTest, HundredsOfThousandsOfLabelsInOneFrameHitTheElementCap) {
  start();
  auto client = raw();
  v1::Report report = make_report("phishing");
  for (int i = 0; i < 300000; ++i) {
    report.add_labels("x");
  }
  // Unsigned: libweft's signer refuses such a report before it is sent.
  v1::Frame publish;
  publish.set_correlation_id(3);
  *publish.mutable_publish()->mutable_report() = report;
  const std::string bytes = proto::encode_frame(publish);
  ASSERT_LT(bytes.size(), 1024U * 1024U) << "must fit the default frame limit";
  ASSERT_TRUE(client->send_bytes(bytes, 10s));
  const v1::Error error = refusal_keeping_the_session(*client);
  EXPECT_EQ(error.code(), v1::LIMIT_EXCEEDED) << error.message();
  EXPECT_NE(error.message().find("report.labels"), std::string::npos) << error.message();
}

TEST_F(RobustnessTest, InvalidUtf8InATitleIsRefusedNamingTheField) {
  start();
  auto client = raw();
  const std::string placeholder = "TITLE-PLACEHOLDER";
  std::string bytes = proto::encode_frame(signed_publish(make_report("phishing", v1::GREEN, placeholder)));
  const auto at = bytes.find(placeholder);
  ASSERT_NE(at, std::string::npos);
  bytes.replace(at, 2, "\xc3\x28");  // a lead byte followed by ASCII: not UTF-8
  ASSERT_TRUE(client->send_bytes(bytes));
  const v1::Error error = refusal_keeping_the_session(*client);
  EXPECT_EQ(error.code(), v1::INVALID_UTF8) << error.message();
  EXPECT_NE(error.message().find("frame.publish.report.title"), std::string::npos) << error.message();
}

TEST_F(RobustnessTest, AnUnknownTlpLevelIsRefusedNeverTreatedAsALooserOne) {
  start();
  TestClient bank;
  ASSERT_TRUE(bank.connect(deployment_.profile("acme-bank"), deployment_.port()));
  ASSERT_TRUE(bank.subscribe("phishing"));
  auto client = raw();
  v1::Report report = make_report("phishing");
  report.GetReflection()->SetEnumValue(&report, v1::Report::descriptor()->FindFieldByName("tlp"), 42);
  ASSERT_TRUE(client->send_frame(signed_publish(report)));
  const v1::Error error = refusal_keeping_the_session(*client);
  EXPECT_EQ(error.code(), v1::VALIDATION_FAILED) << error.message();
  EXPECT_NE(error.message().find("report.tlp"), std::string::npos) << error.message();
  EXPECT_FALSE(bank.next_delivery(300ms).has_value());
}

TEST_F(RobustnessTest, AReportWithoutAnIdIsRefusedNamingTheField) {
  start();
  auto client = raw();
  v1::Frame publish;
  publish.set_correlation_id(3);
  *publish.mutable_publish()->mutable_report() = make_report("phishing");
  publish.mutable_publish()->mutable_report()->clear_id();  // libweft would refuse to send it
  ASSERT_TRUE(client->send_frame(publish));
  const v1::Error error = refusal_keeping_the_session(*client);
  EXPECT_EQ(error.code(), v1::VALIDATION_FAILED);
  EXPECT_EQ(error.message(), "report.id: is missing (a UUID chosen by the publisher)");
}

}  // namespace
}  // namespace weft::testing
