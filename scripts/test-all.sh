#!/usr/bin/env bash
# `make test`: every suite, in the order a failure is cheapest to find.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}

echo "== fmt and clippy"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings

echo "== Rust tests"
cargo test --workspace --no-fail-fast

if [ -f ui/package.json ]; then
  echo "== UI unit tests and browser flows"
  (cd ui && npm test && npm run test:e2e)
fi

for extra in tests/*/run.sh; do
  [ -x "$extra" ] || continue
  echo "== $extra"
  "$extra"
done
echo "== all suites passed"
