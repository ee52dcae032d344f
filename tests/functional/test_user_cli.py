#!/usr/bin/env python3
"""Functional tests of `ebcm user` and `ebcm audit`: accounts and the audit trail on the command
line, with the real binary and a real database file."""
import csv
import io
import json
import os
import re
import sqlite3
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clitest import CONTOSO, EBCM, CliTestCase  # noqa: E402

PASSWORD_LINE = re.compile(r"^password for (\S+) \(shown once\): (\S{20})$")


class UserCliTest(CliTestCase):
    def setUp(self):
        super().setUp()
        self.env["USER"] = "tester"

    def add_admin(self):
        proc = self.ok("user", "add", "admin", "--role", "admin")
        m = PASSWORD_LINE.match(proc.stdout.strip())
        self.assertIsNotNone(m, proc.stdout)
        self.assertEqual(m.group(1), "admin")
        return m.group(2)

    def hashes(self):
        """The secrets the database holds: password hashes and token hashes."""
        db = sqlite3.connect(self.path("ebcm.db"))
        try:
            found = [r[0] for r in db.execute("SELECT password_hash FROM users")]
            found += [r[0] for r in db.execute("SELECT hash FROM api_tokens")]
            return found
        finally:
            db.close()

    def assert_no_secrets(self, text, secrets):
        self.assertNotIn("$argon2id", text)
        for secret in secrets + self.hashes():
            self.assertNotIn(secret, text)

    def test_add_and_list_never_show_a_hash(self):
        password = self.add_admin()
        self.ok("user", "add", "ann", "--role", "owner", "--person", "p-ann", "--password-stdin",
                stdin="a long enough password\n")
        listing = self.ok("user", "list").stdout
        self.assertRegex(listing, r"(?m)^admin\s+admin\s+-\s+active\s")
        self.assertRegex(listing, r"(?m)^ann\s+owner\s+p-ann\s+active\s")
        users = self.json_of("user", "list", "--json")
        self.assertEqual([(u["name"], u["role"], u["person"], u["disabled"]) for u in users],
                         [("admin", "admin", "", False), ("ann", "owner", "p-ann", False)])
        self.assertEqual(sorted(users[0]), ["created", "disabled", "name", "person", "role"])
        for text in (listing, json.dumps(users)):
            self.assert_no_secrets(text, [password, "a long enough password"])
        self.assertTrue(all(h.startswith("$argon2id$") for h in self.hashes()))

    def test_bad_input_exits_2_naming_what_is_wrong(self):
        proc = self.ebcm("user", "add", "bob", "--role", "boss", expect=2)
        for role in ("admin", "coordinator", "owner", "responder", "viewer"):
            self.assertIn(role, proc.stderr)
        self.assertIn("'boss'", proc.stderr)
        self.assertFalse(os.path.exists(self.path("ebcm.db")), "a refused add made a store")
        proc = self.ebcm("user", "add", "bob", "--role", "admn", expect=2)
        self.assertIn("did you mean 'admin'", proc.stderr)
        proc = self.ebcm("user", "add", "Bob Smith", "--role", "viewer", expect=2)
        self.assertIn("'Bob Smith'", proc.stderr)
        proc = self.ebcm("user", "add", "bob", "--role", "viewer", "--password-stdin",
                         stdin="short\n", expect=2)
        self.assertIn("too short", proc.stderr)
        self.add_admin()
        proc = self.ebcm("user", "add", "admin", "--role", "viewer", expect=2)
        self.assertIn("already a user named 'admin'", proc.stderr)
        self.assertIn("no user named 'nobody'", self.ebcm("user", "disable", "nobody",
                                                          expect=2).stderr)
        self.assertIn("no API token 99", self.ebcm("user", "revoke-token", "99", expect=2).stderr)
        self.assertIn("--expires", self.ebcm("user", "token", "admin", "--expires", "soon",
                                             expect=2).stderr)
        self.ebcm("user", expect=2)

    def test_reading_commands_never_create_a_store(self):
        proc = self.ebcm("user", "list", expect=2)
        self.assertIn("no store at", proc.stderr)
        self.ebcm("audit", expect=2)
        self.assertFalse(os.path.exists(self.path("ebcm.db")))

    def test_token_is_printed_once_and_only_the_token(self):
        self.add_admin()
        proc = self.ok("user", "token", "admin", "--name", "ci", "--expires", "30d")
        token = proc.stdout.strip()
        self.assertRegex(token, r"^ebcm_[A-Za-z0-9_-]{43}$")
        self.assertEqual(proc.stdout, token + "\n")
        self.assertIn("shown once", proc.stderr)
        self.assertNotIn(token, proc.stderr)
        for args in (("user", "list"), ("user", "list", "--json"), ("user", "tokens"),
                     ("user", "tokens", "--json")):
            self.assertNotIn(token, self.ok(*args).stdout)
        tokens = self.json_of("user", "tokens", "--json")
        self.assertEqual([(t["id"], t["user"], t["name"], t["state"]) for t in tokens],
                         [(1, "admin", "ci", "active")])
        self.ok("user", "revoke-token", "1")
        self.assertEqual(self.json_of("user", "tokens", "--json")[0]["state"], "revoked")

    def test_disable_and_enable(self):
        self.add_admin()
        self.ok("user", "add", "ann", "--role", "viewer")
        self.ok("user", "disable", "ann")
        self.assertRegex(self.ok("user", "list").stdout, r"(?m)^ann\s+viewer\s+-\s+disabled\s")
        self.assertIn("enable it first", self.ebcm("user", "token", "ann", expect=2).stderr)
        self.ok("user", "enable", "ann")
        self.assertEqual([u["disabled"] for u in self.json_of("user", "list", "--json")],
                         [False, False])

    def test_audit_export_has_the_changes_and_no_secrets(self):
        password = self.add_admin()
        self.ok("user", "add", "ann", "--role", "coordinator", "--password-stdin",
                stdin="another long password\n")
        new_password = self.ok("user", "password", "ann").stdout.split(": ")[1].strip()
        token = self.ok("user", "token", "ann", "--expires", "never").stdout.strip()
        self.ok("user", "disable", "ann")
        secrets = [password, "another long password", new_password, token]

        lines = self.ok("audit").stdout.splitlines()
        entries = [json.loads(line) for line in lines]
        self.assertEqual([e["action"] for e in entries],
                         ["user_add", "user_add", "password_set", "token_create",
                          "user_disable"])
        self.assertEqual([e["id"] for e in entries], [1, 2, 3, 4, 5])
        add = entries[1]
        self.assertEqual((add["actor"], add["remote"], add["target"]),
                         ("cli:tester", "cli", "user/ann"))
        self.assertIsNone(add["before"])
        self.assertEqual(add["after"], {"name": "ann", "role": "coordinator", "person": "",
                                        "disabled": False})
        self.assertRegex(add["time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")

        as_json = self.json_of("audit", "--format", "json")
        self.assertEqual(as_json, entries)
        self.ok("audit", "--action", "user_add", "-o", "adds.csv")
        rows = list(csv.DictReader(io.StringIO(self.read("adds.csv"), newline="")))
        self.assertEqual([(r["action"], r["target"], r["actor"]) for r in rows],
                         [("user_add", "user/admin", "cli:tester"),
                          ("user_add", "user/ann", "cli:tester")])
        self.assertEqual(json.loads(rows[1]["after"])["role"], "coordinator")

        for text in ("\n".join(lines), self.read("adds.csv"),
                     self.ok("audit", "--format", "csv").stdout):
            self.assert_no_secrets(text, secrets)

        # Filters and limits.
        self.assertEqual(len(self.ok("audit", "--target", "user/").stdout.splitlines()), 4)
        self.assertEqual(len(self.ok("audit", "--target", "token/1").stdout.splitlines()), 1)
        self.assertEqual(len(self.ok("audit", "--actor", "cli:tester", "-n", "2").stdout
                             .splitlines()), 2)
        self.assertEqual(self.ok("audit", "--since", "2999-01-01").stdout, "")
        self.assertEqual(len(self.ok("audit", "--until", "2999-01-01T00:00:00+02:00").stdout
                             .splitlines()), 5)
        self.assertIn("--since", self.ebcm("audit", "--since", "yesterday", expect=2).stderr)
        self.assertIn("--format", self.ebcm("audit", "--format", "xml", expect=2).stderr)

    def test_the_trail_refuses_changes_and_accounts_share_the_model_store(self):
        self.ok("import", CONTOSO)
        self.add_admin()
        self.assertIn("incident-mgmt", self.ok("summary").stdout)
        self.assertEqual(len(self.json_of("history", "--json")), 1)
        db = sqlite3.connect(self.path("ebcm.db"))
        try:
            with self.assertRaises(sqlite3.DatabaseError) as raised:
                db.execute("DELETE FROM audit")
            self.assertIn("append-only", str(raised.exception))
            with self.assertRaises(sqlite3.DatabaseError):
                db.execute("UPDATE audit SET actor = 'someone else'")
        finally:
            db.close()
        self.assertEqual(self.ok("audit").stdout.count("user_add"), 1)


if __name__ == "__main__":
    if not os.path.exists(EBCM):
        sys.exit("ebcm binary not found at %s (set EBCM_BIN)" % EBCM)
    unittest.main(verbosity=2)
