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

build_tools

generate_big
ls -l "$data"/big.tar*

# Unwritten pages of the previous run flushed first (untimed), so that writeback does not land in the next run.
before_run() { rm -rf "$cores" && mkdir -p "$cores" && sync; }

declare -a rows=()
row() { # label ours reference
  local o_us o_rss r_us r_rss
  read -r o_us o_rss r_us r_rss <<<"$(measure_pair "$2" "$3")"
  rows+=("$(printf '%-30s %8s %8d %8s %8d %7s' "$1" "$(secs "$o_us")" "$((o_rss / 1024))" "$(secs "$r_us")" "$((r_rss / 1024))" \
    "$(ratio "$o_us" "$r_us")")")
}

warm "$data"/big.tar*

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
