// alert-relay: rover links in, alert store, WebSocket clients out.

#include "command_line.hpp"
#include "log.hpp"
#include "relay_server.hpp"

#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <iostream>
#include <span>

namespace relay = rover_alerts::relay;

namespace {

std::string to_text(const boost::asio::ip::tcp::endpoint& endpoint) {
  const auto address = endpoint.address();
  const std::string host = address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
  return host + ":" + std::to_string(endpoint.port());
}

}  // namespace

int main(int argc, char** argv) {
  const char* program = argc > 0 ? argv[0] : "alert-relay";
  const auto command_line =
      relay::parse_command_line(std::span<const char* const>(argv + (argc > 0 ? 1 : 0), argc > 0 ? argc - 1 : 0));
  if (command_line.show_help) {
    std::cout << relay::usage(program);
    return 0;
  }
  if (!command_line.error.empty()) {
    std::cerr << program << ": " << command_line.error << "\n\n" << relay::usage(program);
    return 2;
  }
  relay::RelayConfig config = command_line.config;
  if (!config.config_file.empty()) {
    // Read and validated before anything starts: a relay that cannot follow
    // its escalation policies does not run without them.
    std::ifstream file(config.config_file, std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    std::string error;
    if (!file && !file.eof()) error = "cannot read it";
    else if (text.size() > 1024 * 1024) error = "over 1 MiB";
    else if (!relay::parse_escalation_config(text, config.escalation, error)) error = "invalid: " + error;
    if (!error.empty()) {
      std::cerr << program << ": --config " << config.config_file.string() << ": " << error << '\n';
      return 2;
    }
  }

  relay::TokenFileError token_error;
  auto tokens = relay::TokenFile::load(config.tokens_path, token_error);
  if (!tokens) {
    relay::log::error("cannot use token file: ", token_error.describe(config.tokens_path.string()));
    return 1;
  }

  std::shared_ptr<const relay::RoverKeys> rover_keys;
  if (!config.rovers_path.empty()) {
    relay::SecretFileError rovers_error;
    auto loaded = relay::RoverKeys::load(config.rovers_path, rovers_error);
    if (!loaded) {
      relay::log::error("cannot use rovers file: ", rovers_error.describe(config.rovers_path.string()));
      return 1;
    }
    rover_keys = std::make_shared<const relay::RoverKeys>(std::move(*loaded));
  }

  std::error_code fs_error;
  std::filesystem::create_directories(config.data_dir, fs_error);
  if (fs_error) {
    relay::log::error("cannot create data directory ", config.data_dir.string(), ": ", fs_error.message());
    return 1;
  }

  const std::size_t users = tokens->size();
  try {
    const std::size_t rovers = rover_keys ? rover_keys->size() : 0;
    relay::RelayServer server(config, std::move(*tokens), std::move(rover_keys));
    try {
      server.bind();
    } catch (const boost::system::system_error& e) {
      relay::log::error("cannot listen: ", e.what());
      return 1;
    }
    relay::log::info("relay: ", users, " users, ", rovers, " rovers, data in ", config.data_dir.string());
    if (config.insecure_links)
      relay::log::warn("relay: --insecure-links: rovers not in --rovers connect unauthenticated; anyone on the link "
                       "network can raise, update and clear their alerts");
    else if (rovers == 0)
      relay::log::warn("relay: no --rovers: every rover link will be refused");
    const auto& clients = config.clients;
    if (clients.tls.enabled()) {
      relay::log::info("relay: TLS on the client port (https, wss); plain connections ",
                       clients.tls.allow_plain ? "also served (--allow-plain)" : "refused");
    } else {
      relay::log::info("relay: no TLS: clients connect with plain http and ws (use --tls-cert/--tls-key "
                       "beyond a trusted network)");
    }
    if (!clients.allowed_origins.empty())
      relay::log::info("relay: WebSocket upgrades allowed from ", clients.allowed_origins.size(), " origin(s)");
    std::cout << "listening http=" << to_text(server.http_endpoint()) << " link=" << to_text(server.link_endpoint())
              << std::endl;
    server.run();
  } catch (const std::exception& e) {
    relay::log::error("relay failed: ", e.what());
    return 1;
  }
  relay::log::info("relay: stopped");
  return 0;
}
