#!/usr/bin/env python3
"""Assembles the seed corpus of every fuzz target into <out>/<target>/ (docs/fuzzing.md).

From the repository: examples/, tests/data/, tests/impact/ (their models), fuzz/seeds/<target>/
and tests/fuzz/<target>/ (the regressions); from ../shared/fixtures/ its JSON; and requests made
from the OpenAPI document for the HTTP target. Files over 256 KiB are left out (libFuzzer
mutates small inputs best). Nothing is written to the source tree."""
import json
import pathlib
import resource
import shutil
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
LIMIT = 256 * 1024


def files(*globs):
    for base, pattern in globs:
        if base.is_dir():
            yield from sorted(p for p in base.glob(pattern) if p.is_file() and p.stat().st_size <= LIMIT)


def yaml_models():
    yield from files((ROOT / "examples", "*.yaml"), (ROOT / "tests/data", "*.yaml"))
    # tests/impact/*.test: a model, then "---" and the scenario; the model part is YAML.
    for p in files((ROOT / "tests/impact", "*.test")):
        yield p


def as_json(path):
    try:
        import yaml  # python3-yaml, when there; the JSON seeds are fewer without it
    except ImportError:
        return None
    try:
        text = path.read_text()
        # Aliases are left out: the billion-laughs inputs of tests/ expand to gigabytes.
        if any(isinstance(e, yaml.AliasEvent) for e in yaml.parse(text)):
            return None
        docs = [d for d in yaml.safe_load_all(text) if isinstance(d, dict)]
    except Exception:
        return None
    return json.dumps(docs[0], indent=1, default=str) if docs else None


def requests():
    api = json.loads((ROOT / "src/http/openapi.json").read_text())
    ids = {"{id}": "payroll", "{service}": "exchange", "{feature}": "mail", "{rev}": "1",
           "{name}": "viewer"}
    body = '{"id": "fuzz", "name": "Fuzz"}'
    for path, ops in api["paths"].items():
        for k, v in ids.items():
            path = path.replace(k, v)
        for method in ops:
            if method == "parameters":
                continue
            m = method.upper()
            auth = "Authorization: Bearer @VIEWER@\r\n" if m == "GET" else "Authorization: Bearer @ADMIN@\r\n"
            if m in ("GET", "DELETE"):
                yield f"{m} {path} HTTP/1.1\r\nHost: x\r\n{auth}\r\n"
            else:
                yield (f"{m} {path} HTTP/1.1\r\nHost: x\r\n{auth}Content-Type: application/json\r\n"
                       f"Content-Length: {len(body)}\r\n\r\n{body}")
    yield ('POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n'
           'Content-Length: 49\r\n\r\n{"user": "admin", "password": "fuzz-password-1"}')
    yield "GET /status HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
    yield "GET /api/v1/impact?disrupt=exchange&at=4h HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer @VIEWER@\r\n\r\n"
    yield ("POST /api/v1/import HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer @ADMIN@\r\nTransfer-Encoding: chunked\r\n"
           "Content-Type: application/yaml\r\n\r\n5\r\nebcm:\r\n3\r\n 1\n\r\n0\r\n\r\n")


def main():
    # A safety net for whatever input comes next: fail rather than take the machine's memory.
    resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
    out = pathlib.Path(sys.argv[1])
    corpus = {t: [] for t in ("model_yaml", "model_json", "json_scan", "parsers", "config", "http_request")}
    corpus["model_yaml"] += [p.read_bytes() for p in yaml_models()]
    fixtures = [p.read_bytes() for p in files((SHARED / "fixtures", "*.json"))]
    for p in yaml_models():
        j = as_json(p)
        if j:
            corpus["model_json"].append(j.encode())
    corpus["json_scan"] += [b"functions[0].bia.rto\n" + j for j in corpus["model_json"]]
    corpus["json_scan"] += [b"value[0].id\n" + f for f in fixtures]
    corpus["model_json"] += fixtures[:8]
    corpus["http_request"] += [r.encode() for r in requests()]
    for target, items in corpus.items():
        d = out / target
        if d.exists():
            shutil.rmtree(d)
        d.mkdir(parents=True)
        for extra in (ROOT / "fuzz/seeds" / target, ROOT / "tests/fuzz" / target):
            items += [p.read_bytes() for p in files((extra, "*"))]
        for i, data in enumerate(items):
            (d / f"seed-{i:04d}").write_bytes(data)
        print(f"corpus {target}: {len(items)} inputs in {d}")


main()
