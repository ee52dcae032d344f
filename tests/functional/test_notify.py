"""ebcm notify preview and GET /api/v1/incidents/{id}/notifications/preview on the example model:
an Exchange Online outage reaches exactly the people MODEL.md's rule selects, on the channels it
gives each, in their language; the call trees' escalation is laid out level by level."""
import os
import sys
import json
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from clitest import EBCM  # noqa: E402
from servetest import ServeTestCase  # noqa: E402


class NotifyPreviewTest(ServeTestCase):

    def setUp(self):
        super().setUp()
        self.ok("incident", "declare", "--down", "exo", "--title", "Exchange Online down",
                "-m", "Mailboxes unreachable", "--db", "ebcm.db")
        model = json.loads(self.ok("export", "--format", "json", "--db", "ebcm.db").stdout)
        self.people = {p["id"]: p for p in model["people"]}

    def test_a_mistyped_node_names_the_flag_it_came_from(self):
        p = self.ebcm("incident", "declare", "--down", "exoo", "--title", "x", "--db", "ebcm.db",
                      expect=2)
        self.assertIn("--down: no node 'exoo' — did you mean 'exo'?", p.stderr)
        # Nothing was declared: the next incident is still INC-2.
        self.assertNotIn("INC-2", self.ok("incident", "list", "--db", "ebcm.db").stdout)

    def test_an_exchange_outage_tells_exactly_whom_the_rule_selects(self):
        doc = self.json_of("notify", "preview", "--incident", "INC-1", "--json", "--db", "ebcm.db")
        by = {r["person"]: r for r in doc["recipients"]}
        # Responders: level 1 of each engaged tree, told on every contact method.
        for person, tree in (("erik", "it-major"), ("sofia", "customer-care"), ("helena", "crisis")):
            r = by[person]
            self.assertIn("responder", r["roles"], r)
            self.assertIn(tree, r["call_trees"])
            self.assertEqual([c["channel"] for c in r["channels"]],
                             [c["channel"] for c in self.people[person]["contacts"]])
            self.assertEqual(r["backups"], [])
        # Later levels are not told now: Johan (it-major level 2) only as affected, first contact.
        johan = by["johan"]
        self.assertEqual(johan["roles"], ["affected"])
        first, *rest = self.people["johan"]["contacts"]
        self.assertEqual(johan["channels"], [{"channel": first["channel"], "address": first["address"]}])
        self.assertEqual([c["address"] for c in johan["backups"]], [c["address"] for c in rest])
        # In their language: the person's, else the organization's.
        for person, r in by.items():
            self.assertEqual(r["language"], self.people[person].get("language", "en"), person)
        # Maria's commercial unit runs nothing Exchange takes out, and she works at HQ (up): nothing.
        self.assertNotIn("maria", by)
        # Responders first, then owners, then the affected.
        ranks = [0 if "responder" in r["roles"] else 1 if "owner" in r["roles"] else 2
                 for r in doc["recipients"]]
        self.assertEqual(ranks, sorted(ranks))
        tree = {t["id"]: t for t in doc["trees"]}["it-major"]
        self.assertEqual([lvl["people"] for lvl in tree["levels"]], [["erik"], ["johan"], ["anna"]])
        self.assertEqual(tree["levels"][0]["ack_timeout"], "10m")
        # Widened: everyone, Maria too.
        wide = self.json_of("notify", "preview", "--incident", "INC-1", "--widen", "--json",
                            "--db", "ebcm.db")
        self.assertEqual(len(wide["recipients"]), len(self.people))
        self.assertTrue({r["person"]: r for r in wide["recipients"]}["maria"]["widened"])
        # Text for people: the counts and the escalation.
        text = self.ok("notify", "preview", "--incident", "INC-1", "--db", "ebcm.db").stdout
        self.assertIn("people to tell", text)
        self.assertIn("level 2 after 10m: johan", text)
        # Every message as it would go out: Erik in Swedish on each of his channels, his other
        # contacts listed as backups in each.
        cfg = self.write("ebcm.yaml", "notify:\n  public_url: https://ebcm.contoso.example\n")
        text = self.ok("notify", "preview", "--incident", "INC-1", "--messages", "--config", cfg,
                       "--db", "ebcm.db").stdout
        for contact in self.people["erik"]["contacts"]:
            self.assertIn("=== Erik Johansson (erik) by %s to %s" % (contact["channel"],
                                                                    contact["address"]), text)
        self.assertIn("Subject: [INC-1] Exchange Online down — pågår", text)
        self.assertIn("https://ebcm.contoso.example/status", text)

    def test_the_api_gives_the_same_preview_and_clear_errors(self):
        cli = self.json_of("notify", "preview", "--incident", "INC-1", "--json", "--db", "ebcm.db")
        server = self.start()
        cookie, _ = self.sign_in(server, "admin", server.admin_password)
        status, _, _, doc = server.request("GET", "/api/v1/incidents/INC-1/notifications/preview",
                                           cookie=cookie)
        self.assertEqual(status, 200, doc)
        self.assertEqual(doc, cli)
        status, _, _, doc = server.request("GET", "/api/v1/incidents/INC-9/notifications/preview",
                                           cookie=cookie)
        self.assertEqual(status, 404)
        self.assertIn("INC-9", doc["error"]["message"])
        status, _, _, doc = server.request(
            "GET", "/api/v1/incidents/INC-1/notifications/preview?widen=maybe", cookie=cookie)
        self.assertEqual(status, 400)
        self.assertIn("widen", doc["error"]["message"])
        p = self.ebcm("notify", "preview", "--incident", "INC-9", "--db", "ebcm.db", expect=2)
        self.assertIn("INC-9", p.stderr)

    def test_serve_refuses_bad_notify_settings_naming_each_problem(self):
        bad = self.write("ebcm.yaml", "notify:\n  email:\n    - { smtp: http://mail.example, "
                                      "from: continuity@contoso.example, password: hunter2 }\n")
        p = self.ebcm("serve", "--db", "ebcm.db", "--listen", "127.0.0.1:0", "--config", bad,
                      expect=2)
        self.assertIn("problems in the notify settings", p.stderr)
        self.assertIn("smtp://", p.stderr)
        self.assertNotIn("hunter2", p.stderr + p.stdout)
        missing = self.write("ebcm2.yaml", "notify:\n  public_url: https://ebcm.example\n  email:\n"
                                           "    - { smtp: smtp://127.0.0.1:2525, from: c@contoso.example, "
                                           "user: ebcm, password_file: /nonexistent/secret }\n")
        p = self.ebcm("serve", "--db", "ebcm.db", "--listen", "127.0.0.1:0", "--config", missing,
                      expect=2)
        self.assertIn("cannot read '/nonexistent/secret'", p.stderr)
        # An administrator's template with a typo stops the start, naming file, line and column.
        os.makedirs(self.path("tpl", "en"))
        self.write(os.path.join("tpl", "en", "sms.txt"), "{{incident_id}} {{incident_titel}}\n")
        typo = self.write("ebcm3.yaml", "notify:\n  templates: %s\n" % self.path("tpl"))
        p = self.ebcm("serve", "--db", "ebcm.db", "--listen", "127.0.0.1:0", "--config", typo,
                      expect=2)
        self.assertIn("sms.txt:1:17: unknown placeholder '{{incident_titel}}'", p.stderr)


if __name__ == "__main__":
    if not os.path.exists(EBCM):
        sys.exit("ebcm binary not found at %s (set EBCM_BIN)" % EBCM)
    unittest.main()
