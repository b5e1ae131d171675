#include "pki/pki.h"

#include <gtest/gtest.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "common/files.h"

namespace weft::pki {
namespace {

struct StoreDeleter {
  void operator()(X509_STORE* store) const { X509_STORE_free(store); }
};
struct StoreCtxDeleter {
  void operator()(X509_STORE_CTX* ctx) const { X509_STORE_CTX_free(ctx); }
};

// Verifies `leaf` against `ca` for `purpose` the way a TLS peer would.
int verify(X509* ca, X509* leaf, int purpose) {
  std::unique_ptr<X509_STORE, StoreDeleter> store(X509_STORE_new());
  X509_STORE_add_cert(store.get(), ca);
  std::unique_ptr<X509_STORE_CTX, StoreCtxDeleter> ctx(X509_STORE_CTX_new());
  X509_STORE_CTX_init(ctx.get(), store.get(), leaf, nullptr);
  X509_STORE_CTX_set_purpose(ctx.get(), purpose);
  if (X509_verify_cert(ctx.get()) == 1) {
    return X509_V_OK;
  }
  return X509_STORE_CTX_get_error(ctx.get());
}

struct Ca {
  KeyPtr key;
  CertificatePtr cert;
};

Ca make_ca(KeyType type) {
  auto key = generate_key(type);
  EXPECT_TRUE(key);
  CertificateSpec spec;
  spec.common_name = "test CA";
  spec.usage = Usage::kCertificateAuthority;
  auto cert = issue(spec, key.value().get(), nullptr, nullptr);
  EXPECT_TRUE(cert) << (cert ? "" : cert.error().describe());
  return {std::move(key).value(), std::move(cert).value()};
}

class PkiByKeyType : public ::testing::TestWithParam<KeyType> {};

TEST_P(PkiByKeyType, IssuedClientCertificateVerifiesForClientAuthOnly) {
  Ca ca = make_ca(GetParam());
  auto key = generate_key(GetParam()).value();
  CertificateSpec spec;
  spec.common_name = "acme-bank";
  spec.usage = Usage::kClient;
  auto cert = issue(spec, key.get(), ca.cert.get(), ca.key.get());
  ASSERT_TRUE(cert) << cert.error().describe();
  EXPECT_EQ(verify(ca.cert.get(), cert.value().get(), X509_PURPOSE_SSL_CLIENT), X509_V_OK);
  EXPECT_NE(verify(ca.cert.get(), cert.value().get(), X509_PURPOSE_SSL_SERVER), X509_V_OK);
}

TEST_P(PkiByKeyType, ServerCertificateCarriesAltNames) {
  Ca ca = make_ca(GetParam());
  auto key = generate_key(GetParam()).value();
  CertificateSpec spec;
  spec.common_name = "weftd";
  spec.usage = Usage::kServer;
  spec.dns_names = {"localhost", "weftd"};
  spec.ip_addresses = {"127.0.0.1"};
  auto cert = issue(spec, key.get(), ca.cert.get(), ca.key.get()).value();
  EXPECT_EQ(verify(ca.cert.get(), cert.get(), X509_PURPOSE_SSL_SERVER), X509_V_OK);
  EXPECT_EQ(X509_check_host(cert.get(), "localhost", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_ip_asc(cert.get(), "127.0.0.1", 0), 1);
  EXPECT_NE(X509_check_host(cert.get(), "evil.example", 0, 0, nullptr), 1);
}

INSTANTIATE_TEST_SUITE_P(KeyTypes, PkiByKeyType, ::testing::Values(KeyType::kEcP256, KeyType::kEd25519));

TEST(Pki, ExpiredAndNotYetValidCertificatesFailVerification) {
  Ca ca = make_ca(KeyType::kEcP256);
  auto key = generate_key(KeyType::kEcP256).value();
  CertificateSpec expired;
  expired.common_name = "old";
  expired.not_before_offset = std::chrono::hours(-48);
  expired.lifetime = std::chrono::hours(24);
  auto old_cert = issue(expired, key.get(), ca.cert.get(), ca.key.get()).value();
  EXPECT_EQ(verify(ca.cert.get(), old_cert.get(), X509_PURPOSE_SSL_CLIENT), X509_V_ERR_CERT_HAS_EXPIRED);

  CertificateSpec future;
  future.common_name = "future";
  future.not_before_offset = std::chrono::hours(24);
  auto future_cert = issue(future, key.get(), ca.cert.get(), ca.key.get()).value();
  EXPECT_EQ(verify(ca.cert.get(), future_cert.get(), X509_PURPOSE_SSL_CLIENT), X509_V_ERR_CERT_NOT_YET_VALID);
}

TEST(Pki, CertificateFromAnotherCaFails) {
  Ca ca = make_ca(KeyType::kEcP256);
  Ca other = make_ca(KeyType::kEcP256);
  auto key = generate_key(KeyType::kEcP256).value();
  CertificateSpec spec;
  spec.common_name = "stranger";
  auto cert = issue(spec, key.get(), other.cert.get(), other.key.get()).value();
  EXPECT_NE(verify(ca.cert.get(), cert.get(), X509_PURPOSE_SSL_CLIENT), X509_V_OK);
}

TEST(Pki, PinDependsOnKeyOnlyAndMatchesOpenSslTool) {
  Ca ca = make_ca(KeyType::kEcP256);
  auto key = generate_key(KeyType::kEcP256).value();
  CertificateSpec a;
  a.common_name = "name-a";
  CertificateSpec b;
  b.common_name = "name-b";  // a different subject, same key
  auto cert_a = issue(a, key.get(), ca.cert.get(), ca.key.get()).value();
  auto cert_b = issue(b, key.get(), ca.cert.get(), ca.key.get()).value();
  const std::string pin = spki_sha256_hex(cert_a.get()).value();
  EXPECT_EQ(pin.size(), 64U);
  EXPECT_EQ(pin, spki_sha256_hex(cert_b.get()).value());

  // Cross-check with the openssl command-line tool (RFC 7469 recipe).
  const auto dir = std::filesystem::path(::testing::TempDir()) / "pki_pin";
  std::filesystem::create_directories(dir);
  const auto pem = dir / "cert.pem";
  std::ofstream(pem) << certificate_pem(cert_a.get());
  const std::string command = "openssl x509 -in " + pem.string() +
                              " -pubkey -noout | openssl pkey -pubin -outform DER | sha256sum";
  FILE* pipe = ::popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  char output[128] = {};
  ASSERT_NE(std::fgets(output, sizeof output, pipe), nullptr);
  ::pclose(pipe);
  EXPECT_EQ(std::string(output).substr(0, 64), pin);
}

TEST(Pki, PemRoundTrip) {
  Ca ca = make_ca(KeyType::kEd25519);
  const auto dir = std::filesystem::path(::testing::TempDir()) / "pki_pem";
  std::filesystem::create_directories(dir);
  ASSERT_TRUE(files::write_file_atomic(dir / "ca.pem", certificate_pem(ca.cert.get())));
  ASSERT_TRUE(files::write_file_atomic(dir / "ca.key", private_key_pem(ca.key.get()), 0600));
  auto cert = load_certificate(dir / "ca.pem");
  ASSERT_TRUE(cert);
  EXPECT_EQ(spki_sha256_hex(cert.value().get()).value(), spki_sha256_hex(ca.cert.get()).value());
  auto key = load_private_key(dir / "ca.key");
  ASSERT_TRUE(key);
  EXPECT_EQ(EVP_PKEY_eq(key.value().get(), ca.key.get()), 1);
  EXPECT_TRUE(check_private_file_mode(dir / "ca.key"));
  ::chmod((dir / "ca.key").c_str(), 0644);
  auto mode_check = check_private_file_mode(dir / "ca.key");
  ASSERT_FALSE(mode_check);
  EXPECT_NE(mode_check.error().message.find("chmod 600"), std::string::npos);
  EXPECT_FALSE(load_certificate(dir / "missing.pem"));
}

}  // namespace
}  // namespace weft::pki
