#!/usr/bin/env bash
# The whole hostile corpus (every fixture x every mutation x every seed/offset) against the published NativeAOT
# binary, out of process. Every run is under `timeout 5` and `/usr/bin/time -f %M`; prints the closing figures:
# variants, runs, exit 0 / exit 1, crashes, hangs and the largest peak RSS.
#
# Usage: tests/hostile/run-full.sh [-j JOBS] [--filter REGEX] [--commands REGEX] [--xz-bomb BYTES] [--keep] [--resume]
#   -j JOBS          variants run in parallel (default: nproc)
#   --filter REGEX   only variants whose id (fixture/family@parameter) matches
#   --commands REGEX only the commands whose name matches (list show inspect-tree inspect-json memparse-table
#                    memparse-search memparse-hexdump memparse-hexdump-file diff-tree diff-json build)
#   --xz-bomb BYTES  zeros inside the xz bombs (default 1 GiB; gzip and zstd bombs hold 4 GiB)
#   --keep           keep the generated corpus (the results and failing variants are always kept)
#   --resume         go on with an interrupted run in the same HOSTILE_WORK: its corpus (if complete) and the variants
#                    it finished are kept
# Environment: HOSTILE_WORK (default /tmp/checkpointctl-hostile), HOSTILE_BIN (an already published binary).
#
# A crash is any exit code other than 0 and 1, a signal, a stack trace, "internal error", or stderr that is not
# exactly one "Error: " line (exit 1; diff's 3-line "different containers" message is allowed) or empty (exit 0;
# list may log "Error extracting information" lines; build logs its one success line). A hang is a run still going
# after 5 s. A variant of the tarhdr-* families (a damaged tar header) that a command other than list does not refuse
# as "archive/tar: invalid tar header (...)" counts as a crash too. Files left in the variant's directory (other than memparse -o's and build -o's output) or in TMPDIR
# also count as failures.
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
work=${HOSTILE_WORK:-/tmp/checkpointctl-hostile}
jobs=$(nproc)
filter=""
commands="."
xzbomb=$((1 << 30))
keep=0
resume=0
while [ $# -gt 0 ]; do
    case "$1" in
        -j) jobs=$2; shift 2 ;;
        --filter) filter=$2; shift 2 ;;
        --commands) commands=$2; shift 2 ;;
        --xz-bomb) xzbomb=$2; shift 2 ;;
        --keep) keep=1; shift ;;
        --resume) resume=1; keep=1; shift ;;
        *) echo "usage: $0 [-j JOBS] [--filter REGEX] [--commands REGEX] [--xz-bomb BYTES] [--keep] [--resume]" >&2; exit 2 ;;
    esac
done
for tool in timeout /usr/bin/time dotnet; do
    command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 2; }
done

fixtures=()
for f in "$repo"/../shared/fixtures/archives/*.tar "$repo"/../shared/fixtures/archives/*.tar.gz \
         "$repo"/../shared/fixtures/archives/*.tar.zst "$repo"/../shared/fixtures/wrapped/*.tar*; do
    [ -f "$f" ] && fixtures+=("$(realpath "$f")")
done
[ ${#fixtures[@]} -gt 0 ] || { echo "no fixtures under $repo/../shared/fixtures" >&2; exit 2; }

rm -rf "$work/run"
[ "$resume" = 1 ] || rm -rf "$work/corpus" "$work/results"
[ -f "$work/corpus/.complete" ] || rm -rf "$work/corpus"
mkdir -p "$work/corpus" "$work/run" "$work/results"

# 1. The native binary (as bench/PUBLISH.md; bin/obj kept out of src/).
if [ -n "${HOSTILE_BIN:-}" ]; then
    bin=$(realpath "$HOSTILE_BIN")
else
    echo "publishing the NativeAOT binary to $work/bin ..." >&2
    dotnet publish "$repo/src/Checkpointctl" -c Release -r linux-x64 --artifacts-path "$work/artifacts" -o "$work/bin" >"$work/publish.log" 2>&1 \
        || { cat "$work/publish.log" >&2; exit 2; }
    bin="$work/bin/checkpointctl"
fi

# 2. The corpus (the generator the tests use, as a small console program).
gen_start=$(date +%s)
if [ ! -f "$work/corpus/.complete" ]; then
    echo "generating the corpus in $work/corpus ..." >&2
    dotnet build "$repo/tests/hostile/CorpusDump" -c Release --artifacts-path "$work/artifacts" >"$work/build.log" 2>&1 \
        || { cat "$work/build.log" >&2; exit 2; }
    dotnet "$work/artifacts/bin/CorpusDump/release/CorpusDump.dll" "$work/corpus" --xz-bomb-bytes "$xzbomb" ${filter:+--filter "$filter"} "${fixtures[@]}" >/dev/null
    touch "$work/corpus/.complete"
fi
gen_secs=$(( $(date +%s) - gen_start ))
variants=$(wc -l <"$work/corpus/manifest.tsv")
echo "$variants variants generated in ${gen_secs}s; running the commands matching '$commands' on each with $jobs jobs ..." >&2

# 3. Every command on every variant, each in the variant's own directory (cwd) with its own empty TMPDIR. The checks
# use bash builtins only (jq aside): forking grep/ls/wc per run cost more than the runs themselves.
run_variant() {
    local line=$1 file original pid id n dir tmp out err tm result
    IFS=$'\t' read -r file original pid id <<<"$line"
    n=$(sha1sum <<<"$id"); n=${n:0:16}
    dir="$HOSTILE_RUN/$n/d"; tmp="$HOSTILE_RUN/$n/tmp"; out="$HOSTILE_RUN/$n/out"; err="$HOSTILE_RUN/$n/err"; tm="$HOSTILE_RUN/$n/time"
    result="$HOSTILE_RESULTS/$n.tsv"
    local v="$dir/checkpoint-x.tar" name rc rss class msg e body nl before after
    local diffargs=(--ps-tree-cmd --ps-tree-env --files --sockets)
    local -a cmds=(
        "list|list $dir"
        "show|show $v"
        "inspect-tree|inspect $v --all"
        "inspect-json|inspect $v --all --format json"
        "memparse-table|memparse $v"
        "memparse-search|memparse $v --pid $pid -s PATH= -c 8"
        "memparse-hexdump|memparse $v --pid $pid"
        "memparse-hexdump-file|memparse $v --pid $pid -o $dir/out.txt"
        "diff-tree|diff $original $v ${diffargs[*]}"
        "diff-json|diff $original $v ${diffargs[*]} --format json"
        "build|build $v localhost/hostile:latest -o $dir/image.tar"
    )
    local -a selected=() recorded=() lines=()
    for entry in "${cmds[@]}"; do [[ ${entry%%|*} =~ $HOSTILE_COMMANDS ]] && selected+=("$entry"); done
    if [ -f "$result" ]; then
        mapfile -t recorded <"$result"
        [ ${#recorded[@]} = ${#selected[@]} ] && return 0
        rm -f "$result"
    fi
    mkdir -p "$dir" "$tmp"
    ln "$HOSTILE_CORPUS/$file" "$v" 2>/dev/null || cp "$HOSTILE_CORPUS/$file" "$v"
    shopt -s nullglob dotglob
    cd "$dir"
    local -a listing=(*) left=()
    before="${listing[*]}"
    local loglike='^[0-9]{4}/[0-9]{2}/[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} '
    local listlog="${loglike}Error extracting information from .+: .+\$"
    local buildlog="${loglike}Image 'localhost/hostile:latest' created successfully from checkpoint '.+' in OCI archive '.+' \(manifest sha256:[0-9a-f]{64}\)"$'\n$'
    for entry in "${selected[@]}"; do
        name=${entry%%|*}
        # shellcheck disable=SC2086  # paths have no spaces (generated names, realpath'd fixtures)
        set -- ${entry#*|}
        rm -f "$tm"
        set +e
        TMPDIR="$tmp" /usr/bin/time -o "$tm" -f %M timeout -k 2 5 "$HOSTILE_BINARY" "$@" >"$out" 2>"$err"
        rc=$?
        set -e
        rss=0
        lines=(); [ -f "$tm" ] && mapfile -t lines <"$tm"
        [ ${#lines[@]} -gt 0 ] && [[ ${lines[-1]} =~ ^[0-9]+$ ]] && rss=${lines[-1]}
        e=""; IFS= read -r -d '' e <"$err" || true
        body=${e%$'\n'}; nl=${e//[!$'\n']/}
        class=""; msg=""
        if [[ $e == *"Unhandled exception"* || $e == *$'\n   at '* || $e == "   at "* || $e == *"internal error"* ]] \
           || { [ -s "$out" ] && grep -q '   at Checkpointctl' "$out"; }; then
            class=crash; msg="stack trace or internal error"
        elif [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
            class=hang; msg="still running after 5 s"
        elif [ "$rc" = 0 ]; then
            class=exit0
            if [ "$name" = list ]; then
                if [ -n "$e" ]; then
                    while IFS= read -r l; do [[ $l =~ $listlog ]] || { class=crash; msg="list stderr not in log format"; }; done <<<"$body"
                fi
            elif [ "$name" = build ]; then
                [[ ${#nl} = 1 && $e =~ $buildlog ]] || { class=crash; msg="build stderr is not its one success line"; }
            elif [ -n "$e" ]; then
                class=crash; msg="exit 0 with stderr"
            fi
            if [ "$class" = exit0 ] && [ "$name" != memparse-hexdump-file ] && [ "$name" != build ] && [ ! -s "$out" ]; then
                class=crash; msg="exit 0 without output"
            fi
            if [ "$class" = exit0 ] && [[ $name == *json ]] && command -v jq >/dev/null && ! jq empty <"$out" >/dev/null 2>&1; then
                class=crash; msg="invalid JSON"
            fi
        elif [ "$rc" = 1 ]; then
            class=exit1
            if [[ $name == diff-* && $e == "Error: checkpoints are from different containers:"$'\n'* ]]; then
                [ ${#nl} = 3 ] || { class=crash; msg="different-containers message not 3 lines"; }
            elif [ ${#nl} != 1 ] || [[ $e != "Error: "?*$'\n' ]]; then
                class=crash; msg="exit 1 without exactly one Error: line"
            elif [ "$name" != memparse-hexdump ] && [ -s "$out" ]; then
                class=crash; msg="exit 1 with stdout"
            fi
        else
            class=crash; msg="exit code $rc"
        fi
        # A damaged tar header (the tarhdr-* families) is met by every pass: all commands but list refuse it as one.
        if [[ $id == */tarhdr-* && $name != list && $class != crash && $class != hang ]] && { [ "$rc" != 1 ] \
           || [[ $e != "Error: archive/tar: invalid tar header ("* && $e != "Error: failed to load checkpointB: archive/tar: invalid tar header ("* ]]; }; then
            class=crash; msg="a damaged tar header not refused as one"
        fi
        local produced=""
        [ "$name" = memparse-hexdump-file ] && produced=out.txt
        [ "$name" = build ] && produced=image.tar
        if [ -n "$produced" ] && [ "$rc" = 0 ]; then
            [ -f "$produced" ] || { class=crash; msg="-o file missing"; }
            rm -f "$produced"
        fi
        listing=(*); after="${listing[*]}"; left=("$tmp"/*)
        if [ "$after" != "$before" ] || [ ${#left[@]} != 0 ]; then
            [ "$class" = crash ] || [ "$class" = hang ] || class=crash
            msg="${msg:+$msg; }wrote files: $after ${left[*]}"
            rm -f out.txt image.tar; rm -rf "${tmp:?}"/*
        fi
        if [ -n "$msg" ]; then e=${e:0:300}; e=${e//$'\n'/ }; msg="$msg: ${e//$'\t'/ }"; fi
        printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$id" "$name" "$rc" "$class" "$rss" "$msg" >>"$result"
    done
    cd /
    rm -rf "${HOSTILE_RUN:?}/$n"
}
export -f run_variant
export HOSTILE_COMMANDS="$commands" HOSTILE_RUN="$work/run" HOSTILE_RESULTS="$work/results" HOSTILE_CORPUS="$work/corpus" HOSTILE_BINARY="$bin"

run_start=$(date +%s)
tr '\n' '\0' <"$work/corpus/manifest.tsv" | xargs -0 -P "$jobs" -n 1 bash -c 'run_variant "$1"' _
run_secs=$(( $(date +%s) - run_start ))

# 4. Figures.
find "$work/results" -name '*.tsv' -print0 | xargs -0 cat >"$work/results.tsv"
mkdir -p "$work/failing"
awk -F'\t' '$4 == "crash" || $4 == "hang" { print $1 }' "$work/results.tsv" | sort -u | while read -r id; do
    file=$(awk -F'\t' -v id="$id" '$4 == id { print $1 }' "$work/corpus/manifest.tsv")
    [ -n "$file" ] && cp "$work/corpus/$file" "$work/failing/"
done
awk -F'\t' -v variants="$variants" -v secs="$run_secs" -v gen="$gen_secs" '
    { runs++; count[$4]++; if ($5 + 0 > max) { max = $5 + 0; at = $1 " " $2 } }
    $4 == "crash" || $4 == "hang" { bad[++nbad] = $4 ": " $1 " " $2 " (exit " $3 "): " $6 }
    END {
        printf "variants:      %d (generated in %d s)\n", variants, gen
        printf "runs:          %d (%d commands per variant, %d s)\n", runs, (variants ? runs / variants : 0), secs
        printf "exit 0:        %d\n", count["exit0"]
        printf "exit 1:        %d\n", count["exit1"]
        printf "crashes:       %d\n", count["crash"]
        printf "hangs:         %d\n", count["hang"]
        printf "max peak RSS:  %.1f MiB (%s)\n", max / 1024, at
        for (i = 1; i <= nbad && i <= 50; i++) print "  " bad[i]
        if (nbad > 50) printf "  ... %d more in results.tsv\n", nbad - 50
    }' "$work/results.tsv" | tee "$work/summary.txt"
echo "results: $work/results.tsv; failing variants: $work/failing/" >&2
[ "$keep" = 1 ] || rm -rf "$work/corpus"
rm -rf "$work/run" "$work/results"
! grep -qE '^(crashes|hangs): +[1-9]' "$work/summary.txt"
