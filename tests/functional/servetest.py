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


class EventStream:
    """A Server-Sent Events client: next(types, timeout) reads events until one of `types`."""

    def __init__(self, port, token, cookie, last_event_id, timeout):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        h = {"Accept": "text/event-stream"}
        if token:
            h["Authorization"] = "Bearer " + token
        if cookie:
            h["Cookie"] = cookie
        if last_event_id is not None:
            h["Last-Event-ID"] = last_event_id
        self.conn.request("GET", "/api/v1/events", headers=h)
        self.sock = self.conn.sock  # http.client lets go of it once the answer is to be closed
        self.res = self.conn.getresponse()
        self.status = self.res.status
        self.headers = {k.lower(): v for k, v in self.res.getheaders()}
        self.doc = None
        self.seen = []  # every event read: dicts with id, event, data (parsed JSON)
        if self.status != 200:
            text = self.res.read().decode("utf-8", "replace")
            self.doc = json.loads(text) if text else None
            self.close()

    def read_event(self):
        """The next event (comments and retry: skipped), or None when the stream ends."""
        event = {}
        while True:
            line = self.res.fp.readline()
            if not line:
                return None
            line = line.decode("utf-8").rstrip("\r\n")
            if not line:
                if "event" in event or "data" in event:
                    if "data" in event:
                        event["data"] = json.loads(event["data"])
                    self.seen.append(event)
                    return event
                continue
            if line.startswith(":"):
                continue
            name, _, value = line.partition(":")
            if value.startswith(" "):
                value = value[1:]
            if name in ("id", "event", "data"):
                event[name] = value

    def next(self, types, timeout=20):
        """Reads until an event of one of `types` (a name or a tuple); fails after `timeout`."""
        types = (types,) if isinstance(types, str) else tuple(types)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.sock.settimeout(max(0.1, deadline - time.monotonic()))
            try:
                event = self.read_event()
            except socket.timeout:
                break
            if event is None:
                raise AssertionError("the event stream ended; seen: %s" % self.seen)
            if event.get("event") in types:
                return event
        raise AssertionError("no %s event within %ss; seen: %s" % (types, timeout, self.seen))

    def close(self):
        self.res.close()
        self.sock.close()
        self.conn.close()


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

    def events(self, token=None, cookie=None, last_event_id=None, timeout=30):
        """GET /api/v1/events, left open: an EventStream (its .status, .doc when refused)."""
        return EventStream(self.port, token, cookie, last_event_id, timeout)

    def alive(self):
        return self.proc.poll() is None

    def logs(self):
        if not self.log.closed:
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
