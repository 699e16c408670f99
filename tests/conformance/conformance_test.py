#!/usr/bin/python3
"""Black-box conformance test of the relay's JSON WebSocket protocol.

Starts the real alert-relay and rover-sim, drives the protocol as each role
(admin, operator, viewer) and validates EVERY message the relay sends against
schemas/protocol/server-message.schema.json (and every message this client
sends against client-message.schema.json, so the test itself speaks the
contract). Any schema violation or wrong behaviour fails the test.

usage: conformance_test.py --relay PATH --rover-sim PATH --tokens FILE --schemas DIR
Runs under Debian's /usr/bin/python3 (python3-websockets, python3-jsonschema,
python3-lz4).
"""
import argparse
import asyncio
import collections
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile

import jsonschema
import lz4.frame
import websockets

TIMEOUT = 10


class Contract:
    def __init__(self, schema_dir):
        store = {}
        for name in os.listdir(schema_dir):
            if name.endswith(".schema.json"):
                with open(os.path.join(schema_dir, name)) as f:
                    schema = json.load(f)
                store[schema["$id"]] = schema
        base = next(iter(store))[: -len(next(iter(store)).split("/")[-1])]

        def validator(name):
            schema = store[base + name]
            resolver = jsonschema.RefResolver(base_uri=schema["$id"], referrer=schema, store=store)
            return jsonschema.Draft202012Validator(schema, resolver=resolver)

        self.client = validator("client-message.schema.json")
        self.server = validator("server-message.schema.json")
        self.stats_result = validator("get_stats_result.schema.json")
        self.audit_result = validator("audit_query_result.schema.json")
        self.suppression_result = validator("suppression_list_result.schema.json")
        self.validated = 0

    def check(self, validator, message, direction):
        errors = sorted(validator.iter_errors(message), key=lambda e: e.path)
        if errors:
            best = jsonschema.exceptions.best_match(errors)
            raise AssertionError(f"{direction} message violates the schema: {best.message}\n  {json.dumps(message)}")
        self.validated += 1


class Client:
    """One WebSocket connection; every message in either direction is checked."""

    def __init__(self, contract, url, name, receive_buffer=None):
        self.contract, self.url, self.name = contract, url, name
        self.receive_buffer = receive_buffer  # bytes: a fixed, small socket buffer (no autotuning)
        self.inbox = []
        self.pending = collections.deque()
        self.timeout = TIMEOUT  # seconds to wait for the next message
        self.seen_types = set()

    async def __aenter__(self):
        # A small queue: a client that stops reading soon stops the relay's writes.
        sock = None
        if self.receive_buffer:
            host, port = self.url.split("/")[2].rsplit(":", 1)
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, self.receive_buffer)
            sock.connect((host, int(port)))
        # No client keepalive: a client made to stop reading would miss its own
        # pongs and close itself (1011) once a slow host makes a scenario outlast
        # the ping timeout (20 s). Finding dead peers is the relay's pings' job.
        self.ws = await websockets.connect(self.url, max_size=16 * 1024 * 1024, max_queue=4, sock=sock,
                                           ping_interval=None)
        self.binary_frames = 0
        return self

    async def __aexit__(self, *exc):
        await self.ws.close()

    async def send(self, message, validate=True):
        if validate:
            self.contract.check(self.contract.client, message, "client")
        await self.ws.send(json.dumps(message))

    async def recv(self):
        """The next message; each change of an alert_batch comes as an `alert` of its own."""
        if self.pending:
            return self.pending.popleft()
        raw = await asyncio.wait_for(self.ws.recv(), self.timeout)
        if isinstance(raw, bytes):
            # Binary: only an lz4 subscription's batches, in the LZ4 frame format.
            check(raw[:4] == b"\x04\x22\x4d\x18", f"{self.name}: a binary frame that is not an LZ4 frame")
            raw = lz4.frame.decompress(raw)
            self.binary_frames += 1
        message = json.loads(raw)
        self.contract.check(self.contract.server, message, f"relay->{self.name}")
        self.seen_types.add(message["type"])
        if message["type"] == "alert_batch":
            changes = [{"type": "alert", "data": change} for change in message["data"]]
            check(changes, "an alert_batch carries at least one change")
            self.pending.extend(changes[1:])
            return changes[0]
        return message

    async def expect(self, predicate, what):
        """Reads until a message matches; earlier ones are kept in the inbox."""
        for i, m in enumerate(self.inbox):
            if predicate(m):
                return self.inbox.pop(i)
        while True:
            try:
                m = await self.recv()
            except asyncio.TimeoutError:
                raise AssertionError(f"{self.name}: timed out waiting for {what}")
            if predicate(m):
                return m
            self.inbox.append(m)

    async def request(self, message, validate=True):
        await self.send(message, validate)
        rid = message["reqId"]
        return await self.expect(lambda m: m.get("type") == "response" and m.get("reqId") == rid,
                                 f"response {rid}")

    async def login(self, token):
        await self.send({"type": "auth", "token": token})
        welcome = await self.expect(lambda m: m["type"] in ("welcome", "error"), "welcome")
        assert welcome["type"] == "welcome", welcome
        return welcome


def check(condition, message):
    if not condition:
        raise AssertionError(message)


def alerts_in(messages):
    return [m["data"] for m in messages if m["type"] == "alert"]


async def scenario(contract, http, link, rover_sim):
    url = f"ws://{http}/ws"
    async with Client(contract, url, "viewer") as viewer, \
            Client(contract, url, "operator") as operator, \
            Client(contract, url, "admin") as admin, \
            Client(contract, url, "delta") as delta:
        w = await viewer.login("demo-viewer-token")
        check(w["user"] == "vera" and w["role"] == "viewer", w)
        check("alert_ack" in w["may"] and "alert_clear" not in w["may"] and "alert_create" not in w["may"], w)
        epoch = w["epoch"]
        await operator.login("demo-operator-token")
        a = await admin.login("demo-admin-token")
        check(set(a["may"]) == {"alert_subscribe", "alert_sync", "get_stats", "alert_ack", "alert_clear",
                                "alert_create", "audit_query", "alert_shelve", "alert_unshelve", "out_of_service",
                                "return_to_service", "suppression_list"}, a)
        check(a["epoch"] == epoch, "one store, one epoch")

        for c in (viewer, operator, admin):
            r = await c.request({"type": "alert_subscribe", "reqId": "sub"})
            check(r["ok"], r)
        # A viewer that asked for delta updates.
        await delta.login("demo-viewer-token")
        r = await delta.request({"type": "alert_subscribe", "reqId": "sub", "delta": True, "compression": "lz4",
                                 "compressionThreshold": 256})
        check(r["ok"], r)

        # Five rover alerts reach every subscriber, ordered by rev.
        sim = subprocess.run([rover_sim, "--relay", link, "--rover-id", "rover-c", "--key-file", ROVER_KEY_FILE,
                              "--rate", "100", "--count", "5"],
                             capture_output=True, text=True, timeout=60)
        check(sim.returncode == 0, f"rover-sim failed: {sim.stdout}{sim.stderr}")
        for c in (viewer, operator, admin):
            got = []
            while len(got) < 5:
                got.append((await c.expect(lambda m: m["type"] == "alert", "alert"))["data"])
            revs = [g["rev"] for g in got]
            check(revs == sorted(revs), f"{c.name}: alerts out of rev order {revs}")
        battery = next(g for g in got if g["data"]["key"] == "power/battery-low")

        # Viewers may not create or clear.
        r = await viewer.request({"type": "alert_create", "reqId": "v-create", "message": "x", "priority": "low",
                                  "source": "ground"})
        check(not r["ok"] and r["error"]["code"] == "FORBIDDEN", r)
        r = await viewer.request({"type": "alert_clear", "reqId": "v-clear", "source": "comms"})
        check(not r["ok"] and r["error"]["code"] == "FORBIDDEN", r)
        r = await operator.request({"type": "alert_create", "reqId": "o-create", "message": "x",
                                    "priority": "low", "source": "ground"})
        check(not r["ok"] and r["error"]["code"] == "FORBIDDEN", r)

        # An operator acks with a comment; the relay records the authenticated user, not a
        # claimed name, and every subscriber learns of it, comment included.
        r = await operator.request({"type": "alert_ack", "reqId": "ack-0", "alertId": battery["id"],
                                    "comment": "x" * 257}, validate=False)  # over the contract on purpose
        check(not r["ok"] and r["error"]["code"] == "TOO_LARGE", r)
        r = await operator.request({"type": "alert_ack", "reqId": "ack-1", "alertId": battery["id"],
                                    "acknowledgedBy": "mallory", "comment": "rerouting to base"})
        check(r["ok"] and r["result"]["comment"] == "rerouting to base", r)
        for c in (viewer, admin):
            notice = await c.expect(lambda m: m["type"] == "alert_ack" and m["alertId"] == battery["id"], "ack notice")
            check(notice["acknowledgedBy"] == "oscar" and notice["comment"] == "rerouting to base", notice)
            upd = await c.expect(lambda m: m["type"] == "alert" and m["data"]["id"] == battery["id"], "ack update")
            check(upd["data"]["data"]["acknowledged"] and upd["data"]["data"]["state"] == "active_acked", upd)
            check(upd["data"]["data"]["ackComment"] == "rerouting to base", upd)
        # The delta subscriber gets the same update as only what changed, on the rev it had.
        upd = (await delta.expect(lambda m: m["type"] == "alert" and m["data"]["id"] == battery["id"]
                                  and m["data"]["rev"] > battery["rev"], "delta update"))["data"]
        check(upd.get("delta") is True and upd["type"] == "update" and upd["baseRev"] == battery["rev"], upd)
        check(upd["data"]["acknowledged"] and upd["data"]["state"] == "active_acked", upd)
        check(upd["data"]["acknowledgedBy"] == "oscar" and "acknowledgedAt" in upd["data"], upd)
        check(upd["data"]["ackComment"] == "rerouting to base", upd)
        check("message" not in upd["data"] and "source" not in upd["data"], f"unchanged fields in a delta: {upd}")
        # Acking again is still a success (idempotent), by a viewer too; last writer wins,
        # so its (absent) comment replaces the operator's.
        r = await viewer.request({"type": "alert_ack", "reqId": "ack-2", "alertId": battery["id"]})
        check(r["ok"] and "comment" not in r["result"], r)
        r = await viewer.request({"type": "alert_ack", "reqId": "ack-3", "alertId": "no-such-alert"})
        check(not r["ok"] and r["error"]["code"] == "NOT_FOUND", r)

        # An admin creates a ground alert; everyone sees it.
        r = await admin.request({"type": "alert_create", "reqId": "create-1", "title": "Dust storm",
                                 "message": "Dust storm approaching from the west", "priority": "high",
                                 "source": "ground-weather", "groupId": "weather", "persistent": True,
                                 "metadata": {"windKph": 80}})
        check(r["ok"], r)
        created = await viewer.expect(lambda m: m["type"] == "alert" and m["data"]["data"]["source"] == "ground-weather",
                                      "created alert")
        check(created["data"]["type"] == "new" and created["data"]["priority"] == "high", created)

        # Stats.
        r = await viewer.request({"type": "get_stats", "reqId": "stats"})
        check(r["ok"], r)
        stats = r["result"]
        contract.check(contract.stats_result, stats, "stats result")
        check(stats["active_alerts"] == 6, stats)
        check(stats["subscribed_clients"] == 4, stats)
        check(stats["alerts_by_priority"]["high"] == 2, stats)
        check(stats["delivery"]["subscribers"] == 4, stats)
        check(stats["delivery"]["messages"]["urgent"] > 0, stats)
        check(stats["connection"]["batchSize"] >= 10, stats)

        # Sync in pages of two from the start: the union is the current state.
        seen, since, pages = {}, 0, 0
        while True:
            r = await viewer.request({"type": "alert_sync", "reqId": f"sync-{pages}", "sinceRev": since,
                                      "maxCount": 2, "includeAcknowledged": True})
            check(r["ok"], r)
            res = r["result"]
            contract.check(contract.server, {"type": "alert_sync", **res}, "sync result")
            check(res["epoch"] == epoch, res)
            check(len(res["alerts"]) <= 2, res)
            for change in res["alerts"]:
                seen[change["id"]] = change
            since, pages = res["rev"], pages + 1
            if not res["more"]:
                break
        check(pages >= 3, f"paging did not page: {pages}")
        check(len([c for c in seen.values() if c["type"] != "remove"]) == 6, list(seen))

        # An operator clears by source; the count comes back, subscribers see the removal.
        r = await operator.request({"type": "alert_clear", "reqId": "clear-1", "source": "comms"})
        check(r["ok"] and r["result"]["cleared"] == 1, r)
        gone = await viewer.expect(lambda m: m["type"] == "alert" and m["data"]["data"]["source"] == "comms"
                                   and m["data"]["type"] in ("clear", "remove"), "clear")
        check(gone["data"]["data"]["state"] == "removed", gone)

        # Errors have stable codes and keep the session open (these requests break
        # the contract on purpose, so they are not validated on the way out).
        r = await viewer.request({"type": "no_such_type", "reqId": "bad-1"}, validate=False)
        check(not r["ok"] and r["error"]["code"] == "BAD_REQUEST", r)
        await viewer.ws.send("{not json")
        e = await viewer.expect(lambda m: m["type"] == "error", "parse error")
        check(e["error"]["code"] == "BAD_REQUEST", e)
        r = await viewer.request({"type": "alert_sync", "reqId": "bad-2", "maxCount": "many"}, validate=False)
        check(not r["ok"] and r["error"]["code"] == "BAD_REQUEST", r)
        r = await viewer.request({"type": "get_stats", "reqId": "still-open"})
        check(r["ok"], r)

        # Routine changes came batched, and the subscription said when its catch-up was done.
        check("alert_batch" in viewer.seen_types, f"no alert_batch seen: {viewer.seen_types}")
        check("catch_up_complete" in viewer.seen_types, f"no catch_up_complete seen: {viewer.seen_types}")
        # The lz4 subscriber's batches came as binary LZ4 frames, valid once decoded.
        check(delta.binary_frames > 0, "no binary frame reached the lz4 subscriber")

    # No token, no access.
    async with Client(contract, url, "stranger") as stranger:
        await stranger.send({"type": "auth", "token": "wrong"})
        e = await stranger.expect(lambda m: m["type"] in ("error", "response"), "auth failure")
        check(e["error"]["code"] == "UNAUTHENTICATED", e)
    async with Client(contract, url, "skipper") as skipper:
        await skipper.send({"type": "get_stats", "reqId": "early"})
        e = await skipper.expect(lambda m: m["type"] in ("error", "response"), "auth required")
        check(e["error"]["code"] == "UNAUTHENTICATED", e)

    # The audit trail has every action above, refused ones included, and only
    # operators and admins may read it.
    async with Client(contract, url, "auditor") as auditor:
        w = await auditor.login("demo-operator-token")
        check("audit_query" in w["may"], w)
        entries, after = [], 0
        while True:
            r = await auditor.request({"type": "audit_query", "reqId": f"audit-{after}", "after": after,
                                       "maxCount": 5})
            check(r["ok"], r)
            contract.check(contract.audit_result, r["result"], "audit_query result")
            entries += r["result"]["entries"]
            if not r["result"]["more"]:
                break
            after = r["result"]["entries"][-1]["seq"]
        seqs = [e["seq"] for e in entries]
        check(seqs == sorted(seqs) and len(set(seqs)) == len(seqs), f"audit pages overlap or are out of order: {seqs}")
        def has(**want):
            return any(all(e.get(k) == v for k, v in want.items()) for e in entries)
        check(has(action="alert_ack", user="oscar", outcome="ok", detail="rerouting to base"), entries)
        check(has(action="alert_ack", user="vera", outcome="not_found", alertId="no-such-alert"), entries)
        check(has(action="alert_clear", user="vera", role="viewer", outcome="refused"), entries)
        check(has(action="alert_create", user="oscar", outcome="refused"), entries)
        check(has(action="alert_create", user="ada", outcome="ok"), entries)
        check(has(action="alert_clear", user="oscar", outcome="ok"), entries)
        check(has(action="auth", user="", outcome="refused", detail="unknown token"), entries)
        check(all(e["address"] == "127.0.0.1" for e in entries), entries)
        r = await auditor.request({"type": "audit_query", "reqId": "audit-by-user", "user": "ada",
                                   "action": "alert_create"})
        check(r["result"]["entries"] and all(e["user"] == "ada" and e["action"] == "alert_create"
                                             for e in r["result"]["entries"]), r)
        r = await viewer_only_query(contract, url)
        check(not r["ok"] and r["error"]["code"] == "FORBIDDEN", r)


async def viewer_only_query(contract, url):
    async with Client(contract, url, "viewer-auditor") as v:
        await v.login("demo-viewer-token")
        return await v.request({"type": "audit_query", "reqId": "v-audit"})


async def flood_scenario(contract, http, link, rover_sim):
    """A flood raised by rover-sim turns the flood state on at the configured
    threshold (with its first-out alarm), for every client whatever its filter,
    and off once the window holds fewer than the end threshold."""
    url = f"ws://{http}/ws"
    async with Client(contract, url, "viewer") as viewer:
        viewer.timeout = 15
        await viewer.login("demo-viewer-token")
        r = await viewer.request({"type": "alert_subscribe", "reqId": "sub", "priorities": ["critical"]})
        check(r["ok"], r)
        r = await viewer.request({"type": "get_stats", "reqId": "st-0"})
        check(not r["result"]["alarms"]["flood"]["active"] and r["result"]["alarms"]["flood"]["start"] == 10, r)
        sim = subprocess.run([rover_sim, "--relay", link, "--rover-id", "rover-c", "--key-file", ROVER_KEY_FILE,
                              "--rate", "200", "--count", "30", "--distinct-keys"],
                             capture_output=True, text=True, timeout=60)
        check(sim.returncode == 0, f"rover-sim failed: {sim.stdout}{sim.stderr}")
        on = await viewer.expect(lambda m: m["type"] == "alarm_flood" and m["active"], "the flood starting")
        check(on["rate"] == 11 and on["floodStart"] == 10 and on["floodEnd"] == 5, on)
        check(on["firstOut"]["rover"] == "rover-c" and on["firstOut"]["priority"] != "info", on)
        r = await viewer.request({"type": "get_stats", "reqId": "st-1"})
        alarms = r["result"]["alarms"]
        check(alarms["flood"]["active"] and alarms["flood"]["firstOut"] == on["firstOut"], alarms)
        check(alarms["rate"] > 10 and alarms["rateByRover"]["rover-c"] == alarms["rate"], alarms)
        # Nothing more is raised: the 3 s window empties and the flood ends.
        off = await viewer.expect(lambda m: m["type"] == "alarm_flood" and not m["active"], "the flood ending")
        check(off["rate"] < 5 and "firstOut" not in off, off)
        r = await viewer.request({"type": "get_stats", "reqId": "st-2"})
        check(not r["result"]["alarms"]["flood"]["active"] and r["result"]["alarms"]["flood"]["count"] == 1, r)


async def resync_scenario(contract, http):
    """A client that stops reading while far more low alerts are raised than its
    socket buffers hold: past its high-water mark (the relay runs with a small
    one) the relay drops them and, once the client reads again, tells it
    resync_required with the rev to sync from."""
    url = f"ws://{http}/ws"
    async with Client(contract, url, "stalled", receive_buffer=64 * 1024) as slow, \
            Client(contract, url, "admin") as admin:
        await slow.login("demo-viewer-token")
        r = await slow.request({"type": "alert_subscribe", "reqId": "sub", "priorities": ["low"]})
        check(r["ok"], r)
        await slow.expect(lambda m: m["type"] == "catch_up_complete", "catch_up_complete")
        await admin.login("demo-admin-token")
        # How much a stalled connection absorbs depends on the host's TCP buffers
        # (autotuned up to tcp_wmem's maximum), so raise alerts in rounds until the
        # relay itself reports a dropped change, not a count tuned to one machine.
        text, created, dropped = "x" * 4000, 0, 0
        while dropped == 0:
            check(created < 50_000, f"no change dropped for the stalled client after {created} alerts")
            for i in range(created, created + 500):
                await admin.send({"type": "alert_create", "reqId": f"c{i}", "message": text, "priority": "low",
                                  "source": f"flood-{i}"})
            answered = 0
            while answered < 500:
                m = await admin.recv()
                if m["type"] == "response":
                    check(m["ok"], m)
                    answered += 1
            created += 500
            stats = await admin.request({"type": "get_stats", "reqId": f"stats-{created}"})
            check(stats["ok"], stats)
            contract.check(contract.stats_result, stats["result"], "get_stats result")
            dropped = stats["result"]["delivery"]["dropped"]
        # Reading again: the changes that fitted (megabytes, each validated
        # against the schema: slow on a loaded or sanitized host), then the notice.
        slow.timeout = 60
        notice = await slow.expect(lambda m: m["type"] == "resync_required", "resync_required")
        check(0 < notice["rev"] and notice["reason"], notice)
        r = await slow.request({"type": "alert_sync", "reqId": "resync", "sinceRev": notice["rev"], "maxCount": 10})
        check(r["ok"] and r["result"]["alerts"], r)
        check(all(a["rev"] > notice["rev"] for a in r["result"]["alerts"]), "sync went back before the rev")


async def shelving_scenario(contract, http):
    """Shelving and out of service (the relay runs with --shelve-max 30
    --shelve-warning 1): every client sees who shelved what, why and until
    when; a shelf ends by itself after a warning and the alert comes back
    unacknowledged; a key shelf and an out-of-service rule reach every client
    in the `suppressions` list; viewers may do none of it, operators no out of
    service; bad requests are refused with a reason; the audit trail has it all."""
    url = f"ws://{http}/ws"
    async with Client(contract, url, "viewer") as viewer, Client(contract, url, "operator") as operator, \
            Client(contract, url, "admin") as admin:
        w = await viewer.login("demo-viewer-token")
        check(w["shelving"] == {"presets": [1, 2, 30], "maxSeconds": 30, "warningSeconds": 1}, w)
        check("alert_shelve" not in w["may"] and "suppression_list" in w["may"], w)
        w = await operator.login("demo-operator-token")
        check("alert_shelve" in w["may"] and "out_of_service" not in w["may"], w)
        await admin.login("demo-admin-token")
        for c in (viewer, operator, admin):
            check((await c.request({"type": "alert_subscribe", "reqId": "sub"}))["ok"], "subscribe")
        r = await admin.request({"type": "alert_create", "reqId": "c1", "message": "pump stalled",
                                 "priority": "critical", "source": "hydraulics"})
        alert_id = r["result"]["alertId"]

        r = await viewer.request({"type": "alert_shelve", "reqId": "v", "alertId": alert_id, "durationSeconds": 2,
                                  "reason": "mine"})
        check(not r["ok"] and r["error"]["code"] == "FORBIDDEN", r)
        for bad, why in (({"durationSeconds": 2}, "no reason"), ({"reason": "r"}, "no duration"),
                         ({"durationSeconds": 31, "reason": "r"}, "over the maximum"),
                         ({"durationSeconds": 0, "reason": "r"}, "zero")):
            r = await operator.request({"type": "alert_shelve", "reqId": why, "alertId": alert_id, **bad},
                                       validate=False)
            check(not r["ok"] and r["error"]["code"] == "BAD_REQUEST", f"{why}: {r}")
        r = await operator.request({"type": "alert_shelve", "reqId": "s1", "alertId": "no-such-alert",
                                    "durationSeconds": 2, "reason": "r"})
        check(not r["ok"] and r["error"]["code"] == "NOT_FOUND", r)

        # Shelved for 2 s: every screen sees who, why and until when ...
        r = await operator.request({"type": "alert_shelve", "reqId": "s2", "alertId": alert_id,
                                    "durationSeconds": 2, "reason": "pump swap"})
        check(r["ok"] and r["result"]["shelved"]["by"] == "oscar" and r["result"]["shelved"]["scope"] == "alert", r)
        until = r["result"]["shelved"]["until"]
        shelved = await viewer.expect(lambda m: m["type"] == "alert" and m["data"]["id"] == alert_id and
                                      "shelved" in m["data"]["data"], "the alert shelved")
        check(shelved["data"]["data"]["shelved"]["reason"] == "pump swap", shelved)
        # Kept and counted while shelved.
        r = await viewer.request({"type": "get_stats", "reqId": "stats-shelved"})
        contract.check(contract.stats_result, r["result"], "get_stats result")
        check(r["result"]["alarms"]["shelved"] == 1 and r["result"]["active_alerts"] == 1 and
              r["result"]["alerts_by_priority"]["critical"] == 1, r["result"]["alarms"])
        # ... is warned shortly before the end, and sees it come back unacknowledged.
        warning = await viewer.expect(lambda m: m["type"] == "shelve_expiring", "the shelf's warning")
        check(warning["alertId"] == alert_id and warning["until"] == until, warning)
        back = await viewer.expect(lambda m: m["type"] == "alert" and m["data"]["id"] == alert_id and
                                   m["data"]["rev"] > shelved["data"]["rev"], "the alert back from the shelf")
        check("shelved" not in back["data"]["data"], back)
        # Unacknowledged again, announced again: the critical policy (1 s, once)
        # escalates it from now on (a slow host may have escalated it once
        # before it was shelved; never while shelved).
        escalation = await viewer.expect(lambda m: m["type"] == "alert_escalation" and m["at"] >= until,
                                         "the escalation")
        check(escalation["alertId"] == alert_id and escalation["level"] == 1 and escalation["maxLevel"] == 1,
              escalation)
        check(not any(m["type"] == "alert_escalation" and shelved["data"]["timestamp"] <= m["at"] < until
                      for m in viewer.inbox), "escalated while shelved")
        check(back["data"]["data"]["state"] == "active_unacked", back)

        # A key shelf, one-shot: the suppressions list reaches every client.
        key = back["data"]["data"]["key"]
        r = await operator.request({"type": "alert_shelve", "reqId": "k1", "key": key, "scope": "key",
                                    "oneShot": True, "reason": "known noise"})
        check(r["ok"] and r["result"]["shelved"]["oneShot"] and r["result"]["shelved"]["scope"] == "key", r)
        check(r["result"]["shelved"]["until"] - r["result"]["shelved"]["at"] == 30_000, "one-shot: the maximum")
        notice = await viewer.expect(lambda m: m["type"] == "suppressions", "the suppressions list")
        check([k["key"] for k in notice["keyShelves"]] == [key], notice)
        r = await viewer.request({"type": "suppression_list", "reqId": "list"})
        contract.check(contract.suppression_result, r["result"], "suppression_list result")
        check(r["result"]["keyShelves"] == notice["keyShelves"], r)
        r = await operator.request({"type": "alert_unshelve", "reqId": "u1", "key": key})
        check(r["ok"] and r["result"]["unshelved"] == 1, r)
        notice = await viewer.expect(lambda m: m["type"] == "suppressions", "the suppressions list, emptied")
        check(notice["keyShelves"] == [], notice)

        # Out of service: admins only, visible on the alert, reversible.
        r = await operator.request({"type": "out_of_service", "reqId": "o0", "scope": "source",
                                    "value": "hydraulics", "reason": "r"})
        check(not r["ok"] and r["error"]["code"] == "FORBIDDEN", r)
        r = await admin.request({"type": "out_of_service", "reqId": "o1", "scope": "source", "value": "hydraulics",
                                 "reason": "rewiring"})
        check(r["ok"] and r["result"]["alerts"] == 1, r)
        m = await viewer.expect(lambda m: m["type"] == "alert" and "outOfService" in m["data"]["data"],
                                "the alert out of service")
        check(m["data"]["data"]["outOfService"] == {"scope": "source", "value": "hydraulics", "by": "ada",
                                                    "reason": "rewiring",
                                                    "at": m["data"]["data"]["outOfService"]["at"]}, m)
        notice = await viewer.expect(lambda m: m["type"] == "suppressions", "the rule in the list")
        check(notice["outOfService"][0]["value"] == "hydraulics", notice)
        r = await admin.request({"type": "return_to_service", "reqId": "o2", "scope": "source", "value": "hydraulics"})
        check(r["ok"] and r["result"]["alerts"] == 1, r)
        r = await admin.request({"type": "return_to_service", "reqId": "o3", "scope": "source", "value": "hydraulics"})
        check(not r["ok"] and r["error"]["code"] == "NOT_FOUND", r)

        r = await operator.request({"type": "audit_query", "reqId": "audit", "maxCount": 500})
        entries = r["result"]["entries"]
        def has(**want):
            return any(all(e.get(k) == v for k, v in want.items()) for e in entries)
        check(has(action="alert_shelve", user="vera", outcome="refused", alertId=alert_id), entries)
        check(has(action="alert_shelve", user="oscar", outcome="ok", alertId=alert_id), entries)
        check(has(action="shelf_expired", alertId=alert_id, outcome="ok"), entries)
        check(has(action="alert_unshelve", user="oscar", outcome="ok"), entries)
        check(has(action="out_of_service", user="oscar", outcome="refused"), entries)
        check(has(action="out_of_service", user="ada", outcome="ok"), entries)
        check(has(action="return_to_service", user="ada", outcome="not_found"), entries)


ROVER_KEY_FILE = None  # the current relay's rover-c key (start_relay)


def write_rover_key(folder):
    """An owner-only key file for rover-c and the relay's rovers file naming it."""
    key = secrets.token_hex(32)
    for name, text in (("rover-c.key", key + "\n"), ("rovers", f"rover-c {key}\n")):
        path = os.path.join(folder, name)
        with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
            f.write(text)
    return os.path.join(folder, "rover-c.key"), os.path.join(folder, "rovers")


def start_relay(relay_path, tokens, extra=()):
    """A relay on a fresh data folder: (process, folder, http address, link address)."""
    global ROVER_KEY_FILE
    data = tempfile.mkdtemp(prefix="rover-alerts-conformance-")
    ROVER_KEY_FILE, rovers = write_rover_key(data)
    relay = subprocess.Popen([relay_path, "--listen", "127.0.0.1:0", "--link-listen", "127.0.0.1:0",
                              "--data", os.path.join(data, "db"), "--tokens", tokens, "--rovers", rovers, *extra],
                             stdout=subprocess.PIPE, text=True)
    line = relay.stdout.readline().strip()
    m = re.fullmatch(r"listening http=(\S+) link=(\S+)", line)
    if not m:
        stop_relay(relay, data)
        raise AssertionError(f"unexpected first line from the relay: {line!r}")
    return relay, data, m.group(1), m.group(2)


def stop_relay(relay, data):
    relay.terminate()
    try:
        relay.wait(10)
    except subprocess.TimeoutExpired:
        relay.kill()
    shutil.rmtree(data, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--relay", required=True)
    parser.add_argument("--rover-sim", required=True)
    parser.add_argument("--tokens", required=True)
    parser.add_argument("--schemas", required=True)
    args = parser.parse_args()

    contract = Contract(args.schemas)
    relay, data, http, link = start_relay(args.relay, args.tokens)
    try:
        asyncio.run(scenario(contract, http, link, args.rover_sim))
        check(relay.poll() is None, "the relay died")
    finally:
        stop_relay(relay, data)
    config = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False)
    json.dump({"escalation": {"policies": {"critical": {"afterSeconds": 1, "maxEscalations": 1}}}}, config)
    config.close()
    relay, data, http, link = start_relay(args.relay, args.tokens,
                                          ["--shelve-max", "30", "--shelve-presets", "1,2,30", "--shelve-warning", "1",
                                           "--config", config.name])
    try:
        asyncio.run(shelving_scenario(contract, http))
        check(relay.poll() is None, "the relay died")
    finally:
        stop_relay(relay, data)
        os.unlink(config.name)
    relay, data, http, link = start_relay(args.relay, args.tokens, ["--flood", "10/5", "--alarm-window", "3"])
    try:
        asyncio.run(flood_scenario(contract, http, link, args.rover_sim))
        check(relay.poll() is None, "the relay died")
    finally:
        stop_relay(relay, data)
    # A stalled client answers no ping either: with the default keep-alive a
    # slow host (ASan) cuts it as half-open before its queue reaches the mark.
    relay, data, http, _ = start_relay(args.relay, args.tokens,
                                       ["--client-high-water", "64", "--rate-limit", "100000/100000",
                                        "--durability", "normal", "--ping-interval", "3600"])
    try:
        asyncio.run(resync_scenario(contract, http))
        check(relay.poll() is None, "the relay died")
    finally:
        stop_relay(relay, data)
    print(f"conformance: ok, {contract.validated} messages validated against the schemas")


if __name__ == "__main__":
    try:
        main()
    except AssertionError as e:
        print(f"conformance: FAILED: {e}", file=sys.stderr)
        sys.exit(1)
