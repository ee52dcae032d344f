"""ebcm notify send / status, ebcm ack and the notification routes, against real providers on
loopback: an SMTP server (tests/notify/smtp_sink.py, Debian's aiosmtpd) and a Twilio-compatible
stand-in (tests/notify/twilio_standin.py). An Exchange Online outage on the example model reaches
exactly the people the rule selects, on exactly their channels, in their language, with their
backup contacts; nothing is sent twice; a down provider fails over; acknowledging stops the
call tree."""
import base64
import email
import glob
import hashlib
import hmac
import json
import os
import subprocess
import sys
import time
import unittest
from email import policy
from urllib.parse import urlencode

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from clitest import SOURCE_DIR  # noqa: E402
from servetest import ServeTestCase  # noqa: E402

PY = "/usr/bin/python3"  # Debian's, with python3-aiosmtpd
NOTIFY_DIR = os.path.join(SOURCE_DIR, "tests", "notify")


class Helper:
    """A helper process that prints "port N" once listening."""

    def __init__(self, args):
        self.proc = subprocess.Popen([PY, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True)
        line = self.proc.stdout.readline()
        if not line.startswith("port "):
            self.proc.kill()
            raise AssertionError("%s did not start: %s %s" % (args[0], line, self.proc.stderr.read()))
        self.port = int(line.split()[1])

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)
        self.proc.stdout.close()
        self.proc.stderr.close()


class NotifySendTest(ServeTestCase):

    def setUp(self):
        super().setUp()
        self.ok("incident", "declare", "--down", "exo", "--title", "Exchange Online down",
                "-m", "Mailboxes unreachable", "--db", "ebcm.db")
        model = json.loads(self.ok("export", "--format", "json", "--db", "ebcm.db").stdout)
        self.people = {p["id"]: p for p in model["people"]}
        self.write("twilio-token", "tw-secret\n")

    def helper(self, *args):
        h = Helper(list(args))
        self.addCleanup(h.stop)
        return h

    def sink(self, name, *extra):
        folder = self.path(name)
        os.makedirs(folder, exist_ok=True)
        return self.helper(os.path.join(NOTIFY_DIR, "smtp_sink.py"), "--dir", folder, *extra), folder

    def twilio(self, name, *extra):
        folder = self.path(name)
        return self.helper(os.path.join(NOTIFY_DIR, "twilio_standin.py"), "--dir", folder,
                           "--account", "AC123", "--token", "tw-secret", *extra), folder

    def config(self, smtp_ports, twilio_ports, name="ebcm.yaml"):
        lines = ["notify:", "  public_url: https://ebcm.contoso.example", "  email:"]
        for p in smtp_ports:
            lines.append('    - { smtp: "smtp://127.0.0.1:%d", from: continuity@contoso.example, '
                         'tls: none, timeout: 5s }' % p)
        for channel in ("sms", "voice"):
            lines.append("  %s:" % channel)
            for p in twilio_ports:
                lines.append('    - { kind: twilio, base_url: "http://127.0.0.1:%d", account: AC123, '
                             'token_file: %s, from: "+46100000000", timeout: 5s }'
                             % (p, self.path("twilio-token")))
        self.write(name, "\n".join(lines) + "\n")
        return name

    @staticmethod
    def mails(folder):
        out = []
        for f in sorted(glob.glob(os.path.join(folder, "*.eml"))):
            with open(f, "rb") as fh:
                out.append(email.message_from_binary_file(fh, policy=policy.default))
        return out

    @staticmethod
    def calls(folder):
        out = []
        for f in sorted(glob.glob(os.path.join(folder, "*.json"))):
            with open(f) as fh:
                out.append(json.load(fh))
        return out

    def test_an_exchange_outage_reaches_exactly_the_selected_people_on_their_channels(self):
        smtp, mail_dir = self.sink("mail")
        tw, tw_dir = self.twilio("twilio")
        cfg = self.config([smtp.port], [tw.port])
        preview = self.json_of("notify", "preview", "--incident", "INC-1", "--json", "--db", "ebcm.db")
        expected = {}  # (channel, address) -> person
        for r in preview["recipients"]:
            for c in r["channels"]:
                expected[(c["channel"], c["address"])] = r
        out = self.ok("notify", "send", "--incident", "INC-1", "--config", cfg, "--db", "ebcm.db").stdout
        self.assertIn("INC-1 round 1: %d people" % len(preview["recipients"]), out)
        got = {}
        for m in self.mails(mail_dir):
            addr = m["To"].addresses[0].addr_spec
            self.assertNotIn(("email", addr), got, "twice: " + addr)
            got[("email", addr)] = m
        for c in self.calls(tw_dir):
            key = (c["kind"], c["to"])
            self.assertNotIn(key, got, "twice: %s" % (key,))
            got[key] = c
        self.assertEqual(set(got), set(expected), "exactly the rule's people and channels")
        # Each in their language, with every other contact method as a backup.
        for (channel, address), r in expected.items():
            person = self.people[r["person"]]
            others = [c["address"] for c in person["contacts"]
                      if (c["channel"], c["address"]) != (channel, address)]
            if channel == "email":
                m = got[(channel, address)]
                self.assertEqual(m["Content-Language"], r["language"])
                text = m.get_body(("plain",)).get_content()
                for o in others:
                    self.assertIn(o, text, "backup of %s" % r["person"])
                self.assertIn("https://ebcm.contoso.example/api/v1/ack/", text)
                self.assertIn("https://ebcm.contoso.example/status", text)
            elif channel == "sms":
                body = got[(channel, address)]["body"]
                self.assertRegex(body, r"\b\d{6}\b", "the SMS carries its reply code")
            else:
                twiml = got[(channel, address)]["twiml"]
                self.assertIn('language="%s"' % ("sv-SE" if r["language"] == "sv" else "en-GB"), twiml)
                self.assertIn("/api/v1/inbound/voice?token=", twiml)
        # Maria is not selected: nothing reaches her.
        for c in self.people["maria"]["contacts"]:
            self.assertNotIn((c["channel"], c["address"]), got)
        # Asked again for the same update: nothing new is sent.
        again = self.ok("notify", "send", "--incident", "INC-1", "--config", cfg, "--db", "ebcm.db").stdout
        self.assertIn("nothing new", again)
        self.assertEqual(len(self.mails(mail_dir)) + len(self.calls(tw_dir)), len(expected))
        status = self.json_of("notify", "status", "--incident", "INC-1", "--json", "--db", "ebcm.db")
        self.assertEqual(status["counts"]["delivered"], len(expected))
        self.assertEqual({e["tree"]: e["state"] for e in status["escalations"]},
                         {"it-major": "running", "customer-care": "running", "crisis": "running"})
        # Erik (it-major level 1) acknowledges: it-major stops, the others run on.
        ack = self.ok("ack", "--incident", "INC-1", "--person", "erik", "--db", "ebcm.db").stdout
        self.assertIn("escalation of it-major stopped", ack)
        status = self.json_of("notify", "status", "--incident", "INC-1", "--json", "--db", "ebcm.db")
        states = {e["tree"]: e for e in status["escalations"]}
        self.assertEqual(states["it-major"]["state"], "stopped")
        self.assertEqual(states["it-major"]["acknowledged_by"], "erik")
        self.assertEqual(states["crisis"]["state"], "running")
        self.assertEqual([a["person"] for a in status["acknowledgements"]], ["erik"])
        shown = self.ok("incident", "show", "INC-1", "--db", "ebcm.db").stdout
        self.assertIn("Acknowledged by Erik Johansson (cli)", shown)
        # Someone who was not told cannot acknowledge.
        p = self.ebcm("ack", "--incident", "INC-1", "--person", "maria", "--db", "ebcm.db", expect=2)
        self.assertIn("'maria' was not told about incident 'INC-1'", p.stderr)
        # A new update is a new round, to the audience recomputed.
        self.ok("incident", "update", "INC-1", "-m", "Mail flow restored for most users",
                "--db", "ebcm.db")
        out = self.ok("notify", "send", "--incident", "INC-1", "--config", cfg, "--db", "ebcm.db").stdout
        self.assertIn("INC-1 round 2:", out)
        self.assertEqual(len(self.mails(mail_dir)), 2 * sum(1 for k in expected if k[0] == "email"))

    def test_a_down_smtp_server_fails_over_and_with_both_down_sms_still_goes_out(self):
        first, first_dir = self.sink("mail-first", "--refuse", "0")
        first.stop()  # its port is closed now: unreachable
        second, second_dir = self.sink("mail-second")
        tw, tw_dir = self.twilio("twilio")
        cfg = self.config([first.port, second.port], [tw.port])
        self.ok("notify", "send", "--incident", "INC-1", "--config", cfg, "--db", "ebcm.db")
        status = self.json_of("notify", "status", "--incident", "INC-1", "--json", "--db", "ebcm.db")
        emails = [m for m in status["messages"] if m["channel"] == "email"]
        self.assertTrue(emails)
        for m in emails:
            self.assertEqual(m["state"], "delivered", m)
            self.assertEqual(m["provider"], "smtp://127.0.0.1:%d" % second.port)
        self.assertEqual(len(self.mails(second_dir)), len(emails))
        self.assertEqual(self.mails(first_dir), [])
        # Both down (a new round): email waits for a retry, SMS and voice go out at once.
        second.stop()
        self.ok("incident", "update", "INC-1", "-m", "Still down", "--db", "ebcm.db")
        out = self.ok("notify", "send", "--incident", "INC-1", "--config", cfg, "--db", "ebcm.db").stdout
        self.assertIn("retrying", out)
        status = self.json_of("notify", "status", "--incident", "INC-1", "--json", "--db", "ebcm.db")
        for m in status["messages"]:
            if m["round"] != "r2":
                continue
            if m["channel"] == "email":
                self.assertEqual(m["state"], "retrying", m)
                self.assertIsNotNone(m["next_attempt"])
                self.assertIn("before:", m["answer"])
            else:
                self.assertEqual(m["state"], "delivered", m)

    def test_the_server_sends_a_round_and_the_link_sms_and_keypress_acknowledge(self):
        smtp, mail_dir = self.sink("mail")
        tw, tw_dir = self.twilio("twilio")
        cfg = self.config([smtp.port], [tw.port])
        server = self.start(extra=("--config", cfg))
        cookie, csrf = self.sign_in(server, "admin", server.admin_password)
        status, _, _, doc = server.request("POST", "/api/v1/incidents/INC-1/notifications", {},
                                           cookie=cookie, csrf=csrf)
        self.assertEqual(status, 202, doc)
        self.assertEqual(doc["round"], "r1")
        total = doc["messages"]
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            st = server.request("GET", "/api/v1/incidents/INC-1/notifications", cookie=cookie)[3]
            if st["counts"]["delivered"] == total:
                break
            time.sleep(0.2)
        self.assertEqual(st["counts"]["delivered"], total, st["counts"])
        # The link: opening it shows a button and acknowledges nothing; the button does.
        text = next(m for m in self.mails(mail_dir)
                    if m["To"].addresses[0].addr_spec == "sofia.karlsson@contoso.example"
                    ).get_body(("plain",)).get_content()
        link = next(w for w in text.split() if "/api/v1/ack/" in w)
        path = link[link.index("/api/v1/ack/"):]
        status, headers, page, _ = server.request("GET", path)
        self.assertEqual(status, 200)
        self.assertIn('lang="sv"', page)
        self.assertIn("<button", page)
        self.assertEqual(server.request("GET", "/api/v1/incidents/INC-1/notifications",
                                        cookie=cookie)[3]["acknowledgements"], [])
        status, _, page, _ = server.request("POST", path)
        self.assertEqual(status, 200, page)
        self.assertIn("Sofia Karlsson kvitterade INC-1", page)
        status, _, page, _ = server.request("POST", path[:-3] + "AAA")
        self.assertEqual(status, 400, "a tampered link")
        # An SMS reply with Erik's code, signed as Twilio signs it.
        erik_sms = next(c for c in self.calls(tw_dir) if c["kind"] == "sms" and c["to"] == "+46701740608")
        code = next(w for w in erik_sms["body"].replace(".", " ").split() if w.isdigit() and len(w) == 6)
        fields = {"From": "+46701740608", "Body": "ok " + code, "To": "+46100000000"}
        url = "https://ebcm.contoso.example/api/v1/inbound/sms"
        data = url + "".join(k + fields[k] for k in sorted(fields))
        sig = base64.b64encode(hmac.new(b"tw-secret", data.encode(), hashlib.sha1).digest()).decode()
        body = urlencode(fields)
        form = {"Content-Type": "application/x-www-form-urlencoded"}
        status, _, _, _ = server.request("POST", "/api/v1/inbound/sms", body,
                                         dict(form, **{"X-Twilio-Signature": "AAAA" + sig[4:]}))
        self.assertEqual(status, 403, "a forged signature")
        status, _, twiml, _ = server.request("POST", "/api/v1/inbound/sms", body,
                                             dict(form, **{"X-Twilio-Signature": sig}))
        self.assertEqual(status, 200, twiml)
        self.assertIn("INC-1", twiml)
        st = server.request("GET", "/api/v1/incidents/INC-1/notifications", cookie=cookie)[3]
        acks = {a["person"]: a for a in st["acknowledgements"]}
        self.assertEqual(acks["sofia"]["channel"], "link")
        self.assertEqual(acks["erik"]["channel"], "sms")
        trees = {e["tree"]: e["state"] for e in st["escalations"]}
        self.assertEqual(trees["it-major"], "stopped")
        self.assertEqual(trees["customer-care"], "stopped")
        self.assertEqual(trees["crisis"], "running")
        # Helena (crisis, level 1) presses 1 during her call.
        call = next(c for c in self.calls(tw_dir) if c["kind"] == "voice" and c["to"] == "+46701740605")
        action = call["twiml"].split('action="')[1].split('"')[0].replace("&amp;", "&")
        target = action[len("https://ebcm.contoso.example"):]
        fields = {"Digits": "1", "CallSid": "CA1"}
        data = action + "".join(k + fields[k] for k in sorted(fields))
        sig = base64.b64encode(hmac.new(b"tw-secret", data.encode(), hashlib.sha1).digest()).decode()
        status, _, twiml, _ = server.request("POST", target, urlencode(fields),
                                             dict(form, **{"X-Twilio-Signature": sig}))
        self.assertEqual(status, 200, twiml)
        self.assertIn("Kvitterat", twiml)
        st = server.request("GET", "/api/v1/incidents/INC-1/notifications", cookie=cookie)[3]
        self.assertEqual({e["tree"]: e["state"] for e in st["escalations"]}["crisis"], "stopped")
        self.assertTrue(server.alive())


if __name__ == "__main__":
    unittest.main()
