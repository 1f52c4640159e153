#!/usr/bin/env bash
# Runs packetdrill's TCP scripts against Fastsocket.NET: packetdrill loads libfastsocket.so in its shared-object
# mode (--so_filename) and drives the stack packet by packet on the stack's virtual clock.
#
#   tests/packetdrill/run.sh                 build, publish, run tiers A and B then the rest; write results.tsv
#   tests/packetdrill/run.sh --tiers A,B     only those tiers (A, B, C as in tiers.tsv)
#   tests/packetdrill/run.sh --only a.pkt,b/c.pkt   only these scripts (paths under gtests/net/tcp)
#   tests/packetdrill/run.sh --prepare       only build packetdrill and publish the library, print their paths
#   tests/packetdrill/run.sh --results FILE  write the per-script results there (default: tests/packetdrill/results.tsv;
#                                            "-" for none)
#
# Environment: PACKETDRILL_SRC (packetdrill's source tree; default: ../shared/third_party/packetdrill beside the
# repository), PACKETDRILL_WORK (build and scratch folder; default /tmp/fastsocket-packetdrill), FASTSOCKET_LIB (use
# this libfastsocket.so instead of publishing one), PACKETDRILL_TIMEOUT (seconds of real time per script; 30).
#
# Packetdrill is GPL-2.0 test tooling: it is built in the scratch folder from an unmodified copy plus
# code-getsockopt.patch (its Python TCP_INFO blocks then read our getsockopt instead of the kernel's); none of it
# enters the repository. Each script runs in its own network namespace (unshare -n), so the sysctl, tc and ip lines
# some scripts carry cannot touch the host. The last line printed is "N passed, N failed".
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
work="${PACKETDRILL_WORK:-/tmp/fastsocket-packetdrill}"
timeout_s="${PACKETDRILL_TIMEOUT:-30}"
tiers="A,B,C"
only=""
results="$here/results.tsv"
prepare_only=0

while [[ $# -gt 0 ]]; do
    case "$1" in
        --tiers) tiers="$2"; shift 2 ;;
        --only) only="$2"; shift 2 ;;
        --results) results="$2"; shift 2 ;;
        --prepare) prepare_only=1; shift ;;
        *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done

log() { printf '==> %s\n' "$*" >&2; }

find_source() {
    local candidate
    for candidate in "${PACKETDRILL_SRC:-}" "$root/../shared/third_party/packetdrill" \
        "$root/../../shared/third_party/packetdrill" "/work/shared/third_party/packetdrill"; do
        if [[ -n $candidate && -f $candidate/gtests/net/packetdrill/packetdrill.h ]]; then
            (cd "$candidate" && pwd)
            return 0
        fi
    done
    return 1
}

src="$(find_source)" || { echo "run.sh: packetdrill source not found (set PACKETDRILL_SRC)" >&2; exit 3; }
for tool in bison flex gcc make unshare python3; do
    command -v "$tool" >/dev/null || { echo "run.sh: $tool is missing (apt-get install -y bison flex gcc make util-linux python3)" >&2; exit 3; }
done

# 1. packetdrill, built once per source and patch (a stamp records both).
mkdir -p "$work"
stamp="$(cd "$src/gtests/net/packetdrill" && find . -type f -print0 | sort -z | xargs -0 cat | sha256sum | cut -c1-16)-$(sha256sum < "$here/code-getsockopt.patch" | cut -c1-16)"
packetdrill="$work/build/gtests/net/packetdrill/packetdrill"
if [[ ! -x $packetdrill || "$(cat "$work/build.stamp" 2>/dev/null)" != "$stamp" ]]; then
    log "building packetdrill from $src"
    rm -rf "$work/build"
    cp -r "$src" "$work/build"
    chmod -R u+w "$work/build"
    (cd "$work/build" && patch -p1 -s < "$here/code-getsockopt.patch")
    (cd "$work/build/gtests/net/packetdrill" && ./configure >/dev/null && make -j"$(nproc)" packetdrill >"$work/build.log" 2>&1) ||
        { tail -20 "$work/build.log" >&2; echo "run.sh: packetdrill did not build" >&2; exit 3; }
    echo "$stamp" > "$work/build.stamp"
fi

# 2. libfastsocket.so (NativeAOT: needs clang and zlib1g-dev).
lib="${FASTSOCKET_LIB:-}"
if [[ -z $lib ]]; then
    log "publishing src/Fastsocket.Native"
    dotnet publish "$root/src/Fastsocket.Native" -c Release -r linux-x64 -o "$work/lib" -nologo -v quiet >"$work/publish.log" 2>&1 ||
        { tail -30 "$work/publish.log" >&2; echo "run.sh: libfastsocket.so did not publish" >&2; exit 3; }
    lib="$work/lib/libfastsocket.so"
fi

# 3. The scripts, with defaults.sh replaced for this mode.
rm -rf "$work/scripts"
mkdir -p "$work/scripts"
cp -r "$src/gtests/net/tcp" "$src/gtests/net/common" "$work/scripts/"
chmod -R u+w "$work/scripts"
cp "$here/defaults.sh" "$work/scripts/common/defaults.sh"
cp "$here/defaults.sh" "$work/scripts/tcp/common/defaults.sh"
chmod +x "$work/scripts/common/defaults.sh" "$work/scripts/tcp/common/defaults.sh"

if [[ $prepare_only -eq 1 ]]; then
    echo "packetdrill=$packetdrill"
    echo "lib=$lib"
    echo "scripts=$work/scripts/tcp"
    exit 0
fi

# The knobs Linux's defaults.sh sets with sysctls (see defaults.sh).
SO_FLAGS="rmem=15728640 wmem=262144 syn_retries=5 sysctls=1"

# IPv4 variant, as packetdrill's run_all.py runs it.
ipv4_args=(--ip_version=ipv4 --local_ip=192.168.0.1 --gateway_ip=192.168.0.1 --netmask_ip=255.255.0.0
    --remote_ip=192.0.2.1 -D TFO_COOKIE=3021b9d889017eeb -D CODE=host_unreachable -D CMSG_LEVEL_IP=SOL_IP
    -D CMSG_TYPE_RECVERR=IP_RECVERR)

# Tier A first, then B, then C; within a tier in tiers.tsv's order.
mapfile -t entries < <(for t in A B C; do
    [[ ",$tiers," == *",$t,"* ]] || continue
    awk -F'\t' -v t="$t" 'substr($2, 1, 1) == t { print $1 "\t" substr($2, 1, 1) }' "$here/tiers.tsv"
done)
if [[ -n $only ]]; then
    mapfile -t entries < <(for e in "${entries[@]}"; do
        [[ ",$only," == *",${e%%$'\t'*},"* ]] && echo "$e"
    done)
fi

passed=0
failed=0
rows=()
for entry in "${entries[@]}"; do
    script="${entry%%$'\t'*}"
    tier="${entry##*$'\t'}"
    dir="$work/scripts/tcp/$(dirname "$script")"
    rc=0
    output="$(cd "$dir" && timeout --kill-after=5 "$timeout_s" unshare -n "$packetdrill" --so_filename="$lib" \
        --so_flags="$SO_FLAGS" "${ipv4_args[@]}" "$(basename "$script")" 2>&1)" || rc=$?
    note=""
    if grep -q '%{' "$dir/$(basename "$script")"; then
        note="TCP_INFO blocks read through libfastsocket's getsockopt"
    fi
    if [[ $rc -eq 0 ]]; then
        result=PASS
        passed=$((passed + 1))
    else
        result=FAIL
        failed=$((failed + 1))
        if [[ $rc -eq 124 || $rc -eq 137 ]]; then
            note="timed out after ${timeout_s}s of real time"
        else
            # The first line that names the script (packetdrill's error), else the first line at all.
            note="$(grep -m1 -E '\.pkt:[0-9]+: ' <<<"$output" || head -n1 <<<"$output")"
            note="${note//$'\t'/ }"
        fi
    fi
    printf '%s\t%s\t%s\t%s\n' "$result" "$tier" "$script" "$note" >&2
    rows+=("$(printf '%s\t%s\t%s\t%s' "$result" "$tier" "$script" "$note")")
done

if [[ $results != "-" ]]; then
    {
        printf '# packetdrill (IPv4 variant) against libfastsocket.so; made by tests/packetdrill/run.sh\n'
        printf '# result\ttier\tscript\tfirst error line, or a note\twhy (explanations.tsv, for failures)\n'
        for row in "${rows[@]}"; do
            IFS=$'\t' read -r r _ s _ <<<"$row"
            why=""
            [[ $r == FAIL ]] && why="$(awk -F'\t' -v s="$s" '$1 == s { print $2 }' "$here/explanations.tsv")"
            printf '%s\t%s\n' "$row" "$why"
        done
    } > "$results"
fi

printf '%d passed, %d failed\n' "$passed" "$failed"
[[ $failed -eq 0 ]]
