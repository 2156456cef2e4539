#!/usr/bin/env bash
# Sets up (Debian packages), builds, and opens the workstation on the bundled sample study.
# Extra arguments go to fusion-workstation (e.g. --open PATH instead of the sample).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
bash packaging/setup-debian.sh
cmake --preset ci >/dev/null
cmake --build --preset ci
args=("$@")
[ ${#args[@]} -eq 0 ] && args=(--sample)
if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  echo "run: no display; starting under xvfb-run (use --screenshot OUT.png to see the result)" >&2
  exec xvfb-run -a -s "-screen 0 1920x1200x24" build/ci/app/workstation/fusion-workstation "${args[@]}"
fi
exec build/ci/app/workstation/fusion-workstation "${args[@]}"
