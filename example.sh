#!/usr/bin/env bash
# Runs `checkpointctl show` on the bundled example archive (a real Podman 4.3 / CRIU 4.2 checkpoint, zstd).
set -euo pipefail
cd "$(dirname "$0")"
if [[ ! -f src/Checkpointctl/bin/Release/net10.0/checkpointctl.dll ]]; then
  echo "First run: restoring packages and building (about a minute)..." >&2
fi
exec dotnet run --project src/Checkpointctl -c Release -- show examples/simple-zstd.tar.zst "$@"
