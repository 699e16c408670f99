#!/usr/bin/python3
"""What clients paging through history cost a bystander (docs/performance.md).

Starts alert-relay (with --read-budget as given) and rover-sim, which raises
ALERTS distinct alerts; then PAGERS viewers page through the whole store with
alert_sync (maxCount 1000) as fast as their request rate limit lets them,
while a bystander viewer sends get_stats every 20 ms and times each answer.
Prints one JSON object: the bystander's round trip p50/p99/max in ms, pages
served, and what the relay counted on its read budget. Measured, never
asserted.

usage: sync_flood.py --relay PATH --rover-sim PATH --tokens FILE
                     [--read-budget N[/BURST]] [--alerts N] [--pagers N] [--seconds S]
Runs under Debian's /usr/bin/python3 (python3-websockets).
"""
import argparse
import asyncio
import json
import os
import re
import secrets
import shutil
import subprocess
import tempfile
import time
import urllib.request

import websockets


async def login(url, token):
    ws = await websockets.connect(url, max_size=64 * 1024 * 1024)
    await ws.send(json.dumps({"type": "auth", "token": token}))
    welcome = json.loads(await ws.recv())
    assert welcome["type"] == "welcome", welcome
    return ws


async def request(ws, message):
    await ws.send(json.dumps(message))
    while True:
        reply = json.loads(await ws.recv())
        if reply.get("reqId") == message["reqId"]:
            return reply


async def pager(url, token, stop, pages):
    ws = await login(url, token)
    n = 0
    while not stop.is_set():
        since = 0
        while not stop.is_set():
            n += 1
            reply = await request(ws, {"type": "alert_sync", "reqId": str(n), "sinceRev": since, "maxCount": 1000,
                                       "includeAcknowledged": True})
            if not reply.get("ok"):
                await asyncio.sleep(0.05)  # RATE_LIMITED: within the limits, as a client would
                continue
            pages[0] += 1
            result = reply["result"]
            since = result["rev"]
            await asyncio.sleep(0.02)  # 50 requests/s: the default per-client limit
            if not result["more"]:
                break
    await ws.close()


async def bystander(url, token, stop, rtts):
    ws = await login(url, token)
    n = 0
    while not stop.is_set():
        n += 1
        start = time.perf_counter()
        await request(ws, {"type": "get_stats", "reqId": f"b{n}"})
        rtts.append((time.perf_counter() - start) * 1000)
        await asyncio.sleep(0.02)
    await ws.close()


def metric(http, name):
    req = urllib.request.Request(f"http://{http}/metrics", headers={"Authorization": "Bearer demo-viewer-token"})
    text = urllib.request.urlopen(req, timeout=10).read().decode()
    m = re.search(r"^" + re.escape(name) + r" (\d+)$", text, re.M)
    return int(m.group(1)) if m else 0


async def measure(http, pagers, seconds):
    url = f"ws://{http}/ws"
    stop = asyncio.Event()
    rtts, pages = [], [0]
    tasks = [asyncio.create_task(bystander(url, "demo-viewer-token", stop, rtts))]
    await asyncio.sleep(1)
    quiet = sorted(rtts)
    tasks += [asyncio.create_task(pager(url, "demo-viewer-token", stop, pages)) for _ in range(pagers)]
    before = len(rtts)
    await asyncio.sleep(seconds)
    stop.set()
    await asyncio.gather(*tasks)
    loaded = sorted(rtts[before:])
    pick = lambda v, q: round(v[min(len(v) - 1, int(q * len(v)))], 2) if v else None
    return {"bystander_rtt_ms_p50_quiet": pick(quiet, 0.5), "bystander_rtt_ms_p50": pick(loaded, 0.5),
            "bystander_rtt_ms_p99": pick(loaded, 0.99), "bystander_rtt_ms_max": pick(loaded, 1.0),
            "bystander_samples": len(loaded), "sync_pages": pages[0]}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--relay", required=True)
    parser.add_argument("--rover-sim", required=True)
    parser.add_argument("--tokens", required=True)
    parser.add_argument("--read-budget")
    parser.add_argument("--alerts", type=int, default=20000)
    parser.add_argument("--pagers", type=int, default=6)
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="rover-alerts-sync-flood-")
    key = secrets.token_hex(32)
    for name, text in (("rover.key", key + "\n"), ("rovers", f"rover-1 {key}\n")):
        with open(os.open(os.path.join(folder, name), os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
            f.write(text)
    extra = ["--read-budget", args.read_budget] if args.read_budget else []
    relay = subprocess.Popen([args.relay, "--listen", "127.0.0.1:0", "--link-listen", "127.0.0.1:0", "--data",
                              os.path.join(folder, "db"), "--tokens", args.tokens, "--rovers",
                              os.path.join(folder, "rovers"), "--rover-rate", "100000/100000", *extra],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        http, link = re.fullmatch(r"listening http=(\S+) link=(\S+)", relay.stdout.readline().strip()).groups()
        subprocess.run([args.rover_sim, "--relay", link, "--rover-id", "rover-1", "--key-file",
                        os.path.join(folder, "rover.key"), "--rate", "20000", "--count", str(args.alerts),
                        "--distinct-keys", "--queue-capacity", "8192", "--staging-capacity", "512"],
                       check=True, stdout=subprocess.DEVNULL, timeout=120)
        out = asyncio.run(measure(http, args.pagers, args.seconds))
        out.update({"alerts": args.alerts, "pagers": args.pagers, "read_budget": args.read_budget or "default",
                    "read_budget_waits_sync": metric(http, 'delivery_read_budget_waits_total{kind="sync"}')})
        print(json.dumps(out))
    finally:
        relay.terminate()
        relay.wait(10)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
