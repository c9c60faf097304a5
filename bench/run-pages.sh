#!/usr/bin/env bash
# Benchmarks memparse --search over compressed (LZ4 per-page and region) and incremental (two-level chain) memory
# against lz4 -d of the same pages and against the flat dump, in the same run. Writes to bench/out/ (gitignored).
# Usage: bench/run-pages.sh      (MIB=1024 and RUNS=3 can be overridden from the environment)
set -euo pipefail

# shellcheck source=bench/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
data=$out/pages
mib=${MIB:-1024}
runs=${RUNS:-3}
fixture=$fixtures/criu/piggie

command -v lz4 >/dev/null || { [[ $(id -u) == 0 ]] && apt-get install -y -qq lz4 >/dev/null; } || { echo "install lz4" >&2; exit 1; }

build_tools

if [[ ! -f $data/pages.raw.lz4 ]]; then
  echo "== generate ${mib} MiB of pages into $data"
  rm -rf "$data" && mkdir -p "$data"
  "$gen" gen-pages --criu "$fixture" --mib "$mib" --out "$data"
  lz4 -q -1 "$data/pages.raw" "$data/pages.raw.lz4"
fi
du -sh "$data"/flat "$data"/lz4-page "$data"/lz4-region "$data"/chain/dump1 "$data"/chain/dump2 "$data"/pages.raw.lz4

# measure CMD...: median wall-clock (µs) of $runs runs and that run's peak RSS (KiB).
measure() {
  local i t0 t1 rss
  local -a samples=()
  for ((i = 0; i < runs; i++)); do
    t0=$(date +%s%N)
    rss=$({ /usr/bin/time -f '%M' -o /dev/fd/3 "$@" >/dev/null; } 3>&1) || { echo "failed: $*" >&2; exit 1; }
    t1=$(date +%s%N)
    samples+=("$(( (t1 - t0) / 1000 )) $rss")
  done
  printf '%s\n' "${samples[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p"
}

bytes=$((mib * 1024 * 1024))
declare -a rows=()
row() { # label ours reference
  local label=$1 o r
  # shellcheck disable=SC2086
  read -r o_us o_rss <<<"$(measure $2)"
  # shellcheck disable=SC2086
  read -r r_us r_rss <<<"$(measure $3)"
  rows+=("$(printf '%-34s %8.3f %8.2f %8d %8.3f %8.2f %7.2f' "$label" \
    "$(awk -v u="$o_us" 'BEGIN { print u / 1e6 }')" "$(awk -v u="$o_us" -v b="$bytes" 'BEGIN { print b / u / 1e3 }')" "$((o_rss / 1024))" \
    "$(awk -v u="$r_us" 'BEGIN { print u / 1e6 }')" "$(awk -v u="$r_us" -v b="$bytes" 'BEGIN { print b / u / 1e3 }')" \
    "$(awk -v a="$o_us" -v b="$r_us" 'BEGIN { print a / b }')")")
}

echo "== warm the page cache"
cat "$data"/*/pages-* "$data"/chain/*/pages-* "$data"/pages.raw.lz4 >/dev/null

search="memparse --pid 1 -s NO-SUCH-STRING"
printf 'lz4 -d -c "$1" > /dev/null\n' > "$out/lz4-ref.sh"
row "lz4-page: search vs lz4 -d"     "$ctl $search $data/lz4-page"     "bash $out/lz4-ref.sh $data/pages.raw.lz4"
row "lz4-region: search vs lz4 -d"   "$ctl $search $data/lz4-region"   "bash $out/lz4-ref.sh $data/pages.raw.lz4"
row "chain: search vs flat search"   "$ctl $search $data/chain/dump2"  "$ctl $search $data/flat"
row "lz4-page: regex vs lz4 -d"      "$ctl memparse --pid 1 -r NO-SUCH-[0-9]+ $data/lz4-page" "bash $out/lz4-ref.sh $data/pages.raw.lz4"

echo
printf '%-34s %8s %8s %8s %8s %8s %7s\n' "case (${mib} MiB of pages)" "ours_s" "GB/s" "ours_MiB" "ref_s" "ref_GB/s" "ratio"
printf '%s\n' "${rows[@]}"

echo
echo "== output check: the same search hits in every form"
for d in flat lz4-page lz4-region chain/dump2; do
  printf '%-12s %s\n' "$d" "$("$ctl" memparse --pid 1 -s 'page=0003fff' "$data/$d" | sha256sum | cut -c1-16)"
done
