#include "http/tls_context.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <stdexcept>
#include <string>

namespace rover_alerts::relay {

namespace ssl = boost::asio::ssl;

namespace {

[[noreturn]] void fail(const std::string& what, const boost::system::error_code& ec) {
  throw std::runtime_error(what + ": " + ec.message());
}

}  // namespace

std::unique_ptr<ssl::context> make_server_tls_context(const TlsOptions& options) {
  auto context = std::make_unique<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = context->native_handle();
  if (SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1)
    throw std::runtime_error("cannot require TLS 1.2 or newer");
  context->set_options(ssl::context::default_workarounds | ssl::context::no_compression |
                       ssl::context::single_dh_use);
  SSL_CTX_set_options(native, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);

  boost::system::error_code ec;
  context->use_certificate_chain_file(options.cert_file.string(), ec);
  if (ec) fail("cannot use TLS certificate " + options.cert_file.string(), ec);
  context->use_private_key_file(options.key_file.string(), ssl::context::pem, ec);
  if (ec) fail("cannot use TLS private key " + options.key_file.string(), ec);
  if (SSL_CTX_check_private_key(native) != 1) {
    ERR_clear_error();
    throw std::runtime_error("TLS private key " + options.key_file.string() + " does not match certificate " +
                             options.cert_file.string());
  }
  return context;
}

}  // namespace rover_alerts::relay
