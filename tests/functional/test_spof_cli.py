"""Functional tests of `ebcm spof` and `ebcm export --format open-psa`, driving the real binary."""
import json
import os
import re
import shutil
import subprocess
import unittest

from clitest import CONTOSO, CliTestCase


class SpofCommand(CliTestCase):
    def test_json_shape_and_sorting(self):
        out = json.loads(self.ok("spof", CONTOSO, "--json").stdout)
        self.assertIn("incident-mgmt", out)
        for fn, entry in out.items():
            self.assertEqual(sorted(entry), ["pairs", "singles"])
            self.assertEqual(entry["singles"], sorted(entry["singles"]))
            self.assertNotIn(fn, entry["singles"])  # not its own single point of failure
            self.assertEqual(entry["pairs"], [])
        self.assertIn("internet", out["incident-mgmt"]["singles"])

    def test_pairs_of_one_function(self):
        out = json.loads(self.ok("spof", CONTOSO, "--pairs", "--function", "incident-mgmt",
                                 "--json").stdout)
        self.assertEqual(list(out), ["incident-mgmt"])
        pairs = out["incident-mgmt"]["pairs"]
        self.assertIn(["hq", "remote"], pairs)
        self.assertEqual(pairs, sorted(pairs))
        singles = set(out["incident-mgmt"]["singles"])
        for a, b in pairs:
            self.assertLess(a, b)
            self.assertFalse({a, b} & singles)
            # Each pair really takes the function down; each node alone does not.
            both = json.loads(self.ok("impact", CONTOSO, "--down", a, "--down", b, "--json").stdout)
            self.assertEqual(both["states"]["incident-mgmt"], "down")
            for x in (a, b):
                one = json.loads(self.ok("impact", CONTOSO, "--down", x, "--json").stdout)
                self.assertNotEqual(one["states"]["incident-mgmt"], "down")

    def test_whole_model_pairs_are_a_subset_of_each_functions_pairs(self):
        some = json.loads(self.ok("spof", CONTOSO, "--pairs", "--top", "5", "--json").stdout)
        for fn, entry in some.items():
            full = json.loads(self.ok("spof", CONTOSO, "--pairs", "--function", fn,
                                      "--json").stdout)[fn]
            self.assertTrue(set(map(tuple, entry["pairs"])) <= set(map(tuple, full["pairs"])), fn)
            self.assertEqual(entry["singles"], full["singles"])

    def test_human_ranking_and_criticality(self):
        out = self.ok("spof", CONTOSO).stdout
        self.assertIn("by how many each takes down alone", out)
        first = out.splitlines()[1].split()
        self.assertTrue(int(first[0]) >= 2)
        crit = json.loads(self.ok("spof", CONTOSO, "--criticality", "critical", "--json").stdout)
        every = json.loads(self.ok("spof", CONTOSO, "--json").stdout)
        self.assertTrue(0 < len(crit) < len(every))
        self.ok("import", CONTOSO)
        self.assertEqual(json.loads(self.ok("spof", "--json").stdout), every)

    def test_a_function_is_never_its_own_single_point_of_failure(self):
        model = self.write("m.yaml", """ebcm: 1
services:
  - { id: a, name: A }
  - { id: b, name: B }
functions:
  - { id: f, name: F, requires: [ { any: [ a, b ] } ] }
  - { id: g, name: G, requires: [ f ] }
""")
        out = json.loads(self.ok("spof", model, "--json").stdout)
        self.assertEqual(out["f"]["singles"], [])
        self.assertEqual(out["g"]["singles"], ["f"])
        text = self.ok("spof", model, "--function", "f").stdout
        self.assertIn("f: no single point of failure", text)
        ranking = self.ok("spof", model).stdout
        self.assertRegex(ranking, r"\n\s+1\s+f\s+g\n")
        self.assertNotRegex(ranking, r"\n\s+2\s+f\s")

    def test_bad_input(self):
        p = self.ebcm("spof", CONTOSO, "--function", "incident-mgm", expect=2)
        self.assertIn("did you mean 'incident-mgmt'", p.stderr)
        p = self.ebcm("spof", CONTOSO, "--criticality", "urgent", expect=2)
        self.assertIn("expected critical, high, medium or low", p.stderr)


@unittest.skipIf(shutil.which("scram") is None, "scram is not installed")
class OpenPsaExport(CliTestCase):
    def test_scram_cut_sets_are_the_singles_and_pairs_on_contoso(self):
        # Contoso has no requirement cycle, so the fault tree is exact.
        self.ok("import", CONTOSO)
        self.ok("export", "--format", "open-psa", "-o", "tree.xml")
        subprocess.run(["scram", "--mocus", "--limit-order", "2", self.path("tree.xml"),
                        "-o", self.path("report.xml")], check=True, capture_output=True)
        with open(self.path("report.xml"), encoding="utf-8") as f:
            report = f.read()
        cuts = {}
        for m in re.finditer(r'<sum-of-products name="FN_([^"]+)".*?</sum-of-products>', report,
                             re.S):
            cuts[m.group(1)] = {tuple(sorted(re.findall(r'<basic-event name="([^"]+)"/>', p)))
                                for p in re.findall(r"<product.*?</product>", m.group(0), re.S)}
        fns = json.loads(self.ok("spof", CONTOSO, "--json").stdout)
        self.assertEqual(set(cuts), set(fns))  # contoso's refs need no escaping but '/'
        for fn in fns:
            mine = json.loads(self.ok("spof", CONTOSO, "--pairs", "--function", fn,
                                      "--json").stdout)[fn]
            # The fault tree has the function's own event as a cut set; spof leaves it out.
            expected = {(fn,)} | {(s.replace("/", "__"),) for s in mine["singles"]}
            expected |= {tuple(sorted(x.replace("/", "__") for x in p)) for p in mine["pairs"]}
            self.assertEqual(cuts[fn], expected, fn)


if __name__ == "__main__":
    unittest.main()
