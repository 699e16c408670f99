#pragma once
// The client port's TLS server context: TLS 1.2 or newer only, OpenSSL's
// default (Debian: security level 2) cipher choice, no renegotiation, no compression.

#include "relay_config.hpp"

#include <boost/asio/ssl/context.hpp>

#include <memory>

namespace rover_alerts::relay {

// Loads the certificate chain and private key of `options`; throws
// std::runtime_error naming the file and OpenSSL's reason when either is
// unusable or they do not belong together.
std::unique_ptr<boost::asio::ssl::context> make_server_tls_context(const TlsOptions& options);

}  // namespace rover_alerts::relay
