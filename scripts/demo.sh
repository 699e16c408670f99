#!/usr/bin/env bash
# The whole path in one command: builds alert-relay, rover-sim and alertctl,
# starts the relay on 127.0.0.1:8000 (database under ./data; the operator
# console at http://127.0.0.1:8000/), a simulated rover raising a realistic mix
# of alerts into it, and `alertctl watch` printing every change as it arrives.
# Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."

HTTP=127.0.0.1:8000
LINK=127.0.0.1:8100
RATE=${RATE:-2}

scripts/install-deps.sh host
cmake --preset dev >/dev/null
cmake --build --preset dev --target alert-relay rover-sim alertctl -- -j"$(nproc)"

bin=build/dev
mkdir -p data
# The relay refuses a tokens file other users may read (a file in git is 0644).
install -m 600 host/relay/demo.tokens data/demo.tokens
# The demo rover's link key: made once, kept with the data, known to the relay
# (--rovers) and to the rover (--key-file) only.
if [[ ! -s data/rover-1.key ]]; then
  (umask 077 && od -An -tx1 -N32 /dev/urandom | tr -d ' \n' > data/rover-1.key && echo >> data/rover-1.key)
  (umask 077 && echo "rover-1 $(cat data/rover-1.key)" > data/rovers)
fi
pids=()
cleanup() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  pkill -P $$ 2>/dev/null || true  # anything else this script started
  wait 2>/dev/null || true
  echo "demo: stopped"
}
trap cleanup INT TERM EXIT

# The relay prints one line once it listens; wait for it before going on.
exec {relay_out}< <("$bin/host/relay/alert-relay" --listen "$HTTP" --link-listen "$LINK" --data data \
                      --tokens data/demo.tokens --rovers data/rovers 2> >(sed 's/^/relay: /' >&2))
pids+=($!)
if ! read -r -t 10 -u "$relay_out" ready || [[ $ready != listening* ]]; then
  echo "demo: the relay did not start (is $HTTP or $LINK in use?)" >&2
  exit 1
fi

cat <<TXT

  rover-alerts demo: $ready
  Operator console:  http://$HTTP/   (open it in a browser, sign in with a token)
  Tokens (host/relay/demo.tokens, demo only):
    admin     ada    demo-admin-token
    operator  oscar  demo-operator-token
    viewer    vera   demo-viewer-token
  WebSocket:  ws://$HTTP/ws   (health: http://$HTTP/healthz)
  CLI:  export ALERT_URL=ws://$HTTP/ws ALERT_TOKEN=demo-operator-token
        $bin/host/alertctl/alertctl list     (then: ack ID --comment "...", stats, --help)
  Ctrl-C stops everything.

TXT

"$bin/host/alertctl/alertctl" --url "ws://$HTTP/ws" --token demo-viewer-token --color always watch \
  > >(sed 's/^/watch: /') &
pids+=($!)
sleep 0.5
"$bin/firmware/rover-sim" --relay "$LINK" --rover-id rover-1 --key-file data/rover-1.key --rate "$RATE" --count 0 > >(sed 's/^/rover: /') &
pids+=($!)
wait -n "${pids[@]}" || true
