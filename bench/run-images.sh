#!/usr/bin/env bash
# Benchmarks checkpoint images (issue 14): a 1 GiB checkpoint as an oci-archive with an uncompressed and with a zstd
# layer (made by `build -o`), read by show, inspect --all and memparse --search, against the same checkpoint as a
# plain archive (big.tar, big.tar.zst) in the same run; bytes read and peak RSS. Writes to bench/out/ (gitignored).
# Usage: bench/run-images.sh      (MIB=1024 and RUNS=9 can be overridden from the environment)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
out=$here/out
data=$out/data
mib=${MIB:-1024}
runs=${RUNS:-9}
fixture=$(cd "$repo/../shared/fixtures" && pwd)/wrapped/piggie-podman.tar
ctl=$out/bin/checkpointctl
gen=$out/artifacts/bin/Checkpointctl.Bench/release/checkpointctl-bench

[[ -x /usr/bin/time ]] || { [[ $(id -u) == 0 ]] && apt-get install -y -qq time >/dev/null; } || { echo "install time" >&2; exit 1; }

cd "$repo"
echo "== build generator and publish NativeAOT checkpointctl"
dotnet build bench/Checkpointctl.Bench -c Release --artifacts-path "$out/artifacts" -v:q -nologo | grep -v '^$' || true
dotnet publish src/Checkpointctl -c Release -r linux-x64 --artifacts-path "$out/artifacts" -o "$out/bin" -v:q -nologo | grep -v '^$' || true
[[ -x $gen && -x $ctl ]] || { echo "build failed" >&2; exit 1; }

if [[ ! -f $data/big.tar || ! -f $data/big.tar.zst ]]; then
  echo "== generate ${mib} MiB archives into $data"
  "$gen" gen --fixture "$fixture" --mib "$mib" --pid 1 --out "$data"
fi
for kind in tar tar.zst; do
  image=$data/image-${kind/./-}.oci.tar
  [[ -f $image ]] || "$ctl" build "$data/big.$kind" localhost/bench:1 -o "$image" >/dev/null 2>&1
done
ls -l "$data"/big.tar "$data"/big.tar.zst "$data"/image-*.oci.tar

# row LABEL IMAGE-CMD PLAIN-CMD: the two commands alternate ($runs runs each, so load on this shared machine hits both
# alike); median wall-clock and the largest peak RSS (GNU time %M) of each.
declare -a rows=()
row() {
  local label=$1 i side cmd t0 t1 rss
  local -a ti=() tp=() ri=() rp=()
  for ((i = 0; i < runs; i++)); do
    for side in image plain; do
      [[ $side == image ]] && cmd=$2 || cmd=$3
      t0=$(date +%s%N)
      # shellcheck disable=SC2086
      rss=$({ /usr/bin/time -f '%M' -o /dev/fd/3 $cmd >/dev/null; } 3>&1) || { echo "failed: $cmd" >&2; exit 1; }
      t1=$(date +%s%N)
      if [[ $side == image ]]; then ti+=($(( (t1 - t0) / 1000 ))); ri+=("$rss"); else tp+=($(( (t1 - t0) / 1000 ))); rp+=("$rss"); fi
    done
  done
  local mi mp xi xp
  mi=$(printf '%s\n' "${ti[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p")
  mp=$(printf '%s\n' "${tp[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p")
  xi=$(printf '%s\n' "${ri[@]}" | sort -n | tail -n 1)
  xp=$(printf '%s\n' "${rp[@]}" | sort -n | tail -n 1)
  rows+=("$(printf '%-34s %9.3f %8d %9.3f %8d %7.2f' "$label" \
    "$(awk -v u="$mi" 'BEGIN { print u / 1e6 }')" "$((xi / 1024))" \
    "$(awk -v u="$mp" 'BEGIN { print u / 1e6 }')" "$((xp / 1024))" \
    "$(awk -v a="$mi" -v b="$mp" 'BEGIN { print a / b }')")")
}

echo "== warm the page cache"
cat "$data"/big.tar "$data"/big.tar.zst "$data"/image-*.oci.tar >/dev/null

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
echo "== bytes read (count-read, core library)"
for cmd in show inspect-all; do
  for f in big.tar image-tar.oci.tar big.tar.zst image-tar-zst.oci.tar; do
    printf '%-12s %-24s size=%-12s %s\n' "$cmd" "$f" "$(stat -c %s "$data/$f")" "$("$gen" count-read --archive "$data/$f" --command $cmd)"
  done
done

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
