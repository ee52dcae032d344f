"""Starting the real `ebcm serve` on a free loopback port, and talking HTTP to it."""
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import time

from clitest import EBCM, CONTOSO, CliTestCase


class Server:
    """`ebcm serve` in `folder`, on 127.0.0.1 and a port the system picks."""

    def __init__(self, folder, db="ebcm.db", extra=(), env=None):
        self.folder = folder
        self.log_path = os.path.join(folder, "serve-%d.log" % time.monotonic_ns())
        self.log = open(self.log_path, "w")
        run_env = dict(os.environ)
        run_env.update(env or {})
        self.proc = subprocess.Popen(
            [EBCM, "serve", "--db", db, "--listen", "127.0.0.1:0", *extra],
            cwd=folder, stdout=subprocess.PIPE, stderr=self.log, text=True, env=run_env)
        self.banner = ""
        self.admin_password = None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            self.banner += line
            m = re.search(r"password: (\S+)", line)
            if m:
                self.admin_password = m.group(1)
            m = re.search(r"serving https?://127\.0\.0\.1:(\d+)/", line)
            if m:
                self.port = int(m.group(1))
                return
        self.stop()
        raise AssertionError("ebcm serve did not start:\n%s\n%s" % (self.banner, self.logs()))

    def request(self, method, path, body=None, headers=None, token=None, cookie=None, csrf=None):
        """(status, headers dict with lower-case names, body text, parsed JSON or None)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        h = dict(headers or {})
        if token:
            h["Authorization"] = "Bearer " + token
        if cookie:
            h["Cookie"] = cookie
        if csrf:
            h["X-CSRF-Token"] = csrf
        if body is not None and not isinstance(body, (str, bytes)):
            body = json.dumps(body)
            h.setdefault("Content-Type", "application/json")
        if isinstance(body, str):
            body = body.encode("utf-8")
        conn.request(method, path, body=body, headers=h)
        res = conn.getresponse()
        text = res.read().decode("utf-8", "replace")
        conn.close()
        headers = {k.lower(): v for k, v in res.getheaders()}
        try:
            doc = json.loads(text) if text else None
        except ValueError:
            doc = None
        return res.status, headers, text, doc

    def alive(self):
        return self.proc.poll() is None

    def logs(self):
        self.log.flush()
        with open(self.log_path) as f:
            return f.read()

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()
        self.log.close()
        return self.proc.returncode


class ServeTestCase(CliTestCase):
    """A folder with contoso imported into ebcm.db; start() runs a server on it."""

    def setUp(self):
        super().setUp()
        self.ok("import", CONTOSO, "--db", "ebcm.db")

    def start(self, **kw):
        server = Server(self.dir, **kw)
        self.addCleanup(server.stop)
        return server

    def sign_in(self, server, user, password):
        status, headers, _, doc = server.request("POST", "/api/v1/session",
                                                 {"user": user, "password": password})
        self.assertEqual(status, 200, doc)
        cookie = headers["set-cookie"].split(";")[0]
        return cookie, doc["csrf"]
