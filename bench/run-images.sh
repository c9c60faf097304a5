#!/usr/bin/env bash
# Benchmarks checkpoint images (issue 14): a 1 GiB checkpoint as an oci-archive with an uncompressed and with a zstd
# layer (made by `build -o`), read by show, inspect --all and memparse --search, against the same checkpoint as a
# plain archive (big.tar, big.tar.zst) in the same run; bytes read and peak RSS. Writes to bench/out/ (gitignored).
# Usage: bench/run-images.sh      (MIB=1024 and RUNS=9 can be overridden from the environment)
set -euo pipefail

# shellcheck source=bench/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
data=$out/data
mib=${MIB:-1024}
runs=${RUNS:-9}

build_tools

generate_big
for kind in tar tar.zst; do
  image=$data/image-${kind/./-}.oci.tar
  [[ -f $image ]] || "$ctl" build "$data/big.$kind" localhost/bench:1 -o "$image" >/dev/null 2>&1
done
ls -l "$data"/big.tar "$data"/big.tar.zst "$data"/image-*.oci.tar

# row LABEL IMAGE-CMD PLAIN-CMD: median wall clock and largest peak RSS of each (alternating runs, common.sh).
declare -a rows=()
row() {
  local i_us i_rss p_us p_rss
  read -r i_us i_rss p_us p_rss <<<"$(measure_pair "$2" "$3")"
  rows+=("$(printf '%-34s %9s %8d %9s %8d %7s' "$1" "$(secs "$i_us")" "$((i_rss / 1024))" "$(secs "$p_us")" "$((p_rss / 1024))" \
    "$(ratio "$i_us" "$p_us")")")
}

warm "$data"/big.tar "$data"/big.tar.zst "$data"/image-*.oci.tar

img=$data/image-tar.oci.tar
zimg=$data/image-tar-zst.oci.tar
echo "== timing (median of $runs alternating runs): image vs the same checkpoint as a plain archive"
row "tar: show"               "$ctl show $img"                                     "$ctl show $data/big.tar"
row "tar: inspect --all"      "$ctl inspect $img --all"                            "$ctl inspect $data/big.tar --all"
row "tar: memparse --search"  "$ctl memparse $img --pid 1 -s NO-SUCH-STRING"       "$ctl memparse $data/big.tar --pid 1 -s NO-SUCH-STRING"
row "zst: show"               "$ctl show $zimg"                                    "$ctl show $data/big.tar.zst"
row "zst: inspect --all"      "$ctl inspect $zimg --all"                           "$ctl inspect $data/big.tar.zst --all"
row "zst: memparse --search"  "$ctl memparse $zimg --pid 1 -s NO-SUCH-STRING"      "$ctl memparse $data/big.tar.zst --pid 1 -s NO-SUCH-STRING"

echo
printf '%-34s %9s %8s %9s %8s %7s\n' "case" "image_s" "img_MiB" "plain_s" "pln_MiB" "ratio"
printf '%s\n' "${rows[@]}"

echo
bytes_read big.tar image-tar.oci.tar big.tar.zst image-tar-zst.oci.tar

echo
echo "== output check: the image shows the plain archive's row"
status=0
for pair in "big.tar image-tar.oci.tar" "big.tar.zst image-tar-zst.oci.tar"; do
  read -r plain image <<<"$pair"
  want=$("$ctl" show "$data/$plain" | tail -n 1)
  got=$("$ctl" show "$data/$image" | tail -n 1)
  if [[ $got != "$want"* ]]; then
    echo "FAIL: show $image: $got" >&2; status=1
  fi
done
[[ $status == 0 ]] && echo "ok"
exit $status
