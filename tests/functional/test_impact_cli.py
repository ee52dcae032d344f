"""Functional tests of `ebcm impact` and `ebcm scenarios`, driving the real binary."""
import json
import unittest

from clitest import CONTOSO, CliTestCase


class ImpactCommand(CliTestCase):
    def test_scenario_from_the_store_as_json(self):
        self.ok("import", CONTOSO)
        report = json.loads(self.ok("impact", "--scenario", "mapi-outage", "--json").stdout)
        self.assertEqual(report["scenario"], "mapi-outage")
        self.assertEqual(report["duration"], "6h")
        self.assertEqual(report["states"]["exo/mapi"], "down")
        self.assertEqual(report["states"]["exo/owa"], "up")
        functions = {f["id"]: f for f in report["functions"]}
        self.assertEqual(functions["incident-mgmt"]["state"], "degraded")
        self.assertTrue(any("running on exo/owa" in b for b in functions["incident-mgmt"]["because"]))

    def test_model_file_down_and_workforce_combine(self):
        out = self.ok("impact", CONTOSO, "--down", "adfs", "--workforce", "40%@hq",
                      "--duration", "8h").stdout
        self.assertIn("adfs is disrupted", out)
        self.assertIn("staff available", out)
        md = self.ok("impact", CONTOSO, "--down", "exo", "--format", "markdown").stdout
        self.assertIn("| function | state |", md)
        self.assertIn("open-ended", md)

    def test_bad_input_names_what_is_wrong(self):
        p = self.ebcm("impact", CONTOSO, "--down", "exo/mapx", expect=2)
        self.assertIn("did you mean 'exo/mapi'", p.stderr)
        p = self.ebcm("impact", CONTOSO, "--scenario", "mapi-outag", expect=2)
        self.assertIn("did you mean 'mapi-outage'", p.stderr)
        p = self.ebcm("impact", CONTOSO, "--workforce", "forty", expect=2)
        self.assertIn("expected a percentage", p.stderr)
        p = self.ebcm("impact", CONTOSO, "--workforce", "40%@nowhere", expect=2)
        self.assertIn("neither a location nor a business unit", p.stderr)
        p = self.ebcm("impact", CONTOSO, expect=2)
        self.assertIn("--scenario ID, --down REF", p.stderr)
        p = self.ebcm("impact", CONTOSO, "--down", "exo", "--duration", "soon", expect=2)
        self.assertIn("--duration 'soon'", p.stderr)

    def test_recovery_order_units_and_locations(self):
        report = json.loads(self.ok("impact", CONTOSO, "--scenario", "snowstorm", "--json").stdout)
        order = report["recovery_order"]
        self.assertEqual(len(order), len(report["functions"]))
        # down before degraded, then shorter RTO first
        rank = [(0 if s["state"] == "down" else 1,
                 int(s["rto"][:-1]) * {"m": 1, "h": 60, "d": 1440, "w": 10080}[s["rto"][-1]]
                 if s["rto"] else 10 ** 9) for s in order]
        self.assertEqual(rank, sorted(rank))
        self.assertEqual(report["locations"], {"hq": "down"})
        units = {u["business_unit"]: u for u in report["business_units"]}
        self.assertIn("incident-mgmt", units["it-ops"]["functions"])
        self.assertLess(units["it-ops"]["staff_available"], units["it-ops"]["staff"])

    def test_scenarios_matrix_has_a_row_per_function_and_a_column_per_scenario(self):
        out = self.ok("scenarios", CONTOSO).stdout
        self.assertIn("incident-mgmt", out)
        self.assertIn("mapi-outage (6h)", out)
        self.assertIn("pandemic (30d)", out)


# A small organisation for the wording tests: one process under a function, a mitigation that
# comes late, one whose `with` can fail, and twelve functions that all need exo.
WORDING_MODEL = """ebcm: 1
business_units:
  - { id: ops, name: Operations }
services:
  - id: exo
    name: Exchange
    features: [ { id: mapi, name: MAPI }, { id: smtp, name: SMTP } ]
  - { id: sms, name: SMS gateway }
  - { id: crm, name: CRM }
  - { id: pstn, name: PSTN }
functions:
  - id: comms
    name: Comms
    business_unit: ops
    staff: { normal: 40, minimum: 10 }
    bia: { rto: 1h, mtpd: 90m }
    requires: [ exo/smtp ]
  - id: comms-sms
    name: Comms by SMS
    parent: comms
    business_unit: ops
    staff: { normal: 4, minimum: 1 }
    requires: [ crm ]
  - { id: desk, name: Desk, requires: [ crm ], business_unit: ops }
%s
mitigations:
  - { id: sms-later, for: comms, replaces: exo, with: [ sms ], activation: 2h, status: implemented }
  - { id: phone, for: desk, replaces: crm, with: [ pstn ], status: validated }
scenarios:
  - { id: mail-4h, name: Mail down, disrupt: [ { node: exo } ], duration: 4h }
""" % "\n".join("  - { id: f%02d, name: F%d, requires: [ exo/mapi ], bia: { rto: %dh } }" % (i, i, i)
                for i in range(1, 13))


class ReportWording(CliTestCase):
    def setUp(self):
        super().setUp()
        self.model = self.write("m.yaml", WORDING_MODEL)

    def test_scenario_matrix_marks_breaches_of_a_function_that_ends_degraded(self):
        out = self.ok("scenarios", self.model).stdout
        # comms is down 2h (until sms-later), then degraded: past its RTO (1h) and MTPD (90m).
        self.assertRegex(out, r"\ncomms\s+drm\n")
        self.assertRegex(out, r"\nf01\s+Dr\n")  # no MTPD given
        self.assertIn("r  down longer than its RTO", out)
        self.assertIn("m  down longer than its MTPD", out)
        self.assertIn("(even if it ends degraded)", out)

    def test_restore_first_says_how_many_more(self):
        out = self.ok("impact", self.model, "--down", "exo", "--duration", "4h").stdout
        restore = out[out.index("Restore first"):]
        self.assertIn("… and 3 more: ", restore)
        self.assertRegex(restore, r"10\. f10")

    def test_open_ended_reads_down_until_restored(self):
        out = self.ok("impact", self.model, "--down", "exo/mapi").stdout
        self.assertIn("f01 is down until restored — RTO breached", out)
        self.assertNotIn("never back", out)
        md = self.ok("impact", self.model, "--down", "exo/mapi", "--format", "markdown").stdout
        self.assertIn("| f01 | down | until restored |", md)
        self.assertNotIn("never back", md)

    def test_down_for_shown_whenever_not_zero(self):
        out = self.ok("impact", self.model, "--scenario", "mail-4h").stdout
        self.assertIn("comms is degraded, after being down for 2h — RTO and MTPD breached", out)
        out = self.ok("impact", self.model, "--down", "crm", "--duration", "4h").stdout
        self.assertRegex(out, r"\ndesk is degraded \(|\ndesk is degraded\n")

    def test_head_counts_once_and_nobody_works_in_a_function_that_is_down(self):
        out = self.ok("impact", self.model, "--down", "exo", "--down", "crm", "--down", "sms",
                      "--duration", "4h").stdout
        # comms-sms is a process of comms: its 4 people are among comms' 40.
        self.assertIn("ops: ", out)
        self.assertIn("— 40 people, none can work (their function is down)", out)
        self.assertNotIn("44", out)
        self.assertNotIn("40 of 40 staff can work", out)
        report = json.loads(self.ok("impact", self.model, "--down", "exo", "--down", "crm",
                                    "--down", "sms", "--json").stdout)
        self.assertEqual((report["staff_affected"], report["staff_working"]), (40, 0))
        unit = report["business_units"][0]
        self.assertEqual((unit["staff"], unit["staff_available"], unit["staff_working"]),
                         (40, 40, 0))

    def test_markdown_has_everything_the_text_has(self):
        args = ("impact", self.model, "--down", "exo", "--down", "crm", "--down", "pstn",
                "--workforce", "50%", "--duration", "4h")
        text = self.ok(*args).stdout
        md = self.ok(*args, "--format", "markdown").stdout
        for heading in ("Restore first", "Business units hit"):
            self.assertIn(heading, text)
            self.assertIn("### " + heading, md)
        self.assertIn("… and 5 more", md)
        self.assertIn("- ops: ", md)
        self.assertIn("20 of 40 staff available", md)
        self.assertIn("mitigation phone cannot stand in: pstn is down", text)
        self.assertIn("mitigation phone cannot stand in: pstn is down", md)
        self.assertIn("people:", md.splitlines()[2])

    def test_mitigation_that_cannot_stand_in_says_why(self):
        out = self.ok("impact", self.model, "--down", "crm", "--down", "pstn").stdout
        self.assertIn("crm is disrupted; mitigation phone cannot stand in: pstn is down", out)
        out = self.ok("impact", self.model, "--down", "exo", "--duration", "1h").stdout
        self.assertIn("mitigation sms-later would stand in only after 2h, and the disruption "
                      "lasts 1h", out)
        report = json.loads(self.ok("impact", self.model, "--down", "crm", "--down", "pstn",
                                    "--json").stdout)
        desk = next(f for f in report["functions"] if f["id"] == "desk")
        self.assertEqual(desk["mitigations_blocked"], [{"mitigation": "phone",
                                                        "with_down": ["pstn"]}])

    def test_a_function_down_anyway_is_not_running_on_its_mitigation(self):
        out = self.ok("impact", CONTOSO, "--scenario", "adfs-outage").stdout
        comms = out[out.index("customer-comms is"):].split("\n")[:4]
        self.assertNotIn("running on mitigation key-account-sms", "\n".join(comms))
        self.assertIn("mitigation key-account-sms stands in for it, but customer-comms stays "
                      "down because of crm", "\n".join(comms))

    def test_plurals(self):
        out = self.ok("impact", self.model, "--down", "crm", "--down", "pstn",
                      "--duration", "1h").stdout
        self.assertIn("2 business functions down", out)
        one = self.write("one.yaml", WORDING_MODEL.replace("normal: 40, minimum: 10", "normal: 1, minimum: 1"))
        out = self.ok("impact", one, "--down", "exo/smtp", "--down", "sms").stdout
        self.assertIn("1 business function down, 0 degraded; 1 person, none can work", out)
        self.ok("import", self.model)
        summary = self.ok("summary").stdout
        self.assertIn("and 1 process under them", summary)
        self.assertNotIn("1 processes", summary)
        self.assertIn("with 2 features", summary)

    def test_show_service_counts_what_requires_its_features(self):
        self.ok("import", self.model)
        out = self.ok("show", "exo").stdout
        self.assertIn("required by 13 nodes, itself or through its features", out)
        self.assertRegex(out, r"comms\s+function\s+Comms\s+\(via exo/smtp\)")
        self.assertNotIn("nothing requires it", out)
        shown = json.loads(self.ok("show", "exo", "--json").stdout)
        self.assertEqual(len(shown["required_by"]), 13)
        self.assertEqual(next(u for u in shown["required_by"] if u["id"] == "comms")["via"],
                         ["exo/smtp"])


if __name__ == "__main__":
    unittest.main()
