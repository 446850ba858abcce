#!/usr/bin/env bash
# Scanner benchmark, side by side: entrada-scan (Rust), then zxing-cpp and zbar on the very
# same images (written by the Rust bench to target/scan-bench/). Prints Markdown tables.
#
# Needs: pip install zxing-cpp pillow; apt-get install zbar-tools (for libzbar0).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo bench -p entrada-scan --bench scan
python3 scripts/bench-scan-reference.py
