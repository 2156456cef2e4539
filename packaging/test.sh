#!/usr/bin/env bash
# Sets up (Debian packages), builds with warnings as errors, and runs the whole test suite
# headless (GUI tests inside one Xvfb server). Tests that need ../shared/data are reported as
# skipped when it is absent.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
bash packaging/setup-debian.sh
cmake --preset ci
cmake --build --preset ci
# Each test gets a fresh settings/cache home so runs never depend on the machine's state.
export XDG_CACHE_HOME="$here/build/ci/test-home/cache" XDG_CONFIG_HOME="$here/build/ci/test-home/config"
export XDG_RUNTIME_DIR="$here/build/ci/test-home/runtime"
mkdir -p "$XDG_CACHE_HOME" "$XDG_CONFIG_HOME" "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
xvfb-run -a -s "-screen 0 1920x1200x24" ctest --preset ci -j2 "$@"
