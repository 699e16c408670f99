#!/usr/bin/env bash
# Runs an alert-bench suite several times in a row and prints, per figure,
# the value of every run: the figure tables of docs/performance.md come from this. Figures
# on a shared machine move from run to run; one run says little.
#
#   scripts/bench-runs.sh BENCH SUITE [RUNS [BENCH OPTIONS...]]
#   scripts/bench-runs.sh build/release/tests/perf/alert-bench emitter 5
#   scripts/bench-runs.sh build/bench/tests/perf/alert-bench delivery 3 --cpus shared
#
# Run it on an otherwise idle machine (not beside a build or the tests).
set -euo pipefail

if [[ $# -lt 2 ]]; then
  sed -n '2,10p' "$0" >&2
  exit 2
fi
bench=$1 suite=$2 runs=${3:-5}
shift $(($# < 3 ? $# : 3))
[[ -x $bench ]] || { echo "bench-runs: $bench is not an executable" >&2; exit 2; }
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "bench-runs: RUNS must be a positive number" >&2; exit 2; }

out=$(mktemp)
trap 'rm -f "$out"' EXIT
for ((i = 1; i <= runs; i++)); do
  "$bench" --suite "$suite" --json "$@" >>"$out"
  echo >>"$out"
  echo "bench-runs: run $i of $runs done" >&2
done

python3 - "$out" <<'EOF'
import json, sys
runs = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
for key in runs[0]:
    values = [r.get(key) for r in runs]
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        print(f"{key}: " + ", ".join(f"{v:.0f}" if float(v).is_integer() else f"{v:.2f}" for v in values))
    elif key != "suite":
        print(f"{key}: " + ", ".join(json.dumps(v) for v in values))
EOF
