#!/usr/bin/env bash
# The scaling run (issues 4 and 15): the paper's three in-memory designs and the ablation (each Fastsocket mechanism
# alone on base) at 1, 2, 4 and 8 server cores, each with as many client cores (so 8 + 8 engine threads fill a 16-core
# machine), on the in-memory network; short rows (3 s after 1 s of warm-up), so all 28 rows and the 4 paired ones fit
# in a few minutes of a lent machine. The kernel baselines are measured elsewhere (`bench --real`). It takes a
# published build (`dotnet publish src/Fastsocket.Cli -c Release -r linux-x64 --self-contained -o DIR`), so the machine
# needs no .NET SDK. Writes machine.txt, bench-output.txt, cpu-mhz.txt and the bench's results.json/csv/png to OUT_DIR,
# and the fastsocket rows again with --client-ports paired to OUT_DIR/paired (bench-output-paired.txt).
# Usage: bench/scripts/scaling-run.sh PUBLISHED_DIR OUT_DIR [SECONDS_PER_RUN]
set -uo pipefail
published=$1
out=$2
duration=${3:-3}
designs=base,reuseport,fastsocket,base+local-listen,base+local-established,base+rfd,base+light-sockets
mkdir -p "$out"
{
    echo "processors: $(nproc)"
    grep -m1 "model name" /proc/cpuinfo
    grep Cpus_allowed_list /proc/self/status
    # Whether the "cores" are hyperthreads: 8 + 8 engine threads on 8 physical cores share each core's pipeline.
    lscpu 2>/dev/null | grep -E "^(Thread\(s\) per core|Core\(s\) per socket|Socket\(s\)|NUMA node\(s\)|L3 cache)" || true
    for cpu in 0 1 8; do
        echo "cpu$cpu siblings: $(cat /sys/devices/system/cpu/cpu$cpu/topology/thread_siblings_list 2>/dev/null || echo unknown)"
    done
    echo "kernel: $(uname -r)"
    # Every engine reads the clock on every poll; a clocksource without a vDSO path makes that a system call.
    echo "clocksource: $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource 2>/dev/null || echo unknown)"
    echo "transparent hugepages: $(cat /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null || echo unknown)"
} | tee "$out/machine.txt"
# The cores' clock while the rows run: with 16 busy cores a CPU may turbo less than with 2, which lowers the
# per-core rate for reasons outside the stack. Bounded: it stops with the bench, and after an hour at most.
(
    for _ in $(seq 720); do
        mhz=$(awk -F: '/^cpu MHz/ { sum += $2; n++ } END { if (n) printf "%.0f", sum / n }' /proc/cpuinfo)
        echo "$(date +%T) average cpu MHz: ${mhz:-unknown}"
        sleep 5
    done
) > "$out/cpu-mhz.txt" &
sampler=$!
# Four client addresses: pairing leaves each client core one server core's share of its ports (about 440 of 28,232
# at 8 + 8), so at a quarter million connections a second per core a port would come back every 2 ms; four
# addresses make that 7 ms. Both runs use them, so they differ only in the pairing.
"$published/Fastsocket.Cli" bench --designs "$designs" --no-kernel --server-cores 1,2,4,8 --client-cores same --client-addresses 4 \
    --duration "$duration" --warmup 1 --out "$out" 2>&1 | tee "$out/bench-output.txt"
status=${PIPESTATUS[0]}
# The same fastsocket rows with each client core paired to one server core: what is left once the in-memory
# wire's N x N fan-out (which a real NIC's DMA would do) is taken off the cores.
"$published/Fastsocket.Cli" bench --designs fastsocket --no-kernel --server-cores 1,2,4,8 --client-cores same --client-addresses 4 --client-ports paired \
    --duration "$duration" --warmup 1 --out "$out/paired" 2>&1 | tee "$out/bench-output-paired.txt"
paired_status=${PIPESTATUS[0]}
if [ "$status" -eq 0 ]; then status=$paired_status; fi
kill "$sampler" 2>/dev/null
exit "$status"
