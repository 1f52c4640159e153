#!/usr/bin/env bash
# Packs the solution as the README's "Quick start" does, checks that exactly the three packages come out, installs
# the tool from them into a throw-away folder and runs the README's first command with it, kept short. Not part of
# .ci/run (a pack is a full Release build); run it by hand before a release or after changing the packaging.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

dotnet pack Fastsocket.sln -c Release -o "$work/packages" >&2

version=$(sed -n 's:.*<VersionPrefix>\(.*\)</VersionPrefix>.*:\1:p' Directory.Build.props)
expected=("Fastsocket.$version.nupkg" "Fastsocket.AspNetCore.$version.nupkg" "Fastsocket.Tool.$version.nupkg")
mapfile -t produced < <(cd "$work/packages" && ls -1 -- *.nupkg | sort)
if [[ "${produced[*]}" != "$(printf '%s\n' "${expected[@]}" | sort | tr '\n' ' ' | sed 's/ $//')" ]]; then
    printf 'pack-check: expected %s, got %s\n' "${expected[*]}" "${produced[*]}" >&2
    exit 1
fi

# The NuGet cache keeps a package by id and version; a fresh one makes sure this build's tool is the one tested.
export NUGET_PACKAGES="$work/nuget-cache"
dotnet tool install --tool-path "$work/tools" --add-source "$work/packages" Fastsocket.Tool >&2
"$work/tools/fastsocket" --version
"$work/tools/fastsocket" bench --designs fastsocket --no-kernel --duration 1 --warmup 1 --json >"$work/bench.json"
grep -q '"design": "fastsocket"' "$work/bench.json"
echo "pack-check: ${expected[*]} packed; fastsocket installed from them and ran a bench"
