#!/usr/bin/env bash
# Benchmarks pod checkpoints against the same container archives in plain form, in the same run: a pod of two
# containers of MIB MiB of pages each (generation 1 tar, plain and zstd; generation 2 directory) vs the two container
# archives themselves, for show, inspect --all and memparse --search (one container). Reports the median wall-clock
# time, the ratio pod/plain and the peak RSS. Writes to bench/out/ (gitignored).
# Usage: bench/run-pods.sh      (MIB=512 and RUNS=5 can be overridden from the environment)
set -euo pipefail

# shellcheck source=bench/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
data=$out/pods
mib=${MIB:-512}
runs=${RUNS:-5}
fixture=$fixtures/wrapped/piggie-crio.tar
command -v zstd >/dev/null || { echo "install zstd" >&2; exit 1; }

build_tools

if [[ ! -f $data/pod.tar.zst ]]; then
  echo "== generate a pod of two ${mib} MiB containers into $data"
  rm -rf "$data" && mkdir -p "$data"
  "$gen" gen --fixture "$fixture" --mib "$mib" --pid 1 --out "$data/big" >/dev/null
  "$gen" gen-pod --archive "$data/big/big.tar" --containers 2 --out "$data" | while read -r own name; do
    ln "$data/$own" "$data/pod-gen2/$name"
  done
  rm -rf "$data/big"
  for f in c1.tar c2.tar pod.tar; do zstd -q -T0 -3 "$data/$f" -o "$data/$f.zst"; done
fi
ls -l "$data" "$data/pod-gen2"

declare -a rows=()
row() { # label pod-command plain-command: median wall clock and largest peak RSS (alternating runs, common.sh)
  local p_us p_rss q_us q_rss
  read -r p_us p_rss q_us q_rss <<<"$(measure_pair "$2" "$3")"
  rows+=("$(printf '%-40s %9s %8d %9s %8d %7s' "$1" "$(secs "$p_us")" "$((p_rss / 1024))" "$(secs "$q_us")" "$((q_rss / 1024))" \
    "$(ratio "$p_us" "$q_us")")")
}

warm "$data"/*.tar "$data"/*.zst

d=$data
search="memparse --pid 1 -s NO-SUCH-STRING"
for form in "" .zst; do
  row "show pod.tar$form"               "$ctl show $d/pod.tar$form"                     "$ctl show $d/c1.tar$form $d/c2.tar$form"
  row "inspect --all pod.tar$form"      "$ctl inspect --all $d/pod.tar$form"            "$ctl inspect --all $d/c1.tar$form $d/c2.tar$form"
  # The containers' directories are in ID order: ctr2's comes first, ctr1's second (after ctr2's pages).
  row "memparse --search ctr2 pod.tar$form" "$ctl $search --container ctr2 $d/pod.tar$form" "$ctl $search $d/c2.tar$form"
  row "memparse --search ctr1 pod.tar$form" "$ctl $search --container ctr1 $d/pod.tar$form" "$ctl $search $d/c1.tar$form"
done
# pod.options comes last in the pod tar, so a compressed pod is decompressed to its end whichever container is read:
# what that costs any tool.
row "search ctr1 pod.tar.zst vs zstd -dc" "$ctl $search --container ctr1 $d/pod.tar.zst" "zstd -dc $d/pod.tar.zst"
row "show pod-gen2/"                    "$ctl show $d/pod-gen2"                         "$ctl show $d/c1.tar $d/c2.tar"
row "inspect --all pod-gen2/"           "$ctl inspect --all $d/pod-gen2"                "$ctl inspect --all $d/c1.tar $d/c2.tar"
row "memparse --search ctr1 pod-gen2/"  "$ctl $search --container ctr1 $d/pod-gen2"     "$ctl $search $d/c1.tar"

echo
printf '%-40s %9s %8s %9s %8s %7s\n' "case (2 x ${mib} MiB containers)" "pod_s" "pod_MiB" "plain_s" "plain_MiB" "ratio"
printf '%s\n' "${rows[@]}"

echo
echo "== output check: each container of the pod reads as its own archive"
for form in "" .zst; do
  a=$("$ctl" inspect --all --container ctr2 "$d/pod.tar$form" | sed "s|$d/pod.tar$form|X|" | sha256sum | cut -c1-16)
  b=$("$ctl" inspect --all "$d/c2.tar$form" | sed "s|$d/c2.tar$form|X|" | sha256sum | cut -c1-16)
  echo "inspect --all ctr2 (pod.tar$form vs c2.tar$form): $a $b"
done
