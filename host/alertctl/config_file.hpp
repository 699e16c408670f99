#pragma once
// Where alertctl finds the relay and its token when the command line does not
// say: the command line first, then ALERT_URL / ALERT_TOKEN, then the config
// file (--config, or $XDG_CONFIG_HOME/alertctl/config, or
// ~/.config/alertctl/config): `key = value` lines (url, token, ca-file), `#`
// comments. A token in a file other users may read is refused, as ssh does
// with a private key.

#include "options.hpp"

#include <string>

namespace rover_alerts::alertctl {

// Fills the url, token and CA file `options` lack; an error message (a
// usage error, exit 2) or empty.
std::string complete_from_environment(Options& options);

}  // namespace rover_alerts::alertctl
