#!/usr/bin/python3
"""A loopback stand-in for a Twilio-compatible REST API (SMS and voice), for the tests: accepts
POST /2010-04-01/Accounts/<account>/Messages.json (To, From, Body) and .../Calls.json (To, From,
Twiml) with HTTP Basic <account>:<token>, keeps each request it accepts as N.json in --dir
({kind, account, to, from, body, twiml, idempotency_key}) and answers 201 {"sid": ...}.
--fail STATUS answers every request so (503: down; 400: a lasting refusal). A wrong account or
token gets 401 as Twilio answers it. Prints "port N" once listening; stops at SIGTERM."""
import argparse
import base64
import json
import os
import re
import signal
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--account", required=True)
    ap.add_argument("--token", required=True)
    ap.add_argument("--fail", type=int, default=0)
    ap.add_argument("--port", type=int, default=0)
    args = ap.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    lock = threading.Lock()
    count = [0]
    path_re = re.compile(r"^/2010-04-01/Accounts/([^/]+)/(Messages|Calls)\.json$")

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, fmt, *a):
            pass

        def answer(self, status, doc):
            body = json.dumps(doc).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode()
            m = path_re.match(self.path)
            if not m:
                return self.answer(404, {"code": 20404, "message": "not found"})
            if args.fail:
                return self.answer(args.fail, {"code": 30000 + args.fail, "message": "failing on purpose"})
            expected = "Basic " + base64.b64encode(("%s:%s" % (args.account, args.token)).encode()).decode()
            if m.group(1) != args.account or self.headers.get("Authorization") != expected:
                return self.answer(401, {"code": 20003, "message": "Authenticate"})
            form = {k: v[0] for k, v in parse_qs(raw, keep_blank_values=True).items()}
            with lock:
                count[0] += 1
                n = count[0]
            kind = "sms" if m.group(2) == "Messages" else "voice"
            with open(os.path.join(args.dir, "%d.json" % n), "w") as f:
                json.dump({"kind": kind, "account": m.group(1), "to": form.get("To"),
                           "from": form.get("From"), "body": form.get("Body"),
                           "twiml": form.get("Twiml"),
                           "idempotency_key": self.headers.get("Idempotency-Key")}, f)
            self.answer(201, {"sid": ("SM" if kind == "sms" else "CA") + "%032d" % n, "status": "queued"})

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    print("port %d" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
