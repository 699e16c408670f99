#include "relay_session.hpp"

#include <iostream>

namespace rover_alerts::alertctl {

RelaySession::RelaySession(const Options& options, bool subscribe, bool keep_reconnecting,
                           ground::ClientEvents events)
    : options_(options), keep_reconnecting_(keep_reconnecting), deadline_(io_) {
  ground::ClientConfig config;
  config.url = *options.url;
  config.token = *options.token;
  if (options.ca_file) config.ca_file = *options.ca_file;
  config.subscribe = subscribe;
  if (!options.priorities.empty()) config.subscribed_priorities = options.priorities;
  config.sources = options.sources;
  config.connect_timeout = options.timeout;
  // A one-shot command tries once; a watch keeps trying once it has run.
  config.max_connect_attempts = keep_reconnecting ? 0 : 1;
  // A person watches: routine changes within a tenth of a second, not the seed's second.
  if (keep_reconnecting) config.batch_timeout = std::chrono::milliseconds(100);
  auto user_state = std::move(events.connection_state);
  events.connection_state = [this, user_state](ground::ConnectionState state, std::string_view why) {
    if (user_state) user_state(state, why);
    if (state != ground::ConnectionState::Stopped || exit_code_) return;
    std::cerr << "alertctl: " << why << '\n';
    finish(client_->status().refused ? kExitRefused : kExitConnection);
  };
  client_ = std::make_unique<ground::AlertClient>(io_, std::move(config), std::move(events));
}

int RelaySession::run() {
  deadline_.expires_after(options_.timeout);
  deadline_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || exit_code_) return;
    const auto status = client_->status();
    std::cerr << "alertctl: no answer from " << *options_.url << " within " << options_.timeout.count() / 1000
              << " s" << (status.last_error.empty() ? "" : " (" + status.last_error + ")") << '\n';
    finish(kExitConnection);
  });
  client_->start();
  io_.run();
  return exit_code_.value_or(kExitFailed);
}

void RelaySession::synced() {
  if (keep_reconnecting_) deadline_.cancel();
}

void RelaySession::finish(int code) {
  if (exit_code_) return;
  exit_code_ = code;
  deadline_.cancel();
  client_->stop();
  io_.stop();
}

int RelaySession::exit_code_of(std::string_view code) const {
  if (code == "FORBIDDEN" || code == "UNAUTHENTICATED") return kExitRefused;
  if (code == "NOT_FOUND") return kExitNotFound;
  if (code == "STOPPED" || code == "CONNECTION_LOST" || code == "TIMEOUT")
    return client_->status().refused ? kExitRefused : kExitConnection;
  return kExitFailed;
}

int RelaySession::exit_code_of(const ground::Reply& reply) const { return exit_code_of(reply.code); }

}  // namespace rover_alerts::alertctl
