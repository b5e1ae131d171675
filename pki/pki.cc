#include "pki/pki.h"

#include <arpa/inet.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <array>
#include <cstdio>

namespace weft::pki {
namespace {

struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free_all(bio); }
};
using BioPtr = std::unique_ptr<BIO, BioDeleter>;

struct BignumDeleter {
  void operator()(BIGNUM* bn) const { BN_free(bn); }
};
struct ExtensionDeleter {
  void operator()(X509_EXTENSION* ext) const { X509_EXTENSION_free(ext); }
};
struct NameDeleter {
  void operator()(X509_NAME* name) const { X509_NAME_free(name); }
};

Error crypto_error(std::string what) {
  what += ": ";
  what += openssl_errors();
  return make_error(v1::CONFIG_INVALID, std::move(what));
}

std::string read_bio(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(size));
}

Result<void> add_extension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  std::unique_ptr<X509_EXTENSION, ExtensionDeleter> ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) {
    return crypto_error("cannot add certificate extension " + std::string(OBJ_nid2sn(nid)));
  }
  return ok();
}

Result<void> set_random_serial(X509* cert) {
  std::array<unsigned char, 16> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    return crypto_error("cannot draw a certificate serial number");
  }
  bytes[0] &= 0x7F;  // positive
  bytes[0] |= 0x01;  // and of full length
  std::unique_ptr<BIGNUM, BignumDeleter> bn(BN_bin2bn(bytes.data(), static_cast<int>(bytes.size()), nullptr));
  if (!bn || BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert)) == nullptr) {
    return crypto_error("cannot set a certificate serial number");
  }
  return ok();
}

const EVP_MD* digest_for(EVP_PKEY* signing_key) {
  // Ed25519 signs the message itself; EC keys sign a SHA-256 digest.
  return EVP_PKEY_get_id(signing_key) == EVP_PKEY_ED25519 ? nullptr : EVP_sha256();
}

}  // namespace

std::string openssl_errors() {
  std::string out;
  while (const unsigned long code = ERR_get_error()) {
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof buffer);
    if (!out.empty()) {
      out += "; ";
    }
    out += buffer;
  }
  return out.empty() ? "unknown OpenSSL error" : out;
}

Result<KeyType> parse_key_type(std::string_view name) {
  if (name == "p256" || name == "ec" || name == "P-256") {
    return KeyType::kEcP256;
  }
  if (name == "ed25519") {
    return KeyType::kEd25519;
  }
  return make_error(v1::VALIDATION_FAILED, "unknown key type '" + std::string(name) + "' (use p256 or ed25519)");
}

Result<KeyPtr> generate_key(KeyType type) {
  EVP_PKEY* key = type == KeyType::kEcP256 ? EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")
                                           : EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  if (key == nullptr) {
    return crypto_error("cannot generate a key");
  }
  return KeyPtr(key);
}

Result<CertificatePtr> issue(const CertificateSpec& spec, EVP_PKEY* subject_key, X509* issuer_certificate,
                             EVP_PKEY* issuer_key) {
  CertificatePtr cert(X509_new());
  if (!cert) {
    return crypto_error("cannot allocate a certificate");
  }
  X509_set_version(cert.get(), 2);  // v3
  WEFT_TRY(set_random_serial(cert.get()));
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), static_cast<long>(spec.not_before_offset.count()));
  X509_gmtime_adj(X509_getm_notAfter(cert.get()),
                  static_cast<long>((spec.not_before_offset + spec.lifetime).count()));
  if (X509_set_pubkey(cert.get(), subject_key) != 1) {
    return crypto_error("cannot set the certificate key");
  }

  std::unique_ptr<X509_NAME, NameDeleter> name(X509_NAME_new());
  const auto add_name_entry = [&](const char* field, const std::string& value) {
    return value.empty() || X509_NAME_add_entry_by_txt(name.get(), field, MBSTRING_UTF8,
                                                       reinterpret_cast<const unsigned char*>(value.c_str()),
                                                       -1, -1, 0) == 1;
  };
  if (!add_name_entry("O", spec.organisation) || !add_name_entry("CN", spec.common_name)) {
    return crypto_error("cannot set the certificate subject");
  }
  X509_set_subject_name(cert.get(), name.get());
  X509* issuer = issuer_certificate != nullptr ? issuer_certificate : cert.get();
  EVP_PKEY* signer = issuer_key != nullptr ? issuer_key : subject_key;
  X509_set_issuer_name(cert.get(), X509_get_subject_name(issuer));

  WEFT_TRY(add_extension(cert.get(), issuer, NID_subject_key_identifier, "hash"));
  if (issuer_certificate != nullptr) {
    WEFT_TRY(add_extension(cert.get(), issuer, NID_authority_key_identifier, "keyid:always"));
  }
  switch (spec.usage) {
    case Usage::kCertificateAuthority: {
      WEFT_TRY(add_extension(cert.get(), issuer, NID_basic_constraints, "critical,CA:TRUE,pathlen:0"));
      WEFT_TRY(add_extension(cert.get(), issuer, NID_key_usage, "critical,keyCertSign,cRLSign"));
      break;
    }
    case Usage::kServer: {
      WEFT_TRY(add_extension(cert.get(), issuer, NID_basic_constraints, "critical,CA:FALSE"));
      WEFT_TRY(add_extension(cert.get(), issuer, NID_key_usage, "critical,digitalSignature"));
      WEFT_TRY(add_extension(cert.get(), issuer, NID_ext_key_usage, "serverAuth"));
      std::string alt_names;
      for (const auto& dns : spec.dns_names) {
        alt_names += (alt_names.empty() ? "" : ",") + std::string("DNS:") + dns;
      }
      for (const auto& ip : spec.ip_addresses) {
        alt_names += (alt_names.empty() ? "" : ",") + std::string("IP:") + ip;
      }
      if (!alt_names.empty()) {
        WEFT_TRY(add_extension(cert.get(), issuer, NID_subject_alt_name, alt_names));
      }
      break;
    }
    case Usage::kClient: {
      WEFT_TRY(add_extension(cert.get(), issuer, NID_basic_constraints, "critical,CA:FALSE"));
      WEFT_TRY(add_extension(cert.get(), issuer, NID_key_usage, "critical,digitalSignature"));
      WEFT_TRY(add_extension(cert.get(), issuer, NID_ext_key_usage, "clientAuth"));
      break;
    }
  }
  if (X509_sign(cert.get(), signer, digest_for(signer)) == 0) {
    return crypto_error("cannot sign the certificate");
  }
  return cert;
}

std::string certificate_pem(X509* certificate) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(bio.get(), certificate);
  return read_bio(bio.get());
}

std::string private_key_pem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  return read_bio(bio.get());
}

Result<CertificatePtr> parse_certificate(std::string_view pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  CertificatePtr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) {
    return crypto_error("not a PEM certificate");
  }
  return cert;
}

Result<CertificatePtr> load_certificate(const std::filesystem::path& pem_file) {
  BioPtr bio(BIO_new_file(pem_file.c_str(), "r"));
  if (!bio) {
    return crypto_error("cannot open certificate file " + pem_file.string());
  }
  CertificatePtr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) {
    return crypto_error("no PEM certificate in " + pem_file.string());
  }
  return cert;
}

Result<KeyPtr> load_private_key(const std::filesystem::path& pem_file) {
  BioPtr bio(BIO_new_file(pem_file.c_str(), "r"));
  if (!bio) {
    return crypto_error("cannot open key file " + pem_file.string());
  }
  KeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) {
    return crypto_error("no PEM private key in " + pem_file.string());
  }
  return key;
}

Result<std::string> spki_sha256_hex(X509* certificate) {
  unsigned char* der = nullptr;
  const int length = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(certificate), &der);
  if (length <= 0) {
    return crypto_error("cannot encode the certificate's public key");
  }
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int digest_length = 0;
  const int hashed = EVP_Digest(der, static_cast<std::size_t>(length), digest.data(), &digest_length, EVP_sha256(), nullptr);
  OPENSSL_free(der);
  if (hashed != 1) {
    return crypto_error("cannot hash the certificate's public key");
  }
  std::string hex;
  hex.reserve(digest_length * 2);
  static constexpr char kDigits[] = "0123456789abcdef";
  for (unsigned int i = 0; i < digest_length; ++i) {
    hex += kDigits[digest[i] >> 4];
    hex += kDigits[digest[i] & 0x0F];
  }
  return hex;
}

Result<void> check_private_file_mode(const std::filesystem::path& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    return make_error(v1::CONFIG_INVALID, "cannot read key file " + path.string());
  }
  if ((info.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(info.st_mode & 07777));
    return make_error(v1::CONFIG_INVALID, "private key " + path.string() + " is readable by other users (mode " +
                                              mode + "); run: chmod 600 " + path.string());
  }
  return ok();
}

}  // namespace weft::pki
