#pragma once
// The relay's delivery benchmark suite (`alert-bench --suite delivery`): the
// real alert-relay as a child process, its operator clients in another
// (alert-load-clients, so that reading them is not the ceiling), the load
// from an admin client in the bench. Not a test: it measures and reports, it
// asserts nothing.
//
// Every run starts its own relay on a fresh data folder (default options, but
// --rate-limit 1000000/1000000 so the admin's requests are never refused,
// --max-clients of at least clients + 100, and the per-address caps lifted as
// every client comes from 127.0.0.1), waits until every client has
// subscribed, warms up, measures one window, then stops the relay with
// SIGTERM. Figures of the returned object:
//   fanout_deliveries_per_s_1/_10/_100/_1000  changes received by all clients
//        per second while the admin keeps 256 alert_create requests (high,
//        medium, low, info in turn) outstanding; every client subscribed to all
//   fanout_created_per_s_N      alerts the relay answered per second meanwhile
//   fanout_delivered_share_N    deliveries / (created x clients): under 1, the
//                               relay dropped changes for clients behind
//   fanout_resync_required_N    resync_required messages the clients got
//   critical_latency_us_p50/_p99          100 clients, 5000 routine alerts/s, a
//        critical alert every 20 ms on a second admin connection (behind the
//        routine requests on one connection it would time that connection's
//        queue): the send time to each client's read, over every critical sent
//        in the window (the window closes once the relay and the clients are
//        idle again, at most 10 s after the load stops)
//   critical_latency_us_p50_idle/_p99_idle   the same without routine alerts
//   critical_latency_us_p50_10_clients/_p99_10_clients   10 clients, 5000/s
//   critical_latency_us_p50_10_clients_idle/_p99_10_clients_idle   10 clients, no
//        routine alerts: what the 10-client figure would be with nothing to do
//   paced_answered_per_s*      alerts of that paced load the relay answered per second
//   ack_fanout_us_p50/_p99     100 clients: alert_ack sent to each client's read
//                              of the alert_ack notice (150 acks, each 50 ms after
//                              its alert was created and 50 ms before the next),
//                              after 5 warm-up acks that are not timed (the other
//                              runs warm up for 1 s);
//   ack_fanout_us_max_warmup   the slowest read of those warm-up acks
//   relay_urgent_wait_us_p50/_p99 + the latency run's suffix (_ack for the ack
//        run)   the relay's own share: how long urgent messages (the criticals or
//        notices, and the answers to the load's requests) waited in its client
//        queues for their writes (delivery_urgent_wait_seconds on its /metrics,
//        estimated within the histogram's buckets)
//   loopback_floor_us_p50/_p99 _100, _100_2_senders, _10   the host's floor
//        under those figures, with no relay (alert-loopback-floor): a stamped
//        message from a trigger process to a forwarder that writes it to 100 (or
//        10) loopback TCP connections at once, from one thread (or two), read by
//        another process on one thread; 300 rounds 20 ms apart (60 when quick)
//   loopback_floor_us_p50/_p99_100_websocket   the same to 100 connections as
//        WebSocket frames, Beast at both ends: a forwarder that does nothing else
//   cpus_pinned, relay_cpu, clients_cpu   whether the relay and the clients ran
//                              on CPUs of their own (--cpus split), and which
//   PREFIX_max, PREFIX_samples, PREFIX_expected_samples   beside each latency
//        figure: its slowest sample, the samples, and the deliveries there should
//        have been (criticals or acks sent x clients). A delivery that never
//        arrived counts as slower than all: a percentile among those is null
//   relay_rss_mb, relay_cpu_share   at the end of / over the largest fan-out
//                              run measured (VmRSS; CPU seconds over wall seconds)
//   load_clients_cpu_share_RUN, relay_cpu_share_RUN, relay_rss_mb_RUN,
//   bench_cpu_share_RUN (the admins' process)   for every run
//   RUN_note                   why a run's figures are null (it could not be set
//                              up: e.g. clients refused) or deliveries are missing
//   RUN_client_closes          connections the relay closed during the window, by reason
//   runs_failed                the runs that could not be set up or whose relay
//                              did not exit cleanly (absent when every run did)
// Runs warm up 1 s and measure 3 s, the latency runs 10 s (a p99 of a few
// hundred criticals, not of the slowest one or two); `quick` (a smoke check,
// figures less stable) 0.3 s and 1 s, and 10 acks after 2 warm-up ones.

#include <boost/json/object.hpp>

#include <string_view>

namespace rover_alerts::bench {

// Where the bench's processes run. Split (the default when this process may
// use two CPUs or more): the relay (and the floor's forwarder) on one CPU
// alone, the clients' process (and the floor's reader) on another alone, as
// screens on other machines never take the relay's CPU; the bench itself (the
// admins that create and acknowledge alerts) runs anywhere. -1: where the
// scheduler puts them.
struct Placement {
  int relay = -1;
  int clients = -1;  // alert-load-clients, and alert-loopback-floor's reader
  bool split() const { return relay >= 0; }
};

// `only`: the one run to do (fanout_N, critical_100, critical_100_idle,
// critical_10, critical_10_idle, ack_fanout, stalled_client, loopback_floor, encodings), for
// profiling; empty: every run.
boost::json::object run_delivery_suite(bool quick, std::string_view only = {}, Placement placement = {});

}  // namespace rover_alerts::bench
