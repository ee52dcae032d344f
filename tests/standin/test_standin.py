#!/usr/bin/env python3
"""Self-test of provider_standin.py: every route and fault mode, in-process on port 0."""
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import provider_standin as ps  # noqa: E402

FIXTURES = ps.default_fixtures_dir()
GRAPH = "/v1.0/admin/serviceAnnouncement/"
SCOPE = "https://graph.microsoft.com/.default"


class StandinTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = ps.Standin(FIXTURES).start()

    @classmethod
    def tearDownClass(cls):
        cls.s.stop()

    def setUp(self):
        self.control("DELETE", "/_control/fault")
        self.control("POST", "/_control/reset")

    # -- helpers --
    def req(self, method, path, body=None, headers=None, timeout=5):
        """-> (status, headers, bytes) over a fresh connection."""
        c = http.client.HTTPConnection("127.0.0.1", self.s.port, timeout=timeout)
        try:
            if isinstance(body, (dict, list)):
                body = json.dumps(body)
            c.request(method, path, body=body, headers=headers or {})
            r = c.getresponse()
            return r.status, r.headers, r.read()
        finally:
            c.close()

    def control(self, method, path, body=None):
        st, _, raw = self.req(method, path, body)
        self.assertEqual(st, 200, raw)
        return json.loads(raw)

    def fault(self, **spec):
        return self.control("POST", "/_control/fault", spec)

    def token_req(self, cid=ps.DEFAULT_CLIENT_ID, secret=ps.DEFAULT_CLIENT_SECRET,
                  grant="client_credentials", scope=SCOPE):
        body = urllib.parse.urlencode({"client_id": cid, "scope": scope, "client_secret": secret,
                                       "grant_type": grant})
        return self.req("POST", "/contoso.onmicrosoft.com/oauth2/v2.0/token", body,
                        {"Content-Type": "application/x-www-form-urlencoded"})

    def token(self):
        st, _, raw = self.token_req()
        self.assertEqual(st, 200, raw)
        return json.loads(raw)["access_token"]

    def graph(self, rel, token=None, headers=None):
        h = {"Authorization": "Bearer " + (token or self.token())}
        h.update(headers or {})
        return self.req("GET", rel if rel.startswith("/") else GRAPH + rel, headers=h)

    def graph_json(self, rel, token=None, headers=None):
        st, _, raw = self.graph(rel, token, headers)
        self.assertEqual(st, 200, raw)
        return json.loads(raw)

    # -- identity --
    def test_token_ok(self):
        st, h, raw = self.token_req()
        self.assertEqual(st, 200)
        body = json.loads(raw)
        self.assertEqual(body["token_type"], "Bearer")
        self.assertEqual(body["expires_in"], ps.DEFAULT_TTL)
        self.assertEqual(body["ext_expires_in"], ps.DEFAULT_TTL)
        self.assertTrue(body["access_token"])
        self.assertNotEqual(body["access_token"], self.token())
        self.assertEqual(self.control("GET", "/_control/stats")["tokens_issued"], 2)

    def test_token_wrong_secret_and_id(self):
        for kw in ({"secret": "nope"}, {"cid": "someone-else", "secret": "nope"}):
            st, _, raw = self.token_req(**kw)
            body = json.loads(raw)
            self.assertEqual(st, 401, raw)
            self.assertEqual(body["error"], "invalid_client")
            self.assertIn("AADSTS7000215", body["error_description"])
            self.assertEqual(body["error_codes"], [7000215])
            self.assertNotIn("nope", raw.decode())
        self.assertEqual(self.control("GET", "/_control/stats")["tokens_issued"], 0)

    def test_token_bad_grant_and_scope(self):
        st, _, raw = self.token_req(grant="password")
        self.assertEqual(st, 400)
        self.assertEqual(json.loads(raw)["error"], "unsupported_grant_type")
        st, _, raw = self.token_req(scope="User.Read")
        self.assertEqual(st, 400)
        self.assertEqual(json.loads(raw)["error"], "invalid_scope")

    def test_reject_credentials(self):
        self.fault(target="token", mode="reject-credentials", count=1)
        st, _, raw = self.token_req()
        self.assertEqual(st, 401)
        self.assertEqual(json.loads(raw)["error"], "invalid_client")
        self.token()  # count 1: the next one is fine

    def test_token_ttl_expiry(self):
        self.control("PUT", "/_control/token", {"ttl": 0})
        tok = self.token()
        st, _, raw = self.graph("healthOverviews", tok)
        self.assertEqual(st, 401)
        self.assertEqual(json.loads(raw)["error"]["code"], "InvalidAuthenticationToken")
        self.control("PUT", "/_control/token", {"ttl": ps.DEFAULT_TTL})

    # -- Graph auth --
    def test_graph_needs_token(self):
        for h in ({}, {"Authorization": "Bearer made-up"}, {"Authorization": "Basic eDp5"}):
            st, hdrs, raw = self.req("GET", GRAPH + "healthOverviews", headers=h)
            self.assertEqual(st, 401)
            self.assertEqual(json.loads(raw)["error"]["code"], "InvalidAuthenticationToken")
            self.assertIn("Bearer", hdrs["WWW-Authenticate"])

    def test_expire_token(self):
        tok = self.token()
        self.assertEqual(self.graph("healthOverviews", tok)[0], 200)
        self.fault(target="graph", mode="expire-token")
        st, _, raw = self.graph("healthOverviews", tok)
        self.assertEqual(st, 401)
        self.assertIn("expired", json.loads(raw)["error"]["message"])
        self.assertEqual(self.graph("healthOverviews", tok)[0], 401)  # revoked for good
        self.assertEqual(self.graph("healthOverviews")[0], 200)  # a new token works

    # -- Graph data --
    def test_health_overviews_default(self):
        body = self.graph_json("healthOverviews")
        self.assertIn("@odata.context", body)
        self.assertNotIn("@odata.nextLink", body)
        ids = [o["id"] for o in body["value"]]
        self.assertEqual(ids, ["Exchange", "OrgLiveID", "OSDPPlatform"])
        self.assertNotIn("issues", body["value"][0])

    def test_health_overviews_expand(self):
        body = self.graph_json("healthOverviews?$expand=issues")
        by = {o["id"]: o for o in body["value"]}
        self.assertEqual([i["id"] for i in by["Exchange"]["issues"]], ["EX226792"])
        self.assertEqual([i["id"] for i in by["OSDPPlatform"]["issues"]], ["MO226784"])
        self.assertEqual(by["OrgLiveID"]["issues"], [])
        one = self.graph_json("healthOverviews/Exchange?$expand=issues")
        self.assertEqual(one["id"], "Exchange")
        self.assertEqual([i["id"] for i in one["issues"]], ["EX226792"])
        one = self.graph_json("healthOverviews/OSDPPlatform")
        self.assertEqual(one["service"], "Microsoft 365 suite")
        self.assertNotIn("issues", one)

    def test_not_found(self):
        tok = self.token()
        for rel in ("healthOverviews/Nope", "issues/XX1", "messages/MC0"):
            st, _, raw = self.graph(rel, tok)
            self.assertEqual(st, 404, rel)
            err = json.loads(raw)["error"]
            self.assertEqual(err["code"], "UnknownError")
            self.assertIn("Resource doesn", err["message"])
            self.assertIn("request-id", err["innerError"])

    def test_issues_default_and_one(self):
        body = self.graph_json("issues")
        self.assertEqual(sorted(i["id"] for i in body["value"]), ["EX226792", "MO226784"])
        one = self.graph_json("issues/MO226784")
        self.assertEqual(one["service"], "Microsoft 365 suite")
        self.assertEqual(len(one["posts"]), 1)

    def test_issue_posts_rules(self):
        self.control("PUT", "/_control/graph", {"issues": [
            {"id": "EX1", "service": "Exchange Online", "lastModifiedDateTime": "2021-03-16T00:00:00Z"},
            {"id": "EX2", "service": "Exchange Online", "lastModifiedDateTime": "2021-03-16T00:00:00Z",
             "posts": [{"postType": "Regular", "description": {"contentType": "Html", "content": "x"}}]}]})
        items = {i["id"]: i for i in self.graph_json("issues")["value"]}
        self.assertNotIn("posts", items["EX1"])
        self.assertEqual(len(items["EX2"]["posts"]), 1)
        self.assertEqual(self.graph_json("issues/EX1")["posts"], [])
        # the other keys were kept
        self.assertEqual(len(self.graph_json("healthOverviews")["value"]), 3)
        self.assertEqual(len(self.graph_json("messages")["value"]), 1)

    def test_filter(self):
        self.control("PUT", "/_control/graph", {"issues": [
            {"id": "OLD", "service": "Exchange Online", "lastModifiedDateTime": "2021-03-14T23:59:59.9Z"},
            {"id": "EQ", "service": "Exchange Online", "lastModifiedDateTime": "2021-03-15T10:00:00Z"},
            {"id": "NEW", "service": "Exchange Online", "lastModifiedDateTime": "2021-03-15T10:00:00.5Z",
             "isResolved": False}],
            "messages": [
            {"id": "MC1", "lastModifiedDateTime": "2021-01-08T01:10:06.843Z"},
            {"id": "MC2", "lastModifiedDateTime": "2021-04-01T00:00:00Z"}]})
        tok = self.token()

        def ids(rel):
            return [i["id"] for i in self.graph_json(rel, tok)["value"]]
        q = urllib.parse.quote
        self.assertEqual(ids("issues?$filter=" + q("lastModifiedDateTime ge 2021-03-15T10:00:00Z")), ["EQ", "NEW"])
        self.assertEqual(ids("issues?$filter=" + q("lastModifiedDateTime gt 2021-03-15T10:00:00Z")), ["NEW"])
        self.assertEqual(ids("issues?$filter=" + q("lastModifiedDateTime ge '2021-03-15T10:00:00Z'")), ["EQ", "NEW"])
        self.assertEqual(ids("issues?%24filter=lastModifiedDateTime+gt+%272021-03-15T10%3A00%3A00Z%27"), ["NEW"])
        self.assertEqual(ids("issues?$filter=" + q("isResolved eq false")), ["NEW"])
        self.assertEqual(ids("issues?$top=1"), ["OLD"])
        self.assertEqual(ids("messages?$filter=" + q("lastModifiedDateTime ge 2021-03-15T10:00:00Z")), ["MC2"])
        st, _, raw = self.graph("issues?$filter=" + q("nonsense"), tok)
        self.assertEqual(st, 400)
        self.assertEqual(json.loads(raw)["error"]["code"], "BadRequest")

    def test_messages(self):
        body = self.graph_json("messages")
        self.assertEqual([m["id"] for m in body["value"]], ["MC172851"])
        self.assertEqual(self.graph_json("messages/MC172851")["category"], "StayInformed")

    def test_paging(self):
        issues = [{"id": "EX%03d" % n, "service": "Exchange Online",
                   "lastModifiedDateTime": "2021-03-%02dT12:00:00Z" % (1 + n % 28)} for n in range(23)]
        self.control("PUT", "/_control/graph", {"issues": issues})
        self.fault(target="graph", mode="page", page_size=5)
        tok = self.token()
        q = urllib.parse.quote("lastModifiedDateTime ge 2021-03-10T00:00:00Z")
        want = sorted(i["id"] for i in issues if i["lastModifiedDateTime"] >= "2021-03-10")
        for rel, expect in (("issues", sorted(i["id"] for i in issues)), ("issues?$filter=" + q, want)):
            seen, link, pages = [], GRAPH + rel, 0
            while link:
                body = self.graph_json(link.replace(self.s.url, ""), tok)
                self.assertLessEqual(len(body["value"]), 5)
                seen += [i["id"] for i in body["value"]]
                link = body.get("@odata.nextLink")
                if link:
                    self.assertTrue(link.startswith(self.s.url + GRAPH + "issues?"), link)
                    self.assertIn("$skiptoken=", link)
                    if "filter" in rel:
                        self.assertIn("$filter=", link)
                pages += 1
            self.assertEqual(sorted(seen), expect)
            self.assertEqual(len(seen), len(set(seen)))
            self.assertEqual(pages, (len(expect) + 4) // 5)
        # healthOverviews pages too; clearing ends paging
        self.control("POST", "/_control/fault", {"target": "graph", "mode": "page", "page_size": 2})
        self.assertIn("@odata.nextLink", self.graph_json("healthOverviews", tok))
        self.control("DELETE", "/_control/fault")
        self.assertNotIn("@odata.nextLink", self.graph_json("issues", tok))

    def test_prefer_maxpagesize(self):
        body = self.graph_json("issues", headers={"Prefer": "odata.maxpagesize=1"})
        self.assertEqual(len(body["value"]), 1)
        self.assertIn("@odata.nextLink", body)

    # -- Statuspage --
    def test_statuspage_default(self):
        for res, key in (("summary.json", "components"), ("incidents/unresolved.json", "incidents"),
                         ("components.json", "components"),
                         ("scheduled-maintenances.json", "scheduled_maintenances"),
                         ("status.json", "status")):
            st, _, raw = self.req("GET", "/status/discord/api/v2/" + res)
            self.assertEqual(st, 200, res)
            body = json.loads(raw)
            self.assertEqual(body["page"]["name"], "Discord")
            self.assertIn(key, body)
        self.assertEqual(self.req("GET", "/status/nope/api/v2/summary.json")[0], 404)

    def test_statuspage_put(self):
        with open(os.path.join(FIXTURES, "statuspage-summary.discord.json")) as f:
            summary = json.load(f)
        summary["status"] = {"indicator": "major", "description": "Partial System Outage"}
        summary["components"][0]["status"] = "partial_outage"
        summary["incidents"] = [{"id": "inc1", "name": "API errors", "status": "investigating",
                                 "impact": "major", "incident_updates": []}]
        out = self.control("PUT", "/_control/statuspage/acme", {"summary": summary})
        self.assertEqual(out["base_url"], self.s.url + "/status/acme")
        _, _, raw = self.req("GET", "/status/acme/api/v2/summary.json")
        self.assertEqual(json.loads(raw)["status"]["indicator"], "major")
        _, _, raw = self.req("GET", "/status/acme/api/v2/incidents/unresolved.json")
        self.assertEqual([i["id"] for i in json.loads(raw)["incidents"]], ["inc1"])
        self.control("PUT", "/_control/statuspage/acme", {"unresolved": {"page": summary["page"], "incidents": []}})
        _, _, raw = self.req("GET", "/status/acme/api/v2/incidents/unresolved.json")
        self.assertEqual(json.loads(raw)["incidents"], [])
        self.control("POST", "/_control/reset")
        self.assertEqual(self.req("GET", "/status/acme/api/v2/summary.json")[0], 404)

    # -- fault modes, on each target --
    def test_throttle_unavailable_error(self):
        tok = self.token()
        for mode, status in (("throttle", 429), ("unavailable", 503), ("error", 500)):
            self.fault(target="graph", mode=mode, count=2, **({"retry_after": 7} if mode == "throttle" else {}))
            for _ in range(2):
                st, h, raw = self.graph("issues", tok)
                self.assertEqual(st, status, mode)
                if status != 500:
                    self.assertEqual(h["Retry-After"], "7" if mode == "throttle" else "2")
                if mode == "throttle":
                    self.assertEqual(json.loads(raw)["error"]["code"], "TooManyRequests")
            self.assertEqual(self.graph("issues", tok)[0], 200)
        self.fault(target="statuspage", mode="throttle")
        st, h, _ = self.req("GET", "/status/discord/api/v2/summary.json")
        self.assertEqual((st, h["Retry-After"]), (429, "2"))
        self.fault(target="token", mode="unavailable")
        self.assertEqual(self.token_req()[0], 503)
        self.assertEqual(self.token_req()[0], 200)

    def test_count_until_cleared(self):
        self.fault(target="statuspage", mode="error", count=-1)
        for _ in range(4):
            self.assertEqual(self.req("GET", "/status/discord/api/v2/summary.json")[0], 500)
        self.control("DELETE", "/_control/fault")
        self.assertEqual(self.req("GET", "/status/discord/api/v2/summary.json")[0], 200)

    def test_malformed(self):
        tok = self.token()
        self.fault(target="graph", mode="malformed")
        st, _, raw = self.graph("issues", tok)
        self.assertEqual(st, 200)
        with self.assertRaises(ValueError):
            json.loads(raw)
        self.fault(target="statuspage", mode="malformed")
        st, _, raw = self.req("GET", "/status/discord/api/v2/summary.json")
        self.assertEqual(st, 200)
        with self.assertRaises(ValueError):
            json.loads(raw)

    def test_truncated(self):
        tok = self.token()
        for target, do in (("graph", lambda: self.graph("issues", tok)),
                           ("statuspage", lambda: self.req("GET", "/status/discord/api/v2/summary.json")),
                           ("token", self.token_req)):
            self.fault(target=target, mode="truncated")
            with self.assertRaises(http.client.IncompleteRead, msg=target):
                do()
        self.assertEqual(self.graph("issues", tok)[0], 200)

    def test_drop(self):
        tok = self.token()
        self.fault(target="graph", mode="drop")
        with self.assertRaises((http.client.RemoteDisconnected, ConnectionError)):
            self.graph("issues", tok)
        self.assertEqual(self.graph("issues", tok)[0], 200)

    def test_hang(self):
        tok = self.token()
        self.fault(target="graph", mode="hang")
        t0 = time.monotonic()
        with self.assertRaises((socket.timeout, TimeoutError)):
            self.req("GET", GRAPH + "issues", headers={"Authorization": "Bearer " + tok}, timeout=1)
        self.assertLess(time.monotonic() - t0, 3)
        self.assertEqual(self.graph("issues", tok)[0], 200)
        # a hang still pending does not block other requests, nor stop()
        self.fault(target="statuspage", mode="hang", count=-1)
        c = socket.create_connection(("127.0.0.1", self.s.port))
        c.sendall(b"GET /status/discord/api/v2/summary.json HTTP/1.1\r\nHost: x\r\n\r\n")
        time.sleep(0.2)
        self.assertEqual(self.graph("issues", tok)[0], 200)
        c.close()

    def test_stop_with_hung_request(self):
        s2 = ps.Standin(FIXTURES).start()
        urllib.request.urlopen(urllib.request.Request(
            s2.url + "/_control/fault", data=b'{"target":"statuspage","mode":"hang","count":-1}',
            method="POST"), timeout=5).read()
        c = socket.create_connection(("127.0.0.1", s2.port))
        c.settimeout(5)
        c.sendall(b"GET /status/discord/api/v2/summary.json HTTP/1.1\r\nHost: x\r\n\r\n")
        time.sleep(0.2)
        t0 = time.monotonic()
        s2.stop()
        self.assertLess(time.monotonic() - t0, 2)
        self.assertEqual(c.recv(100), b"")  # closed, never answered
        c.close()

    def test_path_contains(self):
        tok = self.token()
        self.fault(target="graph", mode="error", path_contains="/messages")
        self.assertEqual(self.graph("issues", tok)[0], 200)
        self.assertEqual(self.graph("messages", tok)[0], 500)

    def test_fault_validation(self):
        for spec in ({"mode": "boom", "target": "graph"}, {"mode": "throttle"},
                     {"mode": "page"}, {"mode": "expire-token", "target": "token"},
                     {"mode": "error", "target": "graph", "count": 0}):
            self.assertEqual(self.req("POST", "/_control/fault", spec)[0], 400, spec)

    def test_keep_alive_connection(self):
        c = http.client.HTTPConnection("127.0.0.1", self.s.port, timeout=5)
        try:
            body = urllib.parse.urlencode({"client_id": ps.DEFAULT_CLIENT_ID, "scope": SCOPE,
                                           "client_secret": ps.DEFAULT_CLIENT_SECRET,
                                           "grant_type": "client_credentials"})
            c.request("POST", "/t/oauth2/v2.0/token", body,
                      {"Content-Type": "application/x-www-form-urlencoded"})
            tok = json.loads(c.getresponse().read())["access_token"]
            auth = {"Authorization": "Bearer " + tok}
            for method, path, b, want in (
                    ("GET", GRAPH + "issues", None, 200),
                    ("POST", GRAPH + "messages/markRead", '{"messageIds":["MC1"]}', 405),
                    ("GET", GRAPH + "issues/nope", None, 404),
                    ("GET", "/status/discord/api/v2/summary.json", None, 200),
                    ("GET", "/_control/stats", None, 200),
                    ("GET", GRAPH + "healthOverviews", None, 200)):
                c.request(method, path, b, auth)
                r = c.getresponse()
                r.read()
                self.assertEqual(r.status, want, path)
        finally:
            c.close()

    def test_concurrent_clients(self):
        import threading
        tok = self.token()
        errors = []

        def worker():
            try:
                for _ in range(5):
                    self.assertEqual(self.graph("issues", tok)[0], 200)
                    self.assertEqual(self.req("GET", "/status/discord/api/v2/summary.json")[0], 200)
            except Exception as e:  # noqa: BLE001
                errors.append(e)
        threads = [threading.Thread(target=worker) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        self.assertEqual(errors, [])
        deadline = time.monotonic() + 5  # the last entries are kept just after their answers
        while self.control("GET", "/_control/stats")["requests"] < 1 + 8 * 10 and time.monotonic() < deadline:
            time.sleep(0.02)
        self.assertEqual(self.control("GET", "/_control/stats")["requests"], 1 + 8 * 10)

    # -- log and stats --
    def test_log_and_stats_keep_no_secrets(self):
        tok = self.token()
        self.graph("issues?$top=1", tok)
        self.req("GET", "/status/discord/api/v2/summary.json")
        self.req("GET", GRAPH + "issues")
        # An entry is kept once its answer has gone: the last may land a moment after the client
        # has it (a race this test once lost in CI).
        deadline = time.monotonic() + 5
        log = self.control("GET", "/_control/log")
        while len(log) < 4 and time.monotonic() < deadline:
            time.sleep(0.02)
            log = self.control("GET", "/_control/log")
        self.assertEqual([(e["method"], e["path"], e["auth"], e["status"]) for e in log], [
            ("POST", "/contoso.onmicrosoft.com/oauth2/v2.0/token", "none", 200),
            ("GET", GRAPH + "issues", "bearer", 200),
            ("GET", "/status/discord/api/v2/summary.json", "none", 200),
            ("GET", GRAPH + "issues", "none", 401)])
        self.assertEqual(log[1]["query"], "$top=1")
        dump = json.dumps(log)
        self.assertNotIn(tok, dump)
        self.assertNotIn(ps.DEFAULT_CLIENT_SECRET, dump)
        stats = self.control("GET", "/_control/stats")
        self.assertEqual((stats["tokens_issued"], stats["requests"]), (1, 4))

    def test_control_get_and_unknown(self):
        self.assertEqual(len(self.control("GET", "/_control/graph")["overviews"]), 3)
        self.assertEqual(self.req("GET", "/_control/nope")[0], 404)
        self.assertEqual(self.req("PUT", "/_control/graph", b"{not json")[0], 400)
        self.assertEqual(self.req("GET", "/elsewhere")[0], 404)


class CommandLineTest(unittest.TestCase):
    def test_port_file_log_and_sigterm(self):
        with tempfile.TemporaryDirectory() as d:
            pf = os.path.join(d, "port")
            errf = open(os.path.join(d, "err"), "w+")
            self.addCleanup(errf.close)
            p = subprocess.Popen([sys.executable, os.path.join(HERE, "provider_standin.py"),
                                  "--fixtures", FIXTURES, "--port", "0", "--port-file", pf,
                                  "--client-id", "cid", "--client-secret", "s3cr3t-value",
                                  "--token-ttl", "60"], stderr=errf)
            try:
                deadline = time.monotonic() + 10
                while not os.path.exists(pf) and time.monotonic() < deadline:
                    self.assertIsNone(p.poll(), "the stand-in ended before listening")
                    time.sleep(0.05)
                with open(pf) as f:
                    port = int(f.read())
                body = urllib.parse.urlencode({"client_id": "cid", "client_secret": "s3cr3t-value",
                                               "grant_type": "client_credentials", "scope": SCOPE}).encode()
                tok = json.load(urllib.request.urlopen(
                    "http://127.0.0.1:%d/t/oauth2/v2.0/token" % port, body, timeout=5))
                self.assertEqual(tok["expires_in"], 60)
                r = urllib.request.Request("http://127.0.0.1:%d%sissues" % (port, GRAPH),
                                           headers={"Authorization": "Bearer " + tok["access_token"]})
                self.assertEqual(urllib.request.urlopen(r, timeout=5).status, 200)
            finally:
                p.send_signal(signal.SIGTERM)
                self.assertEqual(p.wait(10), 0)
            errf.seek(0)
            err = errf.read()
            self.assertIn("POST /t/oauth2/v2.0/token", err)
            self.assertIn("GET %sissues" % GRAPH, err)
            self.assertNotIn("s3cr3t-value", err)
            self.assertNotIn(tok["access_token"], err)


if __name__ == "__main__":
    unittest.main(verbosity=1)
