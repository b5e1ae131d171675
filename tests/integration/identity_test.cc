// Who may connect: client certificates verified against the deployment CA
// only, identity by SPKI pin through the registry, revocation.
#include <gtest/gtest.h>

#include <fstream>
#include <openssl/ssl.h>

#include <boost/asio/ip/tcp.hpp>

#include "tests/harness/case_invariants.h"
#include "tests/harness/deployment.h"
#include "tests/harness/test_client.h"
#include "tests/harness/test_pki.h"

namespace weft::testing {
namespace {

using namespace std::chrono_literals;

class IdentityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    deployment_.add_org("cert-de", "publisher,subscriber");
    deployment_.add_org("acme-bank", "subscriber", {}, "NL", "finance");
    invariants_.prepare();
    deployment_.start_broker();
    invariants_.begin();
  }

  void TearDown() override { invariants_.verify(); }

  // Connects raw TLS and reads until the broker closes; returns what the
  // client saw (the TLS alert text or the closing error frame).
  std::string refusal_for(const std::optional<RawTlsClient::Identity>& identity, int max_version = 0) {
    RawTlsClient client(deployment_.ca_cert(), identity, max_version);
    const std::string handshake = client.connect(deployment_.port());
    if (!handshake.empty()) {
      return handshake;
    }
    // No Hello: the broker judges the certificate before reading anything.
    EXPECT_TRUE(client.wait_closed()) << "the broker kept the connection open";
    for (const auto& frame : client.frames_before_close()) {
      if (frame.has_error()) {
        return v1::ErrorCode_Name(frame.error().code()) + ": " + frame.error().message();
      }
    }
    return client.last_error();
  }

  void expect_broker_still_serves() {
    TestClient healthy;
    ASSERT_TRUE(healthy.connect(deployment_.profile("cert-de"), deployment_.port()));
    EXPECT_TRUE(healthy.publish(make_report("phishing")));
  }

  TestDeployment deployment_{"identity"};
  CaseInvariants invariants_{deployment_};
};

TEST_F(IdentityTest, ConnectionWithoutClientCertificateIsRefused) {
  const std::string seen = refusal_for(std::nullopt);
  EXPECT_NE(seen.find("certificate required"), std::string::npos) << seen;
  expect_broker_still_serves();
}

TEST_F(IdentityTest, CertificateFromAnotherCaIsRefused) {
  const auto foreign = deployment_.dir() / "foreign";
  make_ca(foreign);
  pki::CertificateSpec spec;
  spec.common_name = "cert-de";  // pretends to be a registered organisation
  const auto identity = issue_identity(foreign / "client", foreign / "ca.pem", foreign / "ca.key", spec);
  const std::string seen = refusal_for(identity.identity());
  EXPECT_NE(seen.find("unknown ca"), std::string::npos) << seen;
  expect_broker_still_serves();
}

TEST_F(IdentityTest, UnregisteredKeyIsRefusedEvenWithAnotherOrganisationsName) {
  // Signed by the deployment CA, subject names a registered organisation,
  // but the key is not in the registry: identity comes from the key.
  pki::CertificateSpec spec;
  spec.common_name = "cert-de";
  spec.organisation = "cert-de";
  const auto identity =
      issue_identity(deployment_.dir() / "stray", deployment_.ca_cert(), deployment_.ca_key(), spec);
  const auto profile = write_profile(deployment_.dir() / "stray", deployment_.ca_cert(), identity);
  TestClient client;
  auto result = client.connect(profile, deployment_.port());
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, v1::UNKNOWN_IDENTITY) << result.error().describe();
  EXPECT_NE(result.error().message.find("not registered"), std::string::npos);
  EXPECT_TRUE(deployment_.broker_logged("security.unknown_identity"));
}

TEST_F(IdentityTest, ExpiredCertificateIsRefused) {
  pki::CertificateSpec spec;
  spec.common_name = "old";
  spec.not_before_offset = -48h;
  spec.lifetime = 24h;
  const auto identity = issue_identity(deployment_.dir() / "old", deployment_.ca_cert(), deployment_.ca_key(), spec);
  const std::string seen = refusal_for(identity.identity());
  EXPECT_NE(seen.find("certificate expired"), std::string::npos) << seen;
  EXPECT_TRUE(deployment_.broker_logged("certificate has expired"))
      << "the security log names the reason: " << deployment_.broker_log();
}

TEST_F(IdentityTest, NotYetValidCertificateIsRefusedWithItsOwnReason) {
  pki::CertificateSpec spec;
  spec.common_name = "early";
  spec.not_before_offset = 24h;
  spec.lifetime = 24h;
  const auto identity = issue_identity(deployment_.dir() / "early", deployment_.ca_cert(), deployment_.ca_key(), spec);
  const std::string seen = refusal_for(identity.identity());
  EXPECT_NE(seen.find("alert"), std::string::npos) << seen;
  EXPECT_TRUE(deployment_.broker_logged("certificate is not yet valid"))
      << deployment_.broker_log();
}

TEST_F(IdentityTest, NoSessionTicketsAreIssuedSoARevokedClientCannotResume) {
  // Resumption skips the client-certificate check; without tickets every
  // connection is a full handshake that sees the current registry.
  RawTlsClient client(deployment_.ca_cert(), RawTlsClient::Identity{deployment_.org_file("cert-de", "cert.pem"),
                                                                     deployment_.org_file("cert-de", "key.pem")});
  ASSERT_EQ(client.connect(deployment_.port()), "");
  ASSERT_TRUE(client.hello());  // reads the Welcome, and any ticket sent before it
  v1::Frame ping;
  ping.set_correlation_id(7);
  ping.mutable_ping()->set_nonce(7);
  ASSERT_TRUE(client.send_frame(ping));
  v1::Frame pong;
  ASSERT_EQ(client.read_frame(pong), RawTlsClient::ReadStatus::kFrame);
  EXPECT_FALSE(client.session_resumable());
}

TEST_F(IdentityTest, ServerOnlyCertificateIsRefusedAsClient) {
  pki::CertificateSpec spec;
  spec.common_name = "server-only";
  spec.usage = pki::Usage::kServer;
  spec.dns_names = {"server-only.example"};
  const auto identity =
      issue_identity(deployment_.dir() / "server-only", deployment_.ca_cert(), deployment_.ca_key(), spec);
  const std::string seen = refusal_for(identity.identity());
  EXPECT_NE(seen.find("alert"), std::string::npos) << seen;
}

TEST_F(IdentityTest, Tls12OnlyClientIsRefused) {
  const std::string seen = refusal_for(RawTlsClient::Identity{deployment_.org_file("cert-de", "cert.pem"),
                                                             deployment_.org_file("cert-de", "key.pem")},
                                       TLS1_2_VERSION);
  EXPECT_NE(seen.find("protocol version"), std::string::npos) << seen;
}

TEST_F(IdentityTest, RevocationClosesLiveSessionsWithinASecondAndBlocksReconnect) {
  TestClient bank;
  ASSERT_TRUE(bank.connect(deployment_.profile("acme-bank"), deployment_.port()));
  ASSERT_TRUE(bank.subscribe("phishing"));
  const auto revoke = deployment_.admin({"org", "revoke", "acme-bank"});
  ASSERT_EQ(revoke.exit_code, 0) << revoke.err;
  const auto revoked_at = std::chrono::steady_clock::now();
  ASSERT_TRUE(eventually([&] { return !bank.is_open(); }, 3s));
  EXPECT_LT(std::chrono::steady_clock::now() - revoked_at, 1500ms);
  ASSERT_TRUE(bank.close_error().has_value());
  EXPECT_EQ(bank.close_error()->code, v1::REVOKED);

  TestClient again;
  auto reconnect = again.connect(deployment_.profile("acme-bank"), deployment_.port());
  ASSERT_FALSE(reconnect);
  EXPECT_EQ(reconnect.error().code, v1::REVOKED);
  const auto cli = deployment_.weft("acme-bank", {"whoami"});
  EXPECT_EQ(cli.exit_code, 3);
  EXPECT_NE(cli.err.find("REVOKED"), std::string::npos) << cli.err;
}

TEST_F(IdentityTest, RenewedOrganisationConnectsWithTheNewKeyOnly) {
  const auto old_cert = read_text(deployment_.org_file("acme-bank", "cert.pem"));
  const auto old_key = read_text(deployment_.org_file("acme-bank", "key.pem"));
  const auto stash = deployment_.dir() / "old-acme";
  std::filesystem::create_directories(stash);
  std::ofstream(stash / "cert.pem") << old_cert;
  std::ofstream(stash / "key.pem") << old_key;
  std::filesystem::permissions(stash / "key.pem", std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);

  const auto renew = deployment_.admin({"org", "renew", "acme-bank"});
  ASSERT_EQ(renew.exit_code, 0) << renew.err;
  ASSERT_TRUE(eventually([&] { return deployment_.weft("acme-bank", {"whoami"}).exit_code == 0; }));
  const std::string seen = refusal_for(RawTlsClient::Identity{stash / "cert.pem", stash / "key.pem"});
  EXPECT_NE(seen.find("UNKNOWN_IDENTITY"), std::string::npos) << seen;
}

TEST_F(IdentityTest, Ed25519OrganisationConnectsAndIsIdentified) {
  deployment_.add_org("ed-cert", "publisher", {"--key-type", "ed25519"});
  TestClient client;
  // The broker picks the new organisation up within its registry poll.
  ASSERT_TRUE(eventually([&] { return static_cast<bool>(client.connect(deployment_.profile("ed-cert"), deployment_.port())); }));
  EXPECT_EQ(client.welcome().organisation(), "ed-cert");
  EXPECT_TRUE(client.publish(make_report("phishing")));
}

TEST(PreAuthenticationLimitTest, IdleTcpConnectionsFromOneAddressAreCapped) {
  TestDeployment deployment("preauth");
  deployment.add_org("cert-de", "publisher,subscriber");
  deployment.append_config("limits { max_preauth_per_ip: 3 handshake_timeout_ms: 60000 }");
  CaseInvariants invariants(deployment);
  invariants.prepare();
  deployment.start_broker();
  invariants.begin();
  boost::asio::io_context io;
  std::vector<std::unique_ptr<boost::asio::ip::tcp::socket>> idle;
  for (int i = 0; i < 3; ++i) {
    idle.push_back(std::make_unique<boost::asio::ip::tcp::socket>(io));
    idle.back()->connect({boost::asio::ip::make_address("127.0.0.1"), deployment.port()});
  }
  // The broker accepts in arrival order, so the fourth connection finds the
  // cap reached and is dropped at once instead of waiting for a handshake.
  RawTlsClient fourth(deployment.ca_cert(), RawTlsClient::Identity{deployment.org_file("cert-de", "cert.pem"),
                                                                  deployment.org_file("cert-de", "key.pem")});
  EXPECT_NE(fourth.connect(deployment.port(), 2s), "");
  EXPECT_TRUE(eventually([&] { return deployment.broker_log().find("reason=max_preauth_per_ip") != std::string::npos; }));
  // Once the idle sockets go away, real clients get in again.
  idle.clear();
  EXPECT_TRUE(eventually(
      [&] {
        TestClient client;
        return static_cast<bool>(client.connect(deployment.profile("cert-de"), deployment.port()));
      },
      5s));
  invariants.verify();
}

}  // namespace
}  // namespace weft::testing
