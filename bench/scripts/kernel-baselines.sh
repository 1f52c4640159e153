#!/usr/bin/env bash
# Issue 15's first target: kernel-epoll (C#, nginx-style pinned epoll loops, raw system calls) against the
# System.Net.Sockets kernel rows and nginx (C, loaded by kernel-epoll's client), at 1 server + 1 client core on loopback.
# Each design runs in a bench process of its own, interleaved (the order rotates each round) so that load from elsewhere
# on the machine falls on every row alike; each round records the load average. Besides conn/s, each design runs twice
# per round, for SHORT and for SECONDS measured seconds: the CPU time the two processes used (client and server, nginx's
# processes included, from getrusage of the waited children) differs by the extra connections' cost alone, so
# (cpu_long - cpu_short) / (connections_long - connections_short) is the CPU per connection, both ends together, free of
# start-up and JIT. On a busy machine conn/s follows each row's share of the CPUs; CPU per connection does not.
# Usage: [DESIGNS=a,b,...] bench/scripts/kernel-baselines.sh [ROUNDS] [SECONDS] [OUT_DIR]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
rounds=${1:-5}
seconds=${2:-6}
out=${3:-bench/results/kernel-epoll-2core}
mkdir -p "$out"
dotnet build -c Release src/Fastsocket.Cli >/dev/null
python3 - "$rounds" "$seconds" "$out" <<'PY'
import json, os, resource, statistics, subprocess, sys
rounds, seconds, out = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
short = 2.0
cli = "src/Fastsocket.Cli/bin/Release/net10.0/Fastsocket.Cli"
designs = os.environ.get("DESIGNS", "kernel,kernel-reuseport,kernel-epoll,nginx-kernel").split(",")

def run(design, duration):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run([cli, "bench", "--no-kernel", "--designs", design, "--server-cores", "1", "--client-cores", "1",
                           "--duration", str(duration), "--warmup", "1", "--json"], capture_output=True, text=True, timeout=300)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(os.path.join(out, "stderr.txt"), "a") as log:
        log.write(done.stderr)
    if done.returncode != 0:
        raise SystemExit(f"bench --designs {design} failed ({done.returncode}): {done.stderr[-2000:]}")
    row = json.loads(done.stdout)["results"][0]
    row["process_cpu_s"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return row

rows = {d: [] for d in designs}
loads = []
with open(os.path.join(out, "rounds.jsonl"), "w") as record:
    for r in range(rounds):
        order = designs[r % len(designs):] + designs[:r % len(designs)]
        load = open("/proc/loadavg").read().split()[:3]
        loads.append(" ".join(load))
        print(f"round {r + 1}/{rounds}: {','.join(order)} (load average {' '.join(load)})", file=sys.stderr, flush=True)
        for design in order:
            small, big = run(design, short), run(design, seconds)
            extra = big["connections"] - small["connections"]
            cpu_us = (big["process_cpu_s"] - small["process_cpu_s"]) * 1e6 / extra if extra > 0 else None
            entry = {"round": r + 1, "load_average": loads[-1], "design": design, "cps": big["cps"], "p99_us": big["p99_us"],
                     "errors": big["errors"] + small["errors"], "connections": big["connections"],
                     "cpu_us_per_connection": cpu_us, "short": small, "long": big}
            rows[design].append(entry)
            record.write(json.dumps(entry) + "\n")

lines = [f"{rounds} interleaved rounds of {seconds:g} s (and {short:g} s for CPU per connection), 1 server + 1 client core, loopback, "
         f"{os.cpu_count()} CPUs; load average (1/5/15 min) at each round: {'; '.join(loads)}",
         f"{'design':<18}{'median conn/s':>14}{'min':>9}{'max':>9}{'median p99 us':>15}{'errors':>8}{'CPU us/conn (both ends), median [range]':>42}"]
med, cpu = {}, {}
for design, rs in rows.items():
    cps = sorted(e["cps"] for e in rs)
    med[design] = statistics.median(cps)
    cpus = sorted(e["cpu_us_per_connection"] for e in rs if e["cpu_us_per_connection"] is not None)
    cpu[design] = statistics.median(cpus) if cpus else None
    cpu_text = f"{cpu[design]:.1f} [{cpus[0]:.1f}-{cpus[-1]:.1f}]" if cpus else "-"
    lines.append(f"{design:<18}{med[design]:>14,.0f}{cps[0]:>9,.0f}{cps[-1]:>9,.0f}{statistics.median(e['p99_us'] for e in rs):>15,.0f}"
                 f"{sum(e['errors'] for e in rs):>8}{cpu_text:>42}")
for other in [d for d in ("kernel", "kernel-reuseport", "nginx-kernel") if d in med and "kernel-epoll" in med]:
    ratio = f"kernel-epoll / {other}: {med['kernel-epoll'] / med[other]:.2f}x conn/s"
    if cpu["kernel-epoll"] and cpu[other]:
        ratio += f", {cpu['kernel-epoll'] / cpu[other]:.2f}x CPU per connection"
    lines.append(ratio + " (medians)")
summary = "\n".join(lines)
print(summary)
open(os.path.join(out, "summary.txt"), "w").write(summary + "\n")
PY
