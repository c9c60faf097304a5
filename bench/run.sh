#!/usr/bin/env bash
# Benchmarks the NativeAOT checkpointctl against cat / gzip -dc / zstd -dc on 1 GiB archives.
# Everything it writes goes to bench/out/ (gitignored): artifacts/, bin/, data/.
# Usage: bench/run.sh            (MIB=1024 and RUNS=7 can be overridden from the environment)
set -euo pipefail

# shellcheck source=bench/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
data=$out/data
mib=${MIB:-1024}
runs=${RUNS:-7}
small=$fixtures/archives/simple-none.tar

for tool in gzip zstd xz bzip2; do
  command -v "$tool" >/dev/null || { echo "missing $tool" >&2; exit 1; }
done

build_tools
generate_big
if [[ ! -f $data/big.tar.xz || ! -f $data/big.tar.bz2 ]]; then
  echo "== compress big.tar with xz -3 and bzip2 -9"
  xz -T0 -3 -c "$data/big.tar" > "$data/big.tar.xz"
  bzip2 -c "$data/big.tar" > "$data/big.tar.bz2"
fi
# Decompression bombs: the small fixture with 4 GiB of zeros (a sparse file) as a member before the images.
if [[ ! -f $data/bomb.tar.gz || ! -f $data/bomb.tar.zst || ! -f $data/bomb.tar.xz ]]; then
  echo "== make 4 GiB zero bombs (gzip, zstd, xz)"
  rm -rf "$out/bomb" && mkdir -p "$out/bomb" && tar -xf "$small" -C "$out/bomb"
  truncate -s 4G "$out/bomb/zz-bomb.raw" && mv "$out/bomb/zz-bomb.raw" "$out/bomb/checkpoint/"
  members=$(tar -tf "$small" | grep -v '^checkpoint/.' | grep -v '^checkpoint/$')
  # shellcheck disable=SC2086
  bomb() { tar -cf - -C "$out/bomb" $members checkpoint/zz-bomb.raw checkpoint; }
  bomb | gzip -1 > "$data/bomb.tar.gz"
  bomb | zstd -q -19 > "$data/bomb.tar.zst"
  bomb | xz -T1 -0 > "$data/bomb.tar.xz"
  rm -rf "$out/bomb"
fi
ls -l "$data"

declare -a rows=()
row() { # label ours-cmd-string [reference-cmd-string]: median wall clock and largest peak RSS (alternating runs, common.sh)
  local o_us o_rss r_us r_rss
  read -r o_us o_rss r_us r_rss <<<"$(measure_pair "$2" "${3:-}")"
  if [[ $r_us == - ]]; then
    rows+=("$(printf '%-32s %10s %9s %10s %9s %7s' "$1" "$(secs "$o_us")" "$((o_rss / 1024))" - - -)")
  else
    rows+=("$(printf '%-32s %10s %9s %10s %9s %7s' "$1" "$(secs "$o_us")" "$((o_rss / 1024))" "$(secs "$r_us")" "$((r_rss / 1024))" \
      "$(ratio "$o_us" "$r_us")")")
  fi
}

warm "$data"/big.tar* "$data"/bomb.tar*

echo "== timing (median of $runs alternating runs; xz, bzip2 and hexdump: 1 run)"
row "-v vs true"           "$ctl -v"                         "/bin/true"
row "show small"           "$ctl show $small"                ""
row "tar: show vs cat"     "$ctl show $data/big.tar"         "cat $data/big.tar"
row "gz: show vs gzip -dc" "$ctl show $data/big.tar.gz"      "gzip -dc $data/big.tar.gz"
row "zst: show vs zstd -dc" "$ctl show $data/big.tar.zst"    "zstd -dc $data/big.tar.zst"
row "gz bomb: show vs gzip -dc"  "$ctl show $data/bomb.tar.gz"  "gzip -dc $data/bomb.tar.gz"
row "zst bomb: show vs zstd -dc" "$ctl show $data/bomb.tar.zst" "zstd -dc $data/bomb.tar.zst"
runs_saved=$runs runs=1
row "xz: show vs xz -dc"    "$ctl show $data/big.tar.xz"      "xz -dc $data/big.tar.xz"
row "bz2: show vs bzip2 -dc" "$ctl show $data/big.tar.bz2"    "bzip2 -dc $data/big.tar.bz2"
row "xz bomb: show vs xz -dc"    "$ctl show $data/bomb.tar.xz"  "xz -dc $data/bomb.tar.xz"
runs=$runs_saved
row "tar: inspect --all vs cat"     "$ctl inspect $data/big.tar --all"     "cat $data/big.tar"
row "gz: inspect --all vs gzip -dc" "$ctl inspect $data/big.tar.gz --all"  "gzip -dc $data/big.tar.gz"
row "zst: inspect --all vs zstd -dc" "$ctl inspect $data/big.tar.zst --all" "zstd -dc $data/big.tar.zst"
row "tar: search (no hit) vs cat"  "$ctl memparse $data/big.tar --pid 1 -s NO-SUCH-STRING"     "cat $data/big.tar"
row "tar: regex vs cat"            "$ctl memparse $data/big.tar --pid 1 -r NO-SUCH-[0-9]+"     "cat $data/big.tar"
row "zst: search vs zstd -dc"      "$ctl memparse $data/big.tar.zst --pid 1 -s NO-SUCH-STRING" "zstd -dc $data/big.tar.zst"
row "gz: search vs gzip -dc"       "$ctl memparse $data/big.tar.gz --pid 1 -s NO-SUCH-STRING"  "gzip -dc $data/big.tar.gz"
# build -o: ours (copy + hash + decompress + read the checkpoint) vs the least a tool must do: copy the file and hash
# it, and for compressed input also decompress and hash the tar.
printf 'cat "$1" > "$2" && sha256sum "$1" >/dev/null && { [ -z "$3" ] || $3 -dc "$1" | sha256sum >/dev/null; }\n' > "$out/build-ref.sh"
row "tar: build -o vs cp+sha256sum"       "$ctl build $data/big.tar localhost/bench:1 -o $out/image.tar"     "bash $out/build-ref.sh $data/big.tar $out/image-ref.tar"
row "zst: build -o vs cp+sha256+zstd -dc" "$ctl build $data/big.tar.zst localhost/bench:1 -o $out/image.tar" "bash $out/build-ref.sh $data/big.tar.zst $out/image-ref.tar zstd"
row "gz: build -o vs cp+sha256+gzip -dc"  "$ctl build $data/big.tar.gz localhost/bench:1 -o $out/image.tar"  "bash $out/build-ref.sh $data/big.tar.gz $out/image-ref.tar gzip"
rm -f "$out/image.tar" "$out/image-ref.tar"
# hexdump: ours to a file (-o) vs hexdump -C of the raw pages file to a file, same size of input.
pages=$out/pages-1.img
[[ -f $pages ]] || tar -xOf "$data/big.tar" checkpoint/pages-1.img > "$pages"
printf 'hexdump -C "$1" > "$2"\n' > "$out/hexdump-ref.sh"
runs_saved=$runs runs=1
row "tar: hexdump -o vs hexdump -C" "$ctl memparse $data/big.tar --pid 1 -o $out/hexdump.txt" "bash $out/hexdump-ref.sh $pages $out/hexdump-C.txt"
runs=$runs_saved
hexdump_bytes=$(stat -c %s "$out/hexdump.txt")

echo
printf '%-32s %10s %9s %10s %9s %7s\n' "case" "ours_s" "ours_MiB" "ref_s" "ref_MiB" "ratio"
printf '%s\n' "${rows[@]}"

echo "hexdump -o wrote $hexdump_bytes bytes"
rm -f "$out/hexdump.txt" "$out/hexdump-C.txt"

echo
bytes_read big.tar big.tar.gz big.tar.zst

echo
echo "== output check"
status=0
expected_row=$("$ctl" show "$data/big.tar" | tail -n 1)
echo "$expected_row"
if ! grep -Eq '^piggie-ctr +docker.io/library/busybox:latest +0aea716c53bf +runc +2025-11-30T05:19:58Z +Podman +1\.0 GiB +10\.0 KiB *$' <<<"$expected_row"; then
  echo "FAIL: unexpected show row for big.tar" >&2; status=1
fi
for f in big.tar.gz big.tar.zst; do
  if [[ $("$ctl" show "$data/$f" | tail -n 1) != "$expected_row" ]]; then
    echo "FAIL: show $f differs from show big.tar" >&2; status=1
  fi
done

echo "== temp-file check (TMPDIR = fresh empty dir)"
tmpcheck=$(mktemp -d "$out/tmpcheck.XXXXXX")
for f in big.tar big.tar.gz big.tar.zst; do
  TMPDIR=$tmpcheck "$ctl" show "$data/$f" >/dev/null
  TMPDIR=$tmpcheck "$ctl" inspect "$data/$f" --all >/dev/null
done
if [[ -n $(ls -A "$tmpcheck") ]]; then
  echo "FAIL: files left in TMPDIR:" >&2; ls -la "$tmpcheck" >&2; status=1
else
  echo "TMPDIR stayed empty"
fi
rmdir "$tmpcheck" 2>/dev/null || rm -rf "$tmpcheck"
exit $status
