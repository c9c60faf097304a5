#!/usr/bin/env bash
# Runs every test. Needs only the .NET 10 SDK; packages restore from NuGet. Fixtures are read from ../shared/fixtures.
set -euo pipefail
cd "$(dirname "$0")"
exec dotnet test tests/Checkpointctl.Tests -c Release --logger "console;verbosity=minimal" "$@"
