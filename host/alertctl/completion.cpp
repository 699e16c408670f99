#include "completion.hpp"

#include "command_line.hpp"

namespace rover_alerts::alertctl {

std::string bash_completion() {
  std::string commands;
  std::string cases;
  for (const std::string_view name : command_names()) {
    if (!commands.empty()) commands += ' ';
    commands += name;
    // Each command's options, read from its help text (the lines that start with "  -").
    const std::string help = usage(name);
    std::string options;
    for (std::size_t at = help.find("\n  -"); at != std::string::npos; at = help.find("\n  -", at + 1)) {
      std::size_t i = at + 3;
      while (i < help.size() && help[i] != '\n') {
        const std::size_t end = help.find_first_of(" ,\n", i);
        const std::string word = help.substr(i, end - i);
        if (word.rfind('-', 0) != 0) break;
        options += (options.empty() ? "" : " ") + word;
        i = help.find_first_not_of(", ", end);
        if (i == std::string::npos || help[i] != '-') break;
      }
    }
    cases += "    " + std::string(name) + ") opts=\"" + options + "\" ;;\n";
  }
  return "# bash completion for alertctl: source <(alertctl completion bash)\n"
         "_alertctl() {\n"
         "  local cur prev cmd opts i\n"
         "  cur=${COMP_WORDS[COMP_CWORD]}\n"
         "  prev=${COMP_WORDS[COMP_CWORD-1]}\n"
         "  cmd=\n"
         "  for ((i = 1; i < COMP_CWORD; i++)); do\n"
         "    case \" " + commands + " \" in *\" ${COMP_WORDS[i]} \"*) cmd=${COMP_WORDS[i]}; break ;; esac\n"
         "  done\n"
         "  case $prev in\n"
         "    -o|--output) COMPREPLY=($(compgen -W \"table wide json ndjson\" -- \"$cur\")); return ;;\n"
         "    --color) COMPREPLY=($(compgen -W \"auto always never\" -- \"$cur\")); return ;;\n"
         "    -p|--priority) COMPREPLY=($(compgen -W \"critical high medium low info\" -- \"$cur\")); return ;;\n"
         "    --state) COMPREPLY=($(compgen -W \"active_unacked active_acked rtn_unacked latched\" -- \"$cur\")); return ;;\n"
         "    --config|--ca-file) COMPREPLY=($(compgen -f -- \"$cur\")); return ;;\n"
         "  esac\n"
         "  if [[ -z $cmd ]]; then\n"
         "    if [[ $cur == -* ]]; then opts=\"--url --token --ca-file --config -o --output --color --timeout --help\"\n"
         "    else opts=\"" + commands + "\"; fi\n"
         "  else\n"
         "    case $cmd in\n" + cases +
         "    esac\n"
         "    [[ $cmd == help ]] && opts=\"" + commands + "\"\n"
         "    [[ $cmd == completion ]] && opts=\"bash\"\n"
         "  fi\n"
         "  COMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))\n"
         "}\n"
         "complete -F _alertctl alertctl\n";
}

}  // namespace rover_alerts::alertctl
