#!/usr/bin/env python3
"""A loopback stand-in for Microsoft identity (client-credentials tokens), Microsoft Graph's
service communications API (/v1.0/admin/serviceAnnouncement) and Atlassian Statuspage API v2,
serving the real payloads of ../shared/fixtures/ and variants set over a control API, with
fault modes. Python 3.11 standard library only. See README.md beside this file.

    python3 provider_standin.py --fixtures ../shared/fixtures --port 0 --port-file FILE \
        [--client-id ID --client-secret S --token-ttl 3599] [--quiet]

Importable: Standin(fixtures=...).start() ... .port / .url ... .stop().
"""
import argparse
import copy
import json
import os
import re
import secrets
import select
import signal
import socket
import sys
import threading
import time
import uuid
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, parse_qsl, quote, urlencode, urlsplit

DEFAULT_CLIENT_ID = "standin-client-id"
DEFAULT_CLIENT_SECRET = "standin-client-secret"
DEFAULT_TTL = 3599
DEFAULT_RETRY_AFTER = 2

GRAPH_PREFIX = "/v1.0/admin/serviceAnnouncement/"
GRAPH_CT = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"
JSON_CT = "application/json; charset=utf-8"

TARGETS = ("token", "graph", "statuspage")
MODES = ("throttle", "unavailable", "error", "malformed", "truncated", "drop", "hang",
         "expire-token", "reject-credentials", "page")
# Modes that only make sense on one target; the target may then be omitted.
MODE_TARGET = {"expire-token": "graph", "reject-credentials": "token", "page": "graph"}
MALFORMED_BODY = b'{"value": [ {"id": '
# Query parameters never written to the log, whatever a client puts there.
SECRET_PARAMS = {"client_secret", "access_token", "code", "assertion", "client_assertion",
                 "refresh_token", "password"}


def default_fixtures_dir():
    """$EBCM_SHARED_DIR/fixtures, else ../shared/fixtures beside the source tree."""
    here = os.path.dirname(os.path.abspath(__file__))
    candidates = []
    if os.environ.get("EBCM_SHARED_DIR"):
        candidates.append(os.path.join(os.environ["EBCM_SHARED_DIR"], "fixtures"))
    candidates.append(os.path.normpath(os.path.join(here, "..", "..", "..", "shared", "fixtures")))
    for c in candidates:
        if os.path.isfile(os.path.join(c, "graph-healthOverviews.json")):
            return c
    return candidates[0]


def _now_utc():
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")


def _parse_dt(text):
    return datetime.fromisoformat(text.strip())


class BadRequest(Exception):
    pass


# ---------------------------------------------------------------------------------------------
# $filter: clauses joined by "and", each `field op value`; op in eq ne gt ge lt le; value a
# datetime (quoted or not), a 'string', true/false/null or a number. Enough for
# `lastModifiedDateTime ge 2021-03-15T10:00:00Z` and `isResolved eq false`.
_CLAUSE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s+(eq|ne|gt|ge|lt|le)\s+(.+?)\s*$")


def parse_filter(text):
    clauses = []
    for part in re.split(r"\s+and\s+", text.strip()):
        m = _CLAUSE.match(part)
        if not m:
            raise BadRequest("Invalid filter clause: %s" % part)
        field, op, raw = m.groups()
        quoted = len(raw) >= 2 and raw[0] == raw[-1] == "'"
        val = raw[1:-1] if quoted else raw
        if field.endswith("DateTime"):
            try:
                value = ("dt", _parse_dt(val))
            except ValueError:
                raise BadRequest("Invalid datetime in filter: %s" % raw)
        elif quoted:
            value = ("str", val)
        elif val in ("true", "false"):
            value = ("lit", val == "true")
        elif val == "null":
            value = ("lit", None)
        else:
            try:
                value = ("lit", float(val))
            except ValueError:
                raise BadRequest("Invalid value in filter: %s" % raw)
        clauses.append((field, op, value))
    return clauses


def _cmp(a, op, b):
    if op == "eq":
        return a == b
    if op == "ne":
        return a != b
    if a is None or b is None:
        return False
    try:
        return {"gt": a > b, "ge": a >= b, "lt": a < b, "le": a <= b}[op]
    except TypeError:
        return False


def filter_matches(item, clauses):
    for field, op, (kind, want) in clauses:
        have = item.get(field)
        if kind == "dt":
            if not isinstance(have, str):
                return False
            try:
                have = _parse_dt(have)
            except ValueError:
                return False
        elif kind == "str" and isinstance(have, str):
            have, want = have.lower(), want.lower()  # Graph compares strings case-insensitively
        if not _cmp(have, op, want):
            return False
    return True


# ---------------------------------------------------------------------------------------------
class State:
    """Everything the stand-in serves and remembers; one lock around all of it."""

    def __init__(self, fixtures, client_id, client_secret, ttl):
        self.fixtures = fixtures
        self.lock = threading.RLock()
        self.client_id = client_id
        self.client_secret = client_secret
        self.ttl = ttl
        self.tokens = {}  # token -> expiry (monotonic)
        self.tokens_issued = 0
        self.requests = 0
        self.log = []
        self.faults = []
        self.page_size = None
        self.defaults = self._load_defaults()
        self.reset()

    def _fixture(self, name):
        with open(os.path.join(self.fixtures, name), encoding="utf-8") as f:
            return json.load(f)

    def _load_defaults(self):
        overviews = self._fixture("graph-healthOverviews.json")["value"]
        issues = {}
        for it in self._fixture("graph-issues.json")["value"]:
            issues[it["id"]] = it
        single = self._fixture("graph-issue.json")
        single.pop("@odata.context", None)
        issues.setdefault(single["id"], {}).update(single)
        messages = self._fixture("graph-messages.json")["value"]
        notfound = self._fixture("graph-error-notfound.cli-m365-fixture.json")
        pages = {"discord": self._page_from_fixtures("discord")}
        return {"overviews": overviews, "issues": list(issues.values()), "messages": messages,
                "pages": pages, "notfound": notfound}

    def _page_from_fixtures(self, name):
        page = {
            "summary": self._fixture("statuspage-summary.%s.json" % name),
            "unresolved": self._fixture("statuspage-incidents-unresolved.%s.json" % name),
            "components": self._fixture("statuspage-components.%s.json" % name),
            "scheduled_maintenances": self._fixture("statuspage-scheduled-maintenances.%s.json" % name),
        }
        for extra, fname in (("status", "statuspage-status.%s.json"),
                             ("incidents", "statuspage-incidents.%s.json")):
            try:
                page[extra] = self._fixture(fname % name)
            except OSError:
                pass
        return page

    def reset(self):
        with self.lock:
            d = copy.deepcopy(self.defaults)
            self.overviews = d["overviews"]
            self.issues = d["issues"]
            self.messages = d["messages"]
            self.pages = d["pages"]
            self.faults = []
            self.page_size = None
            self.log = []
            self.requests = 0
            self.tokens_issued = 0

    # -- tokens --
    def issue_token(self):
        token = "standin." + secrets.token_urlsafe(32)
        with self.lock:
            self.tokens[token] = time.monotonic() + self.ttl
            self.tokens_issued += 1
        return token

    def token_state(self, token):
        """'valid', 'expired' or 'unknown'."""
        with self.lock:
            exp = self.tokens.get(token)
        if exp is None:
            return "unknown"
        return "valid" if time.monotonic() < exp else "expired"

    def revoke_all(self):
        with self.lock:
            for t in self.tokens:
                self.tokens[t] = 0.0  # known, but expired

    # -- faults --
    def add_fault(self, spec):
        if not isinstance(spec, dict):
            raise BadRequest("fault body must be a JSON object")
        mode = spec.get("mode")
        if mode not in MODES:
            raise BadRequest("mode must be one of %s" % ", ".join(MODES))
        target = spec.get("target") or MODE_TARGET.get(mode)
        if target not in TARGETS:
            raise BadRequest("target must be one of %s" % ", ".join(TARGETS))
        if mode in MODE_TARGET and MODE_TARGET[mode] != target:
            raise BadRequest("mode %s applies to target %s only" % (mode, MODE_TARGET[mode]))
        if mode == "page":
            size = spec.get("page_size")
            if not isinstance(size, int) or isinstance(size, bool) or size < 1:
                raise BadRequest("page needs page_size, an integer >= 1")
            with self.lock:
                self.page_size = size
            return {"target": target, "mode": mode, "page_size": size}
        count = spec.get("count", 1)
        if not isinstance(count, int) or isinstance(count, bool) or (count < 1 and count != -1):
            raise BadRequest("count must be an integer >= 1, or -1 (until cleared)")
        retry_after = spec.get("retry_after", DEFAULT_RETRY_AFTER)
        if not isinstance(retry_after, int) or isinstance(retry_after, bool) or retry_after < 0:
            raise BadRequest("retry_after must be an integer >= 0")
        path_contains = spec.get("path_contains")
        if path_contains is not None and not isinstance(path_contains, str):
            raise BadRequest("path_contains must be a string")
        fault = {"target": target, "mode": mode, "count": count, "retry_after": retry_after,
                 "path_contains": path_contains, "hits": 0}
        with self.lock:
            self.faults.append(fault)
        return dict(fault)

    def take_fault(self, target, path, valid_token=None):
        """The first armed fault for this request, its count consumed; or None."""
        with self.lock:
            for f in self.faults:
                if f["target"] != target or f["count"] == 0:
                    continue
                if f["path_contains"] and f["path_contains"] not in path:
                    continue
                f["count"] = f["count"] - 1 if f["count"] > 0 else -1
                f["hits"] += 1
                if f["mode"] == "expire-token":
                    self.revoke_all()
                return dict(f)
        return None

    def clear_faults(self):
        with self.lock:
            self.faults = []
            self.page_size = None

    def faults_view(self):
        with self.lock:
            return {"faults": [dict(f) for f in self.faults if f["count"] != 0],
                    "page_size": self.page_size}

    # -- log --
    def record(self, entry):
        with self.lock:
            self.requests += 1
            self.log.append(entry)


# ---------------------------------------------------------------------------------------------
class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ebcm-standin/1"
    sys_version = ""

    # -- plumbing --
    @property
    def st(self):
        return self.server.state

    def log_message(self, fmt, *args):
        stream = self.server.log_stream
        if stream is not None:
            try:
                stream.write("standin %s - %s\n" % (self.address_string(), fmt % args))
                stream.flush()
            except Exception:
                pass

    def log_request(self, code="-", size="-"):
        # One line per request, method + path (query without secret values), never a body.
        if isinstance(code, int) or hasattr(code, "value"):
            code = int(code)
        self.log_message('"%s %s" %s', self.command, self._safe_target(), code)

    def _safe_target(self):
        parts = urlsplit(self.path)
        q = self._safe_query(parts.query)
        return parts.path + ("?" + q if q else "")

    @staticmethod
    def _safe_query(query):
        if not query:
            return ""
        pairs = parse_qsl(query, keep_blank_values=True)
        if not any(k.lower() in SECRET_PARAMS for k, _ in pairs):
            return query
        return urlencode([(k, "***" if k.lower() in SECRET_PARAMS else v) for k, v in pairs],
                         safe="$", quote_via=quote)

    def _read_body(self):
        """The request body, read once (before any answer, so a kept-alive connection stays in step)."""
        if getattr(self, "_body_cache", None) is None:
            self._body_cache = self._read_body_raw()
        return self._body_cache

    def _read_body_raw(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                line = self.rfile.readline(65537)
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline(65537)
            return b"".join(chunks)
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def _json_body(self):
        raw = self._read_body()
        if not raw.strip():
            return {}
        try:
            return json.loads(raw)
        except ValueError as e:
            raise BadRequest("body is not JSON: %s" % e)

    def _send(self, status, body, ctype=JSON_CT, headers=()):
        if not isinstance(body, (bytes, bytearray)):
            body = json.dumps(body, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self.wfile.flush()
        return status

    def _send_truncated(self, status, body, ctype, headers=()):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body[: len(body) // 2])
        self.wfile.flush()
        self._close_now()

    def _close_now(self):
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _hang(self):
        """Never answer: wait until the client closes its end or the server stops."""
        conn = self.connection
        stop = self.server.stopping
        while not stop.is_set():
            try:
                r, _, _ = select.select([conn], [], [], 0.1)
            except (OSError, ValueError):
                break
            if r:
                try:
                    data = conn.recv(1, socket.MSG_PEEK)
                except OSError:
                    break
                if not data:
                    break  # client gave up
                stop.wait(0.1)  # client sent more; keep not answering
        self._close_now()

    # -- dispatch --
    def do_GET(self):
        self._dispatch()

    def do_POST(self):
        self._dispatch()

    def do_PUT(self):
        self._dispatch()

    def do_DELETE(self):
        self._dispatch()

    def do_PATCH(self):
        self._dispatch()

    def _dispatch(self):
        self._body_cache = None
        try:
            self._read_body()
            parts = urlsplit(self.path)
            path = parts.path
            if path.startswith("/_control/") or path == "/_control":
                self._control(path, parts.query)
                return
            self._provider(path, parts.query)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception:  # a bug of the stand-in: say so on stderr, answer 500, keep serving
            import traceback
            traceback.print_exc(file=sys.stderr)
            self.close_connection = True
            try:
                self._send(500, {"error": "stand-in internal error"})
            except OSError:
                pass

    def _provider(self, path, query):
        auth = self.headers.get("Authorization", "")
        entry = {"method": self.command, "path": path, "query": self._safe_query(query),
                 "auth": "bearer" if auth[:7].lower() == "bearer " else "none",
                 "status": 0, "fault": None}
        try:
            if re.fullmatch(r"/[^/]+/oauth2/v2\.0/token", path):
                target = "token"
            elif path.startswith("/v1.0/"):
                target = "graph"
            elif path.startswith("/status/"):
                target = "statuspage"
            else:
                target = None
            if target == "token":
                body = self._read_body()  # read before any fault: keep the connection in sync
                fault = self.st.take_fault("token", path)
                entry["status"] = self._token(body, fault, entry)
            elif target == "graph":
                entry["status"] = self._graph(path, query, auth, entry)
            elif target == "statuspage":
                fault = self.st.take_fault("statuspage", path)
                entry["status"] = self._statuspage(path, fault, entry)
            else:
                entry["status"] = self._send(404, {"error": "no such route", "path": path})
        finally:
            self.st.record(entry)

    # -- faults applied to an answer --
    def _fault_answer(self, fault, entry, kind, build):
        """Answer per fault; `build()` -> (status, body, ctype, headers) of the real answer."""
        mode = fault["mode"]
        entry["fault"] = mode
        ra = [("Retry-After", str(fault["retry_after"]))]
        if mode == "throttle":
            return self._send(429, self._error_body(kind, 429), self._ctype(kind), ra)
        if mode == "unavailable":
            return self._send(503, self._error_body(kind, 503), self._ctype(kind), ra)
        if mode == "error":
            return self._send(500, self._error_body(kind, 500), self._ctype(kind))
        if mode == "malformed":
            return self._send(200, MALFORMED_BODY, self._ctype(kind))
        if mode == "truncated":
            status, body, ctype, headers = build()
            if not isinstance(body, bytes):
                body = json.dumps(body, ensure_ascii=False).encode("utf-8")
            self._send_truncated(status, body, ctype, headers)
            return status
        if mode == "drop":
            self.log_message('"%s %s" dropped', self.command, self._safe_target())
            self._close_now()
            return 0
        if mode == "hang":
            self.log_message('"%s %s" hanging', self.command, self._safe_target())
            self._hang()
            return 0
        raise AssertionError(mode)

    @staticmethod
    def _ctype(kind):
        return GRAPH_CT if kind == "graph" else JSON_CT

    def _error_body(self, kind, status):
        rid = str(uuid.uuid4())
        if kind == "graph":
            code, msg = {
                429: ("TooManyRequests", "Too many requests from Identifier:%s under category:"
                      "throttle.serviceAnnouncement. Please try again later." % rid),
                503: ("serviceNotAvailable", "The service is temporarily unavailable. Please retry later."),
                500: ("generalException", "An internal server error occurred."),
            }[status]
            return {"error": {"code": code, "message": msg,
                              "innerError": {"date": _now_utc(), "request-id": rid,
                                             "client-request-id": rid}}}
        if kind == "token":
            code, aad, desc = {
                429: ("temporarily_unavailable", 50196, "The server is temporarily too busy to handle the request."),
                503: ("temporarily_unavailable", 50196, "The server is temporarily unavailable."),
                500: ("server_error", 90033, "A transient error has occurred. Please try again."),
            }[status]
            return self._aad_error(code, aad, desc)
        return {"error": {429: "Too Many Requests", 503: "Service Unavailable",
                          500: "Internal Server Error"}[status]}

    def _aad_error(self, code, aadsts, desc):
        trace = str(uuid.uuid4())
        corr = str(uuid.uuid4())
        stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")
        return {"error": code,
                "error_description": "AADSTS%d: %s Trace ID: %s Correlation ID: %s Timestamp: %s"
                                     % (aadsts, desc, trace, corr, stamp),
                "error_codes": [aadsts], "timestamp": stamp, "trace_id": trace,
                "correlation_id": corr,
                "error_uri": "https://login.microsoftonline.com/error?code=%d" % aadsts}

    # -- identity --
    def _token(self, raw, fault, entry):
        if self.command != "POST":
            return self._send(405, self._aad_error("invalid_request", 900561,
                              "The endpoint only accepts POST requests."), headers=[("Allow", "POST")])
        if fault and fault["mode"] == "reject-credentials":
            entry["fault"] = fault["mode"]
            return self._send(401, self._aad_error(
                "invalid_client", 7000215, "Invalid client secret provided. Ensure the secret being "
                "sent in the request is the client secret value, not the client secret ID, for a "
                "secret added to app '%s'." % self.st.client_id))
        if fault:
            return self._fault_answer(fault, entry, "token", lambda: self._token_answer(raw))
        status, body, ctype, headers = self._token_answer(raw)
        return self._send(status, body, ctype, headers)

    def _token_answer(self, raw):
        form = {k: v[0] for k, v in parse_qs(raw.decode("utf-8", "replace"),
                                             keep_blank_values=True).items()}
        st = self.st
        nocache = [("Cache-Control", "no-store, no-cache"), ("Pragma", "no-cache")]
        grant = form.get("grant_type")
        if not grant:
            return 400, self._aad_error("invalid_request", 900144,
                                        "The request body must contain the following parameter: 'grant_type'."), JSON_CT, nocache
        if grant != "client_credentials":
            return 400, self._aad_error("unsupported_grant_type", 70003,
                                        "The app requested an unsupported grant type '%s'." % grant[:40]), JSON_CT, nocache
        if not form.get("client_id"):
            return 400, self._aad_error("invalid_request", 900144,
                                        "The request body must contain the following parameter: 'client_id'."), JSON_CT, nocache
        scope = form.get("scope", "")
        if not scope.endswith("/.default"):
            return 400, self._aad_error("invalid_scope", 1002012,
                                        "The provided value for scope '%s' is not valid. Client credential "
                                        "flows must have a scope value with /.default suffixed to the resource "
                                        "identifier (application ID URI)." % scope[:80]), JSON_CT, nocache
        # A wrong client id or a wrong secret: 401 invalid_client, AADSTS7000215, either way
        # (Entra answers an unknown app id with 400 unauthorized_client AADSTS700016; one answer
        # for both keeps "the credentials are rejected" a single case for the client).
        if form.get("client_id") != st.client_id or form.get("client_secret") != st.client_secret:
            return 401, self._aad_error("invalid_client", 7000215,
                                        "Invalid client secret provided. Ensure the secret being sent in the "
                                        "request is the client secret value, not the client secret ID, for a "
                                        "secret added to app '%s'." % form["client_id"][:64]), JSON_CT, nocache
        token = st.issue_token()
        return 200, {"token_type": "Bearer", "expires_in": st.ttl, "ext_expires_in": st.ttl,
                     "access_token": token}, JSON_CT, nocache

    # -- Graph --
    def _graph_error(self, status, code, message, headers=()):
        rid = str(uuid.uuid4())
        return self._send(status, {"error": {"code": code, "message": message,
                                             "innerError": {"date": _now_utc(), "request-id": rid,
                                                            "client-request-id": rid}}},
                          GRAPH_CT, headers)

    def _graph_401(self, message):
        return self._graph_error(401, "InvalidAuthenticationToken", message, [(
            "WWW-Authenticate", 'Bearer realm="", authorization_uri="https://login.microsoftonline.com/'
            'common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"')])

    def _graph(self, path, query, auth, entry):
        if auth[:7].lower() != "bearer " or not auth[7:].strip():
            return self._graph_401("Access token is empty.")
        state = self.st.token_state(auth[7:].strip())
        if state == "unknown":
            return self._graph_401("IDX14100: JWT is not well formed, there are no dots (.).")
        if state == "expired":
            return self._graph_401("Lifetime validation failed, the token is expired.")
        fault = self.st.take_fault("graph", path)
        if fault and fault["mode"] == "expire-token":
            entry["fault"] = fault["mode"]
            return self._graph_401("Lifetime validation failed, the token is expired.")
        try:
            answer = self._graph_answer(path, query)
        except BadRequest as e:
            answer = (400, self._graph_err_body("BadRequest", str(e)), GRAPH_CT, [])
        if fault:
            return self._fault_answer(fault, entry, "graph", lambda: answer)
        return self._send(*answer)

    @staticmethod
    def _graph_err_body(code, message):
        rid = str(uuid.uuid4())
        return {"error": {"code": code, "message": message,
                          "innerError": {"date": _now_utc(), "request-id": rid,
                                         "client-request-id": rid}}}

    def _notfound_body(self):
        body = copy.deepcopy(self.st.defaults["notfound"])
        rid = str(uuid.uuid4())
        err = body["error"]
        err["message"] = err["message"].replace("b2307a39-e878-458b-bc90-03bc578531d6", rid)
        err["innerError"] = {"date": _now_utc(), "request-id": rid, "client-request-id": rid}
        return body

    def _base(self):
        return "http://127.0.0.1:%d" % self.server.server_address[1]

    def _graph_answer(self, path, query):
        """-> (status, body, ctype, headers) for a Graph GET."""
        if self.command != "GET":
            return 405, self._graph_err_body("Request_BadRequest", "Method %s is not allowed here." % self.command), GRAPH_CT, [("Allow", "GET")]
        if not path.startswith(GRAPH_PREFIX):
            seg = path[len("/v1.0/"):].split("/")[0]
            return 400, self._graph_err_body("BadRequest", "Resource not found for the segment '%s'." % seg), GRAPH_CT, []
        rest = path[len(GRAPH_PREFIX):].strip("/").split("/")
        params = {k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()}
        ctx = self._base() + "/v1.0/$metadata#admin/serviceAnnouncement/"
        st = self.st
        with st.lock:
            overviews = copy.deepcopy(st.overviews)
            issues = copy.deepcopy(st.issues)
            messages = copy.deepcopy(st.messages)
            page_size = st.page_size
        expand = [e.strip() for e in params.get("$expand", "").split(",") if e.strip()]
        for e in expand:
            if e != "issues" or rest[0] != "healthOverviews":
                raise BadRequest("Parsing OData Select and Expand failed: Could not find a property named '%s'." % e)

        def with_issues(ov):
            ov["issues"] = [i for i in issues if i.get("service") == ov.get("service")]
            return ov

        name = rest[0]
        if name == "healthOverviews":
            if len(rest) == 1:
                if "$filter" in params:
                    raise BadRequest("Filter is not supported on healthOverviews by the stand-in.")
                items = [with_issues(o) if expand else o for o in overviews]
                return self._collection(ctx + "healthOverviews" + ("(issues())" if expand else ""),
                                        items, params, page_size, path)
            if len(rest) == 2:
                for o in overviews:
                    if o.get("id") == rest[1]:
                        body = {"@odata.context": ctx + "healthOverviews/$entity"}
                        body.update(with_issues(o) if expand else o)
                        return 200, body, GRAPH_CT, []
                return 404, self._notfound_body(), GRAPH_CT, []
        elif name in ("issues", "messages"):
            items = issues if name == "issues" else messages
            if len(rest) == 1:
                if "$filter" in params:
                    clauses = parse_filter(params["$filter"])
                    items = [i for i in items if filter_matches(i, clauses)]
                if name == "issues":
                    for i in items:
                        if not i.get("posts"):
                            i.pop("posts", None)
                return self._collection(ctx + name, items, params, page_size, path)
            if len(rest) == 2:
                for i in items:
                    if i.get("id") == rest[1]:
                        body = {"@odata.context": ctx + name + "/$entity"}
                        body.update(i)
                        if name == "issues":
                            body.setdefault("posts", [])
                        return 200, body, GRAPH_CT, []
                return 404, self._notfound_body(), GRAPH_CT, []
        return 400, self._graph_err_body("BadRequest", "Resource not found for the segment '%s'." % rest[-1]), GRAPH_CT, []

    def _collection(self, context, items, params, page_size, path):
        if "$top" in params:
            try:
                top = int(params["$top"])
                if top < 0:
                    raise ValueError
            except ValueError:
                raise BadRequest("Invalid value for $top: %s" % params["$top"])
            items = items[:top]
        prefer = self.headers.get("Prefer", "")
        m = re.search(r"odata\.maxpagesize\s*=\s*(\d+)", prefer)
        if m and int(m.group(1)) > 0:
            page_size = min(page_size, int(m.group(1))) if page_size else int(m.group(1))
        skip = 0
        if "$skiptoken" in params:
            try:
                skip = int(params["$skiptoken"])
                if skip < 0:
                    raise ValueError
            except ValueError:
                raise BadRequest("Invalid $skiptoken: %s" % params["$skiptoken"])
        body = {"@odata.context": context}
        if page_size:
            page = items[skip: skip + page_size]
            if skip + page_size < len(items):
                keep = [(k, v) for k, v in parse_qsl(urlsplit(self.path).query, keep_blank_values=True)
                        if k != "$skiptoken"]
                keep.append(("$skiptoken", str(skip + page_size)))
                body["@odata.nextLink"] = "%s%s?%s" % (self._base(), path,
                                                        urlencode(keep, safe="$:'", quote_via=quote))
            items = page
        else:
            items = items[skip:]
        body["value"] = items
        return 200, body, GRAPH_CT, []

    # -- Statuspage --
    def _statuspage(self, path, fault, entry):
        m = re.fullmatch(r"/status/([^/]+)/api/v2/(.+)", path)
        answer = self._statuspage_answer(m) if m else \
            (404, {"error": "Not found"}, JSON_CT, [])
        if fault:
            return self._fault_answer(fault, entry, "statuspage", lambda: answer)
        return self._send(*answer)

    def _statuspage_answer(self, m):
        page_name, res = m.groups()
        if self.command != "GET":
            return 405, {"error": "Method not allowed"}, JSON_CT, [("Allow", "GET")]
        with self.st.lock:
            page = copy.deepcopy(self.st.pages.get(page_name))
        if page is None:
            return 404, {"error": "Not found"}, JSON_CT, []
        key = {"summary.json": "summary", "incidents/unresolved.json": "unresolved",
               "components.json": "components", "scheduled-maintenances.json": "scheduled_maintenances",
               "status.json": "status", "incidents.json": "incidents"}.get(res)
        if key is None:
            return 404, {"error": "Not found"}, JSON_CT, []
        body = page.get(key)
        if body is None:
            summary = page["summary"]
            if key == "status":
                body = {"page": summary.get("page"), "status": summary.get("status")}
            else:  # incidents.json: what the summary knows
                body = {"page": summary.get("page"), "incidents": summary.get("incidents", [])}
        return 200, body, JSON_CT, [("Cache-Control", "max-age=0, private, must-revalidate")]

    # -- control --
    def _control(self, path, query):
        st = self.st
        try:
            cmd = (self.command, path.rstrip("/"))
            if cmd == ("PUT", "/_control/graph"):
                body = self._json_body()
                if not isinstance(body, dict):
                    raise BadRequest("body must be a JSON object")
                with st.lock:
                    for key in ("overviews", "issues", "messages"):
                        if key in body:
                            val = body[key]
                            if not isinstance(val, list) or not all(isinstance(x, dict) for x in val):
                                raise BadRequest("%s must be a list of objects" % key)
                            setattr(st, key, copy.deepcopy(val))
                    out = {"overviews": len(st.overviews), "issues": len(st.issues),
                           "messages": len(st.messages)}
                return self._send(200, out)
            if cmd == ("GET", "/_control/graph"):
                with st.lock:
                    return self._send(200, {"overviews": st.overviews, "issues": st.issues,
                                            "messages": st.messages})
            m = re.fullmatch(r"/_control/statuspage/([^/]+)", path.rstrip("/"))
            if m and self.command == "PUT":
                return self._send(200, self._put_page(m.group(1), self._json_body()))
            if m and self.command == "GET":
                with st.lock:
                    page = st.pages.get(m.group(1))
                    return self._send(200, page) if page is not None else self._send(404, {"error": "no such page"})
            if m and self.command == "DELETE":
                with st.lock:
                    gone = st.pages.pop(m.group(1), None)
                return self._send(200 if gone is not None else 404, {"deleted": gone is not None})
            if cmd == ("POST", "/_control/fault"):
                return self._send(200, st.add_fault(self._json_body()))
            if cmd == ("GET", "/_control/fault"):
                return self._send(200, st.faults_view())
            if cmd == ("DELETE", "/_control/fault"):
                st.clear_faults()
                return self._send(200, {"cleared": True})
            if cmd == ("POST", "/_control/reset"):
                self._read_body()
                st.reset()
                return self._send(200, {"reset": True})
            if cmd == ("PUT", "/_control/token"):
                body = self._json_body()
                with st.lock:
                    if "ttl" in body:
                        if not isinstance(body["ttl"], int) or body["ttl"] < 0:
                            raise BadRequest("ttl must be an integer >= 0")
                        st.ttl = body["ttl"]
                    if "client_id" in body:
                        st.client_id = str(body["client_id"])
                    if "client_secret" in body:
                        st.client_secret = str(body["client_secret"])
                    if body.get("revoke"):
                        st.revoke_all()
                return self._send(200, {"ttl": st.ttl})
            if cmd == ("GET", "/_control/log"):
                with st.lock:
                    return self._send(200, list(st.log))
            if cmd == ("DELETE", "/_control/log"):
                with st.lock:
                    st.log = []
                return self._send(200, {"cleared": True})
            if cmd == ("GET", "/_control/stats"):
                with st.lock:
                    return self._send(200, {"tokens_issued": st.tokens_issued, "requests": st.requests,
                                            "faults_armed": len([f for f in st.faults if f["count"] != 0]),
                                            "page_size": st.page_size})
            return self._send(404, {"error": "no such control route: %s %s" % cmd})
        except BadRequest as e:
            return self._send(400, {"error": str(e)})

    def _put_page(self, name, body):
        """Keys given replace; keys omitted are derived from a new summary, else kept."""
        if not isinstance(body, dict):
            raise BadRequest("body must be a JSON object")
        keys = ("summary", "unresolved", "components", "scheduled_maintenances", "status", "incidents")
        for k in keys:
            if k in body and not isinstance(body[k], dict):
                raise BadRequest("%s must be a JSON object" % k)
        st = self.st
        with st.lock:
            page = st.pages.get(name)
            if page is None and "summary" not in body:
                raise BadRequest("a new page needs a summary")
            page = dict(page or {})
            if "summary" in body:
                s = copy.deepcopy(body["summary"])
                page["summary"] = s
                pg = s.get("page")
                derived = {
                    "unresolved": {"page": pg, "incidents": [
                        i for i in s.get("incidents", [])
                        if i.get("status") not in ("resolved", "postmortem", "completed")]},
                    "components": {"page": pg, "components": s.get("components", [])},
                    "scheduled_maintenances": {"page": pg, "scheduled_maintenances":
                                               s.get("scheduled_maintenances", [])},
                    "status": {"page": pg, "status": s.get("status")},
                    "incidents": {"page": pg, "incidents": s.get("incidents", [])},
                }
                for k, v in derived.items():
                    if k not in body:
                        page[k] = v
            for k in keys[1:]:
                if k in body:
                    page[k] = copy.deepcopy(body[k])
            st.pages[name] = page
        return {"page": name, "base_url": self._base() + "/status/" + name}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def __init__(self, addr, state, log_stream):
        self.state = state
        self.log_stream = log_stream
        self.stopping = threading.Event()
        self._conns = set()
        self._conns_lock = threading.Lock()
        super().__init__(addr, Handler)

    def process_request(self, request, client_address):
        with self._conns_lock:
            self._conns.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request):
        with self._conns_lock:
            self._conns.discard(request)
        super().shutdown_request(request)

    def close_all(self):
        with self._conns_lock:
            conns = list(self._conns)
            self._conns.clear()
        for c in conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class Standin:
    """The stand-in in this process: Standin(fixtures).start(); .port, .url; .stop()."""

    def __init__(self, fixtures=None, port=0, client_id=DEFAULT_CLIENT_ID,
                 client_secret=DEFAULT_CLIENT_SECRET, token_ttl=DEFAULT_TTL, log_stream=None):
        self.state = State(fixtures or default_fixtures_dir(), client_id, client_secret, token_ttl)
        self._port = port
        self._log_stream = log_stream
        self._server = None
        self._thread = None

    def start(self):
        self._server = _Server(("127.0.0.1", self._port), self.state, self._log_stream)
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.1}, daemon=True,
                                        name="standin")
        self._thread.start()
        return self

    @property
    def port(self):
        return self._server.server_address[1]

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def stop(self):
        if self._server is None:
            return
        self._server.stopping.set()
        self._server.shutdown()
        self._server.close_all()
        self._server.server_close()
        self._thread.join(5)
        self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--fixtures", default=default_fixtures_dir())
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--client-id", default=DEFAULT_CLIENT_ID)
    ap.add_argument("--client-secret", default=DEFAULT_CLIENT_SECRET)
    ap.add_argument("--token-ttl", type=int, default=DEFAULT_TTL)
    ap.add_argument("--quiet", action="store_true", help="no per-request log line")
    args = ap.parse_args(argv)
    s = Standin(args.fixtures, args.port, args.client_id, args.client_secret, args.token_ttl,
                None if args.quiet else sys.stderr)
    s.start()
    done = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: done.set())
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % s.port)
        os.replace(tmp, args.port_file)
    sys.stderr.write("standin listening on %s (fixtures %s)\n" % (s.url, args.fixtures))
    sys.stderr.flush()
    while not done.wait(0.5):
        pass
    s.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
