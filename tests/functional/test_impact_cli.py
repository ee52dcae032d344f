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


if __name__ == "__main__":
    unittest.main()
