#!/usr/bin/env bash
# Instructions per whole short connection (SYN, request, response, close, TIME-WAIT and its expiry) through one
# NetworkEngine, counted by valgrind's callgrind: a count, not a time, so it repeats to within a few dozen
# instructions whatever else the machine is doing. Use it to tell whether a change made the hot path dearer.
#
# Usage: bench/scripts/instructions-per-connection.sh [REV...]     (default: HEAD)
# Each REV is checked out into a temporary worktree, its bench/Fastsocket.Benchmarks built in Release with this
# checkout's Program.cs (which has the --connections mode), and run under callgrind for 1,000 and 21,000 connections;
# the difference divided by 20,000 is the per-connection count, free of start-up and JIT work. Tiered compilation is
# off, so every method is compiled once, fully optimized, and the count does not depend on when tier-up happens.
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v valgrind >/dev/null || { echo "valgrind is not installed (apt-get install valgrind)" >&2; exit 2; }
[[ $# -eq 0 ]] && set -- HEAD
program="$PWD/bench/Fastsocket.Benchmarks/Program.cs"
work="$(mktemp -d)"
trap 'for d in "$work"/src-*; do [[ -d $d ]] && git worktree remove --force "$d" >/dev/null 2>&1; done; rm -rf "$work"' EXIT

count() {   # count DIR N -> instructions for N connections
    DOTNET_TieredCompilation=0 DOTNET_TieredPGO=0 timeout 600 valgrind --tool=callgrind --callgrind-out-file=/dev/null \
        "$1/Fastsocket.Benchmarks" --connections "$2" 2>&1 | sed -n 's/.*I *refs: *//p' | tr -d ,
}

printf '%-12s %12s  %s\n' revision instructions subject
for rev in "$@"; do
    sha="$(git rev-parse --short "$rev")"
    src="$work/src-$sha"
    git worktree add --detach -q "$src" "$rev"
    cp "$program" "$src/bench/Fastsocket.Benchmarks/Program.cs"
    dotnet build "$src/bench/Fastsocket.Benchmarks" -c Release -o "$work/bin-$sha" >"$work/build-$sha.log" 2>&1 ||
        { echo "$rev: build failed, see $work/build-$sha.log" >&2; exit 1; }
    small="$(count "$work/bin-$sha" 1000)"
    large="$(count "$work/bin-$sha" 21000)"
    printf '%-12s %12d  %s\n' "$sha" $(( (large - small) / 20000 )) "$(git log -1 --format=%s "$rev" | cut -c1-70)"
done
