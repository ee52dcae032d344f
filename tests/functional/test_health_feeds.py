"""ebcm health poll, incidents and the live impact against the loopback stand-in for Microsoft
identity + Graph service health and a Statuspage (tests/standin), serving the real payloads of
../shared/fixtures and faults. ebcm serve --config polls within its interval and stays up."""
import json
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "standin"))

from clitest import EBCM, SHARED_DIR  # noqa: E402
from servetest import Server, ServeTestCase  # noqa: E402
from provider_standin import Standin  # noqa: E402

SECRET = "s3cr3t-client-value-for-tests"


def now_iso(offset_s=0):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + offset_s))


def exchange_incident():
    return {
        "id": "EX900001", "title": "Users can't access Exchange Online mailboxes",
        "impactDescription": "Users may be unable to access their mailbox by any client.",
        "classification": "incident", "origin": "microsoft", "status": "serviceInterruption",
        "service": "Exchange Online", "feature": "Mailbox access", "featureGroup": "E-Mail and calendar access",
        "isResolved": False, "startDateTime": now_iso(-900), "endDateTime": None,
        "lastModifiedDateTime": now_iso(-60), "details": [],
        "posts": [{"createdDateTime": now_iso(-600), "postType": "regular",
                   "description": {"contentType": "html",
                                   "content": "We're investigating.<br>Next update by: " + now_iso(3600)}}],
    }


class HealthFeedsTest(ServeTestCase):

    def setUp(self):
        super().setUp()
        fixtures = os.path.join(SHARED_DIR, "fixtures")
        self.standin = Standin(fixtures, client_id="11111111-2222-3333-4444-555555555555",
                               client_secret=SECRET)
        self.standin.start()
        self.addCleanup(self.standin.stop)
        self.write("graph-secret", SECRET + "\n")
        self.config = self.write("ebcm.yaml", """health:
  interval: 10s
  sources:
    - provider: microsoft365
      kind: microsoft-graph
      tenant: contoso.onmicrosoft.com
      client_id: 11111111-2222-3333-4444-555555555555
      client_secret_file: %s
      login_url: %s
      graph_url: %s
      timeout: 3s
""" % (self.path("graph-secret"), self.standin.url, self.standin.url))
        self.control("PUT", "/_control/graph", {"issues": [exchange_incident()]})

    def control(self, method, path, body=None):
        import urllib.request
        req = urllib.request.Request(self.standin.url + path, method=method,
                                     data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read() or b"null")

    def no_secret(self, *texts):
        for t in texts:
            self.assertNotIn(SECRET, t)

    def test_an_exchange_incident_becomes_an_incident_and_the_live_impact(self):
        p = self.ebcm("health", "poll", "--once", "--config", self.config, expect=0)
        self.assertIn("opened", p.stdout)
        self.assertIn("EX900001", p.stdout)
        self.no_secret(p.stdout, p.stderr)
        live = self.json_of("impact", "--live", "--json")
        self.assertIn("exo", live["disruption"]["down"])
        functions = {f["id"]: f for f in live["functions"]}
        self.assertEqual(functions["incident-mgmt"]["state"], "degraded")
        report = {f["id"]: f for f in live["report"]["functions"]}
        self.assertIn("exo", " ".join(report["incident-mgmt"]["because"]))
        self.assertEqual([i["id"] for i in live["incidents"]], ["EX900001"])
        shown = self.json_of("incident", "show", "EX900001", "--json")
        self.assertTrue(shown["next_update_from_provider"])  # "Next update by: ..."
        # Again: nothing new, nothing re-announced.
        again = self.ebcm("health", "poll", "--once", "--config", self.config, "--json", expect=0)
        self.assertEqual(json.loads(again.stdout)["sources"][0]["changes"], [])
        status = self.json_of("health", "status", "--json")
        self.assertIsNone(status["sources"][0]["unknown_since"])
        # The message center's planned changes, each with what depends on it.
        changes = self.json_of("health", "changes", "--json")["changes"]
        self.assertTrue(changes)
        for c in changes:
            self.assertIn(" changes ", c["summary"])
        self.assertIn(changes[0]["id"], self.ok("health", "changes").stdout)

    def test_faults_leave_the_last_known_state_and_a_clear_error(self):
        self.ok("health", "poll", "--once", "--config", self.config)
        for mode in ("unavailable", "malformed", "truncated", "drop", "throttle", "hang"):
            self.control("DELETE", "/_control/fault")
            self.control("POST", "/_control/fault", {"target": "graph", "mode": mode, "count": -1})
            p = self.ebcm("health", "poll", "--once", "--config", self.config, expect=3)
            self.assertIn("could not be read", p.stdout, mode)
            self.no_secret(p.stdout, p.stderr)
            live = self.json_of("impact", "--live", "--json")
            self.assertIn("exo", live["disruption"]["down"], mode)
            self.assertIsNotNone(live["sources"][0]["unknown_since"], mode)
        self.control("DELETE", "/_control/fault")
        self.control("POST", "/_control/fault", {"target": "token", "mode": "reject-credentials", "count": -1})
        p = self.ebcm("health", "poll", "--once", "--config", self.config, expect=3)
        self.assertIn("rejected", p.stdout)
        self.no_secret(p.stdout, p.stderr)
        self.control("DELETE", "/_control/fault")
        self.ok("health", "poll", "--once", "--config", self.config)
        self.assertIsNone(self.json_of("health", "status", "--json")["sources"][0]["unknown_since"])

    def test_bad_settings_exit_2_naming_the_problem(self):
        bad = self.write("bad.yaml", "health:\n  sources:\n    - provider: m\n      kind: microsoft-graph\n"
                                     "      tenant: t\n      client_id: c\n      client_secret: oops\n")
        p = self.ebcm("health", "poll", "--once", "--config", bad, expect=2)
        self.assertIn("client_secret_file", p.stderr)
        self.assertNotIn("oops", p.stderr)

    def test_serve_polls_and_shows_it_on_the_status_page(self):
        server = self.start(extra=("--config", self.config))
        deadline = time.time() + 15
        live = None
        while time.time() < deadline:
            status, _, _, page = server.request("GET", "/status.json")
            if status == 200 and any(f.get("id") == "incident-mgmt" for f in page.get("functions", [])):
                break
            time.sleep(0.3)
        functions = {f["id"]: f for f in page["functions"]}
        self.assertIn("incident-mgmt", functions, page)
        self.assertEqual(functions["incident-mgmt"]["state"], "degraded")
        self.assertIn("Exchange", page["message"])
        # Faults never take the server down.
        self.control("POST", "/_control/fault", {"target": "graph", "mode": "drop", "count": -1})
        time.sleep(1)
        self.assertTrue(server.alive())
        self.no_secret(server.logs())

    def test_paging_and_an_expired_token_lose_nothing(self):
        second = dict(exchange_incident(), id="EX900002", title="Mail flow delays",
                      status="serviceDegradation")
        third = dict(exchange_incident(), id="EX900003", title="Outlook on the web slow",
                     status="serviceDegradation")
        self.control("PUT", "/_control/graph", {"issues": [exchange_incident(), second, third]})
        self.control("POST", "/_control/fault", {"mode": "page", "page_size": 1})
        self.ok("health", "poll", "--once", "--config", self.config)
        listed = [i["id"] for i in self.json_of("incident", "list", "--json")]
        for ident in ("EX900001", "EX900002", "EX900003"):  # every page followed
            self.assertIn(ident, listed)
        # A server reuses its token; the provider expires it: one new token, nothing lost.
        server = self.start(extra=("--config", self.config))
        time.sleep(2)  # its first poll, at start
        tokens = self.control("GET", "/_control/stats")["tokens_issued"]
        self.control("POST", "/_control/fault", {"mode": "expire-token"})
        fourth = dict(exchange_incident(), id="EX900004", title="Calendar sharing fails",
                      status="serviceDegradation", lastModifiedDateTime=now_iso(5))
        self.control("PUT", "/_control/graph", {"issues": [exchange_incident(), second, third, fourth]})
        cookie, _ = self.sign_in(server, "admin", server.admin_password)
        deadline = time.time() + 20  # the next poll: within the 10 s interval
        seen = []
        while time.time() < deadline:
            doc = server.request("GET", "/api/v1/incidents", cookie=cookie)[3]
            seen = [i["id"] for i in doc["incidents"]]
            if "EX900004" in seen:
                break
            time.sleep(0.5)
        self.assertIn("EX900004", seen)
        self.assertEqual(self.control("GET", "/_control/stats")["tokens_issued"], tokens + 1)
        self.assertTrue(server.alive())

    def test_the_event_stream_announces_the_incident_and_resumes(self):
        self.control("PUT", "/_control/graph", {"issues": []})
        server = self.start(extra=("--config", self.config))
        cookie, csrf = self.sign_in(server, "admin", server.admin_password)
        stream = server.events(cookie=cookie)
        self.addCleanup(stream.close)
        self.assertEqual(stream.status, 200)
        self.assertTrue(stream.headers["content-type"].startswith("text/event-stream"))
        self.assertNotIn("content-length", stream.headers)
        hello = stream.next("hello")
        self.assertFalse(hello["data"]["resumed"])
        # The feed reports Exchange Online down: within one poll interval (10 s) the stream says
        # so — the incident, then incident management degraded (its mitigation carries it).
        self.control("PUT", "/_control/graph", {"issues": [exchange_incident()]})
        opened = stream.next("incident.opened", timeout=25)
        self.assertEqual(opened["data"]["id"], "EX900001")
        self.assertEqual(opened["data"]["state"], "active")
        self.assertIsNotNone(opened["data"]["next_update"])
        impact = stream.next("impact.changed", timeout=10)
        changed = {c["id"]: c for c in impact["data"]["changed"]}
        self.assertEqual(changed["incident-mgmt"]["state"], "degraded", impact)
        self.assertEqual(changed["incident-mgmt"]["was"], "up")
        self.assertGreater(int(impact["id"]), int(opened["id"]))

        # Reconnecting after the hello replays what came since; an unknown id asks for a resync.
        again = server.events(cookie=cookie, last_event_id=hello["id"])
        self.addCleanup(again.close)
        self.assertTrue(again.next("hello")["data"]["resumed"])
        self.assertEqual(again.next("incident.opened", timeout=5)["id"], opened["id"])
        self.assertEqual(again.next("impact.changed", timeout=5)["id"], impact["id"])
        lost = server.events(cookie=cookie, last_event_id="12345")
        self.addCleanup(lost.close)
        self.assertFalse(lost.next("hello")["data"]["resumed"])
        lost.next("resync", timeout=5)

        # A declared incident is announced at once, without waiting for a poll.
        status, _, _, doc = server.request("POST", "/api/v1/incidents",
                                           {"title": "WAN down at HQ", "down": ["wan"]},
                                           cookie=cookie, csrf=csrf)
        self.assertEqual(status, 201, doc)
        self.assertEqual(stream.next("incident.opened", timeout=5)["data"]["title"], "WAN down at HQ")
        # Without credentials: refused, not streamed.
        self.assertEqual(server.events().status, 401)
        self.no_secret(server.logs(), json.dumps(stream.seen))


if __name__ == "__main__":
    if not os.path.exists(EBCM):
        sys.exit("ebcm binary not found at %s (set EBCM_BIN)" % EBCM)
    unittest.main()
