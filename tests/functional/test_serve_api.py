"""`ebcm serve`: the API, sign-in, roles, ETags, the status page, driven over loopback."""
import http.client
import json
import os
import shutil
import socket
import ssl
import subprocess
import time
import unittest

from clitest import CONTOSO
from servetest import ServeTestCase

ROLES = ["admin", "coordinator", "owner", "responder", "viewer"]

# Concrete values for the path parameters of every route.
IDS = {
    "business-units": "finance", "locations": "hq", "people": "ingrid", "services": "exo",
    "functions": "payroll", "mitigations": "manual-payroll", "scenarios": "adfs-outage",
    "incidents": "INC-1", "call-trees": "it-major",
}


def expected_roles(method, pattern):
    """Who may use a route, stated here independently of the server's code (None: anyone)."""
    public = {("get", "/status"), ("get", "/status.json"), ("get", "/healthz"),
              ("get", "/readyz"), ("get", "/metrics"), ("get", "/api/v1/openapi.json"),
              ("post", "/api/v1/session"),
              # Reached without an account: the acknowledgement link (the token is the
              # credential) and the SMS and voice providers' webhooks (their signature is).
              ("get", "/api/v1/ack/{token}"), ("post", "/api/v1/ack/{token}"),
              ("post", "/api/v1/inbound/sms"), ("post", "/api/v1/inbound/voice")}
    if (method, pattern) in public:
        return None
    if pattern.startswith("/api/v1/users"):
        return {"admin"}
    if pattern == "/api/v1/audit":
        return {"admin", "coordinator"}
    if pattern == "/api/v1/status" and method == "put":
        return {"admin", "coordinator", "responder"}
    if pattern.startswith("/api/v1/incidents") and method != "get":
        return {"admin", "coordinator", "responder"}  # responders declare and update incidents
    if pattern in ("/api/v1/session", "/api/v1/tokens", "/api/v1/tokens/{id}") or method == "get":
        return set(ROLES)
    owned = pattern in ("/api/v1/functions/{id}", "/api/v1/mitigations/{id}",
                        "/api/v1/mitigations")
    if owned and not (method == "delete" and pattern == "/api/v1/functions/{id}"):
        return {"admin", "coordinator", "owner"}
    return {"admin", "coordinator"}


def concrete(pattern, role_user):
    path = pattern
    for word, ident in IDS.items():
        path = path.replace("/api/v1/%s/{id}" % word, "/api/v1/%s/%s" % (word, ident))
    return (path.replace("{service}", "exo").replace("{feature}", "mapi")
            .replace("{name}", role_user).replace("{rev}", "1").replace("{token}", "not.valid"))


class ApiTest(ServeTestCase):

    def setUp(self):
        super().setUp()
        self.server = self.start()
        self.admin_cookie, self.admin_csrf = self.sign_in(self.server, "admin",
                                                          self.server.admin_password)

    def admin(self, method, path, body=None, headers=None):
        return self.server.request(method, path, body, headers=headers, cookie=self.admin_cookie,
                                   csrf=self.admin_csrf)

    def test_operations_endpoints_and_unknown_routes(self):
        s = self.server
        self.assertEqual(s.request("GET", "/healthz")[3], {"status": "ok"})
        status, _, _, doc = s.request("GET", "/readyz")
        self.assertEqual((status, doc["revision"]), (200, 1))
        status, headers, text, _ = s.request("GET", "/metrics")
        self.assertEqual(status, 200)
        self.assertIn("text/plain", headers["content-type"])
        self.assertIn("ebcm_http_requests_total", text)
        status, _, _, doc = s.request("GET", "/nowhere")
        self.assertEqual((status, doc["error"]["code"]), (404, "not_found"))
        status, headers, _, doc = s.request("DELETE", "/status.json")
        self.assertEqual(status, 405)
        self.assertIn("GET", headers["allow"])
        self.assertEqual(s.request("GET", "/api/v1/openapi.json")[3]["openapi"], "3.1.0")

    def test_create_read_update_delete_with_etags(self):
        new = {"id": "press-office", "name": "Press office", "owner": "daniel",
               "criticality": "high", "bia": {"rto": "4h", "mtpd": "1d"}, "requires": ["exo"]}
        status, headers, _, doc = self.admin("POST", "/api/v1/functions", new)
        self.assertEqual(status, 201, doc)
        self.assertEqual(headers["location"], "/api/v1/functions/press-office")
        self.assertEqual(headers["cache-control"], "private, no-cache")
        self.assertEqual(headers["x-ebcm-revision"], "2")
        etag = headers["etag"]
        self.assertEqual(self.admin("POST", "/api/v1/functions", new)[0], 409)

        status, headers, _, doc = self.admin("GET", "/api/v1/functions/press-office")
        self.assertEqual((status, headers["etag"], doc["bia"]["rto"]), (200, etag, "4h"))
        self.assertEqual(self.admin("GET", "/api/v1/functions/press-office",
                                    headers={"If-None-Match": etag})[0], 304)

        # Without If-Match: 428; with the ETag: a new revision; with the old ETag again: 412
        # and the first change is still there.
        self.assertEqual(self.admin("PATCH", "/api/v1/functions/press-office",
                                    {"bia": {"rto": "2h"}})[0], 428)
        status, headers, _, doc = self.admin("PATCH", "/api/v1/functions/press-office",
                                             {"bia": {"rto": "2h"}}, {"If-Match": etag})
        self.assertEqual((status, doc["bia"]["rto"], doc["bia"]["mtpd"]), (200, "2h", "1d"))
        etag2 = headers["etag"]
        status, headers, _, doc = self.admin("PUT", "/api/v1/functions/press-office",
                                             dict(new, name="Stale"), {"If-Match": etag})
        self.assertEqual((status, doc["error"]["code"], headers["etag"]), (412, "stale", etag2))
        self.assertEqual(self.admin("GET", "/api/v1/functions/press-office")[3]["bia"]["rto"], "2h")

        # Invalid changes are refused with every problem, and write nothing.
        status, _, _, doc = self.admin("PUT", "/api/v1/functions/press-office",
                                       dict(new, requires=["exo/mapx"], bia={"rto": "4 hours"}),
                                       {"If-Match": etag2})
        self.assertEqual(status, 422, doc)
        messages = " ".join(d["path"] + " " + d["message"] for d in doc["error"]["diagnostics"])
        self.assertIn("bia.rto", messages)
        status, _, _, doc = self.admin("PUT", "/api/v1/functions/press-office",
                                       dict(new, requires=["exo/mapx"]), {"If-Match": etag2})
        self.assertEqual(status, 422, doc)
        self.assertIn("did you mean 'exo/mapi'", json.dumps(doc))
        # The model's diagnostics name the entity, as the CLI does.
        self.assertIn("functions[press-office].requires[0]",
                      [d["path"] for d in doc["error"]["diagnostics"]])
        # An unknown key is refused over the API, and the answer says so.
        status, _, _, doc = self.admin("PUT", "/api/v1/functions/press-office",
                                       dict(new, colour="blue"), {"If-Match": etag2})
        self.assertEqual(status, 422, doc)
        unknown = [d for d in doc["error"]["diagnostics"] if d["path"] == "colour"]
        self.assertEqual(len(unknown), 1, doc)
        self.assertIn("is refused", unknown[0]["message"])
        self.assertNotIn("ignored", json.dumps(doc))
        # A known key in the wrong place says where it belongs.
        status, _, _, doc = self.admin("PUT", "/api/v1/functions/press-office",
                                       dict(new, bia={"rto": "4h", "requires": ["exo"]}),
                                       {"If-Match": etag2})
        self.assertEqual(status, 422, doc)
        self.assertIn("'requires' belongs to the function, not to 'bia'", json.dumps(doc))
        self.assertEqual(self.server.request("GET", "/readyz")[3]["revision"], 3)

        # Deleting what others require is refused; deleting the new function works.
        status, headers, _, _ = self.admin("GET", "/api/v1/services/exo")
        status, _, _, doc = self.admin("DELETE", "/api/v1/services/exo", headers={"If-Match": headers["etag"]})
        self.assertEqual(status, 422, doc)
        status, headers, _, _ = self.admin("DELETE", "/api/v1/functions/press-office",
                                           headers={"If-Match": etag2})
        self.assertEqual(status, 204)
        self.assertEqual(self.admin("GET", "/api/v1/functions/press-office")[0], 404)

        # The history, the diff and the audit trail tell what happened and who did it.
        revisions = self.admin("GET", "/api/v1/revisions")[3]
        self.assertEqual([r["revision"] for r in revisions], [4, 3, 2, 1])
        self.assertEqual(revisions[0]["author"], "admin")
        diff = self.admin("GET", "/api/v1/diff?from=2&to=3")[3]
        self.assertEqual(diff["changes"][0]["fields"][0]["path"], "bia.rto")
        audit = self.admin("GET", "/api/v1/audit?target=functions/press-office")[3]["entries"]
        self.assertEqual([e["action"] for e in audit],
                         ["functions_create", "functions_update", "functions_delete"])
        self.assertEqual(audit[1]["before"]["bia"]["rto"], "4h")
        self.assertEqual(audit[1]["after"]["bia"]["rto"], "2h")
        self.assertTrue(audit[1]["remote"].startswith("127.0.0.1:"))

    def test_features_organization_and_lists(self):
        status, _, _, doc = self.admin("GET", "/api/v1/functions?criticality=critical&limit=2")
        self.assertEqual(status, 200)
        self.assertEqual(len(doc["items"]), 2)
        self.assertTrue(all(f["criticality"] == "critical" for f in doc["items"]))
        self.assertGreater(doc["total"], 2)
        self.assertIn("offset=2", doc["next"])
        page2 = self.admin("GET", doc["next"])[3]
        self.assertEqual(page2["offset"], 2)
        found = self.admin("GET", "/api/v1/functions?q=PAYROLL")[3]["items"]
        self.assertIn("payroll", [f["id"] for f in found])
        self.assertTrue(all("payroll" in json.dumps(f).lower() for f in found))
        self.assertEqual(self.admin("GET", "/api/v1/functions?limit=0")[0], 400)
        feats = self.admin("GET", "/api/v1/features?service=exo")[3]
        self.assertIn("exo/mapi", [f["ref"] for f in feats["items"]])
        status, headers, _, doc = self.admin("GET", "/api/v1/services/exo/features/mapi")
        self.assertEqual((status, doc["id"]), (200, "mapi"))
        status, _, _, doc = self.admin("PATCH", "/api/v1/services/exo/features/mapi",
                                       {"name": "Outlook for Windows"},
                                       {"If-Match": headers["etag"]})
        self.assertEqual((status, doc["name"]), (200, "Outlook for Windows"))
        status, headers, _, doc = self.admin("GET", "/api/v1/organization")
        self.assertEqual(doc["name"], "Contoso")

    def test_bad_input_gets_clear_errors_and_the_server_stays_up(self):
        s = self.server
        status, _, _, doc = self.admin("POST", "/api/v1/functions", '{"id": "x",\n "name": }',
                                       {"Content-Type": "application/json"})
        self.assertEqual(status, 400)
        self.assertIn("line 2", doc["error"]["message"])
        status, _, _, doc = self.admin("POST", "/api/v1/functions", [1, 2])
        self.assertEqual(status, 400)
        status, _, _, doc = self.admin("POST", "/api/v1/functions", {"id": "x", "nmae": "X"})
        self.assertEqual(status, 422)
        self.assertIn("nmae", json.dumps(doc))
        status, _, _, doc = self.admin("GET", "/api/v1/impact?down=exo/mapx")
        self.assertEqual(status, 404)
        self.assertIn("did you mean 'exo/mapi'", doc["error"]["message"])
        status, _, _, doc = self.admin("GET", "/api/v1/impact?workforce=lots")
        self.assertEqual(status, 400)
        # A body over the limit: 413 before the body is even read, and the server goes on.
        raw = socket.create_connection(("127.0.0.1", s.port))
        raw.sendall(b"POST /api/v1/import HTTP/1.1\r\nHost: x\r\nContent-Type: application/yaml\r\n"
                    + ("Cookie: %s\r\nX-CSRF-Token: %s\r\n" % (self.admin_cookie, self.admin_csrf)).encode()
                    + b"Content-Length: 70000000\r\n\r\n" + b"x" * 1000)
        raw.settimeout(10)
        reply = raw.recv(4096)
        raw.close()
        self.assertIn(b" 413 ", reply.split(b"\r\n")[0])
        self.assertIn(b'"error"', reply)
        self.assertTrue(s.alive())
        self.assertEqual(s.request("GET", "/healthz")[0], 200)

    def test_import_export_and_analysis(self):
        status, headers, text, _ = self.admin("GET", "/api/v1/export?format=yaml")
        self.assertEqual(status, 200)
        self.assertIn("payroll", text)
        with open(CONTOSO) as f:
            original = f.read()
        changed = original.replace("name: Payroll\n", "name: Payroll and pensions\n", 1)
        self.assertNotEqual(changed, original)
        ctype = {"Content-Type": "application/yaml"}
        self.assertEqual(self.admin("POST", "/api/v1/import", changed, ctype)[0], 428)
        status, _, _, doc = self.admin("POST", "/api/v1/import", changed,
                                       dict(ctype, **{"If-Match": 'W/"rev-7"'}))
        self.assertEqual(status, 412)
        status, headers, _, doc = self.admin("POST", "/api/v1/import", changed,
                                             dict(ctype, **{"If-Match": 'W/"rev-1"'}))
        self.assertEqual((status, doc["revision"], doc["changed"]), (200, 2, 1))
        broken = changed.replace("rto: 4h", "rto: four hours", 1)
        status, _, _, doc = self.admin("POST", "/api/v1/import", broken,
                                       dict(ctype, **{"If-Match": "*"}))
        self.assertEqual(status, 422)
        self.assertTrue(all("line" in d for d in doc["error"]["diagnostics"]))
        report = self.admin("GET", "/api/v1/impact?scenario=adfs-outage")[3]
        self.assertEqual(report["scenario"], "adfs-outage")
        self.assertTrue(report["functions"])
        spof = self.admin("GET", "/api/v1/spof?function=payroll&pairs=true")[3]
        self.assertNotIn("payroll", spof["payroll"]["singles"])  # not its own single
        matrix = self.admin("GET", "/api/v1/impact/scenarios")[3]
        self.assertEqual(len(matrix["scenarios"]), 11)


class AuthAndRolesTest(ServeTestCase):

    def setUp(self):
        super().setUp()
        self.server = self.start()
        self.admin = self.sign_in(self.server, "admin", self.server.admin_password)
        self.tokens = {}
        self.secrets = [self.server.admin_password]
        for role in ROLES:
            name = "u-" + role
            password = "correct horse battery " + role
            self.secrets.append(password)
            body = {"name": name, "role": role, "password": password}
            if role == "owner":
                body["person"] = "ingrid"
            status, _, _, doc = self.server.request("POST", "/api/v1/users", body,
                                                    cookie=self.admin[0], csrf=self.admin[1])
            self.assertEqual(status, 201, doc)
            cookie, csrf = self.sign_in(self.server, name, password)
            status, _, _, doc = self.server.request("POST", "/api/v1/tokens", {"name": "test"},
                                                    cookie=cookie, csrf=csrf)
            self.assertEqual(status, 201, doc)
            self.tokens[role] = doc["token"]
            self.secrets.append(doc["token"])
            self.secrets.append(cookie.split("=", 1)[1])

    def test_every_route_for_every_role(self):
        spec = self.server.request("GET", "/api/v1/openapi.json")[3]
        checked = 0
        for pattern, item in spec["paths"].items():
            for method in item:
                if method in ("parameters", "summary"):
                    continue
                allowed = expected_roles(method, pattern)
                for role in ROLES + [None]:
                    user = "u-" + (role or "viewer")
                    path = concrete(pattern, user)
                    body = None
                    if method in ("put", "patch", "post"):
                        body = {"owner": "ingrid", "for": "payroll-run"} if method != "patch" else {}
                    if pattern == "/api/v1/tokens/{id}" and not role:
                        path = "/api/v1/tokens/1"
                    if pattern == "/api/v1/tokens/{id}" and role:
                        made = self.server.request("POST", "/api/v1/tokens", {"name": "spare"},
                                                   token=self.tokens[role])[3]
                        path = "/api/v1/tokens/%d" % made["id"]
                    if pattern == "/api/v1/session" and method == "delete":
                        continue  # signing out is checked below, with a session
                    if pattern == "/api/v1/events":  # stays open: the head says enough
                        stream = self.server.events(token=self.tokens.get(role))
                        status, doc = stream.status, stream.doc
                        stream.close()
                    else:
                        status, _, _, doc = self.server.request(method.upper(), path, body,
                                                                token=self.tokens.get(role))
                    where = "%s %s as %s -> %d %s" % (method.upper(), path, role, status, doc)
                    if pattern.startswith("/api/v1/inbound/"):
                        self.assertEqual(status, 403, where)  # not signed by the provider
                    elif pattern.startswith("/api/v1/ack/"):
                        self.assertEqual(status, 400, where)  # not a token of ours: an HTML page
                        checked += 1
                        continue
                    elif allowed is None:
                        self.assertNotIn(status, (401, 403), where)
                    elif role is None:
                        self.assertEqual(status, 401, where)
                    elif role in allowed:
                        self.assertNotIn(status, (401, 403), where)
                    else:
                        self.assertEqual(status, 403, where)
                    if status >= 400:
                        self.assertIn("error", doc or {}, where)
                    checked += 1
        self.assertGreater(checked, 70 * 6)
        self.assertTrue(self.server.alive())

    def raw_status(self, method, path, head_lines, length, send=b""):
        """The status of a request whose head claims `length` bytes of body but sends only `send`."""
        c = socket.create_connection(("127.0.0.1", self.server.port), timeout=30)
        try:
            c.sendall(("%s %s HTTP/1.1\r\nHost: x\r\n%sContent-Type: application/json\r\n"
                       "Content-Length: %d\r\n\r\n" % (method, path, head_lines, length)).encode()
                      + send)
            line = c.recv(4096).split(b"\r\n")[0]
            return int(line.split()[1])
        finally:
            c.close()

    def test_hostile_bodies_for_every_write_route_and_role(self):
        spec = self.server.request("GET", "/api/v1/openapi.json")[3]
        def deep(n):
            v = []
            for _ in range(n - 1):
                v = [v]
            return v
        hostile = {
            # 33 and 64 levels: between the depth limits an earlier check and its handler had.
            "nested-33": json.dumps({"owner": "ingrid", "for": "payroll-run", "user": "admin",
                                     "x": deep(33)}),
            "nested-64": json.dumps({"owner": "karin", "for": "financial-close", "user": "admin",
                                     "x": deep(64)}),
            "nested": json.dumps({"owner": "ingrid", "for": "payroll-run", "user": "admin",
                                  "x": deep(300)}),
            "nested-first": '{"x": %s, "user": "admin", "owner": "ingrid"}' % json.dumps(deep(300)),
            "unparsable": '{"owner": "ingrid", "user": "admin", ',
        }
        checked = 0
        for pattern, item in spec["paths"].items():
            for method in item:
                if method not in ("put", "patch", "post", "delete"):
                    continue
                if pattern == "/api/v1/session":
                    continue  # signing in and out: no write of anything
                allowed = expected_roles(method, pattern)
                for role in ROLES + [None]:
                    path = concrete(pattern, "u-" + (role or "viewer"))
                    if pattern == "/api/v1/tokens/{id}":
                        path = "/api/v1/tokens/999999"  # nobody's: only an admin gets past 403
                    token = self.tokens.get(role)
                    may = allowed is None or role in (allowed or ())
                    if pattern == "/api/v1/tokens/{id}" and role != "admin":
                        may = False
                    for kind, body in hostile.items():
                        status, _, _, doc = self.server.request(method.upper(), path, body,
                                                                {"Content-Type": "application/json"},
                                                                token=token)
                        where = "%s %s as %s with a %s body -> %d %s" % (
                            method.upper(), path, role, kind, status, doc)
                        self.assertLess(status, 500, where)
                        if not may:
                            self.assertFalse(200 <= status < 300, where)
                        checked += 1
                    # 2 MB: over every route's own limit, under the server's (64 MiB, which only
                    # the import takes): who may not write is refused on the head, who may gets
                    # 413 from the route's limit — nobody makes the server read 2 MB.
                    auth = "Authorization: Bearer %s\r\n" % token if token else ""
                    size = 2_000_000
                    if pattern == "/api/v1/import" and may and role:
                        size = 70_000_000  # past the server's limit: 413 unread
                    status = self.raw_status(method.upper(), path, auth, size, b"{" * 1000)
                    where = "%s %s as %s with a %d-byte body -> %d" % (method.upper(), path,
                                                                        role, size, status)
                    if not role and allowed is not None:
                        self.assertEqual(status, 401, where)
                    elif may and pattern != "/api/v1/tokens/{id}":
                        self.assertEqual(status, 413, where)
                    elif not may and role not in (expected_roles(method, pattern) or ()):
                        # An owner's own routes decide ownership on the body: 413 comes first.
                        owner_route = role == "owner" and pattern in (
                            "/api/v1/functions/{id}", "/api/v1/mitigations/{id}")
                        self.assertIn(status, (403, 413) if owner_route else (403,), where)
                    else:
                        self.assertIn(status, (403, 413), where)
                    checked += 1
        self.assertGreater(checked, 100)
        # Tokens for the admin account: only an admin-role caller may have made one.
        audit = self.server.request("GET", "/api/v1/audit?action=token_create&limit=10000",
                                    token=self.tokens["admin"])[3]["entries"]
        makers = {e["actor"] for e in audit if e["detail"] == "for user/admin"}
        self.assertLessEqual(makers, {"u-admin"}, makers)
        self.assertTrue(self.server.alive())

    def test_owners_change_only_what_they_own(self):
        tok = self.tokens["owner"]
        s = self.server
        _, headers, _, _ = s.request("GET", "/api/v1/functions/payroll", token=tok)
        status, _, _, doc = s.request("PATCH", "/api/v1/functions/payroll", {"bia": {"rto": "6h"}},
                                      {"If-Match": headers["etag"]}, token=tok)
        self.assertEqual(status, 200, doc)
        _, headers, _, _ = s.request("GET", "/api/v1/functions/payroll", token=tok)
        status, _, _, _ = s.request("PATCH", "/api/v1/functions/payroll", {"owner": "karin"},
                                    {"If-Match": headers["etag"]}, token=tok)
        self.assertEqual(status, 403)
        _, headers, _, _ = s.request("GET", "/api/v1/functions/financial-close", token=tok)
        status, _, _, _ = s.request("PATCH", "/api/v1/functions/financial-close",
                                    {"bia": {"rto": "6h"}}, {"If-Match": headers["etag"]}, token=tok)
        self.assertEqual(status, 403)

    def test_sessions_csrf_tokens_and_lockout(self):
        s = self.server
        status, headers, _, doc = s.request("POST", "/api/v1/session",
                                            {"user": "u-viewer", "password": self.secrets[-3 * 1 - 2 + 0] if False else "correct horse battery viewer"})
        self.assertEqual(status, 200)
        cookie = headers["set-cookie"]
        for flag in ("HttpOnly", "SameSite=Strict", "Path=/"):
            self.assertIn(flag, cookie)
        self.assertNotIn("Secure", cookie)  # no TLS here
        session = cookie.split(";")[0]
        # Writes with a cookie need the CSRF token; tokens do not.
        status, _, _, doc = s.request("POST", "/api/v1/tokens", {"name": "x"}, cookie=session)
        self.assertEqual((status, doc["error"]["code"]), (403, "csrf"))
        status, _, _, _ = s.request("DELETE", "/api/v1/session", cookie=session, csrf=doc and "bad")
        self.assertEqual(status, 403)
        status, _, _, _ = s.request("DELETE", "/api/v1/session", cookie=session,
                                    csrf=self.server.request("GET", "/api/v1/session",
                                                             cookie=session)[3]["csrf"])
        self.assertEqual(status, 204)
        self.assertEqual(s.request("GET", "/api/v1/session", cookie=session)[0], 401)
        # A stale cookie does not keep anyone from the status page.
        self.assertEqual(s.request("GET", "/status.json", cookie=session)[0], 200)
        # Revoked tokens stop working at once.
        tok = self.tokens["viewer"]
        me = s.request("GET", "/api/v1/tokens", token=tok)[3]
        status, _, _, _ = s.request("DELETE", "/api/v1/tokens/%d" % me[0]["id"], token=tok)
        self.assertEqual(status, 204)
        self.assertEqual(s.request("GET", "/api/v1/functions", token=tok)[0], 401)
        # Five wrong passwords lock the account, even for the right one.
        for _ in range(5):
            self.assertEqual(s.request("POST", "/api/v1/session",
                                       {"user": "u-responder", "password": "wrong password!!"})[0], 401)
        status, _, _, doc = s.request("POST", "/api/v1/session",
                                      {"user": "u-responder", "password": "correct horse battery responder"})
        self.assertEqual(status, 429, doc)
        self.assertIn("try again after", doc["error"]["message"])
        # Unknown users get the same answer as wrong passwords.
        status, _, _, doc = s.request("POST", "/api/v1/session", {"user": "nobody", "password": "x" * 12})
        self.assertEqual(status, 401)
        self.assertIn("wrong user name or password", doc["error"]["message"])

    def test_no_secret_in_any_response_or_log_line(self):
        s = self.server
        bodies = []
        for path in ["/api/v1/users", "/api/v1/tokens", "/api/v1/audit?limit=10000",
                     "/api/v1/session", "/metrics", "/status.json"]:
            bodies.append(s.request("GET", path, cookie=self.admin[0])[2])
        s.request("GET", "/api/v1/functions?token=" + self.tokens["viewer"])
        everything = "\n".join(bodies) + s.logs()
        for secret in self.secrets:
            self.assertNotIn(secret, everything)
        self.assertNotIn("$argon2", everything)
        self.assertIn("u-owner", bodies[0])


class StatusPageTest(ServeTestCase):

    def test_declared_outage_shows_who_is_hit_and_survives_a_restart(self):
        server = self.start()
        admin = self.sign_in(server, "admin", server.admin_password)
        status, headers, _, page = server.request("GET", "/status.json")
        self.assertEqual(status, 200)
        self.assertEqual(page["functions"], [])
        etag = headers["etag"]
        self.assertEqual(server.request("GET", "/status.json", headers={"If-None-Match": etag})[0], 304)

        status, _, _, doc = server.request("POST", "/api/v1/users",
                                           {"name": "im", "role": "responder",
                                            "password": "incident manager 1"},
                                           cookie=admin[0], csrf=admin[1])
        self.assertEqual(status, 201)
        im = self.sign_in(server, "im", "incident manager 1")
        decl = {"message": "AD FS is down <since 09:00>. Use Outlook on the web.",
                "next_update": "30m", "down": ["adfs"]}
        status, _, _, page = server.request("PUT", "/api/v1/status", decl, cookie=im[0], csrf=im[1])
        self.assertEqual(status, 200, page)
        self.assertEqual(page["message"], decl["message"])
        self.assertIsNotNone(page["next_update"])
        states = {f["id"]: f for f in page["functions"]}
        self.assertEqual(states["incident-mgmt"]["state"], "down")
        self.assertTrue(states["incident-mgmt"]["since"])
        adfs = [x for x in page["services"] if x["id"] == "adfs"][0]
        self.assertEqual(adfs["state"], "down")
        status, headers, html, _ = server.request("GET", "/status")
        self.assertIn("default-src 'none'", headers["content-security-policy"])
        self.assertEqual(headers["x-content-type-options"], "nosniff")
        self.assertIn("&lt;since 09:00&gt;", html)
        self.assertNotIn("<since", html)
        self.assertIn('lang="en"', html)
        # Times for people are in the organisation's zone (contoso: Europe/Stockholm).
        self.assertRegex(html, r"(CET|CEST)</time>")
        self.assertLess(html.index("AD FS farm"), html.index("Active Directory domain"))
        html_sv = server.request("GET", "/status", headers={"Accept-Language": "sv-SE,sv;q=0.9"})[2]
        self.assertIn('lang="sv"', html_sv)
        self.assertIn("Påverkade verksamhetsfunktioner", html_sv)
        self.assertIn(" kl. ", html_sv)
        self.assertNotEqual(server.request("GET", "/status.json", headers={"If-None-Match": etag})[0], 304)
        self.assertEqual(server.request("PUT", "/api/v1/status", {"down": ["adfs"]},
                                        token=None)[0], 401)
        status, _, _, doc = server.request("PUT", "/api/v1/status", {"down": ["adfz"]},
                                           cookie=im[0], csrf=im[1])
        self.assertEqual(status, 404)
        self.assertIn("did you mean 'adfs'", doc["error"]["message"])
        self.assertEqual(server.stop(), 0)

        again = self.start()
        page = again.request("GET", "/status.json")[3]
        self.assertEqual(page["message"], decl["message"])
        self.assertIn("incident-mgmt", [f["id"] for f in page["functions"]])


class TransportTest(ServeTestCase):

    def test_slow_clients_are_cut_off_and_sigterm_stops_cleanly(self):
        server = self.start(extra=("--read-timeout", "2"))
        slow = socket.create_connection(("127.0.0.1", server.port))
        slow.sendall(b"GET /status.json HTTP/1.1\r\nHost: x\r\n")  # never finishes
        slow.settimeout(10)
        started = time.monotonic()
        data = b""
        try:
            while True:
                chunk = slow.recv(4096)
                if not chunk:
                    break
                data += chunk
        except socket.timeout:
            self.fail("a slow client was not cut off")
        self.assertLess(time.monotonic() - started, 8)
        self.assertTrue(data == b"" or b"408" in data.split(b"\r\n")[0], data)
        slow.close()
        raw = socket.create_connection(("127.0.0.1", server.port))
        raw.sendall(b"THIS IS NOT HTTP\r\n\r\n")
        raw.settimeout(10)
        reply = raw.recv(4096)
        self.assertIn(b"400", reply.split(b"\r\n")[0])
        raw.close()
        self.assertEqual(server.request("GET", "/healthz")[0], 200)
        self.assertEqual(server.stop(), 0)

    @unittest.skipUnless(shutil.which("openssl"), "needs the openssl command")
    def test_https_with_secure_cookies(self):
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj",
                        "/CN=localhost", "-days", "1", "-keyout", self.path("key.pem"), "-out",
                        self.path("cert.pem")], check=True, capture_output=True)
        server = self.start(extra=("--tls-cert", "cert.pem", "--tls-key", "key.pem"))
        self.assertIn("https://", server.banner)
        ctx = ssl.create_default_context(cafile=self.path("cert.pem"))
        ctx.check_hostname = False
        conn = http.client.HTTPSConnection("127.0.0.1", server.port, context=ctx, timeout=30)
        conn.request("POST", "/api/v1/session",
                     body=json.dumps({"user": "admin", "password": server.admin_password}),
                     headers={"Content-Type": "application/json"})
        res = conn.getresponse()
        res.read()
        self.assertEqual(res.status, 200)
        self.assertIn("Secure", res.getheader("Set-Cookie"))
        conn.close()
        # Plain HTTP to the HTTPS port gets nowhere, and the server stays up.
        self.assertRaises(Exception, lambda: server.request("GET", "/healthz"))
        self.assertTrue(server.alive())


if __name__ == "__main__":
    unittest.main()
