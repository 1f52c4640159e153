#!/usr/bin/env bash
# Where a bench --real server's CPU per connection goes, by counters that depend little on the machine's load:
# system calls per connection (read and write, from /proc/PID/io), context switches per connection (all threads),
# user and kernel CPU time per connection (/proc/PID/stat), the client CPU's busy share, and for the Kestrel rows the
# managed bytes allocated and thread-pool work items per connection (FASTSOCKET_REAL_STATS=1), and for the TUN rows the
# packets per connection each way, from the kernel's counters of the TUN interface (its rx: packets the server wrote).
#
# Usage (root): measure.sh BIN_DIR serve|kestrel-tun|kestrel-sockets [SECONDS]
#   BIN_DIR: a Release build of src/Fastsocket.Cli (bin/Release/net10.0). The server runs in a network namespace of
#   its own on CPU 0 (engine pinned), wrk -t1 -c64 with Connection: close on CPU 1, as bench --real does; a one-second
#   warm-up, then SECONDS (default 5) measured. Everything it starts is stopped and the namespace removed on exit.
set -euo pipefail
bin=$1; mode=$2; seconds=${3:-5}
ns=fscost-$$
log=$(mktemp); out=$(mktemp)
server=
cleanup() { [[ -n $server ]] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null; ip netns del "$ns" 2>/dev/null; rm -f "$log" "$out"; }
trap cleanup EXIT
ip netns add "$ns"; ip netns exec "$ns" ip link set lo up
common=(env DOTNET_gcServer=0 FASTSOCKET_REAL_STATS=1 FASTSOCKET_REAL_LIFETIME=$((seconds + 60)))
case $mode in
    serve) url=http://198.18.40.2:8080/; marker="fastsocket: ready"
        ip netns exec "$ns" "${common[@]}" taskset -c 0 dotnet "$bin/Fastsocket.Cli.dll" serve --http --tun fscost0 \
            --address 198.18.40.2/24 --host-address 198.18.40.1 --cores 1 --pin --port 8080 --duration $((seconds + 60)) >"$log" 2>&1 & ;;
    kestrel-tun) url=http://198.18.41.2:8080/; marker="kestrel ready"
        ip netns exec "$ns" "${common[@]}" FASTSOCKET_CORES=1 FASTSOCKET_DEVICE=tun:fscost1 FASTSOCKET_ADDRESS=198.18.41.2/24 \
            FASTSOCKET_HOST_ADDRESS=198.18.41.1 taskset -c 0 dotnet "$bin/Fastsocket.Cli.dll" bench --real-kestrel $url >"$log" 2>&1 & ;;
    kestrel-sockets) url=http://127.0.0.1:8080/; marker="kestrel ready"
        ip netns exec "$ns" "${common[@]}" FASTSOCKET_CORES=1 taskset -c 0 dotnet "$bin/Fastsocket.Cli.dll" bench --real-kestrel $url >"$log" 2>&1 & ;;
    *) echo "mode: serve, kestrel-tun or kestrel-sockets" >&2; exit 2 ;;
esac
for _ in $(seq 150); do grep -q "$marker" "$log" && break; sleep 0.2; done
server=$(for p in $(ip netns pids "$ns"); do [[ $(cat /proc/$p/comm) == dotnet ]] && echo "$p"; done | head -1)
[[ -n $server ]] || { echo "server did not start:"; cat "$log"; exit 1; }
ip netns exec "$ns" taskset -c 1 wrk -t1 -c64 -d1 -H 'Connection: close' "$url" >/dev/null
dev=; case $mode in serve) dev=fscost0 ;; kestrel-tun) dev=fscost1 ;; esac
tunpackets() {   # packets the server wrote (the interface's rx), packets it was given (tx); "0 0" without TUN
    if [[ -n $dev ]]; then ip netns exec "$ns" sh -c "cat /sys/class/net/$dev/statistics/rx_packets /sys/class/net/$dev/statistics/tx_packets" | tr '\n' ' '; else echo "0 0"; fi
}
snapshot() {   # utime stime syscr syscw ctxsw cpu1_busy cpu1_idle stats-line
    local stat; stat=$(cut -d')' -f2- /proc/$server/stat)
    echo "$(echo "$stat" | awk '{print $12, $13}') $(awk '/syscr/{r=$2} /syscw/{w=$2} END{print r, w}' /proc/$server/io)" \
         "$(cat /proc/$server/task/*/status | awk '/ctxt_switches/{s+=$2} END{print s}')" \
         "$(awk '/^cpu1 /{print $2+$3+$4+$7+$8, $5+$6}' /proc/stat) $(grep '^stats' "$log" | tail -1 | tr ' ' '\n' | grep -E '^(alloc|tp)=' | cut -d= -f2 | tr '\n' ' ')"
}
sleep 0.3; pa=($(tunpackets)); a=($(snapshot))
ip netns exec "$ns" taskset -c 1 wrk -t1 -c64 -d"$seconds" -H 'Connection: close' "$url" >"$out"
sleep 0.3; b=($(snapshot)); pb=($(tunpackets))
n=$(awk '/requests in/{print $1}' "$out")
tck=$(getconf CLK_TCK)
awk -v n="$n" -v t="$tck" -v mode="$mode" -v rate="$(awk '/Requests\/sec/{print $2}' "$out")" -v load="$(cut -d' ' -f1 /proc/loadavg)" \
    -v a="${a[*]}" -v b="${b[*]}" -v pa="${pa[*]}" -v pb="${pb[*]}" 'BEGIN {
    split(a, x, " "); split(b, y, " ");
    printf "%s: %d connections, %.0f/s, load %s\n", mode, n, rate, load;
    printf "  CPU per connection: user %.1f us, kernel %.1f us\n", (y[1]-x[1])*1e6/t/n, (y[2]-x[2])*1e6/t/n;
    printf "  per connection: %.2f reads, %.2f writes (system calls), %.2f context switches\n", (y[3]-x[3])/n, (y[4]-x[4])/n, (y[5]-x[5])/n;
    split(pa, p, " "); split(pb, q, " ");
    if (q[1] > 0) printf "  per connection: %.2f packets written by the server, %.2f given to it (TUN interface counters)\n", (q[1]-p[1])/n, (q[2]-p[2])/n;
    printf "  client CPU busy %.0f%%\n", 100*(y[6]-x[6])/((y[6]-x[6])+(y[7]-x[7]));
    if (y[8] != "") printf "  per connection: %.0f managed bytes allocated, %.2f thread-pool work items\n", (y[8]-x[8])/n, (y[9]-x[9])/n;
}'
kill "$server"; wait "$server" 2>/dev/null || true; server=
# serve's own closing lines: allocation over its whole run (start-up and warm-up included), and its TUN queue and engine.
grep -E '^(serve: managed|tun .* queue|core 0:)' "$log" | sed 's/^/  /' || true
