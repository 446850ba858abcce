#!/usr/bin/env python3
"""Test receiver for Entrada webhooks using the `standardwebhooks` library from PyPI.

    python3 receiver.py PORT SECRET LOG

Verifies every request with standardwebhooks.Webhook(secret).verify (signature and
timestamp tolerance) and the x-eventwo-access-signature with hmac.compare_digest, appends
one JSON line per request to LOG, and answers 204 when both hold, 401 otherwise.
"""
import base64
import hashlib
import hmac
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook

PORT, SECRET, LOG = int(sys.argv[1]), sys.argv[2], sys.argv[3]
WEBHOOK = Webhook(SECRET)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        headers = {k.lower(): v for k, v in self.headers.items()}
        try:
            WEBHOOK.verify(body, headers)
            standard_valid = True
        except Exception:  # WebhookVerificationError and malformed headers alike
            standard_valid = False
        expected = base64.b64encode(
            hmac.new(SECRET.encode(), body, hashlib.sha256).digest()
        ).decode()
        eventwo_valid = hmac.compare_digest(
            expected, headers.get("x-eventwo-access-signature", "")
        )
        try:
            payload = json.loads(body)
        except ValueError:
            payload = {}
        line = {
            "receiver": "python",
            "webhook_id": headers.get("webhook-id"),
            "webhook_identifier": payload.get("webhook_identifier") if isinstance(payload, dict) else None,
            "webhook_name": payload.get("webhook_name") if isinstance(payload, dict) else None,
            "eventwo_valid": eventwo_valid,
            "standard_valid": standard_valid,
        }
        with open(LOG, "a") as f:
            f.write(json.dumps(line) + "\n")
        self.send_response(204 if eventwo_valid and standard_valid else 401)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
