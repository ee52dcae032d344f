#!/usr/bin/env python3
"""YAML that other tools read back: `ebcm export --format yaml` read with PyYAML must give every
string ebcm holds (compared with `ebcm export --format json`), for the example model, generated
models and a model of awkward scalars (tests/data/awkward-scalars.yaml)."""
import json
import os
import sys
import unittest

import yaml  # PyYAML (Debian python3-yaml, installed by scripts/install-deps.sh)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clitest import CONTOSO, DATA, CliTestCase  # noqa: E402

AWKWARD = os.path.join(DATA, "awkward-scalars.yaml")


def differences(expected, got, path="", out=None):
    """Every place where `got` (from PyYAML) is not `expected` (from ebcm's JSON), as text."""
    out = [] if out is None else out
    if isinstance(expected, dict):
        if not isinstance(got, dict):
            out.append("%s: expected a mapping, read %r" % (path, got))
            return out
        # PyYAML reads a key `yes` as True and `1:20` as 80: compare keys as given.
        if set(expected) != set(got):
            out.append("%s: keys %r read back as %r" % (path, sorted(expected), sorted(got, key=repr)))
            return out
        for k in expected:
            differences(expected[k], got[k], "%s.%s" % (path, k), out)
    elif isinstance(expected, list):
        if not isinstance(got, list) or len(got) != len(expected):
            out.append("%s: expected a list of %d, read %r" % (path, len(expected), got))
            return out
        for i, (e, g) in enumerate(zip(expected, got)):
            differences(e, g, "%s[%d]" % (path, i), out)
    elif expected != got or type(expected) is not type(got):
        out.append("%s: ebcm holds %r, PyYAML read %r" % (path, expected, got))
    return out


class YamlExportTest(CliTestCase):
    def export_both(self, *model):
        self.ok("import", *model)
        self.ok("export", "--format", "yaml", "-o", self.path("out.yaml"))
        self.ok("export", "--format", "json", "-o", self.path("out.json"))
        with open(self.path("out.json"), encoding="utf-8") as f:
            expected = json.load(f)
        with open(self.path("out.yaml"), encoding="utf-8") as f:
            got = yaml.safe_load(f)
        return expected, got

    def assert_same_strings(self, *model):
        expected, got = self.export_both(*model)
        problems = differences(expected, got)
        self.assertEqual(problems, [], "\n".join(problems[:40]))
        return expected

    def test_example_reads_back_with_pyyaml(self):
        expected = self.assert_same_strings(CONTOSO)
        self.assertTrue(any(c["address"].startswith("+") for p in expected["people"]
                            for c in p.get("contacts", [])))

    def test_generated_models_read_back_with_pyyaml(self):
        for seed in (1, 2):
            with self.subTest(seed=seed):
                self.assert_same_strings(self.generate(seed, "yaml"))

    def test_awkward_scalars_read_back_with_pyyaml(self):
        expected = self.assert_same_strings(AWKWARD)
        names = {b["id"]: b.get("name") for b in expected["business_units"]}
        self.assertEqual(names["007"], "+46701234567")
        self.assertEqual(names["spaces"], " leading and trailing ")

    def test_safe_scalars_stay_plain(self):
        self.ok("import", CONTOSO)
        text = self.ebcm("export", "--format", "yaml", expect=0).stdout
        self.assertIn("  - id: hq\n    name: Stockholm HQ (Kungsholmen)\n", text)
        self.assertIn("      rto: 4h\n", text)
        self.assertIn('address: "+46701740605"', text)

    def test_export_reads_back_into_ebcm_unchanged(self):
        self.ok("import", AWKWARD)
        self.ok("export", "--format", "yaml", "-o", self.path("again.yaml"))
        first = self.ebcm("export", "--format", "json", expect=0).stdout
        proc = self.ok("import", self.path("again.yaml"))
        self.assertIn("no changes since revision 1", proc.stdout + proc.stderr)
        self.assertEqual(self.ebcm("export", "--format", "json", expect=0).stdout, first)


if __name__ == "__main__":
    unittest.main()
