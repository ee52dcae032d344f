"""src/http/openapi.json against real validators, offline (the npm packages of tests/openapi,
installed by scripts/install-deps.sh):
- the Redocly CLI's linter, with its recommended rules and the stricter ones of redocly.yaml:
  no error (the warnings that remain are printed, and listed in docs/http.md);
- the real `ebcm serve` on the example model: answers of every operation, successes and errors,
  checked by validate.mjs (ajv) against the document's schemas, closed: a field the server sends
  that the document does not name fails the test."""
import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "functional"))

from clitest import SOURCE_DIR  # noqa: E402
from servetest import ServeTestCase  # noqa: E402

DOC = os.path.join(SOURCE_DIR, "src", "http", "openapi.json")
NODE_MODULES = os.path.join(HERE, "node_modules")
REDOCLY = os.path.join(NODE_MODULES, "@redocly", "cli", "bin", "cli.js")
# No network at test time: no usage data sent, no look-up of a newer version.
NODE_ENV = dict(os.environ, REDOCLY_TELEMETRY="off", REDOCLY_SUPPRESS_UPDATE_NOTICE="true",
                NO_COLOR="1")


def node_modules_missing():
    need = [REDOCLY, os.path.join(NODE_MODULES, "ajv"), os.path.join(NODE_MODULES, "ajv-formats")]
    return [p for p in need if not os.path.exists(p)]


class Lint(unittest.TestCase):
    def test_redocly_lint_finds_no_error(self):
        # Not a skip: a test that cannot run has failed.
        self.assertEqual(node_modules_missing(), [], "run scripts/install-deps.sh (npm ci in tests/openapi)")
        run = subprocess.run(["node", REDOCLY, "lint", "--config", os.path.join(HERE, "redocly.yaml"),
                              "--format", "stylish", DOC],
                             capture_output=True, text=True, timeout=300, cwd=HERE, env=NODE_ENV)
        out = run.stdout + run.stderr
        problems = [line.strip() for line in out.splitlines()
                    if " error " in line or " warning " in line]
        for line in problems:
            print(line)
        errors = [p for p in problems if " error " in p]
        self.assertEqual(errors, [], out)
        self.assertEqual(run.returncode, 0, out)
        # The document was read: the linter names it as validated.
        self.assertIn("validated", out)


class RealAnswers(ServeTestCase):
    """Answers of the running server, each recorded with its operation's path template."""

    def setUp(self):
        super().setUp()
        self.assertEqual(node_modules_missing(), [], "run scripts/install-deps.sh (npm ci in tests/openapi)")
        self.server = self.start()
        self.cookie, self.csrf = self.sign_in(self.server, "admin", self.server.admin_password)
        self.answers = []

    def call(self, method, template, path=None, body=None, headers=None, auth=True, expect=None):
        status, h, text, doc = self.server.request(
            method, path or template, body, headers=headers,
            cookie=self.cookie if auth else None, csrf=self.csrf if auth else None)
        if expect is not None:
            self.assertEqual(status, expect, "%s %s: %s" % (method, path or template, text[:500]))
        self.answers.append({"method": method.lower(), "path": template, "status": status,
                             "content_type": h.get("content-type", ""), "body": doc})
        return status, h, doc

    def check(self):
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, dir=self.dir) as f:
            json.dump(self.answers, f)
        run = subprocess.run(["node", os.path.join(HERE, "validate.mjs"), DOC, f.name],
                             capture_output=True, text=True, timeout=300, cwd=HERE)
        print(run.stdout.strip().splitlines()[-1] if run.stdout.strip() else run.stderr)
        self.assertEqual(run.returncode, 0, run.stdout + run.stderr)

    def test_answers_match_the_document(self):
        entities = ["business-units", "locations", "people", "services", "functions",
                    "mitigations", "scenarios"]
        for kind in entities:
            base = "/api/v1/" + kind
            _, _, page = self.call("GET", base, expect=200)
            self.call("GET", base, base + "?limit=2&offset=1", expect=200)
            for item in page["items"][:3]:
                self.call("GET", base + "/{id}", "%s/%s" % (base, item["id"]), expect=200)
            self.call("GET", base + "/{id}", base + "/no-such-thing", expect=404)
            self.call("GET", base, base + "?limit=0", expect=400)
        self.call("GET", "/api/v1/functions", auth=False, expect=401)
        self.call("GET", "/api/v1/organization", expect=200)
        _, _, features = self.call("GET", "/api/v1/features", expect=200)
        for f in features["items"][:3]:
            svc, feat = f["ref"].split("/")
            self.call("GET", "/api/v1/services/{service}/features/{feature}",
                      "/api/v1/services/%s/features/%s" % (svc, feat), expect=200)

        # Writes: a business unit through its whole life, and the answers of a refusal.
        bu = "/api/v1/business-units"
        _, h, _ = self.call("POST", bu, body={"id": "oa-test", "name": "OpenAPI test"}, expect=201)
        self.call("POST", bu, body={"id": "oa-test"}, expect=409)
        self.call("POST", bu, body={"id": "Bad Id!"})
        item = bu + "/{id}"
        _, h, _ = self.call("GET", item, bu + "/oa-test", expect=200)
        etag = h["etag"]
        self.call("GET", item, bu + "/oa-test", headers={"If-None-Match": etag}, expect=304)
        self.call("PATCH", item, bu + "/oa-test", body={"name": "x"}, expect=428)
        self.call("PATCH", item, bu + "/oa-test", body={"name": "x"}, headers={"If-Match": '"nope"'},
                  expect=412)
        _, h, _ = self.call("PATCH", item, bu + "/oa-test", body={"name": "Patched"},
                            headers={"If-Match": etag}, expect=200)
        _, h, _ = self.call("PUT", item, bu + "/oa-test", body={"id": "oa-test", "name": "Put"},
                            headers={"If-Match": h["etag"]}, expect=200)
        self.call("PUT", item, bu + "/oa-test", body={"id": "oa-test", "parent": "no-such-unit"},
                  headers={"If-Match": h["etag"]})
        self.call("DELETE", item, bu + "/oa-test", headers={"If-Match": h["etag"]}, expect=204)

        # History.
        _, _, revisions = self.call("GET", "/api/v1/revisions", expect=200)
        self.call("GET", "/api/v1/revisions/{rev}", "/api/v1/revisions/1", expect=200)
        self.call("GET", "/api/v1/revisions/{rev}", "/api/v1/revisions/999999", expect=404)
        self.call("GET", "/api/v1/diff", expect=200)
        self.call("GET", "/api/v1/diff", "/api/v1/diff?from=1&to=%d" % revisions[0]["revision"],
                  expect=200)
        self.call("GET", "/api/v1/export", "/api/v1/export?format=json", expect=200)
        self.call("GET", "/api/v1/export", "/api/v1/export?format=nonsense", expect=400)

        # Analysis: every scenario, a list of nodes down, and the whole model's single points.
        _, _, scenarios = self.call("GET", "/api/v1/scenarios", "/api/v1/scenarios?limit=1000")
        for s in scenarios["items"]:
            self.call("GET", "/api/v1/impact", "/api/v1/impact?scenario=" + s["id"], expect=200)
        self.call("GET", "/api/v1/impact", "/api/v1/impact?down=exo/mapi,hq&duration=3d", expect=200)
        self.call("GET", "/api/v1/impact", "/api/v1/impact?down=nothing-like-it")
        self.call("GET", "/api/v1/impact/scenarios", expect=200)
        self.call("GET", "/api/v1/spof", expect=200)

        # Accounts.
        self.call("GET", "/api/v1/session", expect=200)
        self.call("GET", "/api/v1/users", expect=200)
        self.call("POST", "/api/v1/users", body={"name": "oa-viewer", "role": "viewer",
                                                 "password": "correct horse battery"}, expect=201)
        self.call("PATCH", "/api/v1/users/{name}", "/api/v1/users/oa-viewer",
                  body={"disabled": True}, expect=200)
        _, _, token = self.call("POST", "/api/v1/tokens", body={"name": "oa"}, expect=201)
        self.call("GET", "/api/v1/tokens", expect=200)
        self.call("DELETE", "/api/v1/tokens/{id}", "/api/v1/tokens/%d" % token["id"], expect=204)
        self.call("GET", "/api/v1/audit", expect=200)
        self.call("GET", "/api/v1/audit", "/api/v1/audit?limit=2", expect=200)
        self.call("POST", "/api/v1/session", body={"user": "admin", "password": "wrong password"},
                  auth=False, expect=401)

        # The status: all clear, then a disruption with features, a location and workforce down.
        self.call("GET", "/api/v1/status", expect=200)
        self.call("GET", "/status.json", expect=200)
        self.call("PUT", "/api/v1/status", body={
            "message": "Outlook desktop cannot connect; the Stockholm office is closed.",
            "next_update": "30m", "down": ["exo/mapi", "hq"], "duration": "4h"}, expect=200)
        self.call("GET", "/api/v1/status", expect=200)
        self.call("GET", "/status.json", expect=200)
        self.call("PUT", "/api/v1/status", body={"scenario": "exo-outage"}, expect=200)
        self.call("GET", "/status.json", expect=200)
        self.call("PUT", "/api/v1/status", body={"down": ["no-such-node"]})

        # Operations.
        self.call("GET", "/healthz", expect=200)
        self.call("GET", "/readyz", expect=200)
        self.call("GET", "/api/v1/openapi.json", expect=200)
        self.call("DELETE", "/api/v1/session", expect=204)
        self.check()


if __name__ == "__main__":
    unittest.main()
