#!/usr/bin/env bash
# Benchmarks `coredump` of the 1 GiB generated process against cat of the uncompressed archive and zstd -dc / gzip -dc
# of the compressed ones, in the same run; reports peak RSS and each core's size and allocated (sparse) blocks.
# Writes to bench/out/ (gitignored); shares bench/out/data with run.sh (delete it to regenerate).
# Usage: bench/run-coredump.sh      (MIB=1024 and RUNS=3 can be overridden from the environment)
set -euo pipefail

# shellcheck source=bench/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
data=$out/data
cores=$out/cores
mib=${MIB:-1024}
runs=${RUNS:-3}
fixture=$fixtures/wrapped/piggie-podman.tar


build_tools

# The generated run must be mapped (a core holds mapped memory only): data of an older generator is remade.
if [[ ! -f $data/big.tar.zst || ! -f $data/mapped-run ]]; then
  echo "== generate ${mib} MiB archives into $data"
  rm -rf "$data" && mkdir -p "$data"
  "$gen" gen --fixture "$fixture" --mib "$mib" --pid 1 --out "$data"
  touch "$data/mapped-run"
fi
ls -l "$data"/big.tar*

# One timed run: "microseconds peak-RSS-KiB".
once() {
  local t0 t1 rss
  rm -rf "$cores" && mkdir -p "$cores"
  t0=$(date +%s%N)
  rss=$({ /usr/bin/time -f '%M' -o /dev/fd/3 "$@" >/dev/null; } 3>&1) || { echo "failed: $*" >&2; exit 1; }
  t1=$(date +%s%N)
  echo "$(( (t1 - t0) / 1000 )) $rss"
}

median() { sort -n | sed -n "$(( (runs + 1) / 2 ))p"; }

declare -a rows=()
row() { # label ours reference: runs alternate (ours, reference, ours, ...) so that a change in load hits both alike
  local label=$1 i
  local -a ours=() ref=()
  for ((i = 0; i < runs; i++)); do
    # shellcheck disable=SC2086
    ours+=("$(once $2)")
    # shellcheck disable=SC2086
    ref+=("$(once $3)")
  done
  read -r o_us o_rss <<<"$(printf '%s\n' "${ours[@]}" | median)"
  read -r r_us r_rss <<<"$(printf '%s\n' "${ref[@]}" | median)"
  rows+=("$(printf '%-30s %8.3f %8d %8.3f %8d %7.2f' "$label" \
    "$(awk -v u="$o_us" 'BEGIN { print u / 1e6 }')" "$((o_rss / 1024))" \
    "$(awk -v u="$r_us" 'BEGIN { print u / 1e6 }')" "$((r_rss / 1024))" \
    "$(awk -v a="$o_us" -v b="$r_us" 'BEGIN { print a / b }')")")
}

echo "== warm the page cache"
cat "$data"/big.tar* >/dev/null

row "tar: coredump vs cat"       "$ctl coredump $data/big.tar -o $cores"     "cat $data/big.tar"
row "zst: coredump vs zstd -dc"  "$ctl coredump $data/big.tar.zst -o $cores" "zstd -dc $data/big.tar.zst"
row "gz: coredump vs gzip -dc"   "$ctl coredump $data/big.tar.gz -o $cores"  "gzip -dc $data/big.tar.gz"
# What writing the same gigabyte costs any tool: the floor under the rows above.
printf 'cat "$1" > "$2"\n' > "$out/cat-to-file.sh"
printf 'zstd -dc "$1" > "$2"\n' > "$out/zstd-to-file.sh"
row "tar: coredump vs cat > file"  "$ctl coredump $data/big.tar -o $cores"     "bash $out/cat-to-file.sh $data/big.tar $cores/copy"
row "zst: coredump vs zstd -dc > file" "$ctl coredump $data/big.tar.zst -o $cores" "bash $out/zstd-to-file.sh $data/big.tar.zst $cores/copy"

echo
printf '%-30s %8s %8s %8s %8s %7s\n' "case (${mib} MiB process)" "ours_s" "ours_MiB" "ref_s" "ref_MiB" "ratio"
printf '%s\n' "${rows[@]}"

echo
echo "== the cores (apparent size, allocated 512-byte blocks, allocated bytes)"
rm -rf "$cores" && mkdir -p "$cores"
"$ctl" coredump "$data/big.tar" -o "$cores"
for f in "$cores"/core.*; do
  stat -c '%n %s %b' "$f" | awk '{ printf "%-40s %12d bytes %10d blocks %12d allocated\n", $1, $2, $3, $3 * 512 }'
done
echo
echo "== the same cores from every shape"
for shape in big.tar big.tar.zst big.tar.gz; do
  rm -rf "$cores" && mkdir -p "$cores"
  "$ctl" coredump "$data/$shape" -o "$cores" >/dev/null
  printf '%-12s %s\n' "$shape" "$(cat "$cores"/core.* | sha256sum | cut -c1-16)"
done
