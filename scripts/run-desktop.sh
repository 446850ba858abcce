#!/usr/bin/env bash
# `make run`: the desktop app, straight on the built-in demo event.
# Builds the UI (ui/dist) and the app, then starts it with its own data folder under
# .tmp/desktop. Without a display it starts Xvfb (the window is then invisible; use
# VNC or a screenshot tool on it, or run on a desktop session).
#
# Extra arguments go to the app, e.g.:
#   scripts/run-desktop.sh --frames path/to/frames --fps 10     # no camera needed
#   scripts/run-desktop.sh --kiosk --checkpoint cp-hall-in       # after entrada kiosk-pin
set -euo pipefail
cd "$(dirname "$0")/.."

(cd ui && { [ -d node_modules ] && [ node_modules -nt package-lock.json ] || npm ci --no-audit --no-fund; } && npm run -s build)
cargo build -q -p entrada-desktop
data="${ENTRADA_DATA_DIR:-.tmp/desktop}"
mkdir -p "$data"
app=("${CARGO_TARGET_DIR:-target}/debug/entrada-desktop" --data-dir "$data" --demo "$@")

if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  exec "${app[@]}"
else
  echo "run-desktop: no display; starting the app under Xvfb" >&2
  exec xvfb-run -a -s "-screen 0 1280x800x24" "${app[@]}"
fi
