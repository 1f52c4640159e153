#!/usr/bin/env bash
# SYN flood survival, in one run ("Field-worthy", item 1): a raw-socket sender floods RATE spoofed SYNs a second
# for SECONDS seconds (sources drawn from 198.18.0.0/15 minus the test's own subnets), and during the flood a
# legitimate client on the kernel side opens CONNECTIONS fresh connections on a fixed schedule, each one GET with
# Connection: close. Two targets face the same flood and the same client:
#   kernel  nginx on the Linux stack in its own namespace behind a veth pair, net.ipv4.tcp_syncookies=1
#   tun     `fastsocket serve --http` over a TUN device, the kernel side (flooder, client) in the same namespace
# For each it reports how many connections completed, the share within 3 s, the median and p99 connect+response
# time (a failed connection counts as slower than any), the server's peak RSS (VmHWM), the SYNs sent and what the
# devices and the kernel dropped. The goal: >= 99% within 3 s, median < 100 ms, peak RSS < 1 GB.
#
# Where do the SYN-ACKs to spoofed sources go? In both setups they reach the flooder's namespace, which has none of
# those addresses and does not forward (net.ipv4.ip_forward=0), so it drops them without an RST or ICMP that would
# let the server free the half-open entry early; the script shows that with the namespace's own counters.
#
# Usage: bench/scripts/syn-flood.sh [RATE] [SECONDS]       (defaults: 20000 SYNs/s for 20 s)
# Environment: CONNECTIONS (1000), TARGETS ("kernel tun"), TXQUEUELEN (set the TUN's queue toward the stack to
#   this many packets once serve is up; serve makes it TunDevice.DefaultKernelQueueLength, the kernel's default is
#   500), CORES (serve's engine cores and nginx's workers, 1), JSON (write the results there too), SKIP_BUILD=1 (use
#   the CLI already built).
# Needs root, /dev/net/tun, gcc, nginx, iproute2 and the .NET SDK. Every namespace is deleted on exit.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

rate=${1:-20000}
seconds=${2:-20}
connections=${CONNECTIONS:-1000}
targets=${TARGETS:-kernel tun}
cores=${CORES:-1}
seed=4987
lead=1            # the client starts this long after the flood, once the queues are full
limit_ms=10000    # a connection not done by then is given up (it counts as not completed)
threshold_ms=3000
# Spread the client over the flood so its last connection still has 3 s of flood ahead of it.
window=$((seconds - lead - threshold_ms / 1000 - 1))
if ((window < 1)); then
    echo "syn-flood: SECONDS must be at least $((lead + threshold_ms / 1000 + 2))" >&2
    exit 2
fi
probe_rate=$(((connections + window - 1) / window))

work=$(mktemp -d /tmp/syn-flood.XXXXXX)
tag=$$
namespaces=()
pids=()
cleanup() {
    local pid ns
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    for ns in "${namespaces[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { printf '==> %s\n' "$*" >&2; }

new_namespace() {
    ip netns add "$1"
    namespaces+=("$1")
    ip netns exec "$1" ip link set lo up
    ip netns exec "$1" sysctl -qw net.ipv4.ip_forward=0 net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
}

# vm_hwm PID...: the sum of the processes' peak resident set (VmHWM), in kB.
vm_hwm() {
    local total=0 pid kb
    for pid in "$@"; do
        kb=$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || echo 0)
        total=$((total + ${kb:-0}))
    done
    echo "$total"
}

# nstat_values NS NAME...: "NAME=VALUE ..." of the namespace's absolute SNMP counters.
nstat_values() {
    local ns=$1
    shift
    local out="" name value
    local all
    all=$(ip netns exec "$ns" nstat -asz 2>/dev/null)
    for name in "$@"; do
        value=$(awk -v n="$name" '$1 == n { print $2 }' <<<"$all")
        out+="$name=${value:-0} "
    done
    echo "${out% }"
}

# link_drops NS DEV: "rx_dropped tx_dropped" of the device.
link_drops() {
    ip netns exec "$1" ip -s link show dev "$2" | awk '
        /RX:/ { getline; rx = $4 } /TX:/ { getline; tx = $4 } END { print rx + 0, tx + 0 }'
}

# flood_and_probe NS ADDRESS EXCLUDE: runs the flood from NS at ADDRESS:80 and, from the same namespace, the
# client; leaves the flooder's and the client's lines in $work/flood.out and $work/probe.out.
flood_and_probe() {
    local ns=$1 address=$2 exclude=$3
    ip netns exec "$ns" "$work/synflood" "$address" 80 "$rate" "$seconds" 198.18.0.0/15 "$seed" "$exclude" \
        >"$work/flood.out" 2>&1 &
    local flood=$!
    pids+=("$flood")
    sleep "$lead"
    ip netns exec "$ns" timeout $((seconds + limit_ms / 1000 + 30)) "$work/httpprobe" "$address" 80 "$connections" \
        "$probe_rate" "$limit_ms" "$threshold_ms" >"$work/probe.out" 2>&1 || true
    wait "$flood" || true
    cat "$work/flood.out" "$work/probe.out" >&2
}

results=()

# record TARGET PEAK_KB NOTES: one result row from $work/probe.out and $work/flood.out.
record() {
    local target=$1 peak_kb=$2 notes=$3 probe flood
    probe=$(grep '^httpprobe:' "$work/probe.out" || echo "httpprobe: no result")
    flood=$(grep '^synflood:' "$work/flood.out" || echo "synflood: no result")
    local completed within share median p99 sent refused
    completed=$(sed -n 's/.* completed \([0-9]*\) .*/\1/p' <<<"$probe")
    within=$(sed -n 's/.* within [0-9]* ms \([0-9]*\) .*/\1/p' <<<"$probe")
    share=$(sed -n 's/.* (\([0-9.]*\)%).*/\1/p' <<<"$probe")
    median=$(sed -n 's/.* median \([0-9.a-z]*\) ms.*/\1/p' <<<"$probe")
    p99=$(sed -n 's/.* p99 \([0-9.a-z]*\) ms.*/\1/p' <<<"$probe")
    sent=$(sed -n 's/^synflood: sent \([0-9]*\) .*/\1/p' <<<"$flood")
    refused=$(sed -n 's/.*; \([0-9]*\) refused locally.*/\1/p' <<<"$flood")
    results+=("$target|${completed:-0}|${within:-0}|${share:-0}|${median:-inf}|${p99:-inf}|$((peak_kb / 1024))|${sent:-0}|${refused:-0}|$notes")
}

build_tools() {
    log "building the flooder and the client (gcc)"
    gcc -O2 -Wall -Wextra -o "$work/synflood" tests/tools/synflood.c
    gcc -O2 -Wall -Wextra -o "$work/httpprobe" tests/tools/httpprobe.c -lm
}

run_kernel() {
    local srv=fsflood-k-$tag cli=fsflood-c-$tag
    new_namespace "$srv"
    new_namespace "$cli"
    # Made inside the server's namespace with the peer straight in the client's: the host's interfaces stay untouched.
    ip netns exec "$srv" ip link add fsfk$tag type veth peer name fsfc$tag netns "$cli"
    ip netns exec "$srv" ip addr add 198.18.40.2/24 dev fsfk$tag
    ip netns exec "$srv" ip link set fsfk$tag up
    ip netns exec "$cli" ip addr add 198.18.40.1/24 dev fsfc$tag
    ip netns exec "$cli" ip link set fsfc$tag up
    # Replies to the spoofed sources go back over the veth (as a server's default route would send them).
    ip netns exec "$srv" ip route add 198.18.0.0/15 via 198.18.40.1
    ip netns exec "$srv" sysctl -qw net.ipv4.tcp_syncookies=1

    mkdir -p "$work/nginx"
    cat >"$work/nginx/nginx.conf" <<EOF
worker_processes $cores;
daemon off;
pid $work/nginx/nginx.pid;
error_log stderr warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $work/nginx/body;
    proxy_temp_path $work/nginx/proxy;
    fastcgi_temp_path $work/nginx/fastcgi;
    uwsgi_temp_path $work/nginx/uwsgi;
    scgi_temp_path $work/nginx/scgi;
    server {
        listen 198.18.40.2:80;
        location / { default_type text/plain; return 200 "Hello from nginx\n"; }
    }
}
EOF
    ip netns exec "$srv" nginx -c "$work/nginx/nginx.conf" -p "$work/nginx" >"$work/nginx.log" 2>&1 &
    pids+=($!)
    local ok=0
    for _ in $(seq 1 100); do
        if ip netns exec "$cli" "$work/httpprobe" 198.18.40.2 80 1 1 1000 1000 2>/dev/null | grep -q 'completed 1 '; then
            ok=1
            break
        fi
        sleep 0.1
    done
    ((ok)) || { cat "$work/nginx.log" >&2; echo "syn-flood: nginx did not answer" >&2; exit 1; }

    log "kernel: nginx (tcp_syncookies=1, $cores worker) behind a veth pair; flood $rate SYN/s for $seconds s"
    local before_srv before_cli
    before_srv=$(nstat_values "$srv" TcpExtSyncookiesSent TcpExtListenOverflows TcpExtListenDrops TcpExtTCPReqQFullDrop)
    before_cli=$(nstat_values "$cli" IpInAddrErrors TcpOutRsts IcmpOutMsgs)
    flood_and_probe "$cli" 198.18.40.2 198.18.40.0/24
    local peak
    peak=$(vm_hwm $(ip netns pids "$srv"))
    log "server counters before: $before_srv"
    log "server counters after:  $(nstat_values "$srv" TcpExtSyncookiesSent TcpExtListenOverflows TcpExtListenDrops TcpExtTCPReqQFullDrop)"
    log "flooder side before: $before_cli"
    log "flooder side after:  $(nstat_values "$cli" IpInAddrErrors TcpOutRsts IcmpOutMsgs)"
    record kernel "$peak" "syncookies sent $(nstat_values "$srv" TcpExtSyncookiesSent | cut -d= -f2)"
}

run_tun() {
    local ns=fsflood-t-$tag dev=fsft$tag cli=src/Fastsocket.Cli/bin/Release/net10.0/Fastsocket.Cli.dll
    new_namespace "$ns"
    ip netns exec "$ns" dotnet "$cli" serve --tun "$dev" --address 198.18.41.2/24 --host-address 198.18.41.1 \
        --cores "$cores" --http --duration $((seconds + limit_ms / 1000 + 120)) >"$work/serve.log" 2>&1 &
    local serve=$!
    pids+=("$serve")
    local ok=0
    for _ in $(seq 1 300); do
        if grep -q 'fastsocket: ready' "$work/serve.log"; then
            ok=1
            break
        fi
        sleep 0.2
    done
    ((ok)) || { cat "$work/serve.log" >&2; echo "syn-flood: serve did not get ready" >&2; exit 1; }
    if [[ -n ${TXQUEUELEN:-} ]]; then
        ip netns exec "$ns" ip link set dev "$dev" txqueuelen "$TXQUEUELEN"
    fi
    ip netns exec "$ns" "$work/httpprobe" 198.18.41.2 80 1 1 2000 2000 | grep -q 'completed 1 ' ||
        { cat "$work/serve.log" >&2; echo "syn-flood: serve did not answer" >&2; exit 1; }
    local qlen
    qlen=$(ip netns exec "$ns" ip link show dev "$dev" | sed -n 's/.* qlen \([0-9]*\).*/\1/p')

    log "tun: fastsocket serve --http ($cores core) over $dev (txqueuelen ${qlen:-?}); flood $rate SYN/s for $seconds s"
    local before_drops before_ns
    before_drops=$(link_drops "$ns" "$dev")
    before_ns=$(nstat_values "$ns" IpInAddrErrors TcpOutRsts IcmpOutMsgs)
    flood_and_probe "$ns" 198.18.41.2 198.18.41.0/24
    local after_drops peak
    after_drops=$(link_drops "$ns" "$dev")
    peak=$(vm_hwm "$serve")
    log "TUN $dev drops (rx tx) before: $before_drops, after: $after_drops (tx = kernel -> stack, dropped at the queue)"
    log "kernel side before: $before_ns"
    log "kernel side after:  $(nstat_values "$ns" IpInAddrErrors TcpOutRsts IcmpOutMsgs)"
    kill -TERM "$serve" 2>/dev/null || true
    wait "$serve" 2>/dev/null || true
    grep -E '^(serve:|fastsocket: stopping|engine: SYN cookies)|drop|Drop' "$work/serve.log" >&2 || true
    local tx_before tx_after
    tx_before=${before_drops#* }
    tx_after=${after_drops#* }
    record tun "$peak" "TUN queue drops $((tx_after - tx_before)) (txqueuelen ${qlen:-?})"
}

build_tools
if [[ ${SKIP_BUILD:-0} != 1 ]]; then
    log "building the CLI"
    dotnet build -c Release src/Fastsocket.Cli >/dev/null
fi
log "client: $connections connections at $probe_rate/s from ${lead} s into the flood, each given up after ${limit_ms} ms"
for target in $targets; do
    case $target in
        kernel) run_kernel ;;
        tun) run_tun ;;
        *) echo "syn-flood: unknown target $target" >&2; exit 2 ;;
    esac
done

printf '\nSYN flood: %s SYN/s for %s s from 198.18.0.0/15 (spoofed); %s client connections at %s/s\n' \
    "$rate" "$seconds" "$connections" "$probe_rate"
printf '%-7s %11s %12s %10s %10s %9s %11s  %s\n' target completed "within 3 s" "median ms" "p99 ms" "peak MB" "SYNs sent" notes
for row in "${results[@]}"; do
    IFS='|' read -r target completed within share median p99 peak sent refused notes <<<"$row"
    printf '%-7s %6s/%-4s %11s%% %10s %10s %9s %11s  %s\n' "$target" "$completed" "$connections" "$share" "$median" "$p99" \
        "$peak" "$sent" "$notes${refused:+; $refused refused by the local queue}"
done
if [[ -n ${JSON:-} ]]; then
    {
        printf '{"rate": %s, "seconds": %s, "connections": %s, "results": [' "$rate" "$seconds" "$connections"
        sep=""
        for row in "${results[@]}"; do
            IFS='|' read -r target completed within share median p99 peak sent refused notes <<<"$row"
            [[ $median == inf ]] && median=null
            [[ $p99 == inf ]] && p99=null
            printf '%s{"target": "%s", "completed": %s, "within_3s": %s, "within_3s_percent": %s, "median_ms": %s, "p99_ms": %s, "peak_rss_mb": %s, "syns_sent": %s, "syns_refused_locally": %s, "notes": "%s"}' \
                "$sep" "$target" "$completed" "$within" "$share" "$median" "$p99" "$peak" "$sent" "$refused" "$notes"
            sep=", "
        done
        printf ']}\n'
    } >"$JSON"
fi
