#include "tests/harness/test_pki.h"

#include <gtest/gtest.h>

#include "common/files.h"

namespace weft::testing {

void make_ca(const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  auto key = pki::generate_key(pki::KeyType::kEcP256).value();
  pki::CertificateSpec spec;
  spec.common_name = "foreign CA";
  spec.usage = pki::Usage::kCertificateAuthority;
  auto cert = pki::issue(spec, key.get(), nullptr, nullptr).value();
  ASSERT_TRUE(files::write_file_atomic(dir / "ca.pem", pki::certificate_pem(cert.get())));
  ASSERT_TRUE(files::write_file_atomic(dir / "ca.key", pki::private_key_pem(key.get()), 0600));
}

IssuedIdentity issue_identity(const std::filesystem::path& dir, const std::filesystem::path& ca_cert,
                              const std::filesystem::path& ca_key, const pki::CertificateSpec& spec,
                              pki::KeyType key_type) {
  std::filesystem::create_directories(dir);
  auto issuer_cert = pki::load_certificate(ca_cert).value();
  auto issuer_key = pki::load_private_key(ca_key).value();
  auto key = pki::generate_key(key_type).value();
  auto cert = pki::issue(spec, key.get(), issuer_cert.get(), issuer_key.get());
  EXPECT_TRUE(cert) << cert.error().describe();
  IssuedIdentity out{dir / "cert.pem", dir / "key.pem", pki::spki_sha256_hex(cert.value().get()).value()};
  EXPECT_TRUE(files::write_file_atomic(out.cert, pki::certificate_pem(cert.value().get())));
  EXPECT_TRUE(files::write_file_atomic(out.key, pki::private_key_pem(key.get()), 0600));
  return out;
}

std::filesystem::path write_profile(const std::filesystem::path& dir, const std::filesystem::path& ca_cert,
                                    const IssuedIdentity& identity) {
  const auto path = dir / "profile.conf";
  const std::string text = "broker_address: \"127.0.0.1:1\"\nca_file: \"" + ca_cert.string() + "\"\ncert_file: \"" +
                           identity.cert.string() + "\"\nkey_file: \"" + identity.key.string() + "\"\n";
  EXPECT_TRUE(files::write_file_atomic(path, text));
  return path;
}

}  // namespace weft::testing
