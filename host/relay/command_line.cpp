#include "command_line.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <optional>

namespace rover_alerts::relay {

std::optional<HostPort> parse_host_port(std::string_view text) {
  const std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size()) return std::nullopt;
  std::string_view host = text.substr(0, colon);
  const std::string_view port_text = text.substr(colon + 1);
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') return std::nullopt;
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string_view::npos) {
    return std::nullopt;  // a bare IPv6 address needs brackets
  }
  std::uint16_t port = 0;
  const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc{} || end != port_text.data() + port_text.size()) return std::nullopt;
  return HostPort{std::string(host), port};
}

namespace {

// Store and journal options (--durability, --history-*, --journal-max-bytes).
bool is_store_option(std::string_view arg) {
  return arg == "--durability" || arg == "--history-max-tombstones" || arg == "--history-max-age" ||
         arg == "--journal-max-bytes" || arg == "--journal-max-backlog";
}

std::string parse_store_option(std::string_view arg, std::string_view value, StoreConfig& store) {
  if (arg == "--durability") {
    if (value == "full") {
      store.journal.durability = Durability::Full;
    } else if (value == "normal") {
      store.journal.durability = Durability::Normal;
    } else {
      return "--durability expects full or normal, got `" + std::string(value) + "`";
    }
    return {};
  }
  std::uint64_t number = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), number);
  if (ec != std::errc{} || end != value.data() + value.size() || number == 0)
    return "`" + std::string(arg) + "` expects a positive integer, got `" + std::string(value) + "`";
  if (arg == "--history-max-tombstones") {
    store.history.max_tombstones = number;
  } else if (arg == "--journal-max-bytes") {
    store.journal.max_database_bytes = number;
  } else if (arg == "--journal-max-backlog") {
    store.journal.max_backlog_changes = static_cast<std::size_t>(number);
  } else {
    if (number > 100ull * 365 * 24 * 3600) return "--history-max-age is too large";
    store.history.max_tombstone_age_ms = number * 1000;
  }
  return {};
}


// Client-port security options (TLS, origins, limits). --allow-plain takes no value.
bool is_client_option(std::string_view arg) {
  return arg == "--tls-cert" || arg == "--tls-key" || arg == "--allow-origin" || arg == "--max-clients" ||
         arg == "--max-clients-per-address" || arg == "--max-unauthenticated" ||
         arg == "--rate-limit" || arg == "--auth-timeout" || arg == "--http-timeout" || arg == "--max-message-bytes" ||
         arg == "--client-high-water" || arg == "--client-max-queued" || arg == "--stall-deadline" ||
         arg == "--deflate" || arg == "--ping-interval" || arg == "--read-budget";
}

std::optional<std::uint64_t> positive_integer(std::string_view text, std::uint64_t max) {
  std::uint64_t number = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (ec != std::errc{} || end != text.data() + text.size() || number == 0 || number > max) return std::nullopt;
  return number;
}

// Rover link options.
bool is_link_option(std::string_view arg) {
  return arg == "--max-links" || arg == "--max-links-per-address" || arg == "--link-hello-timeout" ||
         arg == "--rover-rate" || arg == "--rover-max-alerts";
}

std::string parse_link_option(std::string_view arg, std::string_view value, LinkLimits& link) {
  const auto bad = [&](std::string_view expected) {
    return "`" + std::string(arg) + "` expects " + std::string(expected) + ", got `" + std::string(value) + "`";
  };
  if (arg == "--rover-rate") {
    // FRAMES_PER_SECOND[/BURST]
    const std::size_t slash = value.find('/');
    const auto rate = positive_integer(value.substr(0, slash), 100'000'000);
    const auto burst = slash == std::string_view::npos ? std::optional<std::uint64_t>(10 * rate.value_or(0))
                                                        : positive_integer(value.substr(slash + 1), 1'000'000'000);
    if (!rate || !burst) return bad("FRAMES_PER_SECOND[/BURST], both positive");
    link.rover_frames_per_s = static_cast<double>(*rate);
    link.rover_frame_burst = static_cast<double>(*burst);
    return {};
  }
  if (arg == "--rover-max-alerts") {
    const auto n = positive_integer(value, 100'000'000);
    if (!n) return bad("a number of alerts (1..100000000)");
    link.max_alerts_per_rover = *n;
    return {};
  }
  const auto n = positive_integer(value, arg == "--link-hello-timeout" ? 3600 : 100'000);
  if (!n) return bad("a positive number");
  if (arg == "--max-links") link.max_connections = *n;
  else if (arg == "--max-links-per-address") link.max_connections_per_address = *n;
  else link.hello_timeout = std::chrono::seconds(static_cast<std::int64_t>(*n));
  return {};
}

std::string parse_client_option(std::string_view arg, std::string_view value, ClientLimits& clients) {
  const auto bad = [&](std::string_view expected) {
    return "`" + std::string(arg) + "` expects " + std::string(expected) + ", got `" + std::string(value) + "`";
  };
  if (arg == "--tls-cert" || arg == "--tls-key") {
    if (value.empty()) return bad("a file");
    (arg == "--tls-cert" ? clients.tls.cert_file : clients.tls.key_file) = std::string(value);
  } else if (arg == "--allow-origin") {
    // scheme://host[:port], as browsers send it; "null" is accepted verbatim.
    if (value != "null" && value.find("://") == std::string_view::npos) return bad("an origin like https://host:port");
    clients.allowed_origins.emplace_back(value);
  } else if (arg == "--max-clients") {
    const auto n = positive_integer(value, 1'000'000);
    if (!n) return bad("a number of clients (1..1000000)");
    clients.max_sessions = *n;
    // Upgrades pass through HTTP first: that cap must not be the lower one.
    clients.max_http_connections = std::max(clients.max_http_connections, clients.max_sessions);
  } else if (arg == "--max-clients-per-address") {
    const auto n = positive_integer(value, 1'000'000);
    if (!n) return bad("a number of connections (1..1000000)");
    clients.admission.max_connections_per_address = *n;
  } else if (arg == "--max-unauthenticated") {
    // N[/PER_ADDRESS]
    const auto slash = value.find('/');
    const auto n = positive_integer(value.substr(0, slash), 1'000'000);
    const auto per = slash == std::string_view::npos
                         ? std::optional<std::uint64_t>(std::min<std::uint64_t>(
                               clients.admission.max_unauthenticated_per_address, n.value_or(1)))
                         : positive_integer(value.substr(slash + 1), 1'000'000);
    if (!n || !per) return bad("N[/PER_ADDRESS] sessions (1..1000000)");
    clients.admission.max_unauthenticated = *n;
    clients.admission.max_unauthenticated_per_address = *per;
  } else if (arg == "--client-high-water" || arg == "--client-max-queued") {
    const auto n = positive_integer(value, OutboxLimits::kMaxRoutineChanges);
    if (!n) return bad("a number of changes (1.." + std::to_string(OutboxLimits::kMaxRoutineChanges) + ")");
    OutboxLimits& outbox = clients.delivery.outbox;
    (arg == "--client-high-water" ? outbox.routine_high_water_changes : outbox.routine_max_changes) = *n;
    if (outbox.routine_high_water_changes > outbox.routine_max_changes)
      return "--client-high-water must not be above --client-max-queued";
  } else if (arg == "--deflate") {
    // off, or WINDOW_BITS[/LEVEL]: the window is memory per client, the level CPU per message.
    DeflateLimits& deflate = clients.delivery.deflate;
    if (value == "off") {
      deflate.enabled = false;
      return {};
    }
    const std::size_t slash = value.find('/');
    const auto bits = positive_integer(value.substr(0, slash), 15);
    const auto level = slash == std::string_view::npos ? std::optional<std::uint64_t>(deflate.compression_level)
                                                        : positive_integer(value.substr(slash + 1), 9);
    if (!bits || *bits < 9 || !level) return bad("off or WINDOW_BITS[/LEVEL] (9..15, 1..9)");
    deflate.enabled = true;
    deflate.server_max_window_bits = static_cast<int>(*bits);
    deflate.compression_level = static_cast<int>(*level);
  } else if (arg == "--stall-deadline") {
    const auto seconds = positive_integer(value, 3600);
    if (!seconds) return bad("SECONDS (1..3600)");
    clients.delivery.outbox.stall_deadline = std::chrono::seconds(static_cast<std::int64_t>(*seconds));
  } else if (arg == "--ping-interval") {
    const auto seconds = positive_integer(value, 3600);
    if (!seconds) return bad("SECONDS (1..3600)");
    // The timeout keeps its ratio to the interval: a few lost pongs never cut a live client.
    KeepAliveLimits& keep_alive = clients.delivery.keep_alive;
    const auto ratio = KeepAliveLimits{}.ping_timeout / KeepAliveLimits{}.ping_interval;
    keep_alive.ping_interval = std::chrono::seconds(static_cast<std::int64_t>(*seconds));
    keep_alive.ping_timeout = keep_alive.ping_interval * ratio;
  } else if (arg == "--rate-limit") {
    // PER_SECOND or PER_SECOND/BURST
    const std::size_t slash = value.find('/');
    const auto rate = positive_integer(value.substr(0, slash), 1'000'000);
    const auto burst = slash == std::string_view::npos ? rate : positive_integer(value.substr(slash + 1), 1'000'000);
    if (!rate || !burst) return bad("REQUESTS_PER_SECOND[/BURST], both positive");
    clients.requests.per_second = static_cast<double>(*rate);
    clients.requests.burst = static_cast<double>(slash == std::string_view::npos ? 2 * *rate : *burst);
    clients.requests.close_after = 2 * clients.requests.burst;
  } else if (arg == "--read-budget") {
    // ENTRIES_PER_SECOND[/BURST]
    const std::size_t slash = value.find('/');
    const auto rate = positive_integer(value.substr(0, slash), 100'000'000);
    const auto burst = slash == std::string_view::npos ? rate : positive_integer(value.substr(slash + 1), 100'000'000);
    if (!rate || !burst) return bad("ENTRIES_PER_SECOND[/BURST], both positive");
    clients.delivery.read_budget.entries_per_s = static_cast<double>(*rate);
    clients.delivery.read_budget.burst = static_cast<double>(slash == std::string_view::npos ? *rate / 10 + 1 : *burst);
  } else if (arg == "--auth-timeout" || arg == "--http-timeout") {
    const auto seconds = positive_integer(value, 3600);
    if (!seconds) return bad("SECONDS (1..3600)");
    (arg == "--auth-timeout" ? clients.auth_timeout : clients.http_timeout) =
        std::chrono::seconds(static_cast<std::int64_t>(*seconds));
  } else {  // --max-message-bytes
    const auto bytes = positive_integer(value, 16 * 1024 * 1024);
    if (!bytes || *bytes < 1024) return bad("BYTES (1024..16777216)");
    clients.max_request_bytes = *bytes;
  }
  return {};
}

// --flood START/END (alarms per window: a flood starts above START, ends below
// END) and --alarm-window SECONDS.
std::string parse_alarm_option(std::string_view arg, std::string_view value, AlarmRateLimits& alarms) {
  const auto bad = [&](std::string_view expected) {
    return "`" + std::string(arg) + "` expects " + std::string(expected) + ", got `" + std::string(value) + "`";
  };
  if (arg == "--alarm-window") {
    const auto seconds = positive_integer(value, 24 * 3600);
    if (!seconds) return bad("SECONDS (1..86400)");
    alarms.window_ms = *seconds * 1000;
    return {};
  }
  if (arg == "--standing-after") {
    const auto seconds = positive_integer(value, 365ull * 24 * 3600);
    if (!seconds) return bad("SECONDS (1..31536000)");
    alarms.standing_after_ms = *seconds * 1000;
    return {};
  }
  const std::size_t slash = value.find('/');
  if (slash == std::string_view::npos) return bad("START/END");
  const auto start = positive_integer(value.substr(0, slash), 1'000'000);
  const auto end = positive_integer(value.substr(slash + 1), 1'000'000);
  if (!start || !end || *end > *start) return bad("START/END, both positive, END at most START");
  alarms.flood_start = static_cast<std::uint32_t>(*start);
  alarms.flood_end = static_cast<std::uint32_t>(*end);
  return {};
}

// --shelve-max SECONDS, --shelve-warning SECONDS, --shelve-presets S[,S]...
std::string parse_shelve_option(std::string_view arg, std::string_view value, SuppressionLimits& limits) {
  const auto bad = [&](std::string_view expected) {
    return "`" + std::string(arg) + "` expects " + std::string(expected) + ", got `" + std::string(value) + "`";
  };
  constexpr std::uint64_t kWeek = 7 * 24 * 3600;
  if (arg == "--shelve-max" || arg == "--shelve-warning") {
    const auto seconds = positive_integer(value, kWeek);
    if (!seconds) return bad("SECONDS (1..604800)");
    (arg == "--shelve-max" ? limits.max_shelve_s : limits.shelve_warning_s) = *seconds;
    return {};
  }
  std::vector<std::uint64_t> presets;
  for (std::string_view list = value; !list.empty();) {
    const std::size_t comma = list.find(',');
    const auto seconds = positive_integer(list.substr(0, comma), kWeek);
    if (!seconds || presets.size() == 16) return bad("up to 16 durations in seconds, separated by commas");
    presets.push_back(*seconds);
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
  }
  if (presets.empty()) return bad("SECONDS[,SECONDS]...");
  limits.shelve_presets_s = std::move(presets);
  return {};
}

// "operator,admin": a non-empty set of known roles.
std::optional<RoleSet> parse_roles(std::string_view list) {
  RoleSet roles;
  while (!list.empty()) {
    const std::size_t comma = list.find(',');
    const auto role = role_from_string(list.substr(0, comma));
    if (!role) return std::nullopt;
    roles.add(*role);
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
  }
  if (roles.empty()) return std::nullopt;
  return roles;
}

}  // namespace

CommandLine parse_command_line(std::span<const char* const> args) {
  CommandLine result;
  const auto fail = [&result](std::string message) {
    result.error = std::move(message);
    return result;
  };
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view arg = args[i];
    if (arg == "--help" || arg == "-h") {
      result.show_help = true;
      return result;
    }
    if (arg == "--allow-plain") {
      result.config.clients.tls.allow_plain = true;
      continue;
    }
    if (arg == "--insecure-links") {
      result.config.insecure_links = true;
      continue;
    }
    if (arg != "--listen" && arg != "--link-listen" && arg != "--data" && arg != "--tokens" && arg != "--rovers" &&
        arg != "--config" &&
        arg != "--ack-roles" && arg != "--flood" && arg != "--alarm-window" && arg != "--standing-after" &&
        arg != "--audit-max-entries" && arg != "--audit-max-days" && arg != "--shelve-max" &&
        arg != "--shelve-warning" && arg != "--shelve-presets" && !is_store_option(arg) && !is_client_option(arg) && !is_link_option(arg))
      return fail("unknown option `" + std::string(arg) + "`");
    if (i + 1 == args.size()) return fail("option `" + std::string(arg) + "` needs a value");
    const std::string_view value = args[++i];
    if (is_client_option(arg)) {
      if (auto error = parse_client_option(arg, value, result.config.clients); !error.empty()) return fail(error);
    } else if (is_link_option(arg)) {
      if (auto error = parse_link_option(arg, value, result.config.link); !error.empty()) return fail(error);
    } else if (is_store_option(arg)) {
      if (auto error = parse_store_option(arg, value, result.config.store); !error.empty()) return fail(error);
    } else if (arg == "--listen" || arg == "--link-listen") {
      const auto endpoint = parse_host_port(value);
      if (!endpoint) return fail("`" + std::string(arg) + "` expects HOST:PORT, got `" + std::string(value) + "`");
      (arg == "--listen" ? result.config.http_listen : result.config.link_listen) = *endpoint;
    } else if (arg == "--ack-roles") {
      const auto roles = parse_roles(value);
      if (!roles) return fail("`--ack-roles` expects roles separated by commas (admin, operator, viewer), got `" +
                              std::string(value) + "`");
      result.config.permissions.ack = *roles;
    } else if (arg == "--audit-max-entries" || arg == "--audit-max-days") {
      const auto n = positive_integer(value, arg == "--audit-max-days" ? 3650 : 100'000'000);
      if (!n) return fail("`" + std::string(arg) + "` expects a positive number, got `" + std::string(value) + "`");
      if (arg == "--audit-max-days") result.config.audit.max_age_ms = *n * 24 * 3600'000;
      else result.config.audit.max_entries = *n;
    } else if (arg == "--flood" || arg == "--alarm-window" || arg == "--standing-after") {
      if (auto error = parse_alarm_option(arg, value, result.config.alarms); !error.empty()) return fail(error);
    } else if (arg == "--shelve-max" || arg == "--shelve-warning" || arg == "--shelve-presets") {
      if (auto error = parse_shelve_option(arg, value, result.config.suppression); !error.empty()) return fail(error);
    } else if (arg == "--data") {
      result.config.data_dir = std::string(value);
    } else if (arg == "--config") {
      result.config.config_file = std::string(value);
    } else if (arg == "--rovers") {
      result.config.rovers_path = std::string(value);
    } else {
      result.config.tokens_path = std::string(value);
    }
  }
  if (result.config.tokens_path.empty())
    return fail("--tokens FILE is required: the relay serves no one without a token file");
  const TlsOptions& tls = result.config.clients.tls;
  if (tls.cert_file.empty() != tls.key_file.empty()) return fail("--tls-cert and --tls-key go together");
  if (tls.allow_plain && !tls.enabled()) return fail("--allow-plain only makes sense with --tls-cert/--tls-key");
  for (auto& preset : result.config.suppression.shelve_presets_s)  // no console offers what the relay refuses
    preset = std::min(preset, result.config.suppression.max_shelve_s);
  return result;
}

std::string usage(std::string_view program) {
  // Defaults come from the limit structs, so this text cannot drift from them.
  const DeliveryLimits delivery;
  const LinkLimits link;
  const auto number = [](auto n) { return std::to_string(n); };
  std::string text = "usage: ";
  text.append(program).append(
      " --tokens FILE [--rovers FILE | --insecure-links] [--listen HOST:PORT] [--link-listen HOST:PORT]\n"
      "       [--config FILE]\n"
      "       [--data DIR] [--ack-roles ROLE[,ROLE]...] [--flood START/END] [--alarm-window S]\n"
      "       [--standing-after S] [--audit-max-entries N] [--audit-max-days D]\n"
      "       [--shelve-max S] [--shelve-presets S[,S]...] [--shelve-warning S]\n"
      "       [--tls-cert FILE --tls-key FILE [--allow-plain]] [--allow-origin ORIGIN]...\n"
      "       [--max-clients N] [--max-clients-per-address N] [--max-unauthenticated N[/PER_ADDRESS]]\n"
      "       [--rate-limit R[/BURST]] [--read-budget N[/BURST]] [--auth-timeout S] [--http-timeout S]\n"
      "       [--max-message-bytes N] [--client-high-water N] [--client-max-queued N]\n"
      "       [--stall-deadline S] [--ping-interval S] [--deflate off|BITS[/LEVEL]]\n"
      "       [--durability full|normal] [--history-max-tombstones N] [--history-max-age SECONDS]\n"
      "       [--journal-max-bytes N] [--journal-max-backlog N]\n"
      "       [--max-links N] [--max-links-per-address N] [--link-hello-timeout S]\n"
      "       [--rover-rate F[/BURST]] [--rover-max-alerts N]\n"
      "\n"
      "  --tokens FILE            users, one per line: <role> <user> <token> (required)\n"
      "  --rovers FILE            rovers, one per line: <rover-id> <key as 64 hex digits>; links\n"
      "                           authenticate with the key (owner-only file; reread on SIGHUP,\n"
      "                           as is --tokens)\n"
      "  --insecure-links         also accept rovers not in --rovers without authentication\n"
      "                           (without --rovers: every rover); anyone on the link network\n"
      "                           can then raise, update and clear their alerts\n"
      "  --listen HOST:PORT       HTTP and WebSocket clients (default 127.0.0.1:8000)\n"
      "  --link-listen HOST:PORT  rover links (default 127.0.0.1:8100)\n"
      "  --data DIR               relay state, created if missing (default ./data)\n"
      "  --ack-roles ROLES        who may acknowledge, e.g. operator,admin (default: every role,\n"
      "                           admin,operator,viewer)\n"
      "  --flood START/END        an alarm flood starts when more than START alarms came in\n"
      "                           the alarm window and ends when fewer than END did; every\n"
      "                           client is told, with the first alarm of it (default " +
      number(AlarmRateLimits{}.flood_start) + "/" + number(AlarmRateLimits{}.flood_end) + ")\n"
      "  --alarm-window SECONDS   the window of the alarm rate (default " +
      number(AlarmRateLimits{}.window_ms / 1000) + ", ISA-18.2's 10 minutes)\n"
      "  --standing-after SECONDS an alarm whose condition has held longer is standing (stale),\n"
      "                           counted in get_stats and /metrics (default " +
      number(AlarmRateLimits{}.standing_after_ms / 1000) + ")\n"
      "  --config FILE            the relay's JSON config file: escalation policies of\n"
      "                           unacknowledged alerts and their webhooks (protocol.md section 12),\n"
      "                           validated at start\n"
      "  --shelve-max SECONDS     the longest an operator may shelve an alert; every shelf\n"
      "                           expires (default " + number(SuppressionLimits{}.max_shelve_s) + ")\n"
      "  --shelve-presets S,...   the shelf durations consoles offer (default " +
      [] {
        std::string list;
        for (const auto s : SuppressionLimits{}.shelve_presets_s) list += (list.empty() ? "" : ",") + std::to_string(s);
        return list;
      }() + ")\n"
      "  --shelve-warning SECONDS every client is warned this long before a shelf ends (default " +
      number(SuppressionLimits{}.shelve_warning_s) + ")\n"
      "  --audit-max-entries N    the audit trail (who acknowledged, created, cleared, signed\n"
      "                           in or was refused) keeps this many entries (default " +
      number(AuditLimits{}.max_entries) + ")\n"
      "  --audit-max-days D       ... for this long (default " +
      number(AuditLimits{}.max_age_ms / (24 * 3600'000)) + "); the oldest go first\n"
      "  --durability full|normal journal fsync: full survives power loss, normal only\n"
      "                           a relay crash (default full)\n"
      "  --history-max-tombstones N   removed alerts remembered for resync (default 100000)\n"
      "  --history-max-age SECONDS    ... and for how long (default 86400)\n"
      "  --journal-max-bytes N    cap on the journal file: past it commits fail as on a full\n"
      "                           disk (acks stop, /healthz says 503) until space is freed\n"
      "  --journal-max-backlog N  uncommitted changes past which rover links are not read\n"
      "                           until a commit catches up (default 262144)\n"
      "  --max-links N            concurrent rover link connections; more are closed at once\n"
      "                           (default " + number(link.max_connections) + ")\n"
      "  --max-links-per-address N  ... from one address (default " + number(link.max_connections_per_address) + ")\n"
      "  --link-hello-timeout S   a link connection must say Hello within this (default " +
      number(link.hello_timeout.count()) + ")\n"
      "  --rover-rate F[/BURST]   frames per second read from one rover's link (default " +
      number(static_cast<std::uint64_t>(link.rover_frames_per_s)) + "/" +
      number(static_cast<std::uint64_t>(link.rover_frame_burst)) + "); past it the link\n"
      "                           is not read until the quota refills (TCP pushes back)\n"
      "  --rover-max-alerts N     alerts the relay holds for one rover (default " +
      number(link.max_alerts_per_rover) + "); a new one\n"
      "                           past it is acknowledged, not stored, and counted\n"
      "  --tls-cert FILE --tls-key FILE\n"
      "                           PEM certificate chain and key: https and wss on the --listen\n"
      "                           port (TLS 1.2+); plain connections are then refused (403)\n"
      "  --allow-plain            with TLS, still serve plain http/ws on the same port\n"
      "  --allow-origin ORIGIN    repeatable: WebSocket upgrades with an Origin header must\n"
      "                           match one (e.g. https://console.example:8443); without\n"
      "                           this option any origin is accepted\n"
      "  --max-clients N          concurrent authenticated WebSocket clients; more get 503\n"
      "                           (default " + number(ClientLimits{}.max_sessions) + ")\n"
      "  --max-clients-per-address N  HTTP and WebSocket connections from one address; more are\n"
      "                           closed at once (default " + number(ClientLimits{}.admission.max_connections_per_address) + ")\n"
      "  --max-unauthenticated N[/PER_ADDRESS]  WebSocket sessions that have not authenticated\n"
      "                           yet, a pool apart from --max-clients (default " +
      number(ClientLimits{}.admission.max_unauthenticated) + "/" +
      number(ClientLimits{}.admission.max_unauthenticated_per_address) + ")\n"
      "  --rate-limit R[/BURST]   requests per second per client (default 50/100); over it\n"
      "                           RATE_LIMITED, far over it the client is closed\n"
      "  --read-budget N[/BURST]  store entries read per second for alert_sync and catch-up\n"
      "                           pages, all clients together (default " +
      number(static_cast<std::uint64_t>(delivery.read_budget.entries_per_s)) + "/" +
      number(static_cast<std::uint64_t>(delivery.read_budget.burst)) + "); past it they wait\n"
      "  --auth-timeout SECONDS   a client must authenticate within this (default 10)\n"
      "  --http-timeout SECONDS   to send one HTTP request or finish TLS (default 30)\n"
      "  --max-message-bytes N    largest client message decoded (default 65536)\n"
      "  --client-high-water N    routine changes queued for one client past which its low and\n"
      "                           info changes are dropped and it is told to resync (default " +
      number(delivery.outbox.routine_high_water_changes) + ", or " +
      number(delivery.outbox.routine_high_water_bytes) + " bytes)\n"
      "  --client-max-queued N    routine changes queued for one client past which it is closed\n"
      "                           as too slow (default " + number(delivery.outbox.routine_max_changes) + ", or " +
      number(delivery.outbox.routine_max_bytes) + " bytes)\n"
      "  --stall-deadline SECONDS a client that has not taken a queued high or medium change\n"
      "                           within this is closed as too slow (default " +
      number(delivery.outbox.stall_deadline.count() / 1000) + ")\n"
      "  --ping-interval SECONDS  a WebSocket ping to every client this often (default " +
      number(delivery.keep_alive.ping_interval.count() / 1000) + "); its\n"
      "                           pong gives the RTT that sets the batch size; a client that\n"
      "                           answers none for " +
      number(delivery.keep_alive.ping_timeout / delivery.keep_alive.ping_interval) + " intervals is cut (default " +
      number(delivery.keep_alive.ping_timeout.count() / 1000) + " s)\n"
      "  --deflate off|BITS[/LEVEL]  permessage-deflate for clients that offer it (browsers\n"
      "                           do): window bits 9..15 (memory per client) and level 1..9\n"
      "                           (default " + number(delivery.deflate.server_max_window_bits) + "/" +
      number(delivery.deflate.compression_level) + "; messages under " +
      number(delivery.deflate.min_message_bytes) + " bytes go uncompressed)\n"
      "  --help                   this text\n"
      "\n"
      "Port 0 picks a free port. Once both listeners are bound, one line\n"
      "`listening http=HOST:PORT link=HOST:PORT` is printed on stdout; logs go to stderr.\n");
  return text;
}

}  // namespace rover_alerts::relay
