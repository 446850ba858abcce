#!/usr/bin/env bash
# `make run`: the demo. Builds the CLI, creates the demo replica with badge PNGs and
# shows a few scans, rooms filling up and the reading log.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -q -p entrada-cli
bin="${CARGO_TARGET_DIR:-target}/debug/entrada"
demo=.tmp/demo
rm -rf "$demo" && mkdir -p "$demo"
"$bin" demo --db "$demo/replica.db" --attendees 300 --badges "$demo/badges" --snapshot "$demo/snapshot.json"
echo "--- scans at the Main Hall entry (capacity from the demo) ---"
"$bin" scan --db "$demo/replica.db" --checkpoint cp-hall-in --qr ENT-000001 --qr ENT-000001 --qr ENT-000004 --qr not-a-badge
echo "--- the inactive press room and the VIP lounge ---"
"$bin" scan --db "$demo/replica.db" --checkpoint cp-press-room --qr ENT-000001
"$bin" scan --db "$demo/replica.db" --checkpoint cp-vip-lounge --qr ENT-000001
echo "--- occupancy ---"
"$bin" occupancy --db "$demo/replica.db"
echo "--- reading log (CSV) ---"
"$bin" readings --db "$demo/replica.db" --format csv
echo "Badges for every demo attendee are in $demo/badges (one PNG per attendee id)."
