#!/usr/bin/env bash
# Regenerates PublicAPI.Unshipped.txt of each project with a public API baseline (see Directory.Build.props) from
# what the compiler sees: the file is emptied, the project is built with warnings not as errors, and every symbol
# the analyzer reports as undeclared (RS0016) is written back, sorted. PublicAPI.Shipped.txt is left alone, so a
# shipped member stays there and only new members land in Unshipped; a member removed from the code simply
# disappears from Unshipped (a shipped one that is gone still fails the build with RS0017: move it by hand, as a
# release note). Review the diff afterwards: every line is an API change.
# Usage: eng/update-public-api.sh [Release|Debug]   (from anywhere; builds the projects, takes a few minutes)
set -euo pipefail
cd "$(dirname "$0")/.."
configuration="${1:-Release}"
projects=(src/Fastsocket src/Fastsocket.AspNetCore)   # dependencies first

for project in "${projects[@]}"; do
    unshipped="$project/PublicAPI.Unshipped.txt"
    shipped="$project/PublicAPI.Shipped.txt"
    [[ -f "$shipped" ]] || printf '#nullable enable\n' > "$shipped"
    printf '#nullable enable\n' > "$unshipped"
    log="$(mktemp)"
    # --no-incremental: the analyzer must see the emptied file; RS0016 alone is reported as a warning here.
    dotnet build "$project" -c "$configuration" --no-incremental -p:TreatWarningsAsErrors=false \
        -p:WarningsAsErrors= -p:MSBuildTreatWarningsAsErrors=false > "$log" 2>&1 || true
    if grep -qE ': error ' "$log"; then
        grep -E ': error ' "$log" | sort -u >&2
        rm -f "$log"
        echo "update-public-api: $project does not build; fix that first" >&2
        exit 1
    fi
    # Message: Symbol 'NAME' is not part of the declared public API (URL) [project]. NAME is in the file's format.
    projectFile="$(cd "$project" && pwd)/$(basename "$project").csproj"
    {
        printf '#nullable enable\n'
        grep -F "warning RS0016:" "$log" | grep -F "[$projectFile" \
            | sed -E "s/.*warning RS0016: Symbol '(.*)' is not part of the declared public API.*/\1/" \
            | LC_ALL=C sort -u
    } > "$unshipped"
    rm -f "$log"
    echo "update-public-api: $unshipped: $(($(wc -l < "$unshipped") - 1)) entries"
done
