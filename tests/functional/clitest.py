"""Helpers for the functional tests: where things are, and running build/ebcm in a fresh folder.

Environment (set by tests/CMakeLists.txt; defaults work from a source checkout):
  EBCM_BIN         the ebcm binary (default: build/ebcm)
  EBCM_SOURCE_DIR  the repository (default: two folders up from here)
  EBCM_SHARED_DIR  the shared folder with tools/gen-model.py (default: ../shared)
"""
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.environ.get("EBCM_SOURCE_DIR") or os.path.dirname(os.path.dirname(HERE))
SHARED_DIR = os.environ.get("EBCM_SHARED_DIR") or os.path.join(SOURCE_DIR, "..", "shared")
EBCM = os.path.abspath(os.environ.get("EBCM_BIN") or os.path.join(SOURCE_DIR, "build", "ebcm"))
DATA = os.path.join(SOURCE_DIR, "tests", "data")
CONTOSO = os.path.join(SOURCE_DIR, "examples", "contoso.yaml")
GEN_MODEL = os.path.join(SHARED_DIR, "tools", "gen-model.py")

ANSI_ESCAPE = "\x1b["


class CliTestCase(unittest.TestCase):
    """Each test runs in a fresh temporary folder, with a predictable environment."""

    maxDiff = None

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="ebcm-test-")
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)
        self.env = dict(os.environ)
        for name in ("EBCM_DB", "EBCM_AUTHOR", "NO_COLOR"):
            self.env.pop(name, None)
        self.env["EBCM_AUTHOR"] = "tester"

    def path(self, *parts):
        return os.path.join(self.dir, *parts)

    def ebcm(self, *args, expect=None, env=None, stdin=None):
        """Runs ebcm with stdout and stderr piped; asserts the exit status when `expect` is set."""
        run_env = dict(self.env)
        run_env.update(env or {})
        proc = subprocess.run([EBCM, *args], cwd=self.dir, env=run_env, input=stdin,
                              capture_output=True, text=True, timeout=300)
        if expect is not None:
            self.assertEqual(proc.returncode, expect,
                             "ebcm %s\nstdout:\n%s\nstderr:\n%s" % (" ".join(args), proc.stdout,
                                                                   proc.stderr))
        for stream in (proc.stdout, proc.stderr):
            self.assertNotIn(ANSI_ESCAPE, stream, "colour escapes in piped output")
        return proc

    def ok(self, *args, **kw):
        return self.ebcm(*args, expect=0, **kw)

    def json_of(self, *args, expect=0, **kw):
        return json.loads(self.ebcm(*args, expect=expect, **kw).stdout)

    def write(self, name, text):
        with open(self.path(name), "w", encoding="utf-8") as f:
            f.write(text)
        return self.path(name)

    def read(self, name):
        with open(self.path(name), encoding="utf-8") as f:
            return f.read()

    def store_digest(self):
        """sha256 of every file of the default store (ebcm.db and its -wal/-shm if any)."""
        digest = {}
        for name in sorted(os.listdir(self.dir)):
            if name.startswith("ebcm.db"):
                with open(self.path(name), "rb") as f:
                    digest[name] = hashlib.sha256(f.read()).hexdigest()
        return digest

    def generate(self, seed, fmt):
        out = self.path("gen-%d.%s" % (seed, fmt))
        subprocess.run([sys.executable, GEN_MODEL, "--functions", "200", "--services", "60",
                        "--people", "100", "--cycles", "0.1", "--seed", str(seed),
                        "--format", fmt, "-o", out], check=True, timeout=120)
        return out
