#!/usr/bin/env bash
# Whole-engine fuzzing with AFL++ and SharpFuzz: install the tools, publish the harness, instrument Fastsocket.dll,
# and run one afl-fuzz instance for N minutes (default 60) at the lowest CPU priority.
#
#   fuzz/run-afl.sh [MINUTES] [OUTPUT_DIR]
#
# Status while it runs and afterwards: cat OUTPUT_DIR/default/fuzzer_stats (or `afl-whatsup OUTPUT_DIR`).
# Crashing inputs land in OUTPUT_DIR/default/crashes/; replay one with
#   dotnet fuzz/publish/Fastsocket.Fuzz.dll --replay OUTPUT_DIR/default/crashes/id:000000*
# Running it again with the same OUTPUT_DIR resumes that run (AFL_AUTORESUME).
set -euo pipefail

minutes="${1:-60}"
here="$(cd "$(dirname "$0")" && pwd)"
out="${2:-$here/out}"
publish="$here/publish"
tools="${SHARPFUZZ_TOOL_PATH:-/tmp/sf}"

if ! command -v afl-fuzz >/dev/null; then
    apt-get update && apt-get install -y afl++
fi
if [ ! -x "$tools/sharpfuzz" ]; then
    dotnet tool install --tool-path "$tools" SharpFuzz.CommandLine --version 2.3.0
fi

rm -rf "$publish"
dotnet publish "$here/Fastsocket.Fuzz" -c Release -o "$publish"
# Only the stack is instrumented: coverage of the harness, SharpFuzz or the runtime would be noise.
"$tools/sharpfuzz" "$publish/Fastsocket.dll"

# A fresh corpus from the captured exchange, unless the committed one is asked for instead (it is the same).
seeds="$here/corpus"
if [ "${REGENERATE_SEEDS:-0}" = 1 ]; then
    dotnet "$publish/Fastsocket.Fuzz.dll" --make-seeds "$seeds"
fi

export AFL_SKIP_BIN_CHECK=1          # dotnet itself carries no AFL instrumentation; SharpFuzz provides the trace
export AFL_SKIP_CPUFREQ=1
export AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1
export AFL_NO_UI=1
export AFL_AUTORESUME=1
export AFL_NO_AFFINITY=1             # shared machine: let the scheduler place it
export DOTNET_TieredPGO=0

# -t: .NET start-up and the first JIT of the engine take far longer than one later input does.
exec timeout "$((minutes * 60 + 120))" nice -n 19 \
    afl-fuzz -i "$seeds" -o "$out" -t 10000 -m none -V "$((minutes * 60))" -- dotnet "$publish/Fastsocket.Fuzz.dll"
