#pragma once
// `alertctl completion bash`: a completion script made from the same tables
// as the help text, so that it cannot fall behind the commands.

#include <string>

namespace rover_alerts::alertctl {

std::string bash_completion();

}  // namespace rover_alerts::alertctl
