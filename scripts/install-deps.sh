#!/usr/bin/env bash
# Installs what building and testing Entrada needs on a fresh Debian/Ubuntu machine:
# Debian packages (only the missing ones), Python test tools, and the UI's npm packages.
# Safe to run again: each step checks before it installs.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  # Rust crates with C parts, Tauri on Linux
  build-essential pkg-config libssl-dev clang libclang-dev
  libwebkit2gtk-4.1-dev libgtk-3-dev librsvg2-dev libayatana-appindicator3-dev
  # OS keyring (Secret Service over D-Bus) for the sealing key of stored secrets
  libdbus-1-dev
  # camera (nokhwa, v4l)
  libv4l-dev
  # headless windows, real-window tests, browser tests
  xvfb xauth webkit2gtk-driver chromium
  # webhook receivers in tests, reference decoders for the scanner benchmark
  php-cli zbar-tools curl
  # a real Secret Service for the keyring tests (private bus + GNOME Keyring)
  dbus-daemon dbus-bin gnome-keyring libsecret-tools
  python3 python3-pip python3-venv
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "install-deps: apt-get install ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Node.js >= 20.19 for the UI (Vite 7). Debian 12's own nodejs is 18: keep a newer one
# (e.g. NodeSource) when present, install Debian's only when there is none at all.
if ! command -v node >/dev/null 2>&1; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nodejs npm
fi
node -e 'const [a,b]=process.versions.node.split(".").map(Number); if (a<20||(a===20&&b<19)) { console.error("install-deps: Node.js >= 20.19 is needed for the UI, found "+process.versions.node); process.exit(1) }'

if ! command -v cargo >/dev/null 2>&1; then
  echo "install-deps: cargo not found. Install the Rust toolchain (rustup; rust-toolchain.toml pins 1.95.0, the code needs >= 1.88) first." >&2
  exit 1
fi
rustup component add rustfmt clippy >/dev/null 2>&1 || true

# Python tools for the test suite: a virtualenv inside the repo, so the system stays clean.
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check -r tests/requirements.txt

# The UI's packages, exactly as locked.
if [ -f ui/package-lock.json ]; then
  (cd ui && { [ -d node_modules ] && [ node_modules -nt package-lock.json ] || npm ci --no-audit --no-fund; })
fi
echo "install-deps: done"
