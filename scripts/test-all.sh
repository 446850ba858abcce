#!/usr/bin/env bash
# `make test`: every suite, in the order a failure is cheapest to find.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$HOME/.cargo/bin:$PATH"
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}
started=$SECONDS
step() { echo; echo "== $1 ($(( SECONDS - started )) s elapsed)"; }

step "UI build (ui/dist): the desktop crate embeds it at compile time"
(cd ui && npm run -s build)

step "fmt and clippy"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings

step "Rust tests (unit, integration, processes, HTTP on 127.0.0.1)"
cargo test --workspace --no-fail-fast

step "UI: Vitest unit tests and headless Chromium flows (mocked IPC)"
(cd ui && npm test && npm run test:e2e)

step "hub: schemathesis over GET /openapi.json"
tests/hub/fuzz.sh

step "desktop: real window under Xvfb through tauri-driver"
scripts/e2e-desktop.sh

step "all suites passed"
