#!/usr/bin/env bash
# Issue 15's first target: kernel-epoll (C#, nginx-style pinned epoll loops, raw system calls) against the
# System.Net.Sockets kernel rows and nginx (C, same client as kernel-epoll), at 1 server + 1 client core on loopback.
# Rounds are interleaved (the design order rotates each round) so that load from elsewhere on the machine falls on
# every row alike; each round records the load average. Prints per-row medians and ranges at the end.
# Usage: bench/scripts/kernel-baselines.sh [ROUNDS] [SECONDS] [OUT_DIR]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
rounds=${1:-5}
seconds=${2:-5}
out=${3:-bench/results/kernel-epoll-2core}
designs=(kernel kernel-reuseport kernel-epoll nginx-kernel)
mkdir -p "$out"
dotnet build -c Release src/Fastsocket.Cli >/dev/null
cli=src/Fastsocket.Cli/bin/Release/net10.0/Fastsocket.Cli
: > "$out/rounds.jsonl"
for ((round = 0; round < rounds; round++)); do
  order=("${designs[@]:round % ${#designs[@]}}" "${designs[@]:0:round % ${#designs[@]}}")
  list=$(IFS=,; echo "${order[*]}")
  load=$(cut -d' ' -f1-3 /proc/loadavg)
  echo "round $((round + 1))/$rounds: $list (load average $load)" >&2
  "$cli" bench --no-kernel --designs "$list" --server-cores 1 --client-cores 1 --duration "$seconds" --warmup 1 --json 2>>"$out/stderr.txt" |
    python3 -c 'import json,sys; r=json.load(sys.stdin); r["round"]=int(sys.argv[1]); r["load_average"]=sys.argv[2]; print(json.dumps(r))' "$((round + 1))" "$load" >> "$out/rounds.jsonl"
done
python3 - "$out/rounds.jsonl" <<'PY' | tee "$out/summary.txt"
import json, statistics, sys
rows = {}
loads = []
for line in open(sys.argv[1]):
    report = json.loads(line)
    loads.append(report["load_average"])
    for r in report["results"]:
        rows.setdefault(r["design"], []).append(r)
print(f"{len(loads)} interleaved rounds, 1 server + 1 client core, loopback; load average (1/5/15 min) at each round: {'; '.join(loads)}")
print(f"{'design':<18}{'median conn/s':>14}{'min':>9}{'max':>9}{'median p99 us':>15}{'errors':>8}")
med = {}
for design, rs in rows.items():
    cps = sorted(r["cps"] for r in rs)
    med[design] = statistics.median(cps)
    p99 = statistics.median(r["p99_us"] for r in rs)
    print(f"{design:<18}{med[design]:>14,.0f}{cps[0]:>9,.0f}{cps[-1]:>9,.0f}{p99:>15,.0f}{sum(r['errors'] for r in rs):>8}")
if "kernel-epoll" in med:
    for other in ("kernel", "kernel-reuseport", "nginx-kernel"):
        if other in med:
            print(f"kernel-epoll / {other}: {med['kernel-epoll'] / med[other]:.2f}x (medians)")
PY
