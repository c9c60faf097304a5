# Sourced by the bench/run-*.sh scripts: paths, the time(1) check, and the build of the generator and the NativeAOT
# binary into bench/out/ (gitignored). Expects `set -euo pipefail` in the caller.
here=$(cd "$(dirname "${BASH_SOURCE[1]}")" && pwd)
repo=$(cd "$here/.." && pwd)
out=$here/out
fixtures=$(cd "$repo/../shared/fixtures" && pwd)
ctl=$out/bin/checkpointctl
gen=$out/artifacts/bin/Checkpointctl.Bench/release/checkpointctl-bench

[[ -x /usr/bin/time ]] || { [[ $(id -u) == 0 ]] && apt-get install -y -qq time >/dev/null; } || { echo "install time" >&2; exit 1; }

# Builds the data generator and publishes checkpointctl as bench/PUBLISH.md describes.
build_tools() {
  cd "$repo"
  echo "== build generator and publish NativeAOT checkpointctl"
  dotnet build bench/Checkpointctl.Bench -c Release --artifacts-path "$out/artifacts" -v:q -nologo | grep -v '^$' || true
  dotnet publish src/Checkpointctl -c Release -r linux-x64 --artifacts-path "$out/artifacts" -o "$out/bin" -v:q -nologo | grep -v '^$' || true
  [[ -x $gen && -x $ctl ]] || { echo "build failed" >&2; exit 1; }
}

# Generates the ${mib} MiB archives big.tar, big.tar.gz and big.tar.zst (piggie-podman with an extra mapped run of
# generated pages for PID 1) into $data, shared by run.sh, run-images.sh and run-coredump.sh; delete it to regenerate.
# Data of a generator older than the mapped run (a core holds mapped memory only) is remade.
generate_big() {
  if [[ -f $data/big.tar && -f $data/big.tar.gz && -f $data/big.tar.zst && -f $data/mapped-run ]]; then
    echo "== data present in $data (delete it to regenerate)"
    return
  fi
  echo "== generate ${mib} MiB archives into $data"
  rm -rf "$data" && mkdir -p "$data"
  "$gen" gen --fixture "$fixtures/wrapped/piggie-podman.tar" --mib "$mib" --pid 1 --out "$data"
  touch "$data/mapped-run"
}

# timed_run CMD...: one run, stdout dropped: "microseconds peak-RSS-KiB" (wall clock from date, RSS from GNU time).
# A script's before_run function, if it defines one, runs first, untimed. A failing command aborts the script.
timed_run() {
  local t0 t1 rss
  if declare -F before_run >/dev/null; then before_run; fi
  t0=$(date +%s%N)
  rss=$({ /usr/bin/time -f '%M' -o /dev/fd/3 "$@" >/dev/null; } 3>&1) || { echo "failed: $*" >&2; exit 1; }
  t1=$(date +%s%N)
  echo "$(( (t1 - t0) / 1000 )) $rss"
}

# summary SAMPLE...: of "µs rss" samples, the median time and the largest RSS.
summary() {
  local us rss
  us=$(printf '%s\n' "$@" | cut -d' ' -f1 | sort -n | sed -n "$(( ($# + 1) / 2 ))p")
  rss=$(printf '%s\n' "$@" | cut -d' ' -f2 | sort -n | tail -n 1)
  echo "$us $rss"
}

# measure_pair OURS [REF]: $runs runs of each command string (split on spaces; paths have none), alternating (ours,
# reference, ours, ...) so that a change in load on a shared machine hits both alike. Prints "ours-median-µs
# ours-max-RSS-KiB ref-median-µs ref-max-RSS-KiB", the reference as "- -" when there is none.
measure_pair() {
  local i
  local -a ours=() ref=()
  for ((i = 0; i < runs; i++)); do
    # shellcheck disable=SC2086
    ours+=("$(timed_run $1)")
    # shellcheck disable=SC2086
    if [[ -n ${2:-} ]]; then ref+=("$(timed_run $2)"); fi
  done
  if ((${#ref[@]})); then echo "$(summary "${ours[@]}") $(summary "${ref[@]}")"; else echo "$(summary "${ours[@]}") - -"; fi
}

secs() { awk -v u="$1" 'BEGIN { printf "%.3f", u / 1e6 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

# warm FILE...: drops the files from the page cache and reads them back, so that every file compared is cached alike:
# a file cached as it was written (build -o's image, say) can read 15 % slower than the same bytes read back by cat.
warm() {
  echo "== warm the page cache"
  local f
  for f in "$@"; do dd if="$f" iflag=nocache count=0 status=none; done
  cat "$@" >/dev/null
}

# bytes_read FILE...: the bytes show and inspect --all read of each file in $data (count-read of the core library).
bytes_read() {
  echo "== bytes read (count-read, core library)"
  local cmd f
  for cmd in show inspect-all; do
    for f in "$@"; do
      printf '%-12s %-24s size=%-12s %s\n' "$cmd" "$f" "$(stat -c %s "$data/$f")" "$("$gen" count-read --archive "$data/$f" --command $cmd)"
    done
  done
}
