#pragma once
// A self-signed certificate (by default for 127.0.0.1 / localhost) in a fresh folder, made
// at test time with the openssl command line (OPENSSL_PROGRAM from CMake).

#include "support/child_process.hpp"
#include "support/temp_dir.hpp"

#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <string>

namespace rover_alerts::testing {

#ifdef OPENSSL_PROGRAM
struct SelfSignedCertificate {
  TempDir dir{"tls"};
  std::filesystem::path cert;
  std::filesystem::path key;

  // `names`: the subjectAltName entries it is for.
  explicit SelfSignedCertificate(const std::string& names = "IP:127.0.0.1,DNS:localhost") {
    cert = dir.path / "cert.pem";
    key = dir.path / "key.pem";
    ChildProcess openssl({OPENSSL_PROGRAM, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                          "-nodes", "-keyout", key.string(), "-out", cert.string(), "-days", "2", "-subj",
                          "/CN=localhost", "-addext", "subjectAltName=" + names});
    BOOST_REQUIRE(openssl.started());
    BOOST_REQUIRE_EQUAL(openssl.wait_exit(30000), 0);
    BOOST_REQUIRE(std::filesystem::exists(cert) && std::filesystem::exists(key));
  }
};
#endif

}  // namespace rover_alerts::testing
