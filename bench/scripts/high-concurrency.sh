#!/usr/bin/env bash
# Issue 13's high-concurrency table, in one run: wrk with many concurrent connections against
#   - `fastsocket serve --http`, one engine pinned to CPU 0, over a TUN device (the kernel is wrk's side), and
#   - nginx, one worker pinned to CPU 0, worker_connections 20000, on the kernel (over loopback),
# first keep-alive (wrk -t1 -c10000 -d8s --latency), then Connection: close (-c4000). wrk runs on CPU 1 with
# `ulimit -n` raised. Prints, per server and load: wrk's timeouts and other socket errors, p99 latency, requests a
# second, and the drops: for serve the kernel's drops at the TUN device and the engine's own (from serve's statistics
# at exit, which also say whether the core was saturated); for nginx the kernel's listen-queue overflows and drops.
#
# Everything runs in a network namespace this script creates and deletes; addresses from 198.18.0.0/15. Needs root,
# /dev/net/tun, wrk and nginx. Usage: bench/scripts/high-concurrency.sh [--duration S] [--keepalive-connections N]
#                                    [--close-connections N] [--cli PATH/Fastsocket.Cli.dll] [--tun-queue-len N]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

duration=8
keepalive_connections=10000
close_connections=4000
cli=""
queue_args=()
while [[ $# -gt 0 ]]; do
    case $1 in
        --duration) duration=$2; shift 2 ;;
        --keepalive-connections) keepalive_connections=$2; shift 2 ;;
        --close-connections) close_connections=$2; shift 2 ;;
        --cli) cli=$2; shift 2 ;;
        --tun-queue-len) queue_args=(--tun-queue-len "$2"); shift 2 ;;
        *) echo "usage: $0 [--duration S] [--keepalive-connections N] [--close-connections N] [--cli DLL] [--tun-queue-len N]" >&2; exit 2 ;;
    esac
done
[[ $duration =~ ^[0-9]+$ && $duration -ge 1 && $duration -le 120 ]] || { echo "--duration: 1 to 120 s" >&2; exit 2; }
[[ $(id -u) -eq 0 ]] || { echo "$0: needs root (namespaces, TUN)" >&2; exit 1; }
[[ $(nproc) -ge 2 ]] || { echo "$0: needs 2 CPUs (server on CPU 0, wrk on CPU 1)" >&2; exit 1; }

work=$(mktemp -d /tmp/high-concurrency.XXXXXX)
ns=fs-hc-$$
declare -A running=()

stop() {
    kill -"${2:-TERM}" "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
    unset "running[$1]"
}

cleanup() {
    local pid
    for pid in "${!running[@]}"; do stop "$pid"; done
    ip netns del "$ns" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

if [[ -z $cli ]]; then
    dotnet build -c Release src/Fastsocket.Cli -o "$work/cli" >/dev/null
    cli=$work/cli/Fastsocket.Cli.dll
fi
# As many descriptors as the machine lets us have (a container may cap the hard limit; 10,000 connections need ~10,100).
ulimit -n 200000 2>/dev/null || ulimit -n "$(ulimit -Hn)"

ip netns add "$ns"
ip -n "$ns" link set lo up
# Room for every connection of the run in the kernel's tables on wrk's side (both servers share the namespace).
ip netns exec "$ns" sysctl -qw net.ipv4.ip_local_port_range="10000 65000" net.core.somaxconn=65535 \
    net.ipv4.tcp_max_syn_backlog=65535 net.ipv4.tcp_tw_reuse=1

wait_for() {
    local count=$1 i
    shift
    for ((i = 0; i < count; i++)); do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    return 1
}

# tun_ready IF ADDR: the kernel routes ADDR through IF, IF is up with its carrier, and the engine behind it answers a
# ping. `ready` on serve's output alone raced the client in lossy-vs-linux.sh ("Network is unreachable").
tun_ready() {
    ip netns exec "$ns" ip -o route get "$2" | grep -q " dev $1 " &&
        ip netns exec "$ns" ip -o link show dev "$1" | grep -q 'LOWER_UP' &&
        ip netns exec "$ns" ping -c 1 -W 1 -q "$2"
}

# tun_gone IF: the device a stopped serve created has left the kernel.
tun_gone() {
    ! ip netns exec "$ns" ip link show dev "$1"
}

# run_wrk NAME URL CONNECTIONS [HEADER]: warms up for 2 s, then runs the measured load; its output goes to $work/NAME.wrk.
run_wrk() {
    local name=$1 url=$2 connections=$3 header=()
    [[ $# -ge 4 ]] && header=(-H "$4")
    ip netns exec "$ns" timeout 30 taskset -c 1 wrk -t1 -c"$connections" -d2s "${header[@]}" "$url" > /dev/null 2>&1 || true
    ip netns exec "$ns" timeout $((duration + 60)) taskset -c 1 wrk -t1 -c"$connections" -d"${duration}s" --timeout 2s --latency \
        "${header[@]}" "$url" > "$work/$name.wrk" 2>&1 || true
}

# wrk_summary NAME: "req/s R, p99 P, timeouts T, other socket errors E".
wrk_summary() {
    awk '
        /Requests\/sec:/ { rps = $2 }
        /^ +99%/ { p99 = $2 }
        /Socket errors:/ { gsub(",", ""); connect = $4; read = $6; write = $8; timeout = $10 }
        /Non-2xx/ { non2xx = $NF }
        END {
            printf "req/s %s, p99 %s, timeouts %d, other socket errors %d", (rps == "" ? "?" : rps), (p99 == "" ? "?" : p99),
                timeout, connect + read + write
            if (non2xx != "") printf ", non-2xx %s", non2xx
        }' "$work/$1.wrk"
}

declare -A summary drops
echo "high-concurrency: wrk -t1 (CPU 1) for ${duration} s; servers on CPU 0; $(nproc) CPUs, kernel $(uname -r), ulimit -n $(ulimit -n)"
echo "fastsocket CLI: $cli (serve runs with DOTNET_TC_DelaySingleProcMultiplier=1: on one CPU .NET otherwise waits 1 s, not 100 ms, before optimising hot code)"

# --- fastsocket serve --http over TUN, one engine on CPU 0 -------------------------------------------------------------
for mode in keepalive close; do
    # A device of its own per load, so the first serve's device is never the one the second is routed through.
    tun=fsh-$mode
    # On one CPU .NET waits ten times longer before it optimises hot code (see src/Fastsocket/Diagnostics/SingleCpuJitTiering.cs): without this
    # the first seconds of each load run unoptimised code. The runtime reads it only from the environment.
    DOTNET_TC_DelaySingleProcMultiplier=1 ip netns exec "$ns" taskset -c 0 dotnet "$cli" serve --tun "$tun" --address 198.18.44.2/24 --host-address 198.18.44.1 \
        --cores 1 --pin --http --port 80 --duration $((duration * 2 + 120)) "${queue_args[@]}" > "$work/serve-$mode.out" 2>&1 &
    serve_pid=$!
    running[$serve_pid]=1
    wait_for 600 grep -q "fastsocket: ready" "$work/serve-$mode.out" || { echo "serve did not start:"; cat "$work/serve-$mode.out"; exit 1; }
    wait_for 100 tun_ready "$tun" 198.18.44.2 ||
        { echo "serve's $tun never became reachable:"; ip -n "$ns" -o link; ip -n "$ns" route; cat "$work/serve-$mode.out"; exit 1; }
    if [[ $mode == keepalive ]]; then
        run_wrk "serve-$mode" http://198.18.44.2/ "$keepalive_connections"
    else
        run_wrk "serve-$mode" http://198.18.44.2/ "$close_connections" "Connection: close"
    fi
    # The kernel's own count, read here before the device goes away (so it does not depend on the CLI reporting it):
    # the Transmit "drop" column of /proc/net/dev, packets the kernel could not queue toward the stack.
    device_drops=$(ip netns exec "$ns" cat /proc/net/dev | awk -v dev="$tun:" '$1 == dev { print $13 }')
    stop "$serve_pid"
    wait_for 100 tun_gone "$tun" || { echo "$tun still there after serve exited"; exit 1; }
    summary[serve,$mode]=$(wrk_summary "serve-$mode")", device drops ${device_drops:-?}"
    drops[serve,$mode]=$(grep -oE 'kernel drops: [^;]*$|kernel drops: .*' "$work/serve-$mode.out" | head -1 || echo "kernel drops: ?")
    drops[serve,$mode]+="; engine $(grep -oE '^engine: drops [0-9]+.*' "$work/serve-$mode.out" | sed 's/^engine: //' || echo "drops ?")"
    drops[serve,$mode]+="; $(grep -oE 'retransmissions [0-9]+ \([^)]*\)' "$work/serve-$mode.out" | head -1 || true)"
    saturated=$(grep -E '^(saturated|queue too short):' "$work/serve-$mode.out" || true)
    [[ -n $saturated ]] && drops[serve,$mode]+="; $saturated"
    cp "$work/serve-$mode.out" "$work/serve-$mode.keep"
done

# --- nginx on the kernel, one worker on CPU 0 ------------------------------------------------------------------------
cat > "$work/nginx.conf" <<EOF
daemon off;
master_process off;
worker_processes 1;
worker_rlimit_nofile $(ulimit -n);
pid $work/nginx.pid;
error_log $work/nginx-error.log warn;
events { worker_connections 20000; }
http {
    access_log off;
    keepalive_requests 1000000;
    client_body_temp_path $work/body;
    proxy_temp_path $work/proxy;
    fastcgi_temp_path $work/fastcgi;
    uwsgi_temp_path $work/uwsgi;
    scgi_temp_path $work/scgi;
    server {
        listen 198.18.44.1:8080 backlog=4096;
        location / { return 200 "Hello from Fastsocket.NET\n"; }
    }
}
EOF
# The serve runs above removed their TUN device with its address; give the kernel the address on loopback instead.
ip -n "$ns" addr add 198.18.44.1/32 dev lo
nstat_nginx() { ip netns exec "$ns" nstat -azs TcpExtListenOverflows TcpExtListenDrops TcpRetransSegs TcpExtTCPTimeouts 2>/dev/null |
    awk '/^Tcp/ { c[$1] = $2 } END { printf "%d %d %d %d", c["TcpExtListenOverflows"], c["TcpExtListenDrops"], c["TcpRetransSegs"], c["TcpExtTCPTimeouts"] }'; }
for mode in keepalive close; do
    ip netns exec "$ns" taskset -c 0 nginx -c "$work/nginx.conf" > "$work/nginx-$mode.out" 2>&1 &
    nginx_pid=$!
    running[$nginx_pid]=1
    wait_for 100 ip netns exec "$ns" sh -c 'ss -ltn | grep -q "198.18.44.1:8080"' || { echo "nginx did not start:"; cat "$work/nginx-$mode.out" "$work/nginx-error.log"; exit 1; }
    before=$(nstat_nginx)
    if [[ $mode == keepalive ]]; then
        run_wrk "nginx-$mode" http://198.18.44.1:8080/ "$keepalive_connections"
    else
        run_wrk "nginx-$mode" http://198.18.44.1:8080/ "$close_connections" "Connection: close"
    fi
    after=$(nstat_nginx)
    stop "$nginx_pid"
    summary[nginx,$mode]=$(wrk_summary "nginx-$mode")
    drops[nginx,$mode]=$(awk -v b="$before" -v a="$after" 'BEGIN { split(b, x, " "); split(a, y, " ");
        printf "kernel (both ends): listen overflows %d, listen drops %d, retransmitted segments %d, timeouts %d", y[1] - x[1], y[2] - x[2], y[3] - x[3], y[4] - x[4] }')
done

echo
printf '%-44s %s\n' "load / server" "result"
for mode in keepalive close; do
    if [[ $mode == keepalive ]]; then load="keep-alive -c$keepalive_connections"; else load="Connection: close -c$close_connections"; fi
    printf '%-44s %s\n' "$load / fastsocket serve (TUN, 1 engine)" "${summary[serve,$mode]}"
    printf '%-44s   %s\n' "" "${drops[serve,$mode]}"
    printf '%-44s %s\n' "$load / nginx (kernel, 1 worker)" "${summary[nginx,$mode]}"
    printf '%-44s   %s\n' "" "${drops[nginx,$mode]}"
done
echo
for mode in keepalive close; do
    echo "--- serve statistics ($mode)"
    grep -E '^(serve|engine|tun|core|saturated|queue too short)' "$work/serve-$mode.keep" | sed 's/^/  /'
    echo "--- wrk against serve ($mode)"
    sed 's/^/  /' "$work/serve-$mode.wrk"
    echo "--- wrk against nginx ($mode)"
    sed 's/^/  /' "$work/nginx-$mode.wrk"
done
