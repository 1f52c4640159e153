#!/usr/bin/env bash
# Issue 5's comparison, in one run: `fastsocket serve --http` on 1 core over a TUN device, loaded by wrk with
# `Connection: close` from the kernel side, against a minimal ASP.NET Core app on Kestrel's socket transport over
# loopback, loaded the same way. Everything runs inside a network namespace this script creates and deletes.
# Both servers are pinned to CPU 0 (taskset), wrk is not. Needs root, /dev/net/tun and wrk. Usage: bench/scripts/serve-vs-kestrel.sh [SECONDS]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
duration=${1:-10}
ns=fs-bench-$$
cleanup() { kill %1 %2 2>/dev/null || true; wait 2>/dev/null || true; ip netns del "$ns" 2>/dev/null || true; }
trap cleanup EXIT

dotnet build -c Release src/Fastsocket.Cli >/dev/null
dotnet build -c Release samples/MinimalApi >/dev/null
cli=src/Fastsocket.Cli/bin/Release/net10.0/Fastsocket.Cli.dll
app=samples/MinimalApi/bin/Release/net10.0/MinimalApi.dll
ip netns add "$ns"
ip netns exec "$ns" ip link set lo up

# Both .NET servers run on one CPU, where .NET optimises hot code only after ten times its usual delay unless told.
export DOTNET_TC_DelaySingleProcMultiplier=1
ip netns exec "$ns" taskset -c 0 dotnet "$cli" serve --tun fsb0 --address 198.18.30.2/24 --host-address 198.18.30.1 --cores 1 --http --duration $((duration + 60)) > /tmp/$ns-serve.log 2>&1 &
for _ in $(seq 1 100); do grep -q "ready" /tmp/$ns-serve.log 2>/dev/null && break; sleep 0.2; done
ip netns exec "$ns" wrk -t1 -c64 -d2s -H 'Connection: close' http://198.18.30.2/ >/dev/null
echo "== fastsocket serve --http (TUN, 1 engine core)"
ip netns exec "$ns" wrk -t1 -c64 -d"${duration}s" -H 'Connection: close' http://198.18.30.2/

ASPNETCORE_URLS=http://127.0.0.1:8080 DOTNET_gcServer=0 ip netns exec "$ns" taskset -c 0 dotnet "$app" > /tmp/$ns-kestrel.log 2>&1 &
for _ in $(seq 1 100); do ip netns exec "$ns" curl -s -o /dev/null http://127.0.0.1:8080/ && break; sleep 0.2; done
ip netns exec "$ns" wrk -t1 -c64 -d2s -H 'Connection: close' http://127.0.0.1:8080/ >/dev/null
echo "== Kestrel socket transport (loopback, pinned to 1 CPU)"
ip netns exec "$ns" wrk -t1 -c64 -d"${duration}s" -H 'Connection: close' http://127.0.0.1:8080/
