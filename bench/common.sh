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
