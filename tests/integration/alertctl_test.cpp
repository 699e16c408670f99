// alertctl, the real binary, against a real relay: every command, every
// output format and every exit code (host/alertctl/README.md).
#include "relay_under_test.hpp"

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

using namespace rover_alerts::testing;
namespace json = boost::json;

namespace {

struct Run {
  int status = -1;  // exit status; -1: killed or timed out
  std::string out, err;
  std::vector<std::string> lines() const {
    std::vector<std::string> v;
    std::istringstream in(out);
    for (std::string l; std::getline(in, l);) v.push_back(l);
    return v;
  }
};

// A running alertctl: stdin, stdout and stderr are pipes. The environment is
// this one's without ALERT_*, XDG_CONFIG_HOME and HOME (no stray config), plus `env`.
class Alertctl {
 public:
  Alertctl(const std::vector<std::string>& args, const std::map<std::string, std::string>& env = {}) {
    int in[2], out[2], err[2];
    BOOST_REQUIRE(::pipe2(in, O_CLOEXEC) == 0 && ::pipe2(out, O_CLOEXEC) == 0 && ::pipe2(err, O_CLOEXEC) == 0);
    std::vector<std::string> argv{ALERTCTL_PATH};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<std::string> envv;
    for (char** e = environ; *e != nullptr; ++e) {
      const std::string entry(*e);
      if (entry.rfind("ALERT_", 0) == 0 || entry.rfind("XDG_CONFIG_HOME=", 0) == 0 || entry.rfind("HOME=", 0) == 0 ||
          entry.rfind("NO_COLOR=", 0) == 0)
        continue;
      envv.push_back(entry);
    }
    for (const auto& [k, v] : env) envv.push_back(k + "=" + v);
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(in[0], STDIN_FILENO);
      ::dup2(out[1], STDOUT_FILENO);
      ::dup2(err[1], STDERR_FILENO);
      std::vector<char*> a, e;
      for (auto& s : argv) a.push_back(s.data());
      a.push_back(nullptr);
      for (auto& s : envv) e.push_back(s.data());
      e.push_back(nullptr);
      ::execve(a[0], a.data(), e.data());
      _exit(127);
    }
    ::close(in[0]);
    ::close(out[1]);
    ::close(err[1]);
    stdin_ = in[1];
    stdout_ = out[0];
    stderr_ = err[0];
  }
  ~Alertctl() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    for (int fd : {stdin_, stdout_, stderr_})
      if (fd >= 0) ::close(fd);
  }

  void write_stdin(const std::string& text) {
    BOOST_REQUIRE(::write(stdin_, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
  }
  void close_stdin() {
    ::close(stdin_);
    stdin_ = -1;
  }
  void signal(int sig) { ::kill(pid_, sig); }

  // Reads stdout (or stderr) until it holds `text`, or the timeout.
  bool wait_for_output(const std::string& text, int timeout_ms = 10000) { return wait_for(result_.out, text, timeout_ms); }
  bool wait_for_error(const std::string& text, int timeout_ms = 10000) { return wait_for(result_.err, text, timeout_ms); }

  // Waits for the exit, collecting stdout and stderr.
  Run finish(int timeout_ms = 30000) {
    close_stdin_if_open();
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (pump(50) && std::chrono::steady_clock::now() < until) {
    }
    int status = 0;
    for (;;) {
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        result_.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        break;
      }
      if (std::chrono::steady_clock::now() > until) break;
      ::usleep(10000);
    }
    return result_;
  }

 private:
  bool wait_for(const std::string& stream, const std::string& text, int timeout_ms) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (stream.find(text) == std::string::npos) {
      if (std::chrono::steady_clock::now() > until || !pump(100)) return stream.find(text) != std::string::npos;
    }
    return true;
  }
  void close_stdin_if_open() {
    if (stdin_ >= 0) close_stdin();
  }
  // One poll of stdout and stderr; false once both are closed.
  bool pump(int timeout_ms) {
    pollfd p[2] = {{stdout_, POLLIN, 0}, {stderr_, POLLIN, 0}};
    if (stdout_ < 0 && stderr_ < 0) return false;
    if (::poll(p, 2, timeout_ms) < 0) return false;
    for (int i = 0; i < 2; ++i) {
      int& fd = i == 0 ? stdout_ : stderr_;
      if (fd < 0 || (p[i].revents & (POLLIN | POLLHUP)) == 0) continue;
      char chunk[4096];
      const ssize_t n = ::read(fd, chunk, sizeof chunk);
      if (n <= 0) {
        ::close(fd);
        fd = -1;
      } else {
        (i == 0 ? result_.out : result_.err).append(chunk, static_cast<std::size_t>(n));
      }
    }
    return stdout_ >= 0 || stderr_ >= 0;
  }

  pid_t pid_ = -1;
  int stdin_ = -1, stdout_ = -1, stderr_ = -1;
  Run result_;
};

Run run(const std::vector<std::string>& args, const std::map<std::string, std::string>& env = {},
        const std::string& input = {}) {
  Alertctl a(args, env);
  if (!input.empty()) a.write_stdin(input);
  return a.finish();
}

struct Fixture {
  RelayUnderTest relay;
  std::string url = "ws://" + relay.http().host + ":" + std::to_string(relay.http().port) + "/ws";

  Run as(const std::string& token, std::vector<std::string> args, const std::string& input = {}) {
    args.insert(args.begin(), {"--url", url, "--token", token});
    return run(args, {}, input);
  }
  Run admin(std::vector<std::string> args) { return as("demo-admin-token", std::move(args)); }
  Run operator_(std::vector<std::string> args, const std::string& input = {}) {
    return as("demo-operator-token", std::move(args), input);
  }
  Run viewer(std::vector<std::string> args) { return as("demo-viewer-token", std::move(args)); }
  // A ground alert made through alertctl; its id.
  std::string create(const std::string& priority, const std::string& source, const std::string& message) {
    const Run r = admin({"create", "-q", "--priority", priority, "--source", source, "--message", message});
    BOOST_REQUIRE_MESSAGE(r.status == 0, r.err);
    BOOST_REQUIRE(!r.lines().empty());
    return r.lines().front();
  }
};

json::value parse(const std::string& text) {
  json::error_code ec;
  auto v = json::parse(text, ec);
  BOOST_REQUIRE_MESSAGE(!ec, "not JSON: " << text);
  return v;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(alertctl)

BOOST_FIXTURE_TEST_CASE(create_then_list_in_every_format, Fixture) {
  const Run created = admin({"create", "--priority", "high", "--source", "power", "--message", "Battery at 18%",
                             "--title", "Battery low", "--action-label", "Return", "--action-type", "nav.return"});
  BOOST_TEST_REQUIRE(created.status == 0, created.err);
  BOOST_TEST(created.out.rfind("created ground-", 0) == 0u);
  const std::string critical = create("critical", "drive", "Emergency stop");

  const Run table = viewer({"list"});
  BOOST_TEST_REQUIRE(table.status == 0, table.err);
  const auto lines = table.lines();
  BOOST_TEST_REQUIRE(lines.size() == 3u);
  BOOST_TEST(lines[0].rfind("ID", 0) == 0u);
  BOOST_TEST(lines[1].find(critical) != std::string::npos);  // critical first
  BOOST_TEST(lines[2].find("Battery low") != std::string::npos);
  BOOST_TEST(table.out.find("\x1b[") == std::string::npos);  // not a terminal: no colour

  const Run wide = viewer({"list", "-o", "wide"});
  BOOST_TEST(wide.out.find("MESSAGE") != std::string::npos);
  BOOST_TEST(wide.out.find("Battery at 18%") != std::string::npos);
  BOOST_TEST(wide.out.find("Return (nav.return)") != std::string::npos);

  const json::array all = parse(viewer({"list", "-o", "json"}).out).as_array();
  BOOST_TEST_REQUIRE(all.size() == 2u);
  BOOST_TEST(all[0].at("id").as_string() == critical);
  BOOST_TEST(all[1].at("data").at("title").as_string() == "Battery low");
  BOOST_TEST(all[1].at("data").at("action").at("actionType").as_string() == "nav.return");

  const Run ndjson = viewer({"list", "-o", "ndjson"});
  BOOST_TEST_REQUIRE(ndjson.lines().size() == 2u);
  BOOST_TEST(parse(ndjson.lines()[1]).at("priority").as_string() == "high");

  const Run ids = viewer({"list", "-q", "--priority", "critical"});
  BOOST_TEST(ids.out == critical + "\n");
  BOOST_TEST(viewer({"list", "-q", "--source", "power"}).lines().size() == 1u);
  BOOST_TEST(viewer({"list", "-q", "--rover", "rover-x"}).out.empty());
  BOOST_TEST(viewer({"list", "--color", "always"}).out.find("\x1b[1;31m") != std::string::npos);
}

BOOST_FIXTURE_TEST_CASE(ack_with_a_comment_and_the_pipe_from_list, Fixture) {
  const std::string a = create("low", "comms", "link degraded");
  const std::string b = create("low", "comms", "link degraded again");
  const std::string c = create("high", "power", "battery");
  const Run acked = operator_({"ack", c, "--comment", "returning to base"});
  BOOST_TEST_REQUIRE(acked.status == 0, acked.err);
  BOOST_TEST(acked.out == "acknowledged " + c + "\n");
  // Acknowledged alerts leave the default list, and come back with -a.
  BOOST_TEST(viewer({"list", "-q", "--priority", "high"}).out.empty());
  const json::array all = parse(viewer({"list", "-a", "-o", "json", "--priority", "high"}).out).as_array();
  BOOST_TEST_REQUIRE(all.size() == 1u);
  BOOST_TEST(all[0].at("data").at("acknowledgedBy").as_string() == "oscar");
  BOOST_TEST(all[0].at("data").at("ackComment").as_string() == "returning to base");
  // alertctl list -q --priority low | alertctl ack -
  const Run low = viewer({"list", "-q", "--priority", "low"});
  BOOST_TEST(low.lines().size() == 2u);
  const Run piped = operator_({"ack", "-q", "-"}, low.out);
  BOOST_TEST_REQUIRE(piped.status == 0, piped.err);
  BOOST_TEST(piped.lines().size() == 2u);
  BOOST_TEST(viewer({"list", "-q"}).out.empty());
  (void)a;
  (void)b;
}

BOOST_FIXTURE_TEST_CASE(exit_codes_say_what_went_wrong, Fixture) {
  const std::string id = create("medium", "nav", "waypoint");
  // 5: not found, even with others acknowledged.
  const Run missing = operator_({"ack", id, "no-such-alert"});
  BOOST_TEST(missing.status == 5);
  BOOST_TEST(missing.err.find("NOT_FOUND") != std::string::npos);
  // 3: a role that may not, and a token the relay refuses.
  const Run forbidden = viewer({"create", "--priority", "low", "--source", "s", "--message", "m"});
  BOOST_TEST(forbidden.status == 3);
  BOOST_TEST(forbidden.err.find("FORBIDDEN") != std::string::npos);
  BOOST_TEST(viewer({"clear", "--source", "nav"}).status == 3);
  BOOST_TEST(as("not-a-token", {"list"}).status == 3);
  // 4: nothing listening there.
  const Run unreachable = run({"--url", "ws://127.0.0.1:1/ws", "--token", "demo-viewer-token", "--timeout", "3", "list"});
  BOOST_TEST(unreachable.status == 4);
  BOOST_TEST(!unreachable.err.empty());
  // 2: usage.
  BOOST_TEST(viewer({"list", "--bogus"}).status == 2);
  BOOST_TEST(viewer({"frobnicate"}).status == 2);
  BOOST_TEST(admin({"create", "--priority", "urgent", "--source", "s", "--message", "m"}).status == 2);
  BOOST_TEST(admin({"create", "--source", "s", "--message", "m"}).status == 2);
  BOOST_TEST(operator_({"clear"}).status == 2);
  BOOST_TEST(viewer({"sync"}).status == 2);
  BOOST_TEST(viewer({"list", "-q", "-o", "json"}).status == 2);
  BOOST_TEST(run({"--url", url, "list"}).status == 2);  // no token anywhere
  BOOST_TEST(run({}).status == 2);
}

BOOST_FIXTURE_TEST_CASE(clear_sync_and_stats, Fixture) {
  create("low", "comms", "one");
  const std::string two = create("low", "comms", "two");
  const std::string kept = create("high", "power", "kept");
  const Run before = viewer({"stats", "-o", "json"});
  BOOST_TEST_REQUIRE(before.status == 0, before.err);
  const json::object stats = parse(before.out).as_object();
  BOOST_TEST(stats.at("active_alerts").to_number<int>() == 3);
  const auto rev = stats.at("rev").to_number<std::uint64_t>();
  BOOST_TEST(stats.contains("alarms"));
  const Run summary = viewer({"stats"});
  BOOST_TEST(summary.out.find("alerts      3") != std::string::npos);
  BOOST_TEST(summary.out.find("alarm rate  3 per 10 min   standing 0") != std::string::npos, summary.out);
  BOOST_TEST(summary.out.find("top key") != std::string::npos);

  const Run cleared = operator_({"clear", "--source", "comms"});
  BOOST_TEST_REQUIRE(cleared.status == 0, cleared.err);
  BOOST_TEST(cleared.out == "cleared 2 alert(s)\n");
  BOOST_TEST(operator_({"clear", "-q", "--id", kept}).out == "1\n");

  // What changed after `rev`: the three clears, in rev order, and nothing before.
  const Run since = viewer({"sync", "--since-rev", std::to_string(rev), "-o", "ndjson"});
  BOOST_TEST_REQUIRE(since.status == 0, since.err);
  const auto lines = since.lines();
  BOOST_TEST_REQUIRE(lines.size() == 3u);
  for (const auto& line : lines) {
    const json::value change = parse(line);
    BOOST_TEST(change.at("type").as_string() == "clear");
    BOOST_TEST(change.at("rev").to_number<std::uint64_t>() > rev);
  }
  const Run table = viewer({"sync", "--since-rev", std::to_string(rev)});
  BOOST_TEST(table.lines()[0].rfind("REV", 0) == 0u);
  BOOST_TEST(table.out.find(two) != std::string::npos);
  BOOST_TEST(viewer({"list", "--since-rev", std::to_string(rev), "-q"}).lines().size() == 3u);
}

BOOST_FIXTURE_TEST_CASE(log_shows_the_audit_trail_to_operators_only, Fixture) {
  const std::string id = create("high", "power", "battery");
  BOOST_TEST(operator_({"ack", id, "--comment", "returning"}).status == 0);
  BOOST_TEST(viewer({"clear", "--id", id}).status == 3);  // refused, and recorded

  const Run table = operator_({"log"});
  BOOST_TEST_REQUIRE(table.status == 0, table.err);
  BOOST_TEST(table.lines()[0].rfind("SEQ", 0) == 0u);
  BOOST_TEST(table.out.find("returning") != std::string::npos);

  std::vector<json::object> entries;
  for (const auto& line : operator_({"log", "-o", "ndjson", "--since", "1h"}).lines())
    entries.push_back(parse(line).as_object());
  const auto has = [&](const std::string& action, const std::string& user, const std::string& outcome) {
    return std::any_of(entries.begin(), entries.end(), [&](const json::object& e) {
      return e.at("action").as_string() == action && e.at("user").as_string() == user &&
             e.at("outcome").as_string() == outcome;
    });
  };
  BOOST_TEST(has("alert_create", "ada", "ok"));
  BOOST_TEST(has("alert_ack", "oscar", "ok"));
  BOOST_TEST(has("alert_clear", "vera", "refused"));
  BOOST_TEST(has("auth", "vera", "ok"));

  const Run mine = operator_({"log", "-o", "ndjson", "--user", "oscar", "--action", "alert_ack"});
  BOOST_TEST_REQUIRE(mine.lines().size() == 1u);
  BOOST_TEST(parse(mine.lines()[0]).at("alertId").as_string() == id);
  BOOST_TEST(operator_({"log", "-q", "--alert", id}).lines().size() == 3u);  // create, ack, refused clear
  BOOST_TEST(viewer({"log"}).status == 3);
  BOOST_TEST(operator_({"log", "--since", "yesterday"}).status == 2);
}

BOOST_FIXTURE_TEST_CASE(shelve_unshelve_and_out_of_service, Fixture) {
  const std::string id = create("critical", "pump", "stalled");
  BOOST_TEST(viewer({"shelve", id, "--for", "1h", "--reason", "mine"}).status == 3);  // FORBIDDEN
  BOOST_TEST(operator_({"shelve", id, "--reason", "forever"}).status == 2);           // never expires: usage
  BOOST_TEST(operator_({"shelve", id, "--for", "1h"}).status == 2);                   // no reason
  BOOST_TEST(operator_({"shelve", id, "--for", "9h", "--reason", "long"}).status == 1);  // over the relay's 8 h
  BOOST_TEST(operator_({"shelve", "no-such-alert", "--for", "1h", "--reason", "r"}).status == 5);
  const Run shelved = operator_({"shelve", id, "--for", "1h", "--reason", "pump swap", "--by-key"});
  BOOST_TEST_REQUIRE(shelved.status == 0, shelved.err);
  BOOST_TEST(shelved.out.find("shelved " + id + " until ") == 0u, shelved.out);
  const json::array listed = parse(viewer({"list", "-o", "json"}).out).as_array();
  BOOST_TEST_REQUIRE(listed.size() == 1u);
  const auto& shelf = listed[0].at("data").at("shelved");
  BOOST_TEST(shelf.at("reason").as_string() == "pump swap");
  BOOST_TEST(shelf.at("scope").as_string() == "key");
  BOOST_TEST(viewer({"list"}).out.find("active_unacked/shelved") != std::string::npos);
  const Run unshelved = operator_({"unshelve", id});
  BOOST_TEST(unshelved.status == 0, unshelved.err);
  BOOST_TEST(operator_({"unshelve", id}).status == 5);  // nothing shelved any more
  BOOST_TEST(viewer({"list"}).out.find("/shelved") == std::string::npos);

  BOOST_TEST(operator_({"out-of-service", "--source", "pump", "--reason", "r"}).status == 3);  // admins only
  BOOST_TEST(admin({"out-of-service", "--source", "pump"}).status == 2);                      // no reason
  const Run out = admin({"out-of-service", "--source", "pump", "--reason", "rewiring"});
  BOOST_TEST(out.status == 0, out.err);
  BOOST_TEST(out.out.find("source pump out of service (1 alert(s))") != std::string::npos, out.out);
  BOOST_TEST(viewer({"list"}).out.find("/out-of-service") != std::string::npos);
  BOOST_TEST(admin({"return-to-service", "--source", "pump"}).status == 0);
  BOOST_TEST(admin({"return-to-service", "--source", "pump"}).status == 5);
  std::vector<std::string> actions;
  for (const auto& line : operator_({"log", "-o", "ndjson", "--alert", id}).lines())
    actions.emplace_back(parse(line).at("action").as_string());
  BOOST_TEST(std::count(actions.begin(), actions.end(), "alert_shelve") == 3);  // refused, over, ok
  BOOST_TEST(std::count(actions.begin(), actions.end(), "alert_unshelve") == 2);  // ok, then not found
}

// The notices an operator on the command line must not miss: an escalation and
// a shelf about to end (escalation after 1 s, warning 1 s before the end).
BOOST_AUTO_TEST_CASE(watch_prints_escalations_and_shelves_about_to_end) {
  TempDir dir("alertctl-notices");
  const auto config = dir.path / "relay.json";
  std::ofstream(config) << R"({"escalation":{"policies":{"critical":{"afterSeconds":1}}}})";
  RelayUnderTest relay({"--config", config.string(), "--shelve-warning", "1"});
  const std::string url = "ws://" + relay.http().host + ":" + std::to_string(relay.http().port) + "/ws";
  const auto as = [&](const std::string& token, std::vector<std::string> args) {
    args.insert(args.begin(), {"--url", url, "--token", token});
    return run(args);
  };
  Alertctl watch({"--url", url, "--token", "demo-viewer-token", "watch"});
  BOOST_TEST_REQUIRE(watch.wait_for_error("watching"));
  const Run created = as("demo-admin-token", {"create", "-q", "--priority", "critical", "--source", "drive",
                                              "--message", "Emergency stop", "--title", "E-stop"});
  BOOST_TEST_REQUIRE(created.status == 0, created.err);
  const std::string critical = created.lines().front();
  BOOST_TEST_REQUIRE(watch.wait_for_output("ESCALATED"));
  BOOST_TEST_REQUIRE(watch.wait_for_output("E-stop (critical) " + critical));
  const Run low = as("demo-admin-token", {"create", "-q", "--priority", "low", "--source", "comms", "--message", "m"});
  BOOST_TEST_REQUIRE(low.status == 0, low.err);
  BOOST_TEST(as("demo-operator-token", {"shelve", low.lines().front(), "--for", "2s", "--reason", "known drop-out"})
                 .status == 0);
  BOOST_TEST_REQUIRE(watch.wait_for_output("shelf of " + low.lines().front() + " ends in "));
  BOOST_TEST_REQUIRE(watch.wait_for_output("shelved by oscar: known drop-out)"));
  watch.signal(SIGTERM);
  BOOST_TEST(watch.finish().status == 0);
}

BOOST_FIXTURE_TEST_CASE(watch_prints_changes_live_and_stops_cleanly, Fixture) {
  Alertctl watch({"--url", url, "--token", "demo-viewer-token", "watch", "-o", "ndjson"});
  const std::string before = create("high", "power", "raised before the watch");  // part of the snapshot
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const std::string id = create("medium", "nav", "raised while watching");
  BOOST_TEST_REQUIRE(watch.wait_for_output(id));
  BOOST_TEST(operator_({"ack", id, "-m", "seen"}).status == 0);
  BOOST_TEST_REQUIRE(watch.wait_for_output("\"comment\":\"seen\""));     // the notice, at once
  BOOST_TEST_REQUIRE(watch.wait_for_output("\"ackComment\":\"seen\""));  // the change, in a batch
  watch.signal(SIGTERM);
  const Run r = watch.finish();
  BOOST_TEST(r.status == 0);
  BOOST_TEST(r.err.find("watching") != std::string::npos);
  std::size_t changes = 0;
  for (const auto& line : r.lines()) {
    const json::value m = parse(line);
    if (m.at("type").as_string() == "alert") ++changes;
  }
  BOOST_TEST(changes >= 2u);  // the new alert and its acknowledgement
  (void)before;
}

BOOST_FIXTURE_TEST_CASE(token_from_the_environment_or_an_owner_only_config_file, Fixture) {
  create("low", "s", "m");
  BOOST_TEST(run({"--url", url, "list", "-q"}, {{"ALERT_TOKEN", "demo-viewer-token"}}).lines().size() == 1u);
  BOOST_TEST(run({"list", "-q"}, {{"ALERT_TOKEN", "demo-viewer-token"}, {"ALERT_URL", url}}).status == 0);
  TempDir home("alertctl-home");
  const auto config = home.path / "alertctl" / "config";
  std::filesystem::create_directories(config.parent_path());
  std::ofstream(config) << "# where and who\nurl = " << url << "\ntoken = demo-viewer-token\n";
  ::chmod(config.c_str(), 0600);
  const Run from_file = run({"list", "-q"}, {{"XDG_CONFIG_HOME", home.path.string()}});
  BOOST_TEST(from_file.status == 0, from_file.err);
  BOOST_TEST(from_file.lines().size() == 1u);
  BOOST_TEST(run({"--config", config.string(), "list", "-q"}).status == 0);
  ::chmod(config.c_str(), 0644);  // others may read the token: refused
  const Run exposed = run({"list"}, {{"XDG_CONFIG_HOME", home.path.string()}});
  BOOST_TEST(exposed.status == 2);
  BOOST_TEST(exposed.err.find("chmod 600") != std::string::npos);
  // The command line wins over the file.
  BOOST_TEST(run({"--token", "not-a-token", "--config", config.string(), "list"}).status == 2);  // still exposed
  ::chmod(config.c_str(), 0600);
  BOOST_TEST(run({"--token", "not-a-token", "--config", config.string(), "list"}).status == 3);
}

BOOST_FIXTURE_TEST_CASE(alert_text_cannot_drive_the_terminal, Fixture) {
  const std::string id = create("critical", "drive", "evil \x1b[2J\x1b]0;owned\x07 title\nsecond line \xc2\x9b" "31m");
  for (const char* format : {"table", "wide"}) {
    const Run r = viewer({"list", "-o", format});
    BOOST_TEST(r.out.find('\x1b') == std::string::npos);
    BOOST_TEST(r.out.find('\x07') == std::string::npos);
    BOOST_TEST(r.out.find("\xc2\x9b") == std::string::npos);
    BOOST_TEST(r.out.find("evil \\x1b[2J\\x1b]0;owned\\x07 title\\nsecond line") != std::string::npos, r.out);
    BOOST_TEST(r.lines().size() == 2u);  // the newline did not make a row
  }
  // The whole text, in the wide table's message column.
  BOOST_TEST(viewer({"list", "-o", "wide"}).out.find("second line \\u009b31m") != std::string::npos);
  // JSON keeps the text exactly (escaped the JSON way).
  const json::array all = parse(viewer({"list", "-o", "json"}).out).as_array();
  BOOST_TEST(all[0].at("data").at("message").as_string() == "evil \x1b[2J\x1b]0;owned\x07 title\nsecond line \xc2\x9b" "31m");
  (void)id;
}

BOOST_AUTO_TEST_CASE(help_for_every_command_and_bash_completion) {
  for (const char* command : {"watch", "list", "sync", "ack", "create", "clear", "shelve", "unshelve", "out-of-service",
                              "return-to-service", "stats", "log", "completion", "help"}) {
    const Run r = run({command, "--help"});
    BOOST_TEST(r.status == 0, command);
    const std::string expected = std::string(command) == "help" ? "usage: alertctl [OPTIONS] COMMAND"
                                                                : std::string("usage: alertctl ") + command;
    BOOST_TEST(r.out.find(expected) != std::string::npos, command);
    BOOST_TEST(run({"help", command}).out == r.out, command);
  }
  const Run overview = run({"--help"});
  BOOST_TEST(overview.status == 0);
  BOOST_TEST(overview.out.find("Exit status") != std::string::npos);
  const Run completion = run({"completion", "bash"});
  BOOST_TEST_REQUIRE(completion.status == 0);
  TempDir dir("alertctl-completion");
  std::ofstream(dir.path / "c.bash") << completion.out;
  BOOST_TEST(std::system(("bash -n " + (dir.path / "c.bash").string()).c_str()) == 0);
  BOOST_TEST(completion.out.find("--comment") != std::string::npos);
  BOOST_TEST(completion.out.find("out-of-service") != std::string::npos);
  BOOST_TEST(completion.out.find("complete -F _alertctl alertctl") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
