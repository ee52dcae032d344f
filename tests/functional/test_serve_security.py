"""`ebcm serve` against what a hostile client does: the findings of the security review."""
import json
import os
import socket
import sqlite3
import sys
import threading
import time
import unittest

from servetest import ServeTestCase


def nested(depth):
    value = []
    for _ in range(depth - 1):
        value = [value]
    return value


def peak_rss_mib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


class SecurityTest(ServeTestCase):

    def setUp(self):
        super().setUp()
        self.server = self.start(extra=("--max-connections", "40"))
        s = self.server
        self.admin = self.sign_in(s, "admin", s.admin_password)
        self.tokens = {}
        for role in ("viewer", "owner", "coordinator"):
            body = {"name": "u-" + role, "role": role, "password": "correct horse battery " + role}
            if role == "owner":
                body["person"] = "ingrid"
            status, _, _, doc = s.request("POST", "/api/v1/users", body, cookie=self.admin[0],
                                          csrf=self.admin[1])
            self.assertEqual(status, 201, doc)
            cookie, csrf = self.sign_in(s, "u-" + role, "correct horse battery " + role)
            status, _, _, doc = s.request("POST", "/api/v1/tokens", {"name": "t"}, cookie=cookie,
                                          csrf=csrf)
            self.assertEqual(status, 201, doc)
            self.tokens[role] = doc["token"]

    def admin_tokens(self):
        status, _, _, doc = self.server.request("GET", "/api/v1/tokens", cookie=self.admin[0])
        self.assertEqual(status, 200)
        return [t for t in doc if t["user"] == "admin"]

    def test_no_token_for_admin_through_a_nested_body(self):
        s = self.server
        for extra in (None, nested(33), nested(65), nested(200)):
            body = {"user": "admin"}
            if extra is not None:
                body["x"] = extra
            status, _, _, doc = s.request("POST", "/api/v1/tokens", body, token=self.tokens["viewer"])
            self.assertIn(status, (400, 403), doc)
            self.assertNotIn("token", doc or {})
        self.assertEqual(self.admin_tokens(), [])
        # A token made over HTTP expires in 90 days unless asked otherwise.
        status, _, _, doc = s.request("POST", "/api/v1/tokens", {"name": "mine"},
                                      token=self.tokens["viewer"])
        self.assertEqual(status, 201, doc)
        self.assertIsNotNone(doc["expires"])
        days = (time.mktime(time.strptime(doc["expires"], "%Y-%m-%dT%H:%M:%SZ")) - time.time()) / 86400
        self.assertAlmostEqual(days, 90, delta=1)
        # A stolen token cannot make itself permanent: only an admin makes tokens that never
        # expire or live over a year.
        for expires in ("never", "400d"):
            status, _, _, doc = s.request("POST", "/api/v1/tokens",
                                          {"name": "forever", "expires": expires},
                                          token=self.tokens["viewer"])
            self.assertEqual(status, 403, doc)
        status, _, _, doc = s.request("POST", "/api/v1/tokens", {"name": "forever", "expires": "never"},
                                      cookie=self.admin[0], csrf=self.admin[1])
        self.assertEqual((status, doc["expires"]), (201, None))

    def test_owner_cannot_give_away_a_function_through_a_nested_body(self):
        s = self.server
        tok = self.tokens["owner"]
        _, headers, _, _ = s.request("GET", "/api/v1/functions/payroll", token=tok)
        for body in ({"owner": "karin", "x": nested(33)}, {"owner": "karin", "x": nested(65)}):
            status, _, _, doc = s.request("PATCH", "/api/v1/functions/payroll", body,
                                          {"If-Match": headers["etag"]}, token=tok)
            self.assertIn(status, (400, 403), doc)
        self.assertEqual(s.request("GET", "/api/v1/functions/payroll", token=tok)[3]["owner"], "ingrid")

    def test_unread_bodies_do_not_fill_memory(self):
        s = self.server
        chunk = b"x" * (1 << 20)

        def flood(path, headers=b""):
            try:
                c = socket.create_connection(("127.0.0.1", s.port), timeout=20)
                c.sendall(b"POST " + path + b" HTTP/1.1\r\nHost: x\r\n" + headers +
                          b"Content-Type: application/json\r\nContent-Length: 60000000\r\n\r\n")
                for _ in range(60):
                    c.sendall(chunk)
            except OSError:
                pass  # the server answered and closed: what it should do

        threads = [threading.Thread(target=flood, args=(b"/nowhere/%d" % i,)) for i in range(20)]
        # A signed-in viewer sending a model import it may not make: refused on the head too.
        auth = b"Authorization: Bearer " + self.tokens["viewer"].encode() + b"\r\n"
        threads += [threading.Thread(target=flood, args=(b"/api/v1/import", auth)) for _ in range(5)]
        # And an ordinary route's small limit, for an account that may write there.
        coord = b"Authorization: Bearer " + self.tokens["coordinator"].encode() + b"\r\n"
        threads += [threading.Thread(target=flood, args=(b"/api/v1/functions", coord)) for _ in range(5)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertTrue(s.alive())
        peak = peak_rss_mib(s.proc.pid)
        print("peak RSS after 30 unwanted 60 MB bodies: %.1f MiB" % peak, file=sys.stderr)
        self.assertLess(peak, 200)
        self.assertEqual(s.request("GET", "/healthz")[0], 200)

    def test_storage_errors_reach_the_log_not_the_client(self):
        s = self.server
        db = sqlite3.connect(os.path.join(self.dir, "ebcm.db"))
        db.execute("CREATE TRIGGER break_commits BEFORE INSERT ON revision BEGIN "
                   "SELECT RAISE(ABORT, 'disk trouble at /srv/secret/ebcm.db'); END")
        db.commit()
        _, headers, _, _ = s.request("GET", "/api/v1/functions/payroll", cookie=self.admin[0])
        status, rh, text, doc = s.request("PATCH", "/api/v1/functions/payroll", {"name": "Pay"},
                                          {"If-Match": headers["etag"]}, cookie=self.admin[0],
                                          csrf=self.admin[1])
        self.assertEqual(status, 500, text)
        self.assertNotIn("secret", text)
        self.assertNotIn("disk trouble", text)
        rid = doc["error"]["request_id"]
        self.assertEqual(rh["x-request-id"], rid)
        self.assertIn(rid, doc["error"]["message"])
        log = [json.loads(line) for line in s.logs().splitlines() if line.startswith("{")]
        detail = [e for e in log if e.get("request_id") == rid and "disk trouble" in json.dumps(e)]
        self.assertTrue(detail, "the detail is logged under the request id")
        # The public readiness probe says only that the store does not answer.
        db.execute("DROP TRIGGER break_commits")
        db.execute("ALTER TABLE revision RENAME TO revision_away")
        db.commit()
        status, _, text, doc = s.request("GET", "/readyz")
        self.assertEqual(status, 503, text)
        self.assertNotIn("revision", text.replace("request_id", ""))
        self.assertNotIn("no such table", text)
        db.execute("ALTER TABLE revision_away RENAME TO revision")
        db.commit()
        db.close()
        self.assertEqual(s.request("GET", "/readyz")[0], 200)

    def test_smuggled_request_is_not_run(self):
        s = self.server
        inner = b"GET /api/v1/openapi.json HTTP/1.1\r\nHost: x\r\n\r\n"
        c = socket.create_connection(("127.0.0.1", s.port), timeout=10)
        # No Content-Length: the old server took the body as empty and ran `inner` next.
        c.sendall(b"POST /api/v1/session HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n"
                  b"\r\n" + inner)
        got = b""
        while True:
            part = c.recv(65536)
            if not part:
                break
            got += part
        c.close()
        self.assertEqual(got.count(b"HTTP/1.1 "), 1, got)
        self.assertTrue(got.startswith(b"HTTP/1.1 400 "), got)

    def test_connections_over_the_cap_get_503(self):
        s = self.server
        held = []
        for _ in range(40):
            c = socket.create_connection(("127.0.0.1", s.port), timeout=10)
            c.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            self.assertIn(b" 200 ", c.recv(4096))
            held.append(c)
        over = socket.create_connection(("127.0.0.1", s.port), timeout=10)
        over.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        reply = over.recv(4096)
        self.assertTrue(reply.startswith(b"HTTP/1.1 503 "), reply)
        over.close()
        for c in held:
            c.close()
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                if s.request("GET", "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.05)
        self.assertEqual(s.request("GET", "/healthz")[0], 200)
        self.assertIn("http_connection_refused", s.logs())


if __name__ == "__main__":
    unittest.main()
