"""The figures of bench/signin_flood.sh: PATCH and /readyz latency without and with a flood of
bad sign-ins, against build/ebcm serve on examples/contoso.yaml (argon2id at its real cost)."""
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                                "functional"))
from clitest import CONTOSO, EBCM  # noqa: E402
from servetest import Server  # noqa: E402
import test_signin_flood as flood  # noqa: E402

seconds = float(os.environ.get("DURATION", "10"))
with tempfile.TemporaryDirectory(prefix="ebcm-bench-") as folder:
    subprocess.run([EBCM, "import", CONTOSO, "--db", "ebcm.db", "-m", "bench"], cwd=folder,
                   check=True, capture_output=True)
    server = Server(folder, env={"EBCM_LOG_LEVEL": "warn"})
    try:
        status, headers, _, doc = server.request(
            "POST", "/api/v1/session", {"user": "admin", "password": server.admin_password})
        assert status == 200, doc
        timer = flood.Timer(server, headers["set-cookie"].split(";")[0], doc["csrf"])
        timer.run(count=5)
        print(flood.report("without the flood", *timer.run(seconds=seconds)))
        f = flood.Flood(server.port)
        time.sleep(0.2)
        under = timer.run(seconds=seconds)
        f.stop()
        print(flood.report("with %d clients" % flood.FLOOD_CLIENTS, *under))
        print("%-22s %s" % ("sign-in answers", dict(sorted(f.statuses.items(), key=str))))
    finally:
        server.stop()
