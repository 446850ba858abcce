#!/usr/bin/env bash
# Real-window end-to-end tests of the desktop app (called by `make test`):
# builds the UI and the app, installs tauri-driver when missing, starts Xvfb when there is
# no display, and runs (tauri-driver + WebKitWebDriver) tests/e2e-desktop/run.mjs (the
# demo, door and kiosk) then tests/e2e-desktop/connect.mjs (first run against a separate
# `entrada hub` process: connect errors, pull, scans, offline and back, restart; then a
# plain Access API).
# Screenshots land in docs/screenshots/ unless SCREENSHOTS=0 (CI sets it: a test run
# should not dirty the working tree).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${CI:-}" = "true" ] && [ -z "${SCREENSHOTS:-}" ]; then
  export SCREENSHOTS=0
fi

# The UI, exactly as locked.
(cd ui && { [ -d node_modules ] && [ node_modules -nt package-lock.json ] || npm ci --no-audit --no-fund; } && npm run -s build)

cargo build -q -p entrada-desktop -p entrada-cli

export PATH="$HOME/.cargo/bin:$PATH"
if ! command -v tauri-driver >/dev/null 2>&1; then
  echo "e2e-desktop: installing tauri-driver (cargo install tauri-driver --locked)"
  cargo install tauri-driver --locked
fi
if ! command -v WebKitWebDriver >/dev/null 2>&1; then
  echo "e2e-desktop: WebKitWebDriver missing: apt-get install webkit2gtk-driver" >&2
  exit 1
fi

# Both tests, one after the other; the second runs even when the first fails, and the
# script fails if either does.
run() {
  local a=0 b=0
  node tests/e2e-desktop/run.mjs || a=$?
  node tests/e2e-desktop/connect.mjs || b=$?
  [ "$a" -eq 0 ] && [ "$b" -eq 0 ]
}

if [ -n "${DISPLAY:-}" ] && [ "${E2E_XVFB:-}" != "1" ]; then
  run
else
  # A private X server: the app needs a display even in CI. -noreset keeps it up between
  # the app sessions; the window size matches the screenshots.
  export E2E_XVFB=1
  # xvfb-run is a POSIX sh script, which drops exported bash functions: pass the text.
  xvfb-run -a -s "-screen 0 1280x800x24 -noreset" bash -c "$(declare -f run); run"
fi
