// The ground client library against the real relay: alerts and acks, a
// restart (same epoch: resync from its rev), a crash (new epoch: the cache is
// discarded), acks queued while the relay is down, every encoding it can
// negotiate, TLS with certificate checks, a refused token.

#include "support/relay_process.hpp"
#include "support/self_signed_certificate.hpp"
#include "support/temp_dir.hpp"

#include <rover_alerts/ground/alert_client.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <tuple>

namespace json = boost::json;
using namespace rover_alerts::ground;
using namespace rover_alerts::testing;
using namespace std::chrono_literals;

namespace {

// An io_context that test steps run until a condition holds.
struct Loop {
  boost::asio::io_context io;
  bool run_until(const std::function<bool()>& done, std::chrono::milliseconds limit = 15s) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      io.restart();
      io.run_for(10ms);
    }
    return true;
  }
};

ClientConfig config_for(const Endpoint& at, const std::string& token) {
  ClientConfig c;
  c.url = "ws://" + at.host + ":" + std::to_string(at.port) + "/ws";
  c.token = token;
  c.retry_backoff = 200ms;  // the tests wait for reconnects
  c.max_backoff = 1000ms;
  c.auto_acknowledge_info = false;
  return c;
}

// What a cache holds, comparable across clients: id -> (rev, state, acknowledged).
using Snapshot = std::map<std::string, std::tuple<std::uint64_t, std::string, bool>>;
Snapshot snapshot(const AlertCache& cache) {
  Snapshot out;
  cache.for_each([&](const Alert& a) { out[a.id()] = {a.rev(), std::string(a.state()), a.acknowledged()}; });
  return out;
}

// A client that records what it was told.
struct Watcher {
  Loop& loop;
  std::vector<SyncComplete> syncs;
  std::vector<AckOutcome> acks;
  std::vector<AckNotice> notices;
  std::vector<std::string> states;
  AlertClient client;

  Watcher(Loop& l, ClientConfig config)
      : loop(l),
        client(l.io, std::move(config),
               ClientEvents{nullptr, [this](const AckNotice& n) { notices.push_back(n); },
                            [this](const SyncComplete& s) { syncs.push_back(s); },
                            [this](ConnectionState s, std::string_view why) {
                              states.push_back(std::string(connection_state_name(s)) + ": " + std::string(why));
                            },
                            [this](const AckOutcome& o) { acks.push_back(o); }, nullptr, nullptr}) {
    client.start();
  }
  bool synced(std::size_t count = 1) {
    return loop.run_until([&] { return syncs.size() >= count && client.state() == ConnectionState::Synced; });
  }
};

// Sends one request and waits for its answer.
Reply ask(Loop& loop, AlertClient& client, json::object request) {
  std::optional<Reply> reply;
  client.request(std::move(request), [&](const Reply& r) { reply = r; });
  BOOST_REQUIRE_MESSAGE(loop.run_until([&] { return reply.has_value(); }), "no answer");
  return *reply;
}

std::string create(Loop& loop, AlertClient& admin, const std::string& priority, const std::string& source,
                   const std::string& message) {
  const Reply r = ask(loop, admin,
                      json::object{{"type", "alert_create"}, {"priority", priority}, {"source", source},
                                   {"message", message}, {"title", message}});
  BOOST_REQUIRE_MESSAGE(r.ok, r.code << " " << r.message);
  return std::string(r.result.at("alertId").as_string());
}

// The relay's state as a fresh JSON client sees it.
Snapshot reference(Loop& loop, const Endpoint& at) {
  Watcher fresh(loop, config_for(at, "demo-viewer-token"));
  BOOST_REQUIRE(fresh.synced());
  return snapshot(fresh.client.alerts());
}

ClientConfig admin_config(const Endpoint& at) {
  ClientConfig c = config_for(at, "demo-admin-token");
  c.subscribe = false;
  return c;
}

RelayProcess restart_on(const TempDir& data, const Endpoint& http) {
  return start_relay(data.path, 0, 10000, {"--listen", http.host + ":" + std::to_string(http.port)});
}

// Waits for `watcher` to sync, has an admin raise `messages` (high priority)
// and waits until the watcher holds them; returns their ids.
std::vector<std::string> raise_and_see(Loop& loop, Watcher& watcher, const Endpoint& at,
                                       const std::vector<std::string>& messages) {
  Watcher admin(loop, admin_config(at));
  BOOST_REQUIRE(watcher.synced());
  std::vector<std::string> ids;
  for (const std::string& m : messages) ids.push_back(create(loop, admin.client, "high", m, m));
  BOOST_REQUIRE(loop.run_until([&] { return watcher.client.alerts().size() == messages.size(); }));
  return ids;
}

// A graceful stop (SIGTERM): the epoch stays. Returns once the watcher noticed.
void stop_gracefully(Loop& loop, RelayProcess& relay, Watcher& watcher) {
  relay.process->signal(SIGTERM);
  BOOST_REQUIRE(relay.process->wait_exit(10000) != -1);
  BOOST_REQUIRE(loop.run_until([&] { return watcher.client.state() == ConnectionState::Reconnecting; }));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(ground_client)

BOOST_AUTO_TEST_CASE(a_client_gets_alerts_and_acks_them) {
  TempDir data("client-basic");
  RelayProcess relay = start_relay(data.path, 0);
  Loop loop;
  Watcher admin(loop, admin_config(relay.http));
  ClientConfig operator_config = config_for(relay.http, "demo-operator-token");
  operator_config.auto_acknowledge_info = true;  // the seed's default
  Watcher operator_(loop, operator_config);
  BOOST_REQUIRE(operator_.synced());
  BOOST_TEST(operator_.client.identity().user == "oscar");
  BOOST_TEST(operator_.client.identity().role == "operator");
  const std::string critical = create(loop, admin.client, "critical", "power", "E-stop");
  create(loop, admin.client, "high", "power", "Battery low");
  create(loop, admin.client, "low", "nav", "Waypoint");
  create(loop, admin.client, "info", "nav", "Odometry reset");
  BOOST_REQUIRE(loop.run_until([&] { return operator_.client.alerts().size() == 4; }));
  BOOST_TEST((operator_.client.alerts().find(critical)->priority() == Priority::Critical));
  BOOST_TEST(operator_.client.status().unacknowledged == 3u);  // info owes none

  operator_.client.acknowledge(critical);
  BOOST_REQUIRE(loop.run_until([&] { return !operator_.acks.empty(); }));
  BOOST_TEST(operator_.acks[0].ok);
  BOOST_TEST(operator_.acks[0].attempts == 1);
  BOOST_REQUIRE(loop.run_until([&] { return operator_.client.alerts().find(critical)->acknowledged(); }));
  BOOST_TEST(operator_.client.alerts().find(critical)->acknowledged_by() == "oscar");
  BOOST_REQUIRE(loop.run_until([&] { return !operator_.notices.empty(); }));
  BOOST_TEST(operator_.notices[0].alert_id == critical);

  const ClientStatus status = operator_.client.status();
  BOOST_TEST(status.metrics.success_rate == 1.0);
  BOOST_TEST(status.queue_sizes.outgoing == 0u);
  BOOST_TEST(status.counters.decode_errors == 0u);
  const json::value exported = json::parse(operator_.client.export_metrics());
  BOOST_TEST(exported.at("queueSizes").at("acknowledgments").as_int64() == 0);
  BOOST_TEST(exported.at("state").as_string() == "synced");
  BOOST_TEST(exported.at("alerts").as_int64() == 4);
  BOOST_TEST(exported.at("unacknowledged").as_int64() == 2);
}

BOOST_AUTO_TEST_CASE(after_a_restart_it_reconnects_and_resyncs_from_its_rev) {
  TempDir data("client-restart");
  RelayProcess relay = start_relay(data.path, 0);
  const Endpoint http = relay.http;
  Loop loop;
  ClientConfig slow = config_for(http, "demo-operator-token");
  slow.retry_backoff = 1500ms;  // back after the admin below has made its changes
  Watcher watcher(loop, slow);
  raise_and_see(loop, watcher, http, {"power", "comms"});
  const std::string epoch = watcher.client.status().epoch;
  stop_gracefully(loop, relay, watcher);

  relay = restart_on(data, http);
  Watcher admin(loop, admin_config(http));
  create(loop, admin.client, "high", "power", "after 1");
  create(loop, admin.client, "critical", "power", "after 2");
  BOOST_REQUIRE(ask(loop, admin.client, json::object{{"type", "alert_clear"}, {"source", "comms"}}).ok);

  BOOST_REQUIRE(watcher.synced(2));
  const SyncComplete& resync = watcher.syncs.back();
  BOOST_TEST(resync.reconnect);
  BOOST_TEST(!resync.reset);                 // same epoch: only what changed came
  BOOST_TEST(resync.recovered == 3u);        // two new, one cleared
  BOOST_TEST(watcher.client.status().epoch == epoch);
  BOOST_TEST(watcher.client.status().counters.reconnects == 1u);
  BOOST_TEST(watcher.client.alerts().size() == 3u);
  BOOST_TEST((snapshot(watcher.client.alerts()) == reference(loop, http)));
}

BOOST_AUTO_TEST_CASE(after_a_crash_a_new_epoch_discards_the_cache_and_resyncs_in_full) {
  TempDir data("client-crash");
  RelayProcess relay = start_relay(data.path, 0);
  const Endpoint http = relay.http;
  Loop loop;
  Watcher watcher(loop, config_for(http, "demo-viewer-token"));
  raise_and_see(loop, watcher, http, {"kept"});
  const std::string epoch = watcher.client.status().epoch;
  kill_hard(relay);
  relay = restart_on(data, http);
  BOOST_REQUIRE(watcher.synced(2));
  BOOST_TEST(watcher.syncs.back().reset);
  BOOST_TEST(watcher.client.status().epoch != epoch);
  BOOST_TEST((snapshot(watcher.client.alerts()) == reference(loop, http)));
}

BOOST_AUTO_TEST_CASE(acks_made_while_disconnected_go_out_after_the_reconnect) {
  TempDir data("client-acks");
  RelayProcess relay = start_relay(data.path, 0);
  const Endpoint http = relay.http;
  Loop loop;
  Watcher watcher(loop, config_for(http, "demo-operator-token"));
  const std::string id = raise_and_see(loop, watcher, http, {"ack me later"}).front();
  stop_gracefully(loop, relay, watcher);
  watcher.client.acknowledge(id);
  BOOST_TEST(watcher.client.status().queue_sizes.outgoing == 1u);
  loop.run_until([] { return false; }, 300ms);
  BOOST_TEST(watcher.acks.empty());  // waits, neither sent nor failed

  relay = restart_on(data, http);
  BOOST_REQUIRE(loop.run_until([&] { return !watcher.acks.empty(); }));
  BOOST_TEST(watcher.acks[0].ok);
  BOOST_TEST(watcher.acks[0].alert_id == id);
  BOOST_TEST(watcher.client.status().queue_sizes.outgoing == 0u);
  BOOST_REQUIRE(loop.run_until([&] { return watcher.client.alerts().find(id)->acknowledged(); }));
  BOOST_TEST(std::get<2>(reference(loop, http).at(id)));  // the relay has it
}

BOOST_AUTO_TEST_CASE(an_ack_of_an_unknown_alert_fails_at_once_and_a_full_queue_refuses) {
  TempDir data("client-ack-errors");
  RelayProcess relay = start_relay(data.path, 0);
  Loop loop;
  Watcher watcher(loop, config_for(relay.http, "demo-operator-token"));
  BOOST_REQUIRE(watcher.synced());
  watcher.client.acknowledge("no-such-alert");
  BOOST_REQUIRE(loop.run_until([&] { return !watcher.acks.empty(); }));
  BOOST_TEST(!watcher.acks[0].ok);
  BOOST_TEST(watcher.acks[0].code == "NOT_FOUND");
  BOOST_TEST(watcher.acks[0].attempts == 1);
  BOOST_TEST(watcher.client.status().metrics.success_rate == 0.0);

  // Nobody listens here: acks wait, up to the bound.
  ClientConfig offline = config_for(Endpoint{"127.0.0.1", 1}, "demo-operator-token");
  offline.max_pending_acks = 2;
  Watcher lonely(loop, offline);
  for (const char* id : {"a", "b", "c"}) lonely.client.acknowledge(id);
  BOOST_REQUIRE_EQUAL(lonely.acks.size(), 1u);
  BOOST_TEST(lonely.acks[0].alert_id == "c");
  BOOST_TEST(lonely.acks[0].code == "QUEUE_FULL");
  BOOST_TEST(lonely.client.status().queue_sizes.outgoing == 2u);
}

BOOST_AUTO_TEST_CASE(every_encoding_it_negotiates_yields_the_same_state) {
  TempDir data("client-encodings");
  RelayProcess relay = start_relay(data.path, 0);
  Loop loop;
  struct Variant {
    const char* name;
    Encoding encoding;
    Compression compression;
    bool delta, deflate;
    bool binary;  // binary frames expected
  };
  const Variant variants[] = {
      {"json", Encoding::Json, Compression::None, false, true, false},
      {"json, no deflate", Encoding::Json, Compression::None, false, false, false},
      {"json + lz4", Encoding::Json, Compression::Lz4, false, true, true},
      {"json + delta", Encoding::Json, Compression::None, true, true, false},
      {"flatbuffers", Encoding::FlatBuffers, Compression::None, false, true, true},
      {"flatbuffers + lz4", Encoding::FlatBuffers, Compression::Lz4, false, false, true},
  };
  std::vector<std::unique_ptr<Watcher>> watchers;
  for (const Variant& v : variants) {
    ClientConfig c = config_for(relay.http, "demo-viewer-token");
    c.encoding = v.encoding;
    c.compression = v.compression;
    c.compression_threshold = 256;
    c.delta = v.delta;
    c.deflate = v.deflate;
    c.adaptive_batching = false;
    c.batch_size = 100;
    c.batch_timeout = 50ms;
    watchers.push_back(std::make_unique<Watcher>(loop, c));
  }
  for (auto& w : watchers) BOOST_REQUIRE(w->synced());
  Watcher admin(loop, admin_config(relay.http));
  const char* priorities[] = {"critical", "high", "medium", "low", "info"};
  std::vector<std::string> ids;
  for (int i = 0; i < 60; ++i)
    ids.push_back(create(loop, admin.client, priorities[i % 5], i % 3 == 0 ? "comms" : "power",
                         "alert number " + std::to_string(i) + " with a message long enough to compress"));
  Watcher operator_(loop, config_for(relay.http, "demo-operator-token"));
  BOOST_REQUIRE(operator_.synced());
  for (int i = 1; i < 60; i += 4) operator_.client.acknowledge(ids[i]);  // updates: deltas for the delta client
  BOOST_REQUIRE(loop.run_until([&] { return operator_.acks.size() == 15; }));
  BOOST_REQUIRE(ask(loop, admin.client, json::object{{"type", "alert_clear"}, {"source", "comms"}}).ok);

  const Snapshot expected = reference(loop, relay.http);
  BOOST_TEST(expected.size() == 40u);
  for (std::size_t i = 0; i < std::size(variants); ++i) {
    BOOST_TEST_CONTEXT(variants[i].name) {
      AlertClient& c = watchers[i]->client;
      BOOST_TEST(loop.run_until([&] { return snapshot(c.alerts()) == expected; }));
      BOOST_TEST(c.status().counters.decode_errors == 0u);
      BOOST_TEST(c.status().counters.delta_misses == 0u);
      BOOST_TEST((c.status().counters.binary_messages > 0) == variants[i].binary);
    }
  }
}

BOOST_AUTO_TEST_CASE(over_tls_it_verifies_the_relay_certificate) {
  SelfSignedCertificate certificate;
  TempDir data("client-tls");
  RelayProcess relay =
      start_relay(data.path, 0, 10000, {"--tls-cert", certificate.cert.string(), "--tls-key", certificate.key.string()});
  Loop loop;
  ClientConfig trusted = config_for(relay.http, "demo-viewer-token");
  trusted.url = "wss://127.0.0.1:" + std::to_string(relay.http.port) + "/ws";
  trusted.ca_file = certificate.cert.string();
  Watcher good(loop, trusted);
  BOOST_TEST(good.synced());

  ClientConfig untrusted = trusted;
  untrusted.ca_file.clear();  // the system's roots do not know this certificate
  untrusted.max_connect_attempts = 1;
  Watcher refused(loop, untrusted);
  BOOST_REQUIRE(loop.run_until([&] { return refused.client.state() == ConnectionState::Stopped; }));
  BOOST_TEST(refused.client.status().last_error.find("certificate") != std::string::npos,
             refused.client.status().last_error);
}

BOOST_AUTO_TEST_CASE(a_refused_token_stops_the_client_with_its_reason) {
  TempDir data("client-token");
  RelayProcess relay = start_relay(data.path, 0);
  Loop loop;
  Watcher watcher(loop, config_for(relay.http, "not-a-token-of-this-relay"));
  BOOST_REQUIRE(loop.run_until([&] { return watcher.client.state() == ConnectionState::Stopped; }));
  BOOST_TEST(watcher.client.status().last_error.find("401") != std::string::npos);
  BOOST_TEST(watcher.client.status().counters.connects == 1u);  // no retry can change a bad token
}

BOOST_AUTO_TEST_SUITE_END()
