#include "tls/tls_context.h"

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "pki/pki.h"

namespace weft::tls {
namespace {

namespace ssl = boost::asio::ssl;

Error tls_config_error(const std::string& what) {
  return make_error(v1::CONFIG_INVALID, what + ": " + pki::openssl_errors());
}

Result<void> apply_common_settings(SSL_CTX* ctx) {
  if (SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1 ||
      SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) != 1) {
    return tls_config_error("cannot restrict TLS to version 1.3");
  }
  if (SSL_CTX_set_ciphersuites(ctx, kCipherSuites) != 1) {
    return tls_config_error("cannot set TLS 1.3 cipher suites");
  }
  if (SSL_CTX_set1_groups_list(ctx, kGroups) != 1) {
    return tls_config_error("cannot set TLS key-exchange groups");
  }
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_TICKET);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_num_tickets(ctx, 0);
  SSL_CTX_set_max_early_data(ctx, 0);
  // Idle connections give their read and write buffers back to the heap.
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
  return ok();
}

Result<void> load_identity(SSL_CTX* ctx, const std::filesystem::path& cert_file,
                           const std::filesystem::path& key_file) {
  WEFT_TRY(pki::check_private_file_mode(key_file));
  if (SSL_CTX_use_certificate_chain_file(ctx, cert_file.c_str()) != 1) {
    return tls_config_error("cannot load certificate " + cert_file.string());
  }
  if (SSL_CTX_use_PrivateKey_file(ctx, key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    return tls_config_error("cannot load private key " + key_file.string());
  }
  if (SSL_CTX_check_private_key(ctx) != 1) {
    return tls_config_error("private key " + key_file.string() + " does not match certificate " +
                            cert_file.string());
  }
  return ok();
}

Result<void> trust_only(SSL_CTX* ctx, const std::filesystem::path& ca_file) {
  if (SSL_CTX_load_verify_locations(ctx, ca_file.c_str(), nullptr) != 1) {
    return tls_config_error("cannot load CA certificate " + ca_file.string());
  }
  return ok();
}

}  // namespace

Result<std::shared_ptr<ssl::context>> make_server_context(const ServerFiles& files) {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX* ctx = context->native_handle();
  WEFT_TRY(apply_common_settings(ctx));
  WEFT_TRY(load_identity(ctx, files.cert_file, files.key_file));
  WEFT_TRY(trust_only(ctx, files.ca_file));
  // Tell clients which CA we accept, so they offer the right certificate.
  STACK_OF(X509_NAME)* ca_names = SSL_load_client_CA_file(files.ca_file.c_str());
  if (ca_names == nullptr) {
    return tls_config_error("cannot read CA names from " + files.ca_file.string());
  }
  SSL_CTX_set_client_CA_list(ctx, ca_names);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  SSL_CTX_set_verify_depth(ctx, 2);
  // Demand the clientAuth purpose (EKU) explicitly rather than rely on defaults.
  if (SSL_CTX_set_purpose(ctx, X509_PURPOSE_SSL_CLIENT) != 1) {
    return tls_config_error("cannot require the clientAuth certificate purpose");
  }
  return context;
}

Result<std::shared_ptr<ssl::context>> make_client_context(const ClientFiles& files) {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_client);
  SSL_CTX* ctx = context->native_handle();
  WEFT_TRY(apply_common_settings(ctx));
  WEFT_TRY(load_identity(ctx, files.cert_file, files.key_file));
  WEFT_TRY(trust_only(ctx, files.ca_file));
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  SSL_CTX_set_verify_depth(ctx, 2);
  if (SSL_CTX_set_purpose(ctx, X509_PURPOSE_SSL_SERVER) != 1) {
    return tls_config_error("cannot require the serverAuth certificate purpose");
  }
  return context;
}

Result<std::string> peer_spki_sha256(SSL* ssl) {
  X509* peer = SSL_get0_peer_certificate(ssl);
  if (peer == nullptr) {
    return make_error(v1::UNKNOWN_IDENTITY, "the peer presented no certificate");
  }
  return pki::spki_sha256_hex(peer);
}

std::string describe_handshake_failure(SSL* ssl) {
  std::string out;
  if (ssl != nullptr) {
    const long verify = SSL_get_verify_result(ssl);
    if (verify != X509_V_OK) {
      out = std::string("certificate verification failed: ") + X509_verify_cert_error_string(verify);
    }
  }
  if (ERR_peek_error() != 0) {
    if (!out.empty()) {
      out += "; ";
    }
    out += pki::openssl_errors();
  }
  return out;
}

}  // namespace weft::tls
