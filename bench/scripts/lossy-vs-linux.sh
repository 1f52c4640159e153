#!/usr/bin/env bash
# Issue 13's loss table, in one command: the same echo of BYTES (20 MB by default; socat sends a file, reads the echo
# back, and its SHA-256 must match) under 1%, 3% and 5% loss each way, then 3% loss with 1% reordering and 1%
# duplication, for
#   - Linux talking to Linux over a veth pair (server: socat + cat in a second namespace), and
#   - Linux talking to `fastsocket serve --echo` over a TUN device (one engine core),
# each the median of RUNS runs with the range. The impairment is ours (bench/tools/nfq-impair, compiled here with
# gcc): iptables queues every TCP packet the client's kernel sends or receives on the link to it through NFQUEUE,
# and it drops, holds back (reorders) or duplicates each one by a seeded generator. Run k of a condition uses seed
# k in both rows, so both see the same decisions for the n-th packet of each direction. The client's kernel is the
# same in both rows; only the server differs.
#
# Also prints the servers' retransmission counters, summed over the runs: for Fastsocket.NET its statistics at exit
# (retransmissions, fast, by timeout), for Linux the server namespace's TcpRetransSegs, TCPFastRetrans, TCPTimeouts
# and TCPLossProbes.
#
# The kernels' congestion control is the machine's default (net.ipv4.tcp_congestion_control, often bbr) unless
# --linux-cc names one (cubic is what Fastsocket.NET runs); socat then sets it on its sockets (TCP_CONGESTION), so
# the client's kernel runs it in both rows and the Linux server in the first. (A namespace's default cannot be set
# here: outside the initial namespace the kernel allows only the algorithms of tcp_allowed_congestion_control.)
#
# Each Fastsocket.NET run starts a fresh `serve` on a device of its own name, and the transfer starts only once the
# kernel routes the server's address through that device, the link is up and the engine answers a ping. With one
# device name for every run and only `ready` on serve's output waited for, about one run in five failed at socat's
# connect with "Network is unreachable" (cause not pinned down; none in 80 runs since).
#
# Needs root, /dev/net/tun, iptables, socat, gcc and libnetfilter-queue-dev. Makes and removes its own namespaces;
# addresses from 198.18.0.0/15 only; every transfer is bounded by --timeout and every wait by a count.
# Usage: bench/scripts/lossy-vs-linux.sh [--runs N] [--bytes N] [--timeout S] [--cli PATH/Fastsocket.Cli.dll]
#                                        [--rows linux,fastsocket] [--conditions "LOSS:REORDER:DUP ..."]
#                                        [--linux-cc NAME]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

runs=5
bytes=$((20 * 1024 * 1024))
transfer_timeout=60
cli=""
rows="linux,fastsocket"
linux_cc=""
conditions="0.01:0:0 0.03:0:0 0.05:0:0 0.03:0.01:0.01"
while [[ $# -gt 0 ]]; do
    case $1 in
        --runs) runs=$2; shift 2 ;;
        --bytes) bytes=$2; shift 2 ;;
        --timeout) transfer_timeout=$2; shift 2 ;;
        --cli) cli=$2; shift 2 ;;
        --rows) rows=$2; shift 2 ;;
        --conditions) conditions=$2; shift 2 ;;
        --linux-cc) linux_cc=$2; shift 2 ;;
        *) echo "usage: $0 [--runs N] [--bytes N] [--timeout S] [--cli DLL] [--rows linux,fastsocket] [--conditions \"L:R:D ...\"] [--linux-cc NAME]" >&2; exit 2 ;;
    esac
done
[[ $runs =~ ^[0-9]+$ && $runs -ge 1 && $runs -le 50 ]] || { echo "--runs: 1 to 50" >&2; exit 2; }
[[ $transfer_timeout =~ ^[0-9]+$ && $transfer_timeout -ge 1 && $transfer_timeout -le 600 ]] || { echo "--timeout: 1 to 600 s" >&2; exit 2; }
[[ $(id -u) -eq 0 ]] || { echo "$0: needs root (namespaces, TUN, iptables)" >&2; exit 1; }
cc_option=""
if [[ -n $linux_cc ]]; then
    cc_option=",setsockopt-string=6:13:$linux_cc"   # IPPROTO_TCP, TCP_CONGESTION
    [[ " $(sysctl -n net.ipv4.tcp_available_congestion_control) " == *" $linux_cc "* ]] ||
        { echo "--linux-cc: '$linux_cc' is not one of: $(sysctl -n net.ipv4.tcp_available_congestion_control)" >&2; exit 2; }
fi

work=$(mktemp -d /tmp/lossy-vs-linux.XXXXXX)
tag=$$
ns_client=fs-lvl-c$tag   # Linux row: client
ns_server=fs-lvl-s$tag   # Linux row: server
ns_tun=fs-lvl-t$tag      # Fastsocket row: client kernel and `serve` on its TUN device
mark=0x1d
# Background processes still running (relay, servers): stopped at exit, and only those.
declare -A running=()

# stop PID [SIGNAL]: signals a process this script started and waits for it.
stop() {
    kill -"${2:-TERM}" "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
    unset "running[$1]"
}

cleanup() {
    local pid
    for pid in "${!running[@]}"; do stop "$pid"; done
    ip netns del "$ns_client" 2>/dev/null || true
    ip netns del "$ns_server" 2>/dev/null || true
    ip netns del "$ns_tun" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

# The relay.
relay=$work/nfq-impair
gcc -O2 -Wall -o "$relay" bench/tools/nfq-impair/nfq-impair.c -lnetfilter_queue

if [[ -z $cli ]]; then
    dotnet build -c Release src/Fastsocket.Cli -o "$work/cli" >/dev/null
    cli=$work/cli/Fastsocket.Cli.dll
    cli_origin="built from $(git rev-parse --short HEAD 2>/dev/null || echo "an unknown commit")$(git diff --quiet HEAD 2>/dev/null || echo " with uncommitted changes")"
else
    cli_origin="given with --cli"
fi

head -c "$bytes" /dev/urandom > "$work/in.bin"
sent_hash=$(sha256sum < "$work/in.bin" | cut -d' ' -f1)

# wait_for COUNT CMD...: runs CMD every 0.1 s until it succeeds, at most COUNT times.
wait_for() {
    local count=$1 i
    shift
    for ((i = 0; i < count; i++)); do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    return 1
}

# new_namespace NS: creates NS with its loopback up.
new_namespace() {
    ip netns add "$1"
    ip -n "$1" link set lo up
}

# tun_ready IF ADDR: the kernel of the TUN row routes ADDR through IF, IF is up with its carrier, and the engine
# behind it answers an ICMP echo (no TCP yet, so the relay is not involved and serve counts no extra connection).
tun_ready() {
    ip netns exec "$ns_tun" ip -o route get "$2" | grep -q " dev $1 " &&
        ip netns exec "$ns_tun" ip -o link show dev "$1" | grep -q 'LOWER_UP' &&
        ip netns exec "$ns_tun" ping -c 1 -W 1 -q "$2"
}

# tun_gone IF: the device a stopped serve created has left the kernel.
tun_gone() {
    ! ip netns exec "$ns_tun" ip link show dev "$1"
}

# impair_rules NS IF: queue the client's TCP on IF to the relay, outgoing on queue 0, incoming on queue 1. The
# relay's own copies carry $mark and pass.
impair_rules() {
    ip netns exec "$1" iptables -A OUTPUT -o "$2" -p tcp -m mark ! --mark "$mark" -j NFQUEUE --queue-num 0
    ip netns exec "$1" iptables -A INPUT -i "$2" -p tcp -j NFQUEUE --queue-num 1
}

# start_relay NS LOSS REORDER DUP SEED: starts the relay in NS and waits until it is bound; sets relay_pid.
start_relay() {
    rm -f "$work/relay.ready"
    ip netns exec "$1" "$relay" --queue 0 --queue 1 --loss "$2" --reorder "$3" --duplicate "$4" --seed "$5" \
        --mark "$mark" --max-seconds $((transfer_timeout + 60)) --ready-file "$work/relay.ready" > "$work/relay.out" 2>&1 &
    relay_pid=$!
    running[$relay_pid]=1
    wait_for 100 test -e "$work/relay.ready" || { echo "relay did not start:"; cat "$work/relay.out"; exit 1; }
}

# stop_relay: stops the relay and adds its counters (seen, dropped, reordered, duplicated; both queues) to relay_sum.
stop_relay() {
    stop "$relay_pid"
    relay_sum=$(awk -v s="$relay_sum" '/^nfq-impair queue/ { a += $5; b += $9; c += $11; d += $13 } END {
        split(s, t, " "); printf "%d %d %d %d", t[1] + a, t[2] + b, t[3] + c, t[4] + d }' "$work/relay.out")
}

relay_line() {
    awk -v s="$relay_sum" 'BEGIN { split(s, t, " "); printf "relay saw %d packets: dropped %d (%.2f%%), reordered %d, duplicated %d",
        t[1], t[2], t[1] ? 100 * t[2] / t[1] : 0, t[3], t[4] }'
}

# echo_once NS ADDR: sends the file, reads the echo back; prints seconds, or "fail" (timeout or wrong bytes).
echo_once() {
    rm -f "$work/out.bin"
    local start end rc=0 errors
    touch "$work/socat.err"; errors=$(wc -l < "$work/socat.err")
    start=$(date +%s.%N)
    timeout --kill-after=5 "$transfer_timeout" ip netns exec "$1" socat -b 65536 -t "$transfer_timeout" -T "$transfer_timeout" \
        "TCP:$2:7,connect-timeout=5$cc_option" "OPEN:$work/in.bin,rdonly!!OPEN:$work/out.bin,wronly,creat,trunc" 2>>"$work/socat.err" || rc=$?
    end=$(date +%s.%N)
    if [[ $rc -eq 0 && -f $work/out.bin && $(sha256sum < "$work/out.bin" | cut -d' ' -f1) == "$sent_hash" ]]; then
        awk -v s="$start" -v e="$end" 'BEGIN { printf "%.2f\n", e - s }'
    else
        # What the kernel saw at the failure, for the record (socat's message is above it in socat.err).
        { echo "failed run: rc $rc; route: $(ip netns exec "$1" ip -o route get "$2" 2>&1 | head -1)"
          ip netns exec "$1" ip -o link 2>&1 | sed 's/^/  link: /'; } >> "$work/socat.err"
        echo fail
    fi
    tail -n +"$((errors + 1))" "$work/socat.err" >&2 2>/dev/null || true
}

# summary TIME...: "median (min-max), k/n ok" of the numeric arguments; "fail" ones only count against k.
summary() {
    local n=$# ok
    ok=$(printf '%s\n' "$@" | grep -v fail | sort -g || true)
    local k
    k=$(printf '%s' "$ok" | grep -c . || true)
    if [[ $k -eq 0 ]]; then
        echo "all $n failed"
        return
    fi
    printf '%s\n' "$ok" | awk -v n="$n" -v k="$k" '{ v[NR] = $1 } END {
        m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
        printf "%.2f s (%.2f-%.2f)%s", m, v[1], v[NR], (k < n ? sprintf(", %d/%d ok", k, n) : "") }'
    echo
}

linux_counters() {
    ip netns exec "$1" nstat -azs TcpRetransSegs TcpExtTCPFastRetrans TcpExtTCPTimeouts TcpExtTCPLossProbes 2>/dev/null |
        awk '/^Tcp/ { c[$1] = $2 } END { printf "%d %d %d %d\n", c["TcpRetransSegs"], c["TcpExtTCPFastRetrans"], c["TcpExtTCPTimeouts"], c["TcpExtTCPLossProbes"] }'
}

describe() {
    local loss reorder dup
    IFS=: read -r loss reorder dup <<<"$1"
    awk -v l="$loss" -v r="$reorder" -v d="$dup" 'BEGIN {
        s = sprintf("%g%% loss", l * 100)
        if (r > 0) s = s sprintf(" + %g%% reorder", r * 100)
        if (d > 0) s = s sprintf(" + %g%% dup", d * 100)
        print s }'
}

declare -A result counters
echo "lossy-vs-linux: $(awk -v b="$bytes" 'BEGIN { printf "%g", b / 1048576 }') MB echo, $runs runs per cell, ${transfer_timeout} s limit per transfer, $(nproc) CPUs, kernel $(uname -r)"
echo "fastsocket CLI: $cli ($cli_origin)"
cc_line=${linux_cc:-"$(sysctl -n net.ipv4.tcp_congestion_control) (the default here)"}
echo "kernel congestion control: $cc_line; load average $(cut -d' ' -f1-3 /proc/loadavg)"

if [[ ,$rows, == *,linux,* ]]; then
    new_namespace "$ns_client"
    new_namespace "$ns_server"
    ip -n "$ns_client" link add vc type veth peer name vs netns "$ns_server"
    ip -n "$ns_client" addr add 198.18.40.1/24 dev vc
    ip -n "$ns_server" addr add 198.18.40.2/24 dev vs
    ip -n "$ns_client" link set vc up
    ip -n "$ns_server" link set vs up
    impair_rules "$ns_client" vc
    ip netns exec "$ns_server" socat -b 65536 -t "$transfer_timeout" -T "$transfer_timeout" "TCP-LISTEN:7,reuseaddr,fork$cc_option" EXEC:cat > "$work/linux-server.out" 2>&1 &
    running[$!]=1
    wait_for 50 ip netns exec "$ns_server" sh -c 'ss -ltn | grep -q ":7 "' || { echo "Linux echo server did not start"; exit 1; }
    for condition in $conditions; do
        IFS=: read -r loss reorder dup <<<"$condition"
        before=$(linux_counters "$ns_server")
        times=()
        relay_sum="0 0 0 0"
        for ((run = 1; run <= runs; run++)); do
            start_relay "$ns_client" "$loss" "$reorder" "$dup" "$run"
            times+=("$(echo_once "$ns_client" 198.18.40.2)")
            stop_relay
        done
        after=$(linux_counters "$ns_server")
        result[linux,$condition]=$(summary "${times[@]}")
        counters[linux,$condition]=$(paste -d' ' <(tr ' ' '\n' <<<"$before") <(tr ' ' '\n' <<<"$after") |
            awk '{ d[NR] = $2 - $1 } END { printf "retransmitted %d, fast %d, timeouts %d, loss probes %d", d[1], d[2], d[3], d[4] }')
        echo "  linux      $(describe "$condition"): ${times[*]} ($(relay_line); load average $(cut -d" " -f1-3 /proc/loadavg))"
    done
fi

if [[ ,$rows, == *,fastsocket,* ]]; then
    new_namespace "$ns_tun"
    for condition in $conditions; do
        IFS=: read -r loss reorder dup <<<"$condition"
        times=()
        sum="0 0 0"
        relay_sum="0 0 0 0"
        for ((run = 1; run <= runs; run++)); do
            # A name of its own per run: the previous run's device is never the one being configured or routed to.
            tun=fsl$run
            ip netns exec "$ns_tun" dotnet "$cli" serve --tun "$tun" --address 198.18.41.2/24 --host-address 198.18.41.1 \
                --cores 1 --echo --port 7 --duration $((transfer_timeout + 120)) > "$work/serve.out" 2>&1 &
            serve_pid=$!
            running[$serve_pid]=1
            wait_for 600 grep -q "fastsocket: ready" "$work/serve.out" || { echo "serve did not start:"; cat "$work/serve.out"; exit 1; }
            wait_for 100 tun_ready "$tun" 198.18.41.2 ||
                { echo "serve's $tun never became reachable:"; ip -n "$ns_tun" -o link; ip -n "$ns_tun" route; cat "$work/serve.out"; exit 1; }
            impair_rules "$ns_tun" "$tun"
            start_relay "$ns_tun" "$loss" "$reorder" "$dup" "$run"
            times+=("$(echo_once "$ns_tun" 198.18.41.2)")
            stop_relay
            stop "$serve_pid"
            if [[ ${times[-1]} == fail ]]; then
                # What the server saw of the failed run, beside socat's message and the kernel's state.
                sed 's/^/  serve: /' "$work/serve.out" >> "$work/socat.err"
                sed 's/^/  serve: /' "$work/serve.out" >&2
            fi
            ip netns exec "$ns_tun" iptables -F
            wait_for 100 tun_gone "$tun" || { echo "$tun still there after serve exited"; exit 1; }
            line=$(grep -o 'retransmissions [0-9]* (fast [0-9]*, timeouts [0-9]*' "$work/serve.out" || echo "retransmissions 0 (fast 0, timeouts 0")
            sum=$(awk -v s="$sum" -v l="$line" 'BEGIN { split(s, a, " "); gsub(/[^0-9 ]/, "", l); split(l, b, " ");
                printf "%d %d %d", a[1] + b[1], a[2] + b[2], a[3] + b[3] }')
            cp "$work/serve.out" "$work/serve-last.out"
        done
        result[fastsocket,$condition]=$(summary "${times[@]}")
        counters[fastsocket,$condition]=$(awk -v s="$sum" 'BEGIN { split(s, a, " ");
            printf "retransmitted %d, fast %d, timeouts %d (%.0f%% by timeout)", a[1], a[2], a[3], a[1] ? 100 * a[3] / a[1] : 0 }')
        echo "  fastsocket $(describe "$condition"): ${times[*]} ($(relay_line); load average $(cut -d" " -f1-3 /proc/loadavg))"
    done
fi

echo
printf '%-32s | %-30s | %-30s\n' "condition (each way)" "Linux -> Linux (veth)" "Linux -> Fastsocket.NET (TUN)"
printf '%-32s-+-%-30s-+-%-30s\n' "--------------------------------" "------------------------------" "------------------------------"
for condition in $conditions; do
    printf '%-32s | %-30s | %-30s\n' "$(describe "$condition")" "${result[linux,$condition]:-not run}" "${result[fastsocket,$condition]:-not run}"
done
echo
echo "Server retransmissions, summed over the $runs runs of each condition:"
for condition in $conditions; do
    [[ -n ${counters[linux,$condition]:-} ]] && printf '  %-32s Linux:          %s\n' "$(describe "$condition")" "${counters[linux,$condition]}"
    [[ -n ${counters[fastsocket,$condition]:-} ]] && printf '  %-32s Fastsocket.NET: %s\n' "$(describe "$condition")" "${counters[fastsocket,$condition]}"
done
if [[ -f $work/serve-last.out ]]; then
    echo
    echo "Last serve's statistics:"
    grep -E '^(engine|tun|serve):' "$work/serve-last.out" | sed 's/^/  /'
fi
