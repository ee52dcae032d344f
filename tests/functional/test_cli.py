#!/usr/bin/env python3
"""Functional tests of the ebcm command line: they run the real binary on real files."""
import json
import os
import pty
import re
import resource
import sqlite3
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clitest import CONTOSO, DATA, EBCM, CliTestCase  # noqa: E402

TEN_MISTAKES = os.path.join(DATA, "ten-mistakes.yaml")
SELF_ALIAS = os.path.join(DATA, "self-alias.yaml")
BILLION_LAUGHS = os.path.join(DATA, "billion-laughs.yaml")
TWO_DOCUMENTS = os.path.join(DATA, "two-documents.yaml")
LATIN1 = os.path.join(DATA, "latin1.yaml")
WARNINGS_ONLY = os.path.join(DATA, "warnings-only.yaml")
COMMANDS = ["validate", "import", "export", "history", "diff", "show", "summary", "help"]

# Mistake number (the "# mistake N" comment marks its line) → severity, field path, key word.
# Paths name an entity by its id; people[1] has none that is valid ("Bob"), so its place.
MISTAKES = {
    1: ("error", "functions[support].requires[0].any[0]", "mail/mapy"),
    2: ("error", "services[chat].id", "already used"),
    3: ("error", "people[1].id", "not a valid id"),
    4: ("error", "functions[support].bia.rpo", "not a duration"),
    5: ("error", "scenarios[flu].disrupt[0].workforce", "percentage"),
    6: ("error", "functions[support].bia.rto", "mtpd"),
    7: ("error", "mitigations[phone-fallback].replaces", "phones"),
    8: ("warning", "functions[support].colour", "unknown key"),
    9: ("error", "functions[support].staff.minimum", "minimum"),
    10: ("error", "people[alice].contacts[0].address", "phone number"),
}


def mistake_lines():
    lines = {}
    with open(TEN_MISTAKES, encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            m = re.search(r"# mistake (\d+):", line)
            if m:
                lines[int(m.group(1))] = number
    return lines


def expectations(path):
    """The "# expect: LINE SEVERITY PATH | WORDS" lines of a tests/data model (a file, or every
    file of a folder): one per diagnostic the model must give, PATH "-" for none."""
    files = [path] if os.path.isfile(path) else sorted(
        os.path.join(path, n) for n in os.listdir(path))
    out = []
    for f in files:
        with open(f, encoding="utf-8") as text:
            for line in text:
                m = re.match(r"# expect: (\d+) (error|warning) (\S+) \| (.+)$", line.rstrip("\n"))
                if m:
                    out.append((os.path.basename(f), int(m.group(1)), m.group(2),
                                "" if m.group(3) == "-" else m.group(3), m.group(4)))
    return out


class MessagesTest(CliTestCase):
    """tests/data/messages-*: syntax errors said in words, the rest of a file still checked,
    known keys in the wrong place or case refused, paths that name entities."""

    def test_each_model_gives_exactly_its_expected_diagnostics(self):
        models = sorted(n for n in os.listdir(DATA) if n.startswith("messages-"))
        self.assertGreaterEqual(len(models), 4)
        for name in models:
            with self.subTest(model=name):
                expected = expectations(os.path.join(DATA, name))
                self.assertTrue(expected, "no '# expect:' lines in %s" % name)
                report = self.json_of("validate", "--json", os.path.join(DATA, name), expect=2)
                got = [(os.path.basename(d["file"]), d["line"], d["severity"], d["path"],
                        d["message"] + " (" + d.get("hint", "") + ")")
                       for d in report["diagnostics"]]
                shown = "\n".join(map(repr, got))
                self.assertEqual(len(got), len(expected), shown)
                for file, line, severity, path, words in expected:
                    match = [g for g in got if g[:4] == (file, line, severity, path) and words in g[4]]
                    self.assertEqual(len(match), 1, "%s:%d %s %s | %s\n%s" %
                                     (file, line, severity, path, words, shown))
                for g in got:
                    self.assertNotIn("yaml-cpp", g[4])
                    self.assertGreater(g[1], 0, g)

    def test_a_known_key_in_the_wrong_place_is_refused_by_import(self):
        proc = self.ebcm("import", os.path.join(DATA, "messages-wrong-place.yaml"), expect=2)
        self.assertIn("'requires' belongs to the function, not to 'bia'", proc.stderr)
        self.assertIn("move it up one level", proc.stderr)


class ValidateTest(CliTestCase):
    def test_ten_mistakes_are_all_reported_with_their_lines(self):
        report = self.json_of("validate", "--json", TEN_MISTAKES, expect=2)
        diags = report["diagnostics"]
        self.assertEqual(len(diags), 10, json.dumps(diags, indent=1))
        self.assertEqual((report["errors"], report["warnings"]), (9, 1))
        lines = mistake_lines()
        self.assertEqual(sorted(lines), sorted(MISTAKES))
        for number, (severity, path, word) in MISTAKES.items():
            with self.subTest(mistake=number, path=path):
                found = [d for d in diags if d["path"] == path]
                self.assertEqual(len(found), 1, "no single diagnostic at %s" % path)
                d = found[0]
                self.assertEqual(d["severity"], severity)
                self.assertEqual(d["line"], lines[number])
                self.assertGreater(d["column"], 0)
                self.assertTrue(d["file"].endswith("ten-mistakes.yaml"), d["file"])
                self.assertIn(word.lower(), (d["message"] + " " + d.get("hint", "")).lower())
        typo = next(d for d in diags if d["path"] == MISTAKES[1][1])
        self.assertIn("did you mean 'mail/mapi'", typo["hint"])

    def test_text_diagnostics_name_file_line_and_field(self):
        proc = self.ebcm("validate", TEN_MISTAKES, expect=2)
        self.assertIn("ten-mistakes.yaml: 9 errors, 1 warning", proc.stdout)
        lines = mistake_lines()
        for number, (severity, path, _) in MISTAKES.items():
            self.assertRegex(proc.stderr, r"ten-mistakes\.yaml:%d:\d+: %s: %s: " %
                             (lines[number], severity, re.escape(path)))

    def test_clean_example_is_valid(self):
        proc = self.ebcm("validate", CONTOSO, expect=0)
        self.assertRegex(proc.stdout, r"contoso\.yaml: 0 errors, \d+ warnings?")
        report = self.json_of("validate", "--json", CONTOSO)
        self.assertEqual(report["errors"], 0)

    def test_strict_turns_warnings_into_exit_1(self):
        self.ebcm("validate", WARNINGS_ONLY, expect=0)
        proc = self.ebcm("validate", "--strict", WARNINGS_ONLY, expect=1)
        self.assertIn("0 errors, 2 warnings", proc.stdout)
        self.assertIn("cycle", proc.stderr)
        self.assertIn("unknown key", proc.stderr)

    def test_missing_file_is_bad_input(self):
        proc = self.ebcm("validate", "no-such-model.yaml", expect=2)
        self.assertIn("no-such-model.yaml", proc.stderr)


class ImportTest(CliTestCase):
    def test_broken_model_leaves_the_store_byte_for_byte_unchanged(self):
        self.ok("import", CONTOSO)
        before = self.store_digest()
        self.assertIn("ebcm.db", before)
        proc = self.ebcm("import", TEN_MISTAKES, expect=2)
        self.assertIn("nothing was imported", proc.stderr)
        self.assertIn("mail/mapy", proc.stderr)
        self.assertEqual(self.store_digest(), before)
        history = self.json_of("history", "--json")
        self.assertEqual([r["revision"] for r in history], [1])

    def test_broken_model_does_not_create_a_store(self):
        self.ebcm("import", TEN_MISTAKES, expect=2)
        self.ebcm("import", "--db", "sqlite:other.db", TEN_MISTAKES, expect=2)
        self.assertEqual(os.listdir(self.dir), [])

    def test_import_reports_the_revision_and_then_no_changes(self):
        proc = self.ok("import", CONTOSO)
        self.assertRegex(proc.stdout, r"^revision 1: \d+ added, 0 changed, 0 removed \(.*\)\n$")
        self.assertEqual(self.ok("import", CONTOSO).stdout, "no changes since revision 1\n")

    def test_warnings_are_shown_but_do_not_stop_the_import(self):
        proc = self.ok("import", WARNINGS_ONLY)
        self.assertIn("unknown key", proc.stderr)
        self.assertIn("revision 1:", proc.stdout)

    def test_author_and_message(self):
        self.ok("import", CONTOSO)
        self.ok("import", "--author", "carol", "-m", "second", WARNINGS_ONLY)
        newest, first = self.json_of("history", "--json")
        self.assertEqual((newest["author"], newest["message"]), ("carol", "second"))
        self.assertEqual(first["author"], "tester")
        self.assertEqual(first["message"], "import " + CONTOSO)

    def test_db_option_and_environment(self):
        self.ok("import", "--db", "sqlite:a.db", CONTOSO)
        self.ok("import", CONTOSO, env={"EBCM_DB": "sqlite:b.db"})
        self.assertEqual(sorted(n for n in os.listdir(self.dir) if n.endswith(".db")),
                         ["a.db", "b.db"])
        self.ok("summary", env={"EBCM_DB": "sqlite:b.db"})
        self.ok("summary", "--db", "sqlite:a.db")

    def test_bad_store_url_is_an_error(self):
        proc = self.ebcm("import", "--db", "mysql://x", CONTOSO)
        self.assertIn(proc.returncode, (2, 3))
        self.assertIn("ebcm: error:", proc.stderr)


class RoundTripTest(CliTestCase):
    def round_trip(self, source):
        """export(import(source)) imports as "no changes" and re-exports byte for byte."""
        self.ok("import", "--db", "sqlite:one.db", source)
        yaml1 = self.ok("export", "--db", "sqlite:one.db").stdout
        json1 = self.ok("export", "--db", "sqlite:one.db", "--format", "json").stdout
        self.write("export.yaml", yaml1)
        self.write("export.json", json1)
        for exported in ("export.yaml", "export.json"):
            proc = self.ok("import", "--db", "sqlite:one.db", exported)
            self.assertEqual(proc.stdout, "no changes since revision 1\n", exported)
            db = "sqlite:%s.db" % exported.replace(".", "-")
            self.ok("import", "--db", db, exported)
            self.assertEqual(self.ok("export", "--db", db).stdout, yaml1, exported)
            self.assertEqual(self.ok("export", "--db", db, "--format", "json").stdout, json1,
                             exported)
        self.assertEqual(len(self.json_of("history", "--db", "sqlite:one.db", "--json")), 1)
        json.loads(json1)

    def test_contoso(self):
        self.round_trip(CONTOSO)

    def test_generated_models(self):
        for seed in (1, 2, 3):
            for fmt in ("yaml", "json"):
                with self.subTest(seed=seed, format=fmt):
                    for name in os.listdir(self.dir):
                        os.remove(self.path(name))
                    self.round_trip(self.generate(seed, fmt))


class HistoryAndDiffTest(CliTestCase):
    def edited_example(self):
        """The example with customer-comms' RTO changed from 1h to 2h."""
        with open(CONTOSO, encoding="utf-8") as f:
            text = f.read()
        start = text.index("- id: customer-comms")
        at = text.index("rto: 1h", start)
        self.assertLess(at, text.index("- id:", start + 1), "customer-comms has no rto: 1h")
        return self.write("edited.yaml", text[:at] + "rto: 2h" + text[at + len("rto: 1h"):])

    def test_history_lists_revisions_newest_first(self):
        self.ok("import", "-m", "first", CONTOSO)
        self.ok("import", "-m", "second", self.edited_example())
        revisions = self.json_of("history", "--json")
        self.assertEqual([(r["revision"], r["message"]) for r in revisions],
                         [(2, "second"), (1, "first")])
        self.assertEqual((revisions[0]["added"], revisions[0]["changed"],
                          revisions[0]["removed"]), (0, 1, 0))
        self.assertRegex(revisions[0]["time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        text = self.ok("history").stdout.splitlines()
        self.assertRegex(text[1], r"^\s+2\s+\S+Z\s+tester\s+\+0 ~1 -0\s+second$")
        self.assertRegex(text[2], r"^\s+1\s+\S+Z\s+tester\s+\+\d+ ~0 -0\s+first$")
        self.assertEqual(len(self.json_of("history", "-n", "1", "--json")), 1)

    def test_diff_shows_the_changed_field(self):
        self.ok("import", CONTOSO)
        self.ok("import", self.edited_example())
        text = self.ok("diff", "1", "2").stdout
        self.assertIn("~ function customer-comms", text)
        self.assertIn('bia.rto: "1h" → "2h"', text)
        changes = self.json_of("diff", "1", "2", "--json")["changes"]
        self.assertEqual(changes, [{"change": "changed", "kind": "function", "id": "customer-comms",
                                    "fields": [{"path": "bia.rto", "before": "1h",
                                                "after": "2h"}]}])
        back = self.json_of("diff", "2", "1", "--json")["changes"]
        self.assertEqual(back[0]["fields"][0]["after"], "1h")
        self.assertEqual(self.json_of("diff", "2", "head", "--json")["changes"], [])

    def test_diff_lists_added_and_removed_entities(self):
        self.ok("import", CONTOSO)
        self.ok("import", WARNINGS_ONLY)
        text = self.ok("diff", "1", "2").stdout
        self.assertIn("+ service dns", text)
        self.assertIn("- function incident-mgmt", text)

    def test_diff_of_unknown_revision_or_bad_arguments(self):
        self.ok("import", CONTOSO)
        self.assertIn("no revision 7", self.ebcm("diff", "1", "7", expect=2).stderr)
        self.assertIn("not a revision", self.ebcm("diff", "1", "x", expect=2).stderr)
        self.ebcm("diff", "1", expect=2)


class ShowTest(CliTestCase):
    def setUp(self):
        super().setUp()
        self.ok("import", CONTOSO)
        self.model = self.json_of("export", "--format", "json")

    def nodes(self):
        """(ref, requires, degraded_by) of every function, service, feature and location."""
        for f in self.model.get("functions", []):
            yield f["id"], f.get("requires", []), f.get("degraded_by", [])
        for s in self.model.get("services", []):
            yield s["id"], s.get("requires", []), s.get("degraded_by", [])
            for feat in s.get("features", []):
                yield ("%s/%s" % (s["id"], feat["id"]), feat.get("requires", []),
                       feat.get("degraded_by", []))
        for loc in self.model.get("locations", []):
            yield loc["id"], loc.get("requires", []), loc.get("degraded_by", [])

    @staticmethod
    def refs(entries):
        for e in entries:
            if isinstance(e, str):
                yield e
            else:
                for key in ("any", "all"):
                    yield from ShowTest.refs(e.get(key, []))

    def expected_users(self, ref):
        return sorted(n for n, req, _ in self.nodes() if ref in set(self.refs(req)))

    def check_node(self, ref):
        shown = self.json_of("show", "--json", ref)
        own = next(req for n, req, _ in self.nodes() if n == ref)
        self.assertEqual(shown["id"], ref)
        self.assertEqual([r["refs"] for r in shown["requires"]], [list(self.refs([e])) for e in own])
        users = self.expected_users(ref)
        self.assertEqual(sorted(u["id"] for u in shown["required_by"]), users)
        text = self.ok("show", ref).stdout
        self.assertIn("requires (every entry must hold)", text)
        if users:
            self.assertIn("required by", text)
            for user in users:
                self.assertIn(user, text)
        return shown, text

    def test_show_function(self):
        shown, text = self.check_node("on-call-paging")
        self.assertEqual(shown["kind"], "function")
        self.assertIn("incident-mgmt", [u["id"] for u in shown["required_by"]])
        for word in ("criticality", "RTO", "MTPD", "owner", "business unit", "staff"):
            self.assertIn(word, text)
        shown, text = self.check_node("incident-mgmt")
        self.assertIn("any of: exo/mapi, exo/owa, exo/mobile", text)

    def test_show_feature(self):
        shown, text = self.check_node("exo/mapi")
        self.assertEqual(shown["kind"], "feature")
        self.assertIn("incident-mgmt", [u["id"] for u in shown["required_by"]])
        self.assertIn("service        exo", text)

    def test_show_other_entities(self):
        for kind, section in (("person", "people"), ("business_unit", "business_units"),
                              ("mitigation", "mitigations"), ("scenario", "scenarios")):
            with self.subTest(kind=kind):
                first = self.model[section][0]["id"]
                shown = self.json_of("show", "--json", "--kind", kind, first)
                self.assertEqual((shown["kind"], shown["id"]), (kind, first))
                self.assertEqual(shown["entity"], self.model[section][0])

    def test_show_unknown_suggests(self):
        proc = self.ebcm("show", "exo/mapy", expect=2)
        self.assertIn("ebcm: error: no node 'exo/mapy' — did you mean 'exo/mapi'?", proc.stderr)
        self.assertEqual(proc.stdout, "")
        self.ebcm("show", "zzzzzzzzzzzz", expect=2)
        self.assertIn("no revision 5", self.ebcm("show", "--rev", "5", "exo", expect=2).stderr)

    def test_summary(self):
        text = self.ok("summary").stdout
        self.assertIn("revision 1", text)
        self.assertRegex(text, r"functions\s+\d+")
        self.assertRegex(text, r"mitigations\s+\d+\s+\d+ validated, \d+ implemented, \d+ planned")
        self.assertRegex(text, r"call trees\s+4\n")  # every critical function of the example has one
        self.assertIn("incident-mgmt", text)


class ExportTest(CliTestCase):
    def test_empty_or_missing_store_is_a_clear_error(self):
        proc = self.ebcm("export", expect=2)
        self.assertIn("import a model first: ebcm import FILE", proc.stderr)
        self.assertEqual(os.listdir(self.dir), [], "a read must not create a store")
        for command in (["history"], ["summary"], ["show", "x"], ["diff", "1", "2"]):
            self.ebcm(*command, expect=2)
        self.assertEqual(os.listdir(self.dir), [])

    def test_output_file_is_written_whole_or_not_at_all(self):
        self.ok("import", CONTOSO)
        stdout = self.ok("export").stdout
        self.write("model.yaml", "old content\n")
        self.assertEqual(self.ok("export", "-o", "model.yaml").stdout, "")
        self.assertEqual(self.read("model.yaml"), stdout)
        self.ok("export", "-o", "model.json")
        self.assertEqual(self.read("model.json"), self.ok("export", "--format", "json").stdout)
        self.write("keep.yaml", "old content\n")
        self.ebcm("export", "--rev", "9", "-o", "keep.yaml", expect=2)
        self.assertEqual(self.read("keep.yaml"), "old content\n")
        proc = self.ebcm("export", "-o", os.path.join("no-such-dir", "m.yaml"), expect=3)
        self.assertIn("no-such-dir", proc.stderr)
        self.assertEqual(sorted(os.listdir(self.dir)),
                         ["ebcm.db", "keep.yaml", "model.json", "model.yaml"])

    def test_export_of_an_older_revision(self):
        self.ok("import", CONTOSO)
        self.ok("import", WARNINGS_ONLY)
        self.assertIn("Contoso", self.ok("export", "--rev", "1").stdout)
        self.assertIn("Warnings Ltd", self.ok("export").stdout)
        self.ebcm("export", "--rev", "0", expect=2)
        self.ebcm("export", "--format", "xml", expect=2)


class HostileInputTest(CliTestCase):
    """Issue 8: input that once crashed ebcm, exhausted memory, was dropped or was stored
    unreadable; each is now bad input (exit 2) with its file:line:column."""

    def limited(self, *args):
        """ebcm with at most 1 GiB of address space, so a blow-up fails the test, not the box."""
        def limit():
            resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
        return subprocess.run([EBCM, *args], cwd=self.dir, env=self.env, capture_output=True,
                              text=True, timeout=60, preexec_fn=limit)

    def test_self_referring_alias_is_bad_input_not_a_crash(self):
        for command in ("validate", "import"):
            proc = self.limited(command, SELF_ALIAS)
            self.assertEqual(proc.returncode, 2, proc.stderr)
            self.assertIn("self-alias.yaml:2:8:", proc.stderr)
            self.assertIn("alias", proc.stderr)
        self.assertNotIn("ebcm.db", os.listdir(self.dir))

    def test_billion_laughs_is_refused_quickly_in_little_memory(self):
        for command in ("validate", "import"):
            proc = self.limited(command, BILLION_LAUGHS)
            self.assertEqual(proc.returncode, 2, proc.stderr)
            self.assertRegex(proc.stderr, r"billion-laughs\.yaml:\d+:\d+: error: aliases expand "
                             r"the file to more than \d+ values \(write the values out or use "
                             r"fewer aliases\)")

    def test_deep_nesting_is_bad_input_not_a_crash(self):
        deep_yaml = self.write("deep.yaml", "ebcm: 1\nx: " + "[" * 100000 + "\n")
        deep_json = self.write("deep.json", '{"ebcm": 1, "x": ' + "[" * 100000 + "]" * 100000 + "}")
        for path, where in ((deep_yaml, "deep.yaml:2:"), (deep_json, "deep.json:1:")):
            proc = self.limited("validate", path)
            self.assertEqual(proc.returncode, 2, proc.stderr)
            self.assertIn(where, proc.stderr)
            self.assertIn("nests", proc.stderr)

    def test_a_second_yaml_document_is_an_error_at_its_line(self):
        proc = self.ebcm("validate", TWO_DOCUMENTS, expect=2)
        self.assertIn("two-documents.yaml:3:1: error: a model file holds one YAML document; a "
                      "second one starts here", proc.stderr)
        self.ebcm("import", TWO_DOCUMENTS, expect=2)
        self.assertEqual(os.listdir(self.dir), [])

    def test_invalid_utf8_is_refused_with_its_place_and_the_other_problems(self):
        report = self.json_of("validate", "--json", LATIN1, expect=2)
        found = {(d["line"], d["column"], d["message"]) for d in report["diagnostics"]}
        self.assertIn((3, 32, "invalid UTF-8 byte 0xE4"), found, report)
        self.assertTrue(any("duration" in d["message"] for d in report["diagnostics"]), report)
        proc = self.ebcm("import", LATIN1, expect=2)
        self.assertIn("save the file as UTF-8", proc.stderr)
        self.assertEqual(os.listdir(self.dir), [])

    def damage_a_person(self):
        """Writes bytes that are not UTF-8 into a stored person, as an older ebcm could have."""
        db = sqlite3.connect(self.path("ebcm.db"))
        ident, body = db.execute("SELECT id, CAST(body AS BLOB) FROM entity WHERE kind = 3"
                                 " AND rev_to IS NULL LIMIT 1").fetchone()
        body = bytes(body).replace(b'"name":"', b'"name":"\xff', 1)
        db.execute("UPDATE entity SET body = CAST(? AS TEXT) WHERE kind = 3 AND id = ?",
                   (body, ident))
        db.commit()
        db.close()
        return ident

    def test_a_damaged_revision_still_reads_is_named_and_heals_on_import(self):
        self.ok("import", CONTOSO)
        person = self.damage_a_person()
        warning = "revision 1: the stored person '%s' is not valid UTF-8" % person
        proc = self.ok("export", "-o", "model.yaml")
        self.assertIn(warning, proc.stderr)
        self.assertIn("\ufffd", self.read("model.yaml"))
        for command in (["summary"], ["show", "--kind", "person", person], ["diff", "1", "1"]):
            proc = self.ok(*command)
            self.assertIn(warning, proc.stderr, command)
        proc = self.ok("import", "model.yaml")
        self.assertIn("revision 2: 0 added, 1 changed", proc.stdout)
        proc = self.ok("export")
        self.assertNotIn("not valid UTF-8", proc.stderr)

    def test_serve_starts_on_a_damaged_store(self):
        from servetest import Server  # noqa: E402 (only this test needs it)
        self.ok("import", CONTOSO)
        person = self.damage_a_person()
        server = Server(self.dir)
        try:
            status, _, text, _ = server.request("GET", "/status")
            self.assertEqual(status, 200, text)
            self.assertIn("the stored person '%s' is not valid UTF-8" % person, server.logs())
        finally:
            server.stop()


class HelpTest(CliTestCase):
    def test_help_for_every_command(self):
        top = self.ok("--help").stdout
        self.assertTrue(top.startswith("Usage: ebcm"))
        for section in ("Commands:", "Examples:", "Exit status:", "Environment:"):
            self.assertIn(section, top)
        for command in COMMANDS:
            with self.subTest(command=command):
                self.assertRegex(top, r"\n  %s +\S" % command)
                text = self.ok(command, "--help").stdout
                self.assertEqual(self.ok("help", command).stdout, text)
                self.assertTrue(text.startswith("Usage: ebcm %s" % command), text)
                for section in ("Examples:", "Exit status:"):
                    self.assertIn(section, text)
                self.assertTrue(all(len(line) <= 100 for line in text.splitlines()), text)
        self.assertEqual(self.ok("help").stdout, top)

    def test_version_and_usage_errors(self):
        self.assertRegex(self.ok("--version").stdout, r"^ebcm \d+\.\d+\.\d+\n$")
        proc = self.ebcm(expect=2)
        self.assertIn("Usage: ebcm", proc.stderr)
        proc = self.ebcm("imprt", "x.yaml", expect=2)
        self.assertIn("unknown command 'imprt' — did you mean 'import'?", proc.stderr)
        proc = self.ebcm("validate", "--bogus", CONTOSO, expect=2)
        self.assertIn("ebcm: error:", proc.stderr)
        self.assertIn("Usage: ebcm validate", proc.stderr)
        self.ebcm("validate", expect=2)
        self.ebcm("help", "nosuch", expect=2)


class TerminalTest(CliTestCase):
    def run_on_terminal(self, *args, env=None):
        """Runs ebcm with stdout and stderr on a pseudo-terminal; returns what it wrote."""
        master, slave = pty.openpty()
        run_env = dict(self.env, TERM="xterm", **(env or {}))
        proc = subprocess.Popen([EBCM, *args], cwd=self.dir, env=run_env, stdout=slave,
                                stderr=slave, stdin=subprocess.DEVNULL)
        os.close(slave)
        out = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
        os.close(master)
        self.assertEqual(proc.wait(timeout=60), 0)
        return out.decode("utf-8", "replace")

    def test_colour_only_on_a_terminal_and_without_no_color(self):
        self.ok("import", CONTOSO)
        self.assertIn("\x1b[", self.run_on_terminal("summary"))
        self.assertNotIn("\x1b[", self.run_on_terminal("summary", env={"NO_COLOR": "1"}))
        piped = self.ok("summary").stdout  # ok() asserts there are no escapes when piped
        self.assertIn("incident-mgmt", piped)


if __name__ == "__main__":
    if not os.path.exists(EBCM):
        sys.exit("ebcm binary not found at %s (set EBCM_BIN)" % EBCM)
    unittest.main(verbosity=2)
