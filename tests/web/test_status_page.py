"""The status page in a real browser: the real `ebcm serve` on the example model, a declared
disruption, /status in English and Swedish at 390 px in headless Chromium (no horizontal
scroll), axe-core (no serious or critical violation) and the W3C Nu HTML checker (no error).
Screenshots: $EBCM_WEB_OUT/status-{en,sv}.png (build/web/ from CTest)."""
import json
import os
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "functional"))

from servetest import ServeTestCase  # noqa: E402

NODE_MODULES = os.path.join(HERE, "node_modules")
VNU = os.path.join(NODE_MODULES, "vnu-jar", "build", "dist", "vnu.jar")
OUT = os.environ.get("EBCM_WEB_OUT") or os.path.join(HERE, "..", "..", "build", "web")


class StatusPageInBrowser(ServeTestCase):
    def setUp(self):
        super().setUp()
        missing = [p for p in (os.path.join(NODE_MODULES, "playwright-core"),
                               os.path.join(NODE_MODULES, "axe-core"), VNU) if not os.path.exists(p)]
        # Not a skip: a test that cannot run has failed (scripts/install-deps.sh installs them).
        self.assertEqual(missing, [], "run scripts/install-deps.sh (npm ci in tests/web)")
        os.makedirs(OUT, exist_ok=True)
        self.server = self.start()
        cookie, csrf = self.sign_in(self.server, "admin", self.server.admin_password)
        declaration = {
            "message": "Outlook desktop cannot connect since 09:40 and the Stockholm office is "
                       "closed (power). Use Outlook on the web; work from home.\nNext steps: "
                       "Microsoft is rerouting traffic.",
            "next_update": "30m",
            "down": ["exo/mapi", "hq"],
        }
        status, _, _, doc = self.server.request("PUT", "/api/v1/status", declaration,
                                                cookie=cookie, csrf=csrf)
        self.assertEqual(status, 200, doc)

    def browse(self, lang):
        shot = os.path.join(OUT, "status-%s.png" % lang)
        url = "http://127.0.0.1:%d/status?lang=%s" % (self.server.port, lang)
        run = subprocess.run(["node", os.path.join(HERE, "status_page.mjs"), url, shot],
                             capture_output=True, text=True, timeout=180, cwd=HERE)
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertTrue(os.path.getsize(shot) > 0)
        return json.loads(run.stdout.strip().splitlines()[-1])

    def check_page(self, lang, expected):
        status, headers, html, _ = self.server.request("GET", "/status?lang=" + lang)
        self.assertEqual(status, 200)
        self.assertEqual(headers.get("refresh"), "60")
        self.assertNotIn('http-equiv="refresh"', html)
        for text in expected:
            self.assertIn(text, html)
        result = self.browse(lang)
        self.assertLessEqual(result["scrollWidth"], result["clientWidth"], result["overflowing"])
        self.assertEqual(result["overflowing"], [])
        bad = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
        self.assertEqual(bad, [], json.dumps(bad, indent=1, ensure_ascii=False))
        page = os.path.join(OUT, "status-%s.html" % lang)
        with open(page, "w", encoding="utf-8") as f:
            f.write(html)
        vnu = subprocess.run(["java", "-jar", VNU, "--format", "json", page],
                             capture_output=True, text=True, timeout=180)
        messages = json.loads(vnu.stderr)["messages"]  # vnu writes its JSON report on stderr
        errors = [m for m in messages if m.get("type") == "error"]
        self.assertEqual(errors, [], json.dumps(errors, indent=1, ensure_ascii=False))

    def test_english_at_phone_width(self):
        self.check_page("en", ["Outlook desktop (MAPI)", "partly down",
                               "Keep working: use Outlook on the web", "Location: Stockholm HQ"])

    def test_swedish_at_phone_width(self):
        self.check_page("sv", ["Outlook för skrivbordet (MAPI)", "delvis nere",
                               "Fortsätt arbeta: använd Outlook på webben",
                               "Plats: Stockholm HK (Kungsholmen)", "Hemarbete"])


if __name__ == "__main__":
    unittest.main()
