#!/usr/bin/env bash
# Benchmarks memparse --search over compressed (LZ4 per-page and region) and incremental (two-level chains: the dump
# holding 16-page runs, and the worst case of 1-page runs) memory against lz4 -d of the same pages and against the flat
# dump, in the same run. Writes to bench/out/ (gitignored).
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

if [[ ! -f $data/pages.raw.lz4 || ! -d $data/chain/dump2-runs ]]; then
  echo "== generate ${mib} MiB of pages into $data"
  rm -rf "$data" && mkdir -p "$data"
  "$gen" gen-pages --criu "$fixture" --mib "$mib" --out "$data"
  lz4 -q -1 "$data/pages.raw" "$data/pages.raw.lz4"
fi
du -sh "$data"/flat "$data"/lz4-page "$data"/lz4-region "$data"/chain/dump1 "$data"/chain/dump2 "$data"/chain/dump2-runs "$data"/pages.raw.lz4

bytes=$((mib * 1024 * 1024))
gbps() { awk -v u="$1" -v b="$bytes" 'BEGIN { printf "%.2f", b / u / 1e3 }'; }
declare -a rows=()
row() { # label ours reference: median wall clock, GB/s of pages and largest peak RSS (alternating runs, common.sh)
  local o_us o_rss r_us r_rss
  read -r o_us o_rss r_us r_rss <<<"$(measure_pair "$2" "$3")"
  rows+=("$(printf '%-34s %8s %8s %8d %8s %8s %7s' "$1" "$(secs "$o_us")" "$(gbps "$o_us")" "$((o_rss / 1024))" \
    "$(secs "$r_us")" "$(gbps "$r_us")" "$(ratio "$o_us" "$r_us")")")
}

warm "$data"/*/pages-* "$data"/chain/*/pages-* "$data"/pages.raw.lz4

search="memparse --pid 1 -s NO-SUCH-STRING"
printf 'lz4 -d -c "$1" > /dev/null\n' > "$out/lz4-ref.sh"
row "lz4-page: search vs lz4 -d"     "$ctl $search $data/lz4-page"     "bash $out/lz4-ref.sh $data/pages.raw.lz4"
row "lz4-region: search vs lz4 -d"   "$ctl $search $data/lz4-region"   "bash $out/lz4-ref.sh $data/pages.raw.lz4"
row "chain (16-page runs) vs flat"   "$ctl $search $data/chain/dump2-runs" "$ctl $search $data/flat"
row "chain (1-page runs) vs flat"    "$ctl $search $data/chain/dump2"  "$ctl $search $data/flat"
row "lz4-page: regex vs lz4 -d"      "$ctl memparse --pid 1 -r NO-SUCH-[0-9]+ $data/lz4-page" "bash $out/lz4-ref.sh $data/pages.raw.lz4"

echo
printf '%-34s %8s %8s %8s %8s %8s %7s\n' "case (${mib} MiB of pages)" "ours_s" "GB/s" "ours_MiB" "ref_s" "ref_GB/s" "ratio"
printf '%s\n' "${rows[@]}"

echo
echo "== output check: the same search hits in every form"
for d in flat lz4-page lz4-region chain/dump2 chain/dump2-runs; do
  printf '%-12s %s\n' "$d" "$("$ctl" memparse --pid 1 -s 'page=0003fff' "$data/$d" | sha256sum | cut -c1-16)"
done
