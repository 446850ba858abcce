#!/usr/bin/env bash
# Scanner benchmark, side by side: entrada-scan (Rust), then zxing-cpp and zbar on the very
# same images (written by the Rust bench to target/scan-bench/). Prints Markdown tables.
#
# Needs: zxing-cpp and pillow for Python (the repo's .venv from scripts/install-deps.sh is
# used when present), zbar-tools from Debian (for libzbar0).
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3}"
[ -x .venv/bin/python ] && [ -z "${PYTHON:-}" ] && PY=.venv/bin/python
cargo bench -p entrada-scan --bench scan
"$PY" scripts/bench-scan-reference.py
