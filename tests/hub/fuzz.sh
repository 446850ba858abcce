#!/usr/bin/env bash
# Fuzzes the hub's OpenAPI document with schemathesis: no 5xx, no crash.
#
# Starts `entrada hub` on a free loopback port with the demo event imported, gets an
# event_admin token, runs schemathesis with a bounded number of examples per operation
# (a few minutes on 2 cores), and stops the hub with SIGTERM (a clean exit is checked).
#
#   tests/hub/fuzz.sh [MAX_EXAMPLES]      # needs: pip install schemathesis; cargo
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
EXAMPLES="${1:-${FUZZ_EXAMPLES:-25}}"
BIN="${ENTRADA_BIN:-${CARGO_TARGET_DIR:-$ROOT/target}/debug/entrada}"
if [[ -z "${ENTRADA_BIN:-}" ]]; then
  cargo build --quiet -p entrada-cli --bin entrada --manifest-path "$ROOT/Cargo.toml"
fi
command -v schemathesis >/dev/null || { echo "fuzz.sh: pip install schemathesis" >&2; exit 2; }

WORK="$(mktemp -d)"
HUB_PID=""
cleanup() {
  if [[ -n "$HUB_PID" ]] && kill -0 "$HUB_PID" 2>/dev/null; then kill -TERM "$HUB_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

"$BIN" demo --db "$WORK/demo.db" --snapshot "$WORK/demo.json" --attendees 200 >/dev/null
"$BIN" hub --db "$WORK/hub.db" --listen 127.0.0.1:0 --import "$WORK/demo.json" \
  >"$WORK/hub.out" 2>"$WORK/hub.err" &
HUB_PID=$!
for _ in $(seq 1 300); do
  grep -q '^listening on http://' "$WORK/hub.out" 2>/dev/null && break
  kill -0 "$HUB_PID" 2>/dev/null || { cat "$WORK/hub.err" >&2; exit 1; }
  sleep 0.1
done
BASE="$(sed -n 's/^listening on //p' "$WORK/hub.out" | head -1)"
[[ -n "$BASE" ]] || { echo "fuzz.sh: hub did not start" >&2; cat "$WORK/hub.err" >&2; exit 1; }

TOKEN="$(curl -fsS -X POST "$BASE/oauth/v2/token" \
  -d client_id=demo -d client_secret=demo-secret -d grant_type=client_credentials -d scope=event_admin \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')"

echo "fuzz.sh: hub at $BASE, $EXAMPLES examples per operation"
status=0
schemathesis run "$BASE/openapi.json" \
  --header "Authorization: Bearer $TOKEN" \
  --checks not_a_server_error \
  --max-examples "$EXAMPLES" \
  --workers 2 \
  --request-timeout 10 \
  --generation-deterministic \
  --suppress-health-check all || status=$?

# The hub must still be alive (no crash) and stop cleanly on SIGTERM.
kill -0 "$HUB_PID" 2>/dev/null || { echo "fuzz.sh: the hub died during the run" >&2; cat "$WORK/hub.err" >&2; exit 1; }
kill -TERM "$HUB_PID"
wait "$HUB_PID" || { echo "fuzz.sh: hub exited uncleanly" >&2; exit 1; }
HUB_PID=""
exit "$status"
