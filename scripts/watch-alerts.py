#!/usr/bin/python3
"""Prints the alerts a relay sends to a subscribed WebSocket client, one line each.

usage: watch-alerts.py WS_URL TOKEN

A demo helper (the operator CLI comes with the ground clients). Uses Debian's
python3-websockets, so it runs under /usr/bin/python3.
"""
import asyncio
import json
import sys

import websockets

COLORS = {"critical": "\033[1;41;97m", "high": "\033[1;31m", "medium": "\033[33m", "low": "\033[36m", "info": "\033[2m"}
RESET = "\033[0m"


def show(change):
    data = change.get("data", {})
    color = COLORS.get(change.get("priority"), "") if sys.stdout.isatty() else ""
    reset = RESET if color else ""
    action = data.get("action")
    extra = f"  [action: {action['label']}]" if action else ""
    print(f"{color}{change.get('priority', '?'):>8}{reset} rev={change.get('rev')} {change.get('type'):<6} "
          f"{data.get('source')}: {data.get('title', '')} - {data.get('message')} "
          f"(x{data.get('occurrences', 1)}){extra}", flush=True)


async def watch(url, token):
    async with websockets.connect(url, max_size=4 * 1024 * 1024) as ws:
        await ws.send(json.dumps({"type": "auth", "token": token}))
        welcome = json.loads(await ws.recv())
        if welcome.get("type") != "welcome":
            sys.exit(f"watch-alerts: not welcomed: {welcome}")
        print(f"watch-alerts: connected as {welcome['user']} ({welcome['role']}), store rev {welcome['rev']}", flush=True)
        await ws.send(json.dumps({"type": "alert_subscribe", "reqId": "watch"}))
        async for raw in ws:
            msg = json.loads(raw)
            if msg.get("type") == "alert":
                show(msg["data"])
            elif msg.get("type") == "alert_batch":
                for change in msg.get("data", []):
                    show(change)
            elif msg.get("type") == "response" and not msg.get("ok"):
                print(f"watch-alerts: error {msg.get('error')}", flush=True)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    try:
        asyncio.run(watch(sys.argv[1], sys.argv[2]))
    except KeyboardInterrupt:
        pass
    except (OSError, websockets.exceptions.WebSocketException) as e:
        sys.exit(f"watch-alerts: {e}")
