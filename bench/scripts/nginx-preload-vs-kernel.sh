#!/usr/bin/env bash
# The Fastsocket paper's experiment with nginx, on one core: the same nginx binary and configuration, once on the
# kernel's TCP stack and once on Fastsocket.NET through LD_PRELOAD (libfastsocket-preload.so over a TUN device), both
# measured by the same wrk in the same run, rounds alternating. Root; everything lives in a network namespace the
# script creates and removes; addresses 198.18.0.0/15 and loopback only; every step bounded in time.
#
#   bench/scripts/nginx-preload-vs-kernel.sh [OUT-FILE]
#
# Two loads, each a row per server: "close", the paper's short-lived connections (wrk sends `Connection: close`, so
# every request is a new connection), and "keep-alive" (every request on one of wrk's connections). The script ends
# with the median of the rounds per load and server, with the range.
#
# Environment: FASTSOCKET_NATIVE_OUT (a folder with libfastsocket.so already published; default: publish into a
# temporary folder), ROUNDS (3), DURATION (wrk seconds per round, 3), CONNECTIONS (wrk connections, 16),
# LOADS ("close keep-alive"), SERVER_CPU (0) and CLIENT_CPU (1): nginx (with the stack's engine thread) and wrk
# are pinned apart.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
out_file=${1:-}
rounds=${ROUNDS:-3}
loads=${LOADS:-close keep-alive}
duration=${DURATION:-3}
connections=${CONNECTIONS:-16}
server_cpu=${SERVER_CPU:-0}
client_cpu=${CLIENT_CPU:-1}
ns=fsnginx$$
tun=fsn$$
work=$(mktemp -d /tmp/nginx-preload.XXXXXX)

[[ $(id -u) == 0 ]] || { echo "needs root (network namespace, TUN)" >&2; exit 2; }
for tool in nginx wrk ip gcc taskset; do command -v $tool > /dev/null || { echo "needs $tool" >&2; exit 2; }; done

cleanup() {
    [[ -f $work/nginx.pid ]] && kill "$(cat "$work/nginx.pid")" 2> /dev/null || true
    ip netns del "$ns" 2> /dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

native=${FASTSOCKET_NATIVE_OUT:-}
if [[ -z $native ]]; then
    native=$work/native
    timeout 900 dotnet publish "$repo/src/Fastsocket.Native" -c Release -r linux-x64 -o "$native" > "$work/publish.log" 2>&1 \
        || { tail -20 "$work/publish.log" >&2; exit 1; }
fi
"$repo/src/Fastsocket.Native/preload/build.sh" "$native" > /dev/null
preload=$native/libfastsocket-preload.so

ip netns add "$ns"
ip -n "$ns" link set lo up
ip -n "$ns" tuntap add dev "$tun" mode tun multi_queue
ip -n "$ns" link set dev "$tun" mtu 1500 txqueuelen 32768
ip -n "$ns" addr add 198.18.0.1/24 dev "$tun"
ip -n "$ns" link set dev "$tun" up

mkdir -p "$work/html" "$work/logs"
head -c 612 /dev/zero | tr '\0' 'x' > "$work/html/index.html"   # the size of nginx's default welcome page
# One configuration for both runs; only the listen address differs (the stack's address on the TUN device, or
# loopback for the kernel).
write_config() {
    cat > "$work/nginx.conf" <<CONF
master_process off;
daemon off;
worker_processes 1;
error_log $work/logs/error.log warn;
pid $work/nginx.pid;
events { worker_connections 4096; }
http {
    access_log off;
    sendfile on;
    keepalive_requests 1000000;
    server { listen $1; root $work/html; }
}
CONF
}

# Starts nginx (under LD_PRELOAD with FASTSOCKET_ENGINE=$2 when $2 is set), waits until it answers at $1, runs wrk
# with load $4 (close or keep-alive), stops nginx; prints the rate.
measure() {
    local address=$1 engine=$2 label=$3 load=$4
    local -a header=()
    [[ $load == close ]] && header=(-H 'Connection: close')
    write_config "$address"
    local -a env=(env)
    [[ -n $engine ]] && env+=(LD_PRELOAD="$preload" FASTSOCKET_TUN="$tun" FASTSOCKET_ADDRESS=198.18.0.2 FASTSOCKET_ENGINE="$engine")
    ip netns exec "$ns" "${env[@]}" timeout $((duration + 30)) taskset -c "$server_cpu" nginx -c "$work/nginx.conf" -p "$work" \
        > "$work/logs/$label.out" 2>&1 &
    local server=$!
    for _ in $(seq 50); do
        ip netns exec "$ns" curl -s -m 1 -o /dev/null "http://$address/" && break
        sleep 0.1
    done
    local report
    report=$(ip netns exec "$ns" timeout $((duration + 15)) taskset -c "$client_cpu" wrk -t1 -c"$connections" -d"${duration}s" "${header[@]}" "http://$address/" 2>&1)
    kill "$server" 2> /dev/null || true
    wait "$server" 2> /dev/null || true
    rm -f "$work/nginx.pid"
    local rate errors
    rate=$(awk '/Requests\/sec/ {print $2}' <<< "$report")
    errors=$(awk '/Socket errors|Non-2xx/ {print}' <<< "$report" | tr '\n' ' ')
    printf '%-36s %12s req/s  %s\n' "$label" "${rate:-failed}" "${errors:-0 errors}"
}

{
    echo "# nginx $(nginx -v 2>&1 | sed 's/.*nginx\///'), $(date -u +%FT%TZ), $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs))"
    echo "# wrk -t1 -c$connections -d${duration}s, nginx pinned to CPU $server_cpu (with the stack's engine thread), wrk to CPU $client_cpu"
    echo "# kernel: nginx on 127.0.0.1 in the namespace; preload: the same nginx under LD_PRELOAD on 198.18.0.2 over TUN,"
    echo "#   the engine on its own thread (FASTSOCKET_ENGINE=thread) or inside nginx's epoll_wait (inline, run to completion)"
    for round in $(seq "$rounds"); do
        for load in $loads; do
            measure 127.0.0.1:8080 "" "round $round $load, kernel" "$load"
            measure 198.18.0.2:8080 thread "round $round $load, preload thread" "$load"
            measure 198.18.0.2:8080 inline "round $round $load, preload inline" "$load"
        done
    done
} | tee "$work/rounds.txt" ${out_file:+"$out_file"}

# The median of the rounds per load and server, with the range (a failed round counts as 0).
{
    echo "# median of $rounds rounds (range), requests/s"
    sed -n 's/^round [0-9]* \([^,]*\), \(.*[^ ]\) \{2,\}\([0-9.]*\|failed\) req\/s.*/\1|\2|\3/p' "$work/rounds.txt" |
        awk -F'|' '{ key = $1 ", " $2; v = ($3 == "failed") ? 0 : $3; n[key]++; vals[key, n[key]] = v; if (!(key in seen)) { seen[key] = 1; order[++k] = key } }
            END {
                for (i = 1; i <= k; i++) {
                    key = order[i]; m = n[key]
                    for (a = 1; a <= m; a++) for (b = a + 1; b <= m; b++) if (vals[key, b] < vals[key, a]) { t = vals[key, a]; vals[key, a] = vals[key, b]; vals[key, b] = t }
                    median = (m % 2) ? vals[key, (m + 1) / 2] : (vals[key, m / 2] + vals[key, m / 2 + 1]) / 2
                    printf "%-36s %10.0f req/s  (%.0f-%.0f)\n", key, median, vals[key, 1], vals[key, m]
                }
            }'
} | tee ${out_file:+-a "$out_file"}
