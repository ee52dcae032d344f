"""Nothing lost, nothing twice: `kill -9` of `ebcm serve` in the middle of telling 10,000 people,
then a start again: every recipient gets their message, each channel's message keeps one
identity (the email's Message-ID, the SMS's Idempotency-Key) however often it was handed over,
and the outbox shows every message delivered. And an escalation deadline survives a restart."""
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import unittest
from collections import defaultdict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from clitest import SHARED_DIR  # noqa: E402
from servetest import ServeTestCase  # noqa: E402
import test_notify_send  # noqa: E402  (its helpers; its tests run on their own)

PEOPLE = 10_000


class NotifyCrashTest(ServeTestCase):
    helper = test_notify_send.NotifySendTest.helper
    sink = test_notify_send.NotifySendTest.sink
    twilio = test_notify_send.NotifySendTest.twilio
    mails = staticmethod(test_notify_send.NotifySendTest.mails)
    calls = staticmethod(test_notify_send.NotifySendTest.calls)

    def config(self, smtp_port, twilio_port, extra=""):
        self.write("twilio-token", "tw-secret\n")
        self.write("ebcm.yaml", """notify:
  public_url: https://ebcm.example
  claim: 5s
  email:
    - { smtp: "smtp://127.0.0.1:%d", from: continuity@example.com, tls: none, timeout: 5s }
  sms:
    - { kind: twilio, base_url: "http://127.0.0.1:%d", account: AC123, token_file: %s, from: "+46100000000", timeout: 5s }
  voice:
    - { kind: twilio, base_url: "http://127.0.0.1:%d", account: AC123, token_file: %s, from: "+46100000000", timeout: 5s }
%s""" % (smtp_port, twilio_port, self.path("twilio-token"), twilio_port, self.path("twilio-token"),
         extra))
        return "ebcm.yaml"

    def status(self, server, cookie):
        return server.request("GET", "/api/v1/incidents/INC-1/notifications", cookie=cookie)[3]

    def test_kill_9_in_the_middle_of_10000_recipients_loses_nothing_and_sends_nothing_twice(self):
        model = self.path("big.yaml")
        subprocess.run([sys.executable, os.path.join(SHARED_DIR, "tools", "gen-model.py"),
                        "--functions", "200", "--services", "60", "--people", str(PEOPLE),
                        "--seed", "11", "-o", model], check=True)
        os.remove(self.path("ebcm.db"))
        self.ok("import", model, "--db", "ebcm.db")
        doc = json.loads(self.ok("export", "--format", "json", "--db", "ebcm.db").stdout)
        self.ok("incident", "declare", "--down", doc["services"][0]["id"], "--title", "Outage",
                "--db", "ebcm.db")
        smtp, mail_dir = self.sink("mail")
        tw, tw_dir = self.twilio("twilio")
        cfg = self.config(smtp.port, tw.port)
        server = self.start(extra=("--config", cfg))
        cookie, csrf = self.sign_in(server, "admin", server.admin_password)
        status, _, _, sent = server.request("POST", "/api/v1/incidents/INC-1/notifications",
                                            {"widen": True}, cookie=cookie, csrf=csrf)
        self.assertEqual(status, 202, sent)
        self.assertEqual(sent["recipients"], PEOPLE)
        total = sent["messages"]
        # In the middle: once a good part has gone out, the server dies without a word.
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if len(os.listdir(mail_dir)) // 2 + len(os.listdir(tw_dir)) >= total // 4:
                break
            time.sleep(0.05)
        server.stop(sig=signal.SIGKILL)
        at_kill = len(os.listdir(mail_dir)) // 2 + len(os.listdir(tw_dir))
        self.assertLess(at_kill, total, "killed before the end")
        password = server.admin_password
        server = self.start(extra=("--config", cfg))
        cookie, _ = self.sign_in(server, "admin", password)
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            st = self.status(server, cookie)
            if st["counts"]["delivered"] + st["counts"]["failed"] == total:
                break
            time.sleep(1)
        self.assertEqual(st["counts"], {"queued": 0, "sending": 0, "retrying": 0,
                                        "delivered": total, "failed": 0})
        # Every recipient got theirs; copies of one message carry one identity.
        identities = defaultdict(set)
        copies = 0
        for m in self.mails(mail_dir):
            identities[("email", m["To"].addresses[0].addr_spec)].add(m["Message-ID"])
            copies += 1
        for c in self.calls(tw_dir):
            identities[(c["kind"], c["to"])].add(c["idempotency_key"])
            copies += 1
        expected = {(m["channel"], m["address"]) for m in st["messages"]}
        self.assertEqual(set(identities), expected)
        for key, ids in identities.items():
            self.assertEqual(len(ids), 1, "one message per channel: %s" % (key,))
        print("\n%d messages; %d handed over when killed; %d copies in all (%d resent with the "
              "same identity after the kill)" % (total, at_kill, copies, copies - total),
              file=sys.stderr)
        self.assertLess(copies - total, 1000, "only what was in flight at the kill")

    def test_an_escalation_deadline_survives_a_restart(self):
        smtp, mail_dir = self.sink("mail")
        tw, tw_dir = self.twilio("twilio")
        self.ok("incident", "declare", "--down", "exo", "--title", "Exchange Online down",
                "--db", "ebcm.db")
        cfg = self.config(smtp.port, tw.port)
        server = self.start(extra=("--config", cfg))
        cookie, csrf = self.sign_in(server, "admin", server.admin_password)
        t0 = time.time()
        status, _, _, doc = server.request("POST", "/api/v1/incidents/INC-1/notifications", {},
                                           cookie=cookie, csrf=csrf)
        self.assertEqual(status, 202, doc)
        st = self.status(server, cookie)
        it = {e["tree"]: e for e in st["escalations"]}["it-major"]
        self.assertEqual(it["levels"][0]["ack_timeout_ms"], 600_000)
        self.assertEqual(server.stop(), 0)
        password = server.admin_password
        # The deadline is in the store: moved an ack timeout (10 min) back, as if the server
        # had been down that long, the restarted server starts level 2 at once.
        db = sqlite3.connect(self.path("ebcm.db"))
        db.execute("UPDATE queue_item SET available_ms = available_ms - 600000 WHERE queue = 'escalate'")
        db.commit()
        db.close()
        server = self.start(extra=("--config", cfg))
        cookie, _ = self.sign_in(server, "admin", password)
        deadline = time.monotonic() + 30
        johan = None
        while time.monotonic() < deadline and not johan:
            st = self.status(server, cookie)
            johan = [m for m in st["messages"] if m["person"] == "johan" and m["tree"] == "it-major"]
            time.sleep(0.2)
        self.assertTrue(johan, "level 2 (Johan) told after the restart")
        self.assertEqual({m["round"] for m in johan}, {"it-major.1"})
        self.assertEqual(len(johan), 3, "a responder on every contact method")
        self.assertLess(time.time() - t0, 60)


if __name__ == "__main__":
    unittest.main()
