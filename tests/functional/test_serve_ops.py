"""Issue 8, finding 10: /metrics that promtool accepts, the serve flags the docs name, the weak
revision ETag on every revision-wide answer, and control characters in the status message."""
import shutil
import signal
import socket
import subprocess
import time
import unittest

from clitest import CONTOSO
from servetest import ServeTestCase


class OpsTest(ServeTestCase):

    def setUp(self):
        super().setUp()
        self.server = self.start()
        self.cookie, self.csrf = self.sign_in(self.server, "admin", self.server.admin_password)

    def admin(self, method, path, body=None, headers=None):
        return self.server.request(method, path, body, headers=headers, cookie=self.cookie,
                                   csrf=self.csrf)

    def patch_payroll(self, text):
        status, _, _, doc = self.admin("PATCH", "/api/v1/functions/payroll", {"description": text},
                                       {"If-Match": "*"})
        self.assertEqual(status, 200, doc)

    @unittest.skipUnless(shutil.which("promtool"), "promtool (Debian's prometheus) is missing")
    def test_metrics_pass_promtool_and_show_store_timings_after_a_write(self):
        self.patch_payroll("timed")
        status, _, text, _ = self.server.request("GET", "/metrics")
        self.assertEqual(status, 200)
        check = subprocess.run(["promtool", "check", "metrics"], input=text, text=True,
                               capture_output=True)
        self.assertEqual(check.returncode, 0, check.stdout + check.stderr + text)
        self.assertEqual(check.stdout + check.stderr, "")  # not even a lint warning
        self.assertIn('ebcm_store_operation_duration_seconds_count{op="commit"} 1\n', text)
        for family in ("ebcm_model_revision", "ebcm_model_entities", "ebcm_http_open_connections"):
            self.assertIn("# HELP %s " % family, text)

    def test_revision_wide_answers_carry_the_revision_etag_and_honour_if_none_match(self):
        paths = ["/api/v1/impact?down=exo", "/api/v1/impact/scenarios", "/api/v1/spof",
                 "/api/v1/export", "/api/v1/export?format=json&rev=1", "/api/v1/revisions",
                 "/api/v1/revisions/1", "/api/v1/diff"]
        for path in paths:
            status, headers, _, _ = self.admin("GET", path)
            self.assertEqual((status, headers.get("etag"), headers.get("x-ebcm-revision")),
                             (200, 'W/"rev-1"', "1"), path)
            status, headers, text, _ = self.admin("GET", path, headers={"If-None-Match": 'W/"rev-1"'})
            self.assertEqual((status, text, headers.get("etag")), (304, "", 'W/"rev-1"'), path)
            # A list of ETags, and the strong form: compared weakly.
            self.assertEqual(self.admin("GET", path, headers={
                "If-None-Match": '"other", "rev-1"'})[0], 304, path)
        self.patch_payroll("changed")
        for path in ["/api/v1/impact?down=exo", "/api/v1/spof", "/api/v1/export",
                     "/api/v1/revisions", "/api/v1/diff"]:
            status, headers, _, _ = self.admin("GET", path, headers={"If-None-Match": 'W/"rev-1"'})
            self.assertEqual((status, headers.get("etag")), (200, 'W/"rev-2"'), path)
        # Revision 1 itself does not change.
        self.assertEqual(self.admin("GET", "/api/v1/export?rev=1",
                                    headers={"If-None-Match": 'W/"rev-1"'})[0], 304)

    def test_an_import_answers_its_revision(self):
        with open(CONTOSO) as f:
            model = f.read().replace("Payroll", "Payroll and pensions", 1)
        status, headers, _, doc = self.admin("POST", "/api/v1/import", model,
                                             {"Content-Type": "application/yaml",
                                              "If-Match": 'W/"rev-1"'})
        self.assertEqual(status, 200, doc)
        self.assertEqual((headers.get("x-ebcm-revision"), headers.get("etag")),
                         ("2", 'W/"rev-2"'))

    def test_control_characters_in_the_status_message_are_refused(self):
        for char in ("\x00", "\x1b", "\x7f", "\r"):
            status, _, _, doc = self.admin("PUT", "/api/v1/status", {"message": "Mail" + char})
            self.assertEqual(status, 400, doc)
            self.assertEqual(doc["error"]["message"],
                             "message: control character U+%04X at character 5 is not allowed "
                             "(line breaks and tabs are)" % ord(char))
        # Counted in characters, not bytes.
        status, _, _, doc = self.admin("PUT", "/api/v1/status", {"message": "Då\x01"})
        self.assertEqual((status, doc["error"]["message"].split(" is ")[0]),
                         (400, "message: control character U+0001 at character 3"))
        status, _, _, doc = self.admin("PUT", "/api/v1/status",
                                       {"message": "Mail is down.\nNext:\tnoon", "down": ["exo"]})
        self.assertEqual(status, 200, doc)


class ServeFlagsTest(ServeTestCase):

    def test_header_limit_flag(self):
        server = self.start(extra=["--header-limit", "2K"])
        status, _, _, doc = server.request("GET", "/healthz", headers={"X-Big": "x" * 3000})
        self.assertEqual((status, doc["error"]["code"]), (431, "header_too_large"))
        self.assertEqual(server.request("GET", "/healthz", headers={"X-Big": "x" * 1000})[0], 200)

    def test_shutdown_grace_flag(self):
        server = self.start(extra=["--shutdown-grace", "1"])
        # A request half sent: the server waits for it, up to the grace, then closes it.
        sock = socket.create_connection(("127.0.0.1", server.port))
        self.addCleanup(sock.close)
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        time.sleep(0.2)
        t0 = time.monotonic()
        server.proc.send_signal(signal.SIGTERM)
        server.proc.wait(timeout=30)
        elapsed = time.monotonic() - t0
        self.assertEqual(server.proc.returncode, 0)
        self.assertGreater(elapsed, 0.8)
        self.assertLess(elapsed, 5)  # the default grace would be 10 s

    def test_bad_flag_values_are_named(self):
        for flag, value in (("--shutdown-grace", "soon"), ("--header-limit", "1")):
            r = self.ebcm("serve", "--db", "ebcm.db", "--listen", "127.0.0.1:0", flag, value,
                          expect=2)
            self.assertIn(flag, r.stderr)


if __name__ == "__main__":
    unittest.main()
