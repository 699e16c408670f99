#include "command_line.hpp"

#include <algorithm>
#include <array>
#include <charconv>

namespace rover_alerts::alertctl {

namespace {

struct Command {
  std::string_view name, arguments, summary;
};

constexpr std::array kCommands = {
    Command{"watch", "", "every change live, with acks, floods, escalations, shelves ending (Ctrl-C stops)"},
    Command{"list", "", "the current alerts: unacknowledged first, then by priority and time"},
    Command{"sync", "--since-rev N", "the changes after revision N (new, update, remove, clear), in rev order"},
    Command{"ack", "ID...", "acknowledge alerts (ids as arguments, or one per line on stdin with -)"},
    Command{"create", "--priority P --source S --message M", "raise a ground alert (admin)"},
    Command{"clear", "--id ID | --source S | --priority P | --group G", "clear alerts (operator, admin)"},
    Command{"shelve", "ID | --key K [--rover R]", "shelve an alert (or its key) --for AGE with a --reason (operator, admin)"},
    Command{"unshelve", "ID | --key K [--rover R]", "end a shelf now: the alert is announced again (operator, admin)"},
    Command{"out-of-service", "--rover R | --source S", "suppress a rover's or source's alerts until returned, with a --reason (admin)"},
    Command{"return-to-service", "--rover R | --source S", "end an out-of-service (admin)"},
    Command{"stats", "", "the relay's figures: alerts, clients, rovers and their losses, alarm rate"},
    Command{"log", "", "the audit trail: who acknowledged, created, cleared, signed in or was refused (operator, admin)"},
    Command{"completion", "bash", "print the bash completion script"},
    Command{"help", "[COMMAND]", "this text, or a command's"},
};

constexpr std::array<std::string_view, kCommands.size()> kCommandNames = [] {
  std::array<std::string_view, kCommands.size()> names{};
  for (std::size_t i = 0; i < kCommands.size(); ++i) names[i] = kCommands[i].name;
  return names;
}();

// One option: its spellings, whether it takes a value, the commands it
// belongs to ("*": every command) and its help line.
struct OptionSpec {
  std::string_view name, short_name, value, commands, help;
};

constexpr std::array kOptions = {
    OptionSpec{"--url", "", "URL", "*", "the relay, ws:// or wss:// (default ws://127.0.0.1:8000/ws)"},
    OptionSpec{"--token", "", "TOKEN", "*", "the bearer token (or ALERT_TOKEN, or the config file)"},
    OptionSpec{"--ca-file", "", "FILE", "*", "wss: trust the certificates in this PEM file"},
    OptionSpec{"--config", "", "FILE", "*", "the config file (default $XDG_CONFIG_HOME/alertctl/config)"},
    OptionSpec{"--output", "-o", "FORMAT", "*", "table, wide, json or ndjson (default table)"},
    OptionSpec{"--quiet", "-q", "", "watch list sync ack create clear log", "ids only, one per line (for pipes)"},
    OptionSpec{"--color", "", "WHEN", "*", "auto, always or never (default auto: a terminal, and NO_COLOR unset)"},
    OptionSpec{"--timeout", "", "SECONDS", "*", "give up connecting or waiting for an answer after this (default 10)"},
    OptionSpec{"--priority", "-p", "P[,P]", "watch list sync create clear",
               "critical, high, medium, low, info (filters: repeatable or a comma list)"},
    OptionSpec{"--source", "-s", "S", "watch list sync create clear out-of-service return-to-service",
               "the alert source (filters: repeatable)"},
    OptionSpec{"--rover", "-r", "ID", "watch list sync shelve unshelve out-of-service return-to-service",
               "only this rover's alerts (filters: repeatable); the rover of a --key"},
    OptionSpec{"--state", "", "STATE", "watch list sync",
               "active_unacked, active_acked, rtn_unacked, latched (repeatable)"},
    OptionSpec{"--since-rev", "", "N", "list sync", "what changed after revision N (list: the same as sync)"},
    OptionSpec{"--include-acknowledged", "-a", "", "list sync", "also acknowledged alerts"},
    OptionSpec{"--comment", "-m", "TEXT", "ack", "why (kept with the acknowledgement, at most 256 bytes)"},
    OptionSpec{"--message", "", "TEXT", "create", "the alert's message (required)"},
    OptionSpec{"--title", "", "TEXT", "create", "a short title"},
    OptionSpec{"--action-label", "", "TEXT", "create", "a suggested action's label (with --action-type)"},
    OptionSpec{"--action-type", "", "TYPE", "create", "the action's type, e.g. navigation.return_to_base"},
    OptionSpec{"--group", "-g", "G", "create clear", "the alert's group id"},
    OptionSpec{"--persistent", "", "", "create", "kept until cleared, even once acknowledged"},
    OptionSpec{"--id", "", "ID", "clear", "clear this alert (repeatable)"},
    OptionSpec{"--key", "-k", "KEY", "shelve unshelve", "an alert key (source/code) instead of an id"},
    OptionSpec{"--for", "", "AGE", "shelve", "how long: 90s, 30m, 8h (at most the relay's --shelve-max)"},
    OptionSpec{"--one-shot", "", "", "shelve", "also end the shelf when the alert returns to normal"},
    OptionSpec{"--by-key", "", "", "shelve", "shelve the alert's key too: its re-raises stay shelved"},
    OptionSpec{"--reason", "", "TEXT", "shelve out-of-service", "why (required, at most 256 bytes)"},
    OptionSpec{"--user", "-u", "USER", "log", "only what this user did"},
    OptionSpec{"--alert", "", "ID", "log", "only what concerned this alert"},
    OptionSpec{"--action", "", "ACTION", "log", "alert_ack, alert_create, alert_clear, auth, reload, ..."},
    OptionSpec{"--since", "", "AGE", "log", "only the last AGE: 90s, 30m, 12h, 7d"},
    OptionSpec{"--help", "-h", "", "*", "this text"},
};

bool belongs(const OptionSpec& o, std::string_view command) {
  if (o.commands == "*" || command.empty()) return true;
  std::string_view list = o.commands;
  while (!list.empty()) {
    const auto space = list.find(' ');
    if (list.substr(0, space) == command) return true;
    list = space == std::string_view::npos ? std::string_view{} : list.substr(space + 1);
  }
  return false;
}

const OptionSpec* find_option(std::string_view spelling) {
  for (const auto& o : kOptions)
    if (o.name == spelling || (!o.short_name.empty() && o.short_name == spelling)) return &o;
  return nullptr;
}

std::string split_priorities(std::string_view list, std::vector<ground::Priority>& out) {
  while (!list.empty()) {
    const auto comma = list.find(',');
    const auto name = list.substr(0, comma);
    const auto p = ground::parse_priority(name);
    if (!p) return "unknown priority `" + std::string(name) + "` (critical, high, medium, low, info)";
    if (std::find(out.begin(), out.end(), *p) == out.end()) out.push_back(*p);
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
  }
  return out.empty() ? "--priority needs a priority" : "";
}

std::optional<std::uint64_t> number(std::string_view text) {
  std::uint64_t n = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return n;
}

// Applies one option; an error message, or empty.
std::string apply(const OptionSpec& o, std::string_view value, Options& out) {
  const std::string_view n = o.name;
  const auto bad = [&](std::string_view expected) {
    return "`" + std::string(n) + "` expects " + std::string(expected) + ", got `" + std::string(value) + "`";
  };
  if (n == "--help") out.help = true;
  else if (n == "--quiet") out.quiet = true;
  else if (n == "--include-acknowledged") out.include_acknowledged = true;
  else if (n == "--persistent") out.persistent = true;
  else if (n == "--one-shot") out.one_shot = true;
  else if (n == "--by-key") out.by_key = true;
  else if (n == "--key") out.key = std::string(value);
  else if (n == "--reason") out.reason = std::string(value);
  else if (n == "--url") out.url = std::string(value);
  else if (n == "--token") out.token = std::string(value);
  else if (n == "--ca-file") out.ca_file = std::string(value);
  else if (n == "--config") out.config_file = std::string(value);
  else if (n == "--output") {
    if (value == "table") out.output = Output::Table;
    else if (value == "wide") out.output = Output::Wide;
    else if (value == "json") out.output = Output::Json;
    else if (value == "ndjson") out.output = Output::Ndjson;
    else return bad("table, wide, json or ndjson");
  } else if (n == "--color") {
    if (value == "auto") out.color = Color::Auto;
    else if (value == "always") out.color = Color::Always;
    else if (value == "never") out.color = Color::Never;
    else return bad("auto, always or never");
  } else if (n == "--timeout") {
    const auto s = number(value);
    if (!s || *s == 0 || *s > 3600) return bad("SECONDS (1..3600)");
    out.timeout = std::chrono::seconds(static_cast<std::int64_t>(*s));
  } else if (n == "--priority") {
    if (out.command == "create" || out.command == "clear") {
      const auto p = ground::parse_priority(value);
      if (!p) return bad("one of critical, high, medium, low, info");
      out.priority = p;
    } else if (auto error = split_priorities(value, out.priorities); !error.empty()) {
      return error;
    }
  } else if (n == "--source") {
    if (out.command == "create" || out.command == "clear" || out.command == "out-of-service" ||
        out.command == "return-to-service")
      out.source = std::string(value);
    else out.sources.emplace_back(value);
  } else if (n == "--rover") out.rovers.emplace_back(value);
  else if (n == "--state") {
    if (value != "active_unacked" && value != "active_acked" && value != "rtn_unacked" && value != "latched")
      return bad("active_unacked, active_acked, rtn_unacked or latched");
    out.states.emplace_back(value);
  } else if (n == "--since-rev") {
    const auto rev = number(value);
    if (!rev) return bad("a revision number");
    out.since_rev = rev;
  } else if (n == "--comment") out.comment = std::string(value);
  else if (n == "--message") out.message = std::string(value);
  else if (n == "--title") out.title = std::string(value);
  else if (n == "--action-label") out.action_label = std::string(value);
  else if (n == "--action-type") out.action_type = std::string(value);
  else if (n == "--group") out.group = std::string(value);
  else if (n == "--id") out.ids.emplace_back(value);
  else if (n == "--user") out.user = std::string(value);
  else if (n == "--alert") out.alert = std::string(value);
  else if (n == "--action") out.action = std::string(value);
  else if (n == "--since" || n == "--for") {
    const auto count = value.empty() ? std::nullopt : number(value.substr(0, value.size() - 1));
    const char unit = value.empty() ? '?' : value.back();
    const std::uint64_t scale = unit == 's' ? 1 : unit == 'm' ? 60 : unit == 'h' ? 3600 : unit == 'd' ? 86400 : 0;
    if (!count || scale == 0 || *count == 0 || *count > 3650ull * 86400 / scale)
      return bad("an age like 90s, 30m, 12h or 7d");
    (n == "--for" ? out.duration : out.since) = std::chrono::seconds(static_cast<std::int64_t>(*count * scale));
  }
  return {};
}

// What a command needs beyond its options' own checks.
std::string check_command(const Options& o) {
  const std::string_view c = o.command;
  if (c == "ack" && o.args.empty()) return "ack needs at least one alert id (or - to read them from stdin)";
  if (c == "create") {
    if (!o.priority) return "create needs --priority";
    if (o.source.empty()) return "create needs --source";
    if (o.message.empty()) return "create needs --message";
    if (o.action_label.empty() != o.action_type.empty()) return "--action-label and --action-type go together";
  }
  if (c == "clear" && o.ids.empty() && o.source.empty() && !o.priority && o.group.empty())
    return "clear needs at least one of --id, --source, --priority, --group";
  if (c == "sync" && !o.since_rev) return "sync needs --since-rev N (0: everything the relay holds)";
  if (c == "shelve" || c == "unshelve") {
    if (o.args.size() + (o.key.empty() ? 0 : 1) != 1) return std::string(c) + " needs one alert id, or --key K";
    if (!o.key.empty() && o.rovers.size() > 1) return "--key names one rover's key: one --rover at most";
    if (o.key.empty() && !o.rovers.empty()) return "--rover goes with --key";
  }
  if (c == "shelve") {
    if (!o.duration && !o.one_shot) return "shelve needs --for AGE (shelving always expires), or --one-shot";
    if (o.reason.empty()) return "shelve needs --reason";
    if (o.by_key && !o.key.empty()) return "--by-key goes with an alert id (--key already shelves a key)";
  }
  if (c == "out-of-service" || c == "return-to-service") {
    if (o.rovers.size() + (o.source.empty() ? 0 : 1) != 1) return std::string(c) + " needs one --rover R or --source S";
    if (c == "out-of-service" && o.reason.empty()) return "out-of-service needs --reason";
  }
  if (c == "completion" && (o.args.size() != 1 || o.args[0] != "bash")) return "completion supports: bash";
  if ((c != "ack" && c != "completion" && c != "help" && c != "shelve" && c != "unshelve") && !o.args.empty())
    return std::string(c) + " takes no arguments, got `" + o.args[0] + "`";
  if (o.quiet && o.output != Output::Table) return "-q and -o go separately: -q prints ids only";
  return {};
}

}  // namespace

std::span<const std::string_view> command_names() { return kCommandNames; }

ParseResult parse_command_line(std::span<const char* const> args) {
  ParseResult result;
  Options& o = result.options;
  const auto fail = [&result](std::string message) {
    result.error = std::move(message);
    return result;
  };
  // The command first, so that options whose meaning depends on it (--priority) know it.
  std::size_t command_at = args.size();
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view a = args[i];
    if (a.empty() || a[0] != '-' || a == "-") {
      command_at = i;
      break;
    }
    const OptionSpec* spec = find_option(a.substr(0, a.find('=')));
    if (spec != nullptr && !spec->value.empty() && a.find('=') == std::string_view::npos) ++i;  // skip its value
  }
  if (command_at < args.size()) {
    o.command = args[command_at];
    if (std::find(kCommandNames.begin(), kCommandNames.end(), o.command) == kCommandNames.end())
      return fail("unknown command `" + o.command + "`");
  }
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (i == command_at) continue;
    std::string_view a = args[i];
    if (a.size() < 2 || a[0] != '-' || a == "--") {
      o.args.emplace_back(a);
      continue;
    }
    std::optional<std::string_view> inline_value;
    if (const auto eq = a.find('='); eq != std::string_view::npos && a.starts_with("--")) {
      inline_value = a.substr(eq + 1);
      a = a.substr(0, eq);
    }
    const OptionSpec* spec = find_option(a);
    if (spec == nullptr) return fail("unknown option `" + std::string(a) + "`");
    if (!belongs(*spec, o.command))
      return fail("option `" + std::string(spec->name) + "` does not apply to " + o.command);
    std::string_view value;
    if (!spec->value.empty()) {
      if (inline_value) value = *inline_value;
      else if (i + 1 < args.size()) value = args[++i];
      else return fail("option `" + std::string(spec->name) + "` needs " + std::string(spec->value));
    } else if (inline_value) {
      return fail("option `" + std::string(spec->name) + "` takes no value");
    }
    if (auto error = apply(*spec, value, o); !error.empty()) return fail(error);
  }
  if (o.help || o.command == "help") return result;
  if (o.command.empty()) return fail("no command given");
  if (auto error = check_command(o); !error.empty()) return fail(error);
  return result;
}

std::string usage(std::string_view command) {
  const auto it = std::find_if(kCommands.begin(), kCommands.end(), [&](const Command& c) { return c.name == command; });
  std::string text;
  const auto option_lines = [&text](std::string_view for_command, bool globals) {
    for (const auto& o : kOptions) {
      const bool global = o.commands == "*";
      if (global != globals || !belongs(o, for_command)) continue;
      std::string left = "  ";
      if (!o.short_name.empty()) left.append(o.short_name).append(", ");
      left.append(o.name);
      if (!o.value.empty()) left.append(" ").append(o.value);
      if (left.size() < 28) left.resize(28, ' ');
      else left.append("  ");
      text.append(left).append(o.help).append("\n");
    }
  };
  if (it == kCommands.end() || command == "help") {
    text = "usage: alertctl [OPTIONS] COMMAND [COMMAND OPTIONS]\n\n"
           "The operator's command line for alert-relay.\n\nCommands:\n";
    for (const auto& c : kCommands) {
      std::string left = "  " + std::string(c.name);
      left.resize(14, ' ');
      text.append(left).append(c.summary).append("\n");
    }
    text.append("\nOptions:\n");
    option_lines({}, true);
    text.append(
        "\n`alertctl COMMAND --help` shows a command's options.\n"
        "Exit status: 0 ok, 1 a request failed, 2 usage, 3 token or role refused,\n"
        "4 relay unreachable or no answer in time, 5 alert not found.\n"
        "Config file: `url = …`, `token = …`, `ca-file = …` lines; a token in it needs\n"
        "a file only its owner may read (chmod 600).\n");
    return text;
  }
  text = "usage: alertctl " + std::string(it->name);
  if (!it->arguments.empty()) text.append(" ").append(it->arguments);
  text.append(" [OPTIONS]\n\n").append(it->summary).append(".\n");
  std::string own;
  std::swap(own, text);
  option_lines(command, false);
  std::swap(own, text);
  if (!own.empty()) text.append("\nOptions:\n").append(own);
  text.append("\nGlobal options:\n");
  option_lines(command, true);
  return text;
}

}  // namespace rover_alerts::alertctl
