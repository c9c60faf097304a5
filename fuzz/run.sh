#!/usr/bin/env bash
# Fuzzes Checkpointctl.Core with AFL++ and SharpFuzz. Run by hand, never in CI.
#
# Usage: fuzz/run.sh [-e EXECS] [-V SECONDS] [-j JOBS] [-t MS] [HARNESS...]
#   HARNESS     archive (tar + compression), criu (image decoders), metadata (config/spec/network JSON); default: all
#   -e EXECS    stop each harness after about EXECS executions (default 1000000; 0 = no limit)
#   -V SECONDS  stop each harness after SECONDS (default: no limit; give -e 0 -V N for a time budget only)
#   -j JOBS     harnesses fuzzed at the same time (default: number of CPUs)
#   -t MS       afl-fuzz timeout per input in milliseconds (default 5000)
#
# Steps: installs afl++ with apt-get if afl-fuzz is missing (root or sudo), installs the sharpfuzz tool into
# fuzz/out/tools, builds fuzz/Checkpointctl.Fuzz in Release into fuzz/out (never into src/*/bin), instruments a copy
# of Checkpointctl.Core.dll, seeds each harness from ../shared/fixtures plus the committed fuzz/corpus/<harness>,
# runs afl-fuzz (persistent, in-process: SharpFuzz's Fuzzer.Run), then afl-cmin.
#
# Results: fuzz/corpus/<harness>/ is replaced by the minimised queue; crashes and hangs are added to
# fuzz/crashes/<harness>/ (named by content hash) and replayed with their stack traces; fuzz/out/summary.txt has the
# execution counts and each harness's status. tests/Checkpointctl.Tests/FuzzRegressionTests.cs replays both
# directories in `dotnet test`.
#
# Every harness runs even when another one fails; the summary always prints. Exit status: 0 when every harness ran
# and every committed crash replays as fixed, 1 otherwise, 2 for a usage error.
set -euo pipefail
cd "$(dirname "$0")"
FUZZ=$PWD
ROOT=$(cd .. && pwd)
FIXTURES=$ROOT/../shared/fixtures
OUT=$FUZZ/out

EXECS=1000000 SECONDS_LIMIT=0 JOBS=$(nproc) TIMEOUT=5000
while getopts "e:V:j:t:h" opt; do
    case $opt in
        e) EXECS=$OPTARG ;;
        V) SECONDS_LIMIT=$OPTARG ;;
        j) JOBS=$OPTARG ;;
        t) TIMEOUT=$OPTARG ;;
        *) sed -n '2,22p' "$FUZZ/$(basename "$0")"; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
HARNESSES=(archive criu metadata)
[ $# -gt 0 ] && HARNESSES=("$@")
declare -A SEEN=()
for h in "${HARNESSES[@]}"; do
    case $h in archive | criu | metadata) ;; *) echo "unknown harness: $h" >&2; exit 2 ;; esac
    [ -z "${SEEN[$h]:-}" ] || { echo "harness given twice: $h" >&2; exit 2; }
    SEEN[$h]=1
done

# --- tools ---------------------------------------------------------------------------------------------------------
if ! command -v afl-fuzz > /dev/null || ! command -v afl-cmin > /dev/null; then
    SUDO=; [ "$(id -u)" -ne 0 ] && SUDO=sudo
    $SUDO apt-get update
    $SUDO apt-get install -y afl++
fi
SHARPFUZZ=$OUT/tools/sharpfuzz
if [ ! -x "$SHARPFUZZ" ]; then
    dotnet tool install --tool-path "$OUT/tools" SharpFuzz.CommandLine --version 2.3.0
fi

# --- build and instrument --------------------------------------------------------------------------------------------
dotnet build "$FUZZ/Checkpointctl.Fuzz" -c Release --artifacts-path "$OUT/artifacts" -nologo -v quiet
PLAIN=$OUT/artifacts/bin/Checkpointctl.Fuzz/release   # uninstrumented: seeding and replays
BIN=$OUT/bin                                           # instrumented: afl-fuzz and afl-cmin only
rm -rf "$BIN"
cp -r "$PLAIN" "$BIN"
"$SHARPFUZZ" "$BIN/Checkpointctl.Core.dll"
# The decompressors and the protobuf runtime too, so coverage guides the fuzzer into them (not System.Formats.Tar or
# System.Text.Json: they belong to the shared framework).
"$SHARPFUZZ" "$BIN/ZstdSharp.dll"
"$SHARPFUZZ" "$BIN/SharpCompress.dll" SharpCompress.Compressors.BZip2 SharpCompress.Compressors.Xz SharpCompress.Compressors.LZMA
"$SHARPFUZZ" "$BIN/Google.Protobuf.dll"
DOTNET=$(command -v dotnet)

# AFL_ALLOW_TMP: afl-cmin refuses a checkout under /tmp otherwise (its guard against other users' links there; every
# path it writes is below fuzz/out).
export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_ALLOW_TMP=1
[ "$JOBS" -gt "$(nproc)" ] && export AFL_NO_AFFINITY=1

# --- one harness -----------------------------------------------------------------------------------------------------
fuzz_one() {
    local h=$1 seeds=$OUT/seeds/$1 afl=$OUT/afl/$1 cmin=$OUT/cmin/$1
    rm -rf "$seeds" "$afl" "$cmin"
    "$PLAIN/Checkpointctl.Fuzz" seed "$h" "$seeds" "$FIXTURES"
    if [ "$h" = archive ]; then
        for tar in "$seeds"/synthetic-*.tar; do
            command -v xz > /dev/null && xz -c "$tar" > "$tar.xz"
            command -v bzip2 > /dev/null && bzip2 -c "$tar" > "$tar.bz2"
        done
    fi
    [ -d "$FUZZ/corpus/$h" ] && cp "$FUZZ/corpus/$h"/* "$seeds"/ 2> /dev/null || true

    local limits=()
    [ "$EXECS" -gt 0 ] && limits+=(-E "$EXECS")
    [ "$SECONDS_LIMIT" -gt 0 ] && limits+=(-V "$SECONDS_LIMIT")
    echo "[$h] afl-fuzz ${limits[*]} (log: $OUT/afl-$h.log)"
    # A loaded machine occasionally fails the first dry run ("No instrumentation detected"): try again.
    local attempt
    for attempt in 1 2 3; do
        rm -rf "$afl"
        afl-fuzz -i "$seeds" -o "$afl" -t "$TIMEOUT" -m none "${limits[@]}" -T "$h" \
            -- "$DOTNET" "$BIN/Checkpointctl.Fuzz.dll" "$h" > "$OUT/afl-$h.log" 2>&1 && break
        echo "[$h] afl-fuzz failed (attempt $attempt):" >&2
        tail -3 "$OUT/afl-$h.log" >&2
        [ "$attempt" -eq 3 ] && return 1
    done

    # Findings first: they are kept even when minimising fails.
    mkdir -p "$FUZZ/crashes/$h"
    for kind in crashes hangs; do
        for f in "$afl/default/$kind"/id:*; do
            [ -e "$f" ] || continue
            cp "$f" "$FUZZ/crashes/$h/${kind%es}-$(sha1sum "$f" | cut -c1-16)"
        done
    done
    rmdir "$FUZZ/crashes/$h" 2> /dev/null || true

    echo "[$h] afl-cmin"
    afl-cmin -e -i "$afl/default/queue" -o "$cmin" -t "$TIMEOUT" -m none \
        -- "$DOTNET" "$BIN/Checkpointctl.Fuzz.dll" "$h" > "$OUT/cmin-$h.log" 2>&1 \
        || { echo "[$h] afl-cmin failed:" >&2; tail -5 "$OUT/cmin-$h.log" >&2; return 1; }
    rm -rf "$FUZZ/corpus/$h"
    mkdir -p "$FUZZ/corpus/$h"
    for f in "$cmin"/*; do
        cp "$f" "$FUZZ/corpus/$h/$(sha1sum "$f" | cut -c1-16)"
    done
}

# --- every harness in its own job; a failing one never stops the others or the summary -------------------------------
declare -A STATUS=() HARNESS_OF=()
running=0
# Reaps one finished job and records its exit status (`wait -n` alone would end the script under `set -e`).
reap_one() {
    local pid rc=0
    wait -n -p pid || rc=$?
    STATUS[${HARNESS_OF[$pid]}]=$rc
    running=$((running - 1))
}
mkdir -p "$OUT/afl" "$OUT/cmin"
for h in "${HARNESSES[@]}"; do
    if [ "$running" -ge "$JOBS" ]; then
        reap_one
    fi
    fuzz_one "$h" &
    HARNESS_OF[$!]=$h
    running=$((running + 1))
done
while [ "$running" -gt 0 ]; do
    reap_one
done

# --- summary and replay ------------------------------------------------------------------------------------------------
# A stat of afl-fuzz's fuzzer_stats ($s), "-" when it has none.
v() { [ -f "$s" ] && awk -F' *: *' -v k="$1" '$1 == k { found = 1; print $2 } END { if (!found) print "-" }' "$s" || echo -; }
row() { printf '%-9s %-8s %12s %10s %9s %8s %8s %7s %9s %7s %s\n' "$@"; }
{
    row harness status execs execs/s seconds crashes hangs queue stability corpus corpus-bytes
    for h in "${HARNESSES[@]}"; do
        s=$OUT/afl/$h/default/fuzzer_stats
        state=ok
        [ "${STATUS[$h]}" -eq 0 ] || state="failed:${STATUS[$h]}"
        files=0 bytes=0
        if [ -d "$FUZZ/corpus/$h" ]; then
            files=$(find "$FUZZ/corpus/$h" -type f | wc -l)
            bytes=$(find "$FUZZ/corpus/$h" -type f -exec cat {} + | wc -c)
        fi
        row "$h" "$state" "$(v execs_done)" "$(v execs_per_sec)" "$(v run_time)" "$(v saved_crashes)" "$(v saved_hangs)" \
            "$(v corpus_count)" "$(v stability)" "$files" "$bytes"
    done
    for h in "${HARNESSES[@]}"; do
        [ "${STATUS[$h]}" -eq 0 ] || echo "$h failed (exit ${STATUS[$h]}); logs: $OUT/afl-$h.log, $OUT/cmin-$h.log"
    done
} | tee "$OUT/summary.txt"
status=0
for h in "${HARNESSES[@]}"; do
    [ "${STATUS[$h]}" -eq 0 ] || status=1
    if [ -d "$FUZZ/crashes/$h" ]; then
        "$PLAIN/Checkpointctl.Fuzz" replay "$h" "$FUZZ/crashes/$h" | tee "$OUT/replay-crashes-$h.txt" | tail -1 || status=1
    fi
done
exit $status
