#!/usr/bin/python3
"""A real SMTP server on loopback for the tests (aiosmtpd, Debian's python3-aiosmtpd): keeps each
message it accepts as N.eml (the data) and N.json (the envelope) in --dir, or refuses every
message with --refuse CODE (450: for now; 550: for good). --user/--password: AUTH required.
--cert/--key: offers STARTTLS. Prints "port N" once listening; stops at SIGTERM or when the
process that started it ends."""
import argparse
import json
import os
import signal
import socket
import ssl
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


class Keep:
    def __init__(self, folder, refuse):
        self.folder, self.refuse, self.n = folder, refuse, 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            return "%d refused by the test sink" % self.refuse
        with self.lock:
            self.n += 1
            n = self.n
        base = os.path.join(self.folder, "%d" % n)
        with open(base + ".eml", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        with open(base + ".json", "w") as f:
            json.dump({"from": envelope.mail_from, "to": envelope.rcpt_tos,
                       "tls": session.ssl is not None,
                       "auth": session.authenticated}, f)
        return "250 kept"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--refuse", type=int, default=0)
    ap.add_argument("--user")
    ap.add_argument("--password")
    ap.add_argument("--cert")
    ap.add_argument("--key")
    a = ap.parse_args()
    kw = {}
    if a.user:
        def check(server, session, envelope, mechanism, auth_data):
            ok = auth_data.login == a.user.encode() and auth_data.password == a.password.encode()
            return AuthResult(success=ok, handled=False)  # False: aiosmtpd answers 535 itself
        kw.update(authenticator=check, auth_required=True, auth_require_tls=bool(a.cert))
    if a.cert:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(a.cert, a.key)
        kw.update(tls_context=ctx, require_starttls=True)
    # aiosmtpd 1.4 cannot listen on port 0 (its readiness check connects to the port given):
    # take a free one from the system first.
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    c = Controller(Keep(a.dir, a.refuse), hostname="127.0.0.1", port=port, **kw)
    c.start()
    print("port %d" % port, flush=True)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    parent = os.getppid()

    def orphaned():  # the test that started it is gone: stop too
        while not done.wait(0.5):
            if os.getppid() != parent:
                done.set()
    threading.Thread(target=orphaned, daemon=True).start()
    done.wait()
    c.stop()


if __name__ == "__main__":
    main()
