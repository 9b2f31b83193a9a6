#!/usr/bin/env python3
"""Bad input against the family portal over HTTP, from outside the Swift code (standard library only).

Usage: http_fuzz.py [--base URL] [--seconds S] [--seed N] [--timeout S] [--flood N]
                    [--respond-key KEY] [--stop-key KEY] [--slow-seconds S] [--max-requests N]
                    [--no-429-before-flood]

--base is the portal (default http://127.0.0.1:8080; https:// is taken too, unverified, for the
portal behind nginx); only loopback addresses are fuzzed. It sends, each a bounded number of times:
known pages; random paths and methods; path traversal; overlong paths and headers, many headers;
bodies over the 64 KiB limit (64 KiB + 1 declared, 10 MiB streamed, 1 MiB chunked); malformed
urlencoded bodies; invalid UTF-8 and percent-encodings; wrong content types; missing and wrong csrf
(the field must equal the `csrf` cookie); HEAD, OPTIONS, TRACE and other methods; protocol oddities
(no Host, two Content-Lengths, Content-Length with chunked, bad chunks); slowloris-like partial
requests held for --slow-seconds while GET / must still answer; then random mixes of all of these
for --seconds; then a flood of --flood POSTs from one client, where a 429 must come; and last,
GET / must still answer 200.

--respond-key and --stop-key fuzz the real form handlers of that family: every POST carries a
defect the portal must refuse (a csrf that does not match, or, with a valid csrf, an answer outside
the form's own choices, an action that is neither stop nor resume, an RFC 8058 body that is not
`List-Unsubscribe=One-Click`), so nothing may be recorded; the caller checks that through the
services. A 200 to any of them is a failure.

Every response is checked: no 5xx but 503 (a 500 is a bug), the status in the set expected for that
kind of input, and on every response with a body Content-Security-Policy, Referrer-Policy:
no-referrer and X-Content-Type-Options: nosniff; on token pages (/respond/<key>, /stop/<key>,
/enquiries/<ref>/<secret>) that are not errors, Cache-Control: no-store; no file contents or stack
traces in a body. 429 and 503 are taken anywhere (and counted); --no-429-before-flood makes a 429
before the flood a failure (for a portal started with a high rate limit, so that the handlers are
really reached).

Prints one line per failure (the first few of each kind), a summary per kind, and last one line of
JSON: {"requests": N, "failures": [{"kind", "request", "status", "why"}, ...] (the first 20 of each kind),
"failures_total": N, "by_status": {"200": N, ..., "closed": N}, "seed": N, "elapsed_s": S, "notes": [...]}.
Exits 1 when any check failed, 2 on bad usage or when the portal does not answer at the start.
"""
import argparse
import html.parser
import ipaddress
import json
import os
import random
import re
import select
import socket
import ssl
import sys
import time
import urllib.parse

FIVE_XX_OK = {503}
FOURXX = set(range(400, 500))
REDIRECTS = {301, 302, 303, 307, 308}
LIMIT = 64 * 1024
LEAKS = [b"root:x:0:0", b"Traceback (most recent", b"Fatal error", b"NIOCore", b"HummingbirdCore", b"DecodingError",
         b"swift-package", b"// swift-tools-version", b"BEGIN PRIVATE KEY", b"/work/", b"/Sources/"]
TOKEN_PATH = re.compile(r"^/(respond|stop)/[^/?]+|^/enquiries/(?!new(?:[/?]|$))[^/?]+/[^/?]+")


def statuses_text(statuses):
    rest = sorted(statuses - FOURXX)
    return " or ".join((["4xx"] if FOURXX <= statuses else []) + [str(s) for s in (rest if FOURXX <= statuses else sorted(statuses))])


class Response:
    def __init__(self, status=None, reason="", headers=None, body=b"", error=None, elapsed=0.0):
        self.status, self.reason, self.headers, self.body, self.error, self.elapsed = status, reason, headers or [], body, error, elapsed

    def header(self, name):
        name = name.lower()
        return next((v for k, v in self.headers if k == name), None)

    def all(self, name):
        name = name.lower()
        return [v for k, v in self.headers if k == name]

    def label(self):
        return str(self.status) if self.status is not None else ("closed" if self.error in ("closed", "reset") else self.error)


class Client:
    """One raw HTTP/1.1 exchange per connection: whatever bytes we like, read back as sent."""

    def __init__(self, base, timeout):
        u = urllib.parse.urlsplit(base)
        if u.scheme not in ("http", "https") or not u.hostname:
            raise ValueError(f"--base must be http://HOST:PORT or https://HOST:PORT, not {base!r}")
        self.tls = u.scheme == "https"
        self.host = u.hostname
        self.port = u.port or (443 if self.tls else 80)
        self.prefix = u.path.rstrip("/")
        addresses = {ai[4][0] for ai in socket.getaddrinfo(self.host, self.port, proto=socket.IPPROTO_TCP)}
        if not addresses or not all(ipaddress.ip_address(a.split("%")[0]).is_loopback for a in addresses):
            raise ValueError(f"{self.host} is not a loopback address ({', '.join(sorted(addresses))}): this fuzzer only sends to this machine")
        self.hostport = f"{self.host}:{self.port}" if ":" not in self.host else f"[{self.host}]:{self.port}"
        self.timeout = timeout
        self.context = None
        if self.tls:
            self.context = ssl.create_default_context()
            self.context.check_hostname = False
            self.context.verify_mode = ssl.CERT_NONE

    def connect(self, timeout=None):
        s = socket.create_connection((self.host, self.port), timeout=timeout or self.timeout)
        if self.tls:
            s = self.context.wrap_socket(s, server_hostname=self.host)
        return s

    def build(self, method, path, headers=(), body=None, cookie=None, host=True, version="HTTP/1.1", content_length=True):
        if isinstance(path, str):
            path = path.encode("utf-8", "surrogateescape")
        if isinstance(method, str):
            method = method.encode()
        if path.startswith(b"/") and self.prefix:
            path = self.prefix.encode() + path
        lines = [method + b" " + path + b" " + version.encode()]
        if host:
            lines.append(b"Host: " + self.hostport.encode())
        lines.append(b"Connection: close")
        lines.append(b"User-Agent: send-http-fuzz")
        if cookie is not None:
            lines.append(b"Cookie: " + (cookie.encode() if isinstance(cookie, str) else cookie))
        for h in headers:
            lines.append(h if isinstance(h, bytes) else h.encode("utf-8", "surrogateescape"))
        if body is not None and content_length:
            lines.append(b"Content-Length: " + str(len(body)).encode())
        return b"\r\n".join(lines) + b"\r\n\r\n" + (body or b"")

    def exchange(self, raw, head=False, chunks=None, timeout=None, pause=0.0):
        """Sends raw (then each of chunks, if given, stopping early when the server answers) and reads the response."""
        start = time.time()
        timeout = timeout or self.timeout
        try:
            s = self.connect(timeout)
        except OSError as e:
            return Response(error=f"connect: {e}", elapsed=time.time() - start)
        try:
            sent_error = None
            try:
                s.sendall(raw)
                for chunk in chunks or ():
                    if pause:
                        time.sleep(pause)
                    if not self.tls and select.select([s], [], [], 0)[0]:
                        break  # the server has answered (or closed) before the end: read that
                    s.sendall(chunk)
            except (BrokenPipeError, ConnectionResetError, ssl.SSLEOFError, ssl.SSLZeroReturnError) as e:
                sent_error = e  # the server stopped reading; its answer may still be there
            except socket.timeout:
                return Response(error="timeout while sending", elapsed=time.time() - start)
            return self.read(s, head, start, timeout, sent_error)
        finally:
            try:
                s.close()
            except OSError:
                pass

    def read(self, s, head, start, timeout, sent_error=None):
        data = b""
        deadline = start + timeout + 5
        try:
            while True:
                while b"\r\n\r\n" not in data:
                    if time.time() > deadline:
                        return Response(error="timeout", elapsed=time.time() - start)
                    chunk = s.recv(65536)
                    if not chunk:
                        return Response(error="closed" if not data else "truncated head", elapsed=time.time() - start)
                    data += chunk
                    if len(data) > 1 << 20:
                        return Response(error="head over 1 MiB", elapsed=time.time() - start)
                head_bytes, data = data.split(b"\r\n\r\n", 1)
                lines = head_bytes.split(b"\r\n")
                m = re.match(rb"HTTP/1\.[01] (\d{3}) ?(.*)", lines[0])
                if not m:
                    return Response(error=f"not an HTTP response: {lines[0][:80]!r}", elapsed=time.time() - start)
                status = int(m.group(1))
                headers = []
                for line in lines[1:]:
                    k, _, v = line.partition(b":")
                    headers.append((k.strip().lower().decode("latin-1"), v.strip().decode("latin-1")))
                if status == 100:
                    continue
                break
            r = Response(status, m.group(2).decode("latin-1"), headers, elapsed=0)
            if head or status in (204, 304) or 100 <= status < 200:
                r.body = b""
            elif r.header("transfer-encoding") and "chunked" in r.header("transfer-encoding").lower():
                r.body = self.read_chunked(s, data, deadline)
            elif r.header("content-length") is not None:
                n = int(r.header("content-length"))
                while len(data) < n and time.time() < deadline:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                r.body = data[:n]
                if len(r.body) < n:
                    r.error = "body shorter than Content-Length"
            else:
                while time.time() < deadline and len(data) < 16 << 20:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                r.body = data
            r.elapsed = time.time() - start
            return r
        except socket.timeout:
            return Response(error="timeout", elapsed=time.time() - start)
        except (ConnectionResetError, ssl.SSLError, OSError) as e:
            if sent_error is not None or isinstance(e, ConnectionResetError):
                return Response(error="reset", elapsed=time.time() - start)
            return Response(error=f"read: {e}", elapsed=time.time() - start)

    @staticmethod
    def read_chunked(s, data, deadline):
        body = b""
        while time.time() < deadline:
            while b"\r\n" not in data:
                chunk = s.recv(65536)
                if not chunk:
                    return body
                data += chunk
            size_line, data = data.split(b"\r\n", 1)
            size = int(size_line.split(b";")[0] or b"0", 16)
            if size == 0:
                return body
            while len(data) < size + 2:
                chunk = s.recv(65536)
                if not chunk:
                    return body + data
                data += chunk
            body += data[:size]
            data = data[size + 2:]
        return body


class Form(html.parser.HTMLParser):
    """The fields of the first form with method post: inputs, textareas, selects with their options."""

    def __init__(self):
        super().__init__()
        self.fields = []  # dicts: name, tag, type, value, required
        self.in_form = False
        self.done = False
        self.select = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and not self.done and (a.get("method") or "").lower() == "post":
            self.in_form = True
        if not self.in_form:
            return
        if tag in ("input", "textarea", "select") and a.get("name"):
            field = {"name": a["name"], "tag": tag, "type": (a.get("type") or ("text" if tag == "input" else tag)).lower(),
                     "value": a.get("value", ""), "required": "required" in a, "options": []}
            self.fields.append(field)
            if tag == "select":
                self.select = field
        elif tag == "option" and self.select is not None:
            self.select["options"].append(a.get("value", ""))

    def handle_endtag(self, tag):
        if tag == "select":
            self.select = None
        if tag == "form" and self.in_form:
            self.in_form, self.done = False, True


def parse_form(body):
    f = Form()
    try:
        f.feed(body.decode("utf-8", "replace"))
    except Exception:  # a broken page is judged elsewhere
        pass
    return f.fields


def set_cookie_value(response, name):
    for v in response.all("set-cookie"):
        k, _, rest = v.partition("=")
        if k.strip() == name:
            return rest.split(";", 1)[0].strip()
    return None


def enc(pairs):
    """urlencodes [(name, value)], values may be bytes (sent percent-encoded as they are)."""
    out = []
    for k, v in pairs:
        k = k.encode() if isinstance(k, str) else k
        v = v.encode() if isinstance(v, str) else v
        out.append(urllib.parse.quote_from_bytes(k, safe="") + "=" + urllib.parse.quote_from_bytes(v, safe=""))
    return "&".join(out).encode()


FORM = "Content-Type: application/x-www-form-urlencoded"


class Fuzzer:
    def __init__(self, opts):
        self.opts = opts
        self.rng = random.Random(opts.seed)
        self.client = Client(opts.base, opts.timeout)
        self.requests = 0
        self.by_status = {}
        self.failures = []
        self.tally = {}  # kind -> {"requests", "failures", "statuses"}
        self.csrf = None
        self.flooding = False
        self.notes = []
        self.start = time.time()

    # --- judging --------------------------------------------------------------------------------
    def fail(self, kind, what, why, response=None):
        t = self.tally.setdefault(kind, {"requests": 0, "failures": 0, "statuses": {}})
        t["failures"] += 1
        entry = {"kind": kind, "request": what[:200], "status": response.label() if response else None, "why": why[:300]}
        self.failures.append(entry)
        if t["failures"] <= 5:
            print(f"FAIL [{kind}] {entry['request']} → {entry['status']}: {entry['why']}", flush=True)

    def judge(self, kind, what, r, expected=None, closed_ok=False, token=None, no_200=False, server_errors_ok=frozenset()):
        """Counts the response and checks it; expected is a set of statuses (None: any but 5xx)."""
        self.requests += 1
        label = r.label()
        self.by_status[label] = self.by_status.get(label, 0) + 1
        t = self.tally.setdefault(kind, {"requests": 0, "failures": 0, "statuses": {}})
        t["requests"] += 1
        t["statuses"][label] = t["statuses"].get(label, 0) + 1
        if r.status is None:
            if not (closed_ok and (r.error in ("closed", "reset") or closed_ok == "any")):
                self.fail(kind, what, f"no response ({r.error})", r)
            return r
        if 500 <= r.status <= 599 and r.status not in FIVE_XX_OK | server_errors_ok:
            self.fail(kind, what, f"server error {r.status} {r.reason}: {r.body[:200]!r}", r)
            return r
        allowed = {429, 503} if not (self.opts.no_429_before_flood and not self.flooding) else {503}
        if expected is not None and r.status not in expected and r.status not in allowed:
            self.fail(kind, what, f"status {r.status}, expected {statuses_text(expected)}", r)
        if r.status == 429 and self.opts.no_429_before_flood and not self.flooding:
            self.fail(kind, what, "rate limited before the flood (--no-429-before-flood)", r)
        if no_200 and 200 <= r.status < 300:
            self.fail(kind, what, "accepted: a request with a defect got 2xx (it may have been recorded)", r)
        if r.body or (r.header("content-length") or "0") != "0":
            csp = r.header("content-security-policy")
            if not csp:
                self.fail(kind, what, "no Content-Security-Policy", r)
            if (r.header("referrer-policy") or "").lower() != "no-referrer":
                self.fail(kind, what, f"Referrer-Policy is {r.header('referrer-policy')!r}, not no-referrer", r)
            if (r.header("x-content-type-options") or "").lower() != "nosniff":
                self.fail(kind, what, f"X-Content-Type-Options is {r.header('x-content-type-options')!r}, not nosniff", r)
        if token is None:
            token = bool(TOKEN_PATH.match(what.split(" ", 1)[1] if " " in what else what))
        if token and (r.status < 400 or r.status == 422) and "no-store" not in (r.header("cache-control") or "").lower():
            self.fail(kind, what, f"a token page without Cache-Control: no-store (got {r.header('cache-control')!r})", r)
        for leak in LEAKS:
            if leak in r.body:
                self.fail(kind, what, f"the body shows {leak.decode()!r}", r)
        return r

    def send(self, kind, method, path, body=None, headers=(), cookie=None, expected=None, closed_ok=False, no_200=False,
             head=False, **kw):
        what = f"{method} {path if isinstance(path, str) else path.decode('latin-1')}"[:200]
        raw = self.client.build(method, path, headers, body, cookie, **kw)
        r = self.client.exchange(raw, head=head or method == "HEAD")
        return self.judge(kind, what, r, expected, closed_ok, no_200=no_200)

    def post_form(self, kind, path, pairs, csrf="valid", expected=None, no_200=False, extra_headers=(), body=None):
        """A POST with the csrf cookie and field as asked: valid, none, cookie-only, field-only, mismatch."""
        token = self.csrf
        cookie = None
        fields = list(pairs)
        if csrf in ("valid", "cookie-only", "mismatch"):
            cookie = f"csrf={token}"
        if csrf == "valid":
            fields = [("csrf", token)] + fields
        elif csrf in ("field-only",):
            fields = [("csrf", token)] + fields
        elif csrf == "mismatch":
            fields = [("csrf", token[::-1] + "x")] + fields
        return self.send(kind, "POST", path, enc(fields) if body is None else body, [FORM, *extra_headers], cookie, expected,
                         no_200=no_200)

    # --- the cases ------------------------------------------------------------------------------
    def known_pages(self):
        kind = "known pages"
        r = self.send(kind, "GET", "/", expected={200})
        if r.status != 200:
            return False
        self.send(kind, "GET", "/progress/", expected={200})
        r = self.send(kind, "GET", "/style.css", expected={200})
        if r.status == 200 and not (r.header("content-type") or "").startswith("text/css"):
            self.fail(kind, "GET /style.css", f"Content-Type {r.header('content-type')!r}, not text/css", r)
        self.send(kind, "HEAD", "/", expected={200})
        r = self.send(kind, "GET", "/respond", expected={200})
        self.csrf = set_cookie_value(r, "csrf")
        field = next((f["value"] for f in parse_form(r.body) if f["name"] == "csrf"), None)
        if self.csrf and field and field != self.csrf:
            self.notes.append("GET /respond: the form's csrf field is not the cookie's value (a signed token?); using the cookie's")
        if not self.csrf:
            self.csrf = field or "fuzz" + os.urandom(12).hex()
            self.notes.append("GET /respond set no csrf cookie; using " + ("the form's field" if field else "a made-up token"))
        self.send(kind, "GET", "/enquiries/new", expected={200})
        return True

    def random_path(self):
        rng = self.rng
        segments = ["respond", "stop", "enquiries", "new", "progress", "style.css", "responses.csv", "", ".", "..", "%2e",
                    "%00", "%ff", "a" * rng.randint(1, 300), "\u00e9", "%c3%a9", "~", "*", "%", "?", "#", ";", "x;y=z",
                    "index.html", ".git", "..%2f", "%2F", "+", " ", "\t"]
        n = rng.randint(0, 6)
        path = "/" + "/".join(rng.choice(segments) if rng.random() < 0.7 else
                              "".join(chr(rng.randint(33, 126)) for _ in range(rng.randint(1, 20))) for _ in range(n))
        if rng.random() < 0.2:
            path += "?" + "&".join(f"{rng.choice(['a', 'code', 'csrf', 'x'])}={rng.randint(0, 99)}" for _ in range(rng.randint(1, 4)))
        return path.replace(" ", "%20").replace("\t", "%09").replace("#", "%23")

    def random_paths(self, n):
        kind = "random paths and methods"
        methods = ["GET", "GET", "GET", "POST", "HEAD", "PUT", "DELETE", "PATCH", "OPTIONS", "FOO", "get", "M-SEARCH"]
        for _ in range(n):
            method = self.rng.choice(methods)
            body = os.urandom(self.rng.randint(0, 200)) if method in ("POST", "PUT", "PATCH") else None
            self.send(kind, method, self.random_path(), body, closed_ok=method in ("FOO", "get", "M-SEARCH"))

    def traversal(self):
        kind = "path traversal"
        paths = ["/../../../../etc/passwd", "/progress/../../../etc/passwd", "/progress/..%2f..%2f..%2fetc%2fpasswd",
                 "/progress/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "/style.css/../../Package.swift", "/progress/....//....//etc/passwd",
                 "/progress/..\\..\\..\\etc\\passwd", "/%2e%2e/%2e%2e/etc/passwd", "/progress/%252e%252e%252fetc%252fpasswd",
                 "/progress/..%00.csv", "/progress/%00", "/progress/x.csv%00.html", "/progress/../Package.swift",
                 "/progress/..%5c..%5cPackage.swift", "//etc/passwd", "/progress//etc/passwd", "/progress/%2fetc%2fpasswd",
                 "/progress/..%c0%af..%c0%afetc/passwd", "/progress/%u002e%u002e/etc/passwd", "/./././etc/passwd",
                 "/progress/.git/config", "/.git/config", "/.build/debug.yaml", "/Package.swift", "/progress/../../../proc/self/environ",
                 "http://127.0.0.1/etc/passwd", "/progress/responses.csv/..%2f..%2f..%2fetc%2fpasswd"]
        expected = {200, 400, 403, 404, 405, 414} | REDIRECTS
        for p in paths:
            r = self.send(kind, "GET", p, expected=expected)
            if r.status == 200 and p not in ("/./././etc/passwd",) and "etc" in p and b"<html" not in r.body.lower()[:500]:
                self.fail(kind, f"GET {p}", "200 with a body that is not a page", r)

    def overlong(self):
        kind = "overlong paths and headers"
        self.send(kind, "GET", "/" + "a" * 8000)
        self.send(kind, "GET", "/respond/" + "k" * 8000, expected=FOURXX)
        self.send(kind, "GET", "/" + "a" * 100_000, expected={400, 404, 414, 431}, closed_ok=True)
        self.send(kind, "GET", "/progress/" + "%41" * 40_000 + ".csv", expected={400, 404, 414, 431}, closed_ok=True)
        self.send(kind, "GET", "/", headers=["X-Long: " + "b" * 8000])
        self.send(kind, "GET", "/", headers=["X-Long: " + "b" * 200_000], expected={400, 413, 431}, closed_ok=True)
        self.send(kind, "GET", "/", cookie="csrf=" + "c" * 60_000, expected={200, 400, 413, 431}, closed_ok=True)
        self.send(kind, "GET", "/", headers=[f"X-H{i}: {i}" for i in range(200)], closed_ok=True)
        self.send(kind, "GET", "/", headers=[f"X-H{i}: {i}" for i in range(5000)], expected={400, 413, 431}, closed_ok=True)
        self.send(kind, "GET", "/?" + "&".join(f"q{i}=1" for i in range(5000)), expected={200, 400, 414, 431}, closed_ok=True)

    def body_limit(self):
        kind = "bodies over 64 KiB"
        pad = [("csrf", self.csrf), ("code", "X" * (LIMIT + 1))]
        self.send(kind, "POST", "/respond", enc(pad), [FORM], f"csrf={self.csrf}", expected={413}, closed_ok=True)
        self.send(kind, "POST", "/enquiries/new", enc([("csrf", self.csrf), ("text", "t" * (LIMIT + 1))]), [FORM],
                  f"csrf={self.csrf}", expected={413}, closed_ok=True)
        # 10 MiB streamed, Content-Length declared: the portal should answer 413 (or close) long before the end.
        total = 10 << 20
        head = self.client.build("POST", "/respond", [FORM, f"Content-Length: {total}"], None, f"csrf={self.csrf}")
        first = f"csrf={self.csrf}&code=".encode()
        chunks = [first] + [b"Z" * 65536] * ((total - len(first)) // 65536) + [b"Z" * ((total - len(first)) % 65536)]
        r = self.client.exchange(head, chunks=chunks, timeout=max(self.opts.timeout, 20))
        self.judge(kind, "POST /respond (10 MiB streamed)", r, {413}, closed_ok=True)
        # 1 MiB chunked, no Content-Length.
        head = self.client.build("POST", "/respond", [FORM, "Transfer-Encoding: chunked"], None, f"csrf={self.csrf}")
        chunks = [b"10000\r\n" + b"Y" * 65536 + b"\r\n"] * 16 + [b"0\r\n\r\n"]
        r = self.client.exchange(head, chunks=chunks, timeout=max(self.opts.timeout, 20))
        self.judge(kind, "POST /respond (1 MiB chunked)", r, {400, 411, 413}, closed_ok=True)
        # Declared over the limit, nothing sent: refused without waiting for the body.
        raw = self.client.build("POST", "/respond", [FORM, f"Content-Length: {LIMIT * 4}"], None, f"csrf={self.csrf}")
        r = self.client.exchange(raw, timeout=self.opts.timeout)
        self.judge(kind, "POST /respond (256 KiB declared, none sent)", r, {413}, closed_ok=True)

    def urlencoded(self):
        kind = "malformed urlencoded bodies"
        t = self.csrf
        bodies = [b"%", b"%zz", b"csrf=" + t.encode() + b"&code=%", b"=&=&&&", b"code", b"csrf=" + t.encode() + b"&code=%ff%fe",
                  b"csrf=" + t.encode() + b"&code=\xff\xfe\x00", b"csrf=" + t.encode() + b"&code=" + b"a" * 60000,
                  b"csrf=" + t.encode() + b"&" + b"&".join(b"f%d=%d" % (i, i) for i in range(5000)),
                  b"csrf=" + t.encode() + b"&a[b][c][d][e][f]=1", b"csrf=" + t.encode() + b"&csrf=other&code=zz",
                  b"csrf=%" + t.encode() + b"&code=1", b"csrf=" + t.encode() + b"&code=%u0041", b"csrf=" + t.encode() + b"&&&&code",
                  b"csrf=" + t.encode() + b";code=1", b"\x00\x01\x02", os.urandom(300), b"csrf=" + t.encode() + b"&code=+%2B+"]
        for path in ("/respond", "/enquiries/new"):
            for b in bodies:
                self.send(kind, "POST", path, b, [FORM], f"csrf={t}", expected=FOURXX, no_200=True)

    def utf8(self):
        kind = "invalid UTF-8 and percent-encodings"
        paths = [b"/respond/%ff", b"/respond/%c0%af", b"/progress/%e2%82.csv", b"/%", b"/%%", b"/%zz", b"/respond/\xff\xfe",
                 b"/stop/%ff%fe", b"/enquiries/%00/%00", b"/enquiries/\xc3(/\xa0\xa1", b"/progress/\xed\xa0\x80.csv",
                 b"/respond/%ed%a0%80", b"/stop/%", b"/respond/%2", b"/\xf0\x28\x8c\x28", b"/progress/%c3%a9.csv"]
        for p in paths:
            self.send(kind, "GET", p, expected={400, 404}, closed_ok=any(c > 127 for c in p))
        for p in ("/respond", "/enquiries/new"):
            self.send(kind, "POST", p, b"csrf=" + self.csrf.encode() + b"&name=\xff\xfe&code=\xc3\x28&text=\xed\xa0\x80&reply_by=fax",
                      [FORM], f"csrf={self.csrf}", expected=FOURXX, no_200=True)
        self.send(kind, "GET", "/", cookie=b"csrf=\xff\xfe\x00", closed_ok=True)

    def content_types(self):
        kind = "wrong content types"
        body = enc([("csrf", self.csrf), ("code", "NOT-A-CODE")])
        types = ["Content-Type: application/json", "Content-Type: multipart/form-data; boundary=zz", "Content-Type: text/plain",
                 None, "Content-Type: application/x-www-form-urlencoded; charset=latin1", "Content-Type: ;;;", "Content-Type: \x7f",
                 "Content-Type: application/x-www-form-urlencoded", "Content-Type: application/xml"]
        for ct in types:
            for path in ("/respond", "/enquiries/new"):
                self.send(kind, "POST", path, body, [ct] if ct else [], f"csrf={self.csrf}", expected=FOURXX | {415}, no_200=True)
        self.send(kind, "POST", "/respond", json.dumps({"csrf": self.csrf, "code": "x"}).encode(), ["Content-Type: application/json"],
                  f"csrf={self.csrf}", expected=FOURXX, no_200=True)

    def csrf_cases(self, path, pairs, kind="missing or wrong csrf", expected=frozenset({403})):
        for mode in ("none", "cookie-only", "field-only", "mismatch"):
            self.post_form(kind, path, pairs, csrf=mode, expected=set(expected), no_200=True)
        # Empty cookie and empty field: equal, but no token.
        self.send(kind, "POST", path, enc([("csrf", "")] + list(pairs)), [FORM], "csrf=", expected=set(expected), no_200=True)
        # The right value under another cookie name, and the cookie twice.
        self.send(kind, "POST", path, enc([("csrf", self.csrf)] + list(pairs)), [FORM], f"xcsrf={self.csrf}", expected=set(expected),
                  no_200=True)
        self.send(kind, "POST", path, enc([("csrf", "third")] + list(pairs)), [FORM], f"csrf={self.csrf}; csrf=second",
                  expected=set(expected) | {400}, no_200=True)

    def csrf_routes(self):
        self.csrf_cases("/respond", [("code", "NOT-A-CODE")])
        self.csrf_cases("/enquiries/new", [("submission", "fz" + os.urandom(8).hex()), ("name", "Fuzz"), ("reply_by", "email"),
                                           ("reply_to", "fuzz@example.invalid"), ("text", "fuzz")])
        fake = "fz" + os.urandom(10).hex()
        self.csrf_cases(f"/respond/{fake}", [("submission", fake), ("q1", "1")], expected={403, 404})
        self.csrf_cases(f"/stop/{fake}", [("action", "stop")], expected={403, 404})
        kind = "missing or wrong csrf"
        for body in (b"List-Unsubscribe=One-Click", b"List-Unsubscribe=Nope", b"List-Unsubscribe"):
            self.send(kind, "POST", f"/stop/{fake}", body, [FORM], None, expected={400, 403, 404, 422}, no_200=True)
        self.send(kind, "GET", f"/enquiries/{fake}/{fake}", expected={404})
        self.send(kind, "GET", f"/respond/{fake}", expected={404})
        self.send(kind, "GET", f"/stop/{fake}", expected={404})

    def methods(self):
        kind = "HEAD, OPTIONS, TRACE and other methods"
        for path in ("/", "/style.css", "/progress/", "/respond"):
            r = self.send(kind, "HEAD", path, expected={200})
            if r.body:
                self.fail(kind, f"HEAD {path}", "HEAD answered with a body", r)
            self.send(kind, "OPTIONS", path, expected={200, 204, 400, 404, 405})
            r = self.send(kind, "TRACE", path, headers=["X-Fuzz-Echo: trace-marker-7f3a"], expected={400, 404, 405}, closed_ok=True)
            if b"trace-marker-7f3a" in r.body:
                self.fail(kind, f"TRACE {path}", "TRACE echoed the request (cross-site tracing)", r)
            for m in ("PUT", "DELETE", "PATCH"):
                self.send(kind, m, path, b"x=1", [FORM], expected={400, 403, 404, 405})
        self.send(kind, "OPTIONS", "*", expected={200, 204, 400, 404, 405}, closed_ok=True)
        self.send(kind, "CONNECT", "127.0.0.1:22", expected={400, 404, 405}, closed_ok=True)
        self.send(kind, "POST", "/style.css", b"x=1", [FORM], expected={400, 403, 404, 405})
        self.send(kind, "POST", "/", b"x=1", [FORM], expected={400, 403, 404, 405})
        self.send(kind, "POST", "/progress/", b"x=1", [FORM], expected={400, 403, 404, 405})

    def protocol(self):
        kind = "protocol oddities"
        c = self.client
        cases = [
            ("HTTP/1.0 without Host", b"GET / HTTP/1.0\r\n\r\n", {200, 400}),
            ("HTTP/1.1 without Host", c.build("GET", "/", host=False), None),
            ("two Host headers", c.build("GET", "/", ["Host: other.invalid"]), None),
            ("two different Content-Lengths", c.build("POST", "/respond", [FORM, "Content-Length: 3", "Content-Length: 30"], b"a=1",
                                                         content_length=False), FOURXX),
            ("Content-Length with chunked", c.build("POST", "/respond", [FORM, "Content-Length: 5", "Transfer-Encoding: chunked"],
                                                     b"0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n", content_length=False), FOURXX),
            ("bad chunk size", c.build("POST", "/respond", [FORM, "Transfer-Encoding: chunked"], b"zz\r\nabc\r\n0\r\n\r\n",
                                       content_length=False), FOURXX),
            ("negative Content-Length", c.build("POST", "/respond", [FORM, "Content-Length: -1"], b"", content_length=False), FOURXX),
            ("Content-Length overflowing", c.build("POST", "/respond", [FORM, "Content-Length: 99999999999999999999999"], b"",
                                                   content_length=False), FOURXX),
            ("header without a colon", c.build("GET", "/", ["NoColonHere"]), None),
            ("NUL in a header", c.build("GET", "/", ["X-A: a\x00b"]), None),
            ("space before the colon", c.build("GET", "/", ["X-A : b"]), None),
            ("obsolete line folding", c.build("GET", "/", ["X-A: a", " folded"]), None),
            ("HTTP/2 preface", b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", FOURXX),
            ("HTTP/3.0 request line", b"GET / HTTP/3.0\r\nHost: x\r\n\r\n", FOURXX),
            ("no version", b"GET /\r\n\r\n", FOURXX),
            ("garbage", os.urandom(64) + b"\r\n\r\n", FOURXX),
            ("bare LF", b"GET / HTTP/1.1\nHost: x\nConnection: close\n\n", None),
            ("absolute-form URI", c.build("GET", f"http://{c.hostport}/"), None),
            ("Expect: 100-continue over the limit", c.build("POST", "/respond", [FORM, "Expect: 100-continue",
                                                                                 f"Content-Length: {LIMIT * 2}"], None), {413, 417}),
        ]
        for name, raw, expected in cases:
            r = c.exchange(raw)
            # 505 HTTP Version Not Supported is a right answer to another version than 1.x.
            versions = {505} if name.startswith("HTTP/") and "HTTP/1" not in name else set()
            # To what is not HTTP/1.x, an answer that is not HTTP/1.x either (HTTP/0.9 style, or none) is taken too.
            not_http1 = name in ("no version", "garbage") or bool(versions)
            self.judge(kind, name, r, expected | versions if expected else expected, closed_ok="any" if not_http1 else True,
                       server_errors_ok=versions)

    def slow(self):
        kind = "slow partial requests"
        c = self.client
        held = []
        for i in range(8):
            try:
                s = c.connect(self.opts.timeout)
                s.sendall(b"POST /respond HTTP/1.1\r\nHost: " + c.hostport.encode() + b"\r\n")
                held.append(s)
            except OSError as e:
                self.notes.append(f"slow: connection {i} refused: {e}")
        deadline = time.time() + self.opts.slow_seconds
        closed = 0
        n = 0
        while time.time() < deadline and held:
            for s in list(held):
                try:
                    s.sendall(b"X-S%d: %d\r\n" % (n, n))
                except OSError:
                    closed += 1
                    held.remove(s)
            n += 1
            r = c.exchange(c.build("GET", "/"), timeout=5)
            self.judge(kind, "GET / while slow requests are held", r, {200})
            time.sleep(0.3)
        # A body declared and never finished.
        try:
            s = c.connect(self.opts.timeout)
            s.sendall(c.build("POST", "/respond", [FORM, "Content-Length: 100"], None, f"csrf={self.csrf}") + b"csrf=")
            held.append(s)
        except OSError:
            pass
        r = c.exchange(c.build("GET", "/"), timeout=5)
        self.judge(kind, "GET / beside an unfinished body", r, {200})
        for s in held:
            s.close()
        if closed:
            self.notes.append(f"slow: the portal closed {closed} of 8 slow partial requests within {self.opts.slow_seconds:g} s")

    # --- real form handlers ---------------------------------------------------------------------
    def respond_key(self, key):
        kind = "respond form with bad fields"
        path = f"/respond/{key}"
        r = self.send(kind, "GET", path, expected={200})
        if r.status != 200:
            self.notes.append(f"GET {path} answered {r.label()}: the real questionnaire was not fuzzed")
            return
        cookie = set_cookie_value(r, "csrf") or self.csrf
        saved, self.csrf = self.csrf, cookie
        fields = parse_form(r.body)
        radios = {}
        for f in fields:
            if f["type"] in ("radio",):
                radios.setdefault(f["name"], []).append(f["value"])
        for f in fields:
            if f["tag"] == "select" and f["options"]:
                radios.setdefault(f["name"], []).extend(f["options"])
        submission = next((f["value"] for f in fields if f["name"] == "submission"), None) or "fz" + os.urandom(8).hex()
        valid = [("submission", submission)]
        for name, values in radios.items():
            valid.append((name, self.rng.choice([v for v in values if v] or values)))
        for f in fields:
            if f["tag"] == "textarea" or (f["tag"] == "input" and f["type"] in ("text", "number", "email", "tel")):
                valid.append((f["name"], "fuzz"))
        # A csrf that does not match, with answers that are otherwise right: refused, nothing recorded.
        self.csrf_cases(path, valid, kind=kind, expected={403})
        if not radios:
            self.notes.append(f"{path}: the form has no radio or select question; only csrf cases were sent with its fields")
            self.csrf = saved
            return
        question = sorted(radios)

        def bad_value(name):
            allowed = set(radios[name])
            # Not "" or " ": an empty value is no answer, which an optional question allows.
            choices = ["99", "-1", "0", "abc", "1.5", "1e3", "٣", "\u0000", "１", "4 ", "%", "null",
                       "x" * 5000, "<script>", "1;2"]
            return next(v for v in self.rng.sample(choices, len(choices)) if v not in allowed)

        for i in range(max(30, len(question) * 6)):
            name = self.rng.choice(question)
            pairs = [(k, v) for k, v in valid if k != name] + [(name, bad_value(name))]
            mutation = self.rng.choice(["none", "no submission", "long submission", "unknown field", "updates", "utf8", "duplicate",
                                        "empty text", "reorder"])
            if mutation == "no submission":
                pairs = [(k, v) for k, v in pairs if k != "submission"]
            elif mutation == "long submission":
                pairs = [(k, "s" * 3000 if k == "submission" else v) for k, v in pairs]
            elif mutation == "unknown field":
                pairs.append((f"q{self.rng.randint(50, 9999)}", "1"))
            elif mutation == "updates":
                pairs.append(("updates", self.rng.choice(["maybe", "", "YES", "yes&no"])))
            elif mutation == "utf8":
                pairs.append((self.rng.choice([k for k, _ in valid]), b"\xff\xfe\xc3("))
            elif mutation == "duplicate":
                pairs.append((name, bad_value(name)))
            elif mutation == "reorder":
                self.rng.shuffle(pairs)
            body = enc([("csrf", cookie)] + pairs)
            if mutation == "utf8":  # raw invalid bytes too, not only percent-encoded
                body += b"&" + name.encode() + b"=\xff"
            self.send(kind, "POST", path, body, [FORM], f"csrf={cookie}", expected={400, 413, 422}, no_200=True)
        self.csrf = saved

    def stop_key(self, key):
        kind = "stop form with bad fields"
        path = f"/stop/{key}"
        r = self.send(kind, "GET", path, expected={200})
        if r.status != 200:
            self.notes.append(f"GET {path} answered {r.label()}: the real stop form was not fuzzed")
            return
        cookie = set_cookie_value(r, "csrf") or self.csrf
        saved, self.csrf = self.csrf, cookie
        self.csrf_cases(path, [("action", "stop")], kind=kind, expected={403})
        for action in ["", "delete", "stopp", "stop\x00", "resume;stop", "\u0455top", "s", "x" * 5000, "0", "true"]:
            self.send(kind, "POST", path, enc([("csrf", cookie), ("action", action)]), [FORM], f"csrf={cookie}",
                      expected={400, 413, 422}, no_200=True)
        self.send(kind, "POST", path, enc([("csrf", cookie)]), [FORM], f"csrf={cookie}", expected={400, 422}, no_200=True)
        self.send(kind, "POST", path, b"csrf=" + cookie.encode() + b"&action=%ff%fe", [FORM], f"csrf={cookie}",
                  expected={400, 422}, no_200=True)
        # RFC 8058 bodies that are not exactly List-Unsubscribe=One-Click (no cookie, no csrf, as a mail client).
        for body in (b"List-Unsubscribe=One-Clic", b"List-Unsubscribe=", b"List-Unsubscribe", b"One-Click",
                     b"List-Unsubscribe=One-Click-Please", b"List-Unsubscribe=%ff", b"\xff\xfe", b""):
            self.send(kind, "POST", path, body, [FORM], None, expected={400, 403, 422}, no_200=True)
        self.csrf = saved

    # --- random mixes, the flood, the end ------------------------------------------------------
    def random_mix(self, seconds, max_requests):
        kind = "random mixes"
        end = time.time() + seconds
        count = 0
        rng = self.rng
        while time.time() < end and count < max_requests:
            count += 1
            choice = rng.random()
            if choice < 0.35:
                method = rng.choice(["GET", "HEAD", "POST", "OPTIONS", "DELETE"])
                self.send(kind, method, self.random_path(), os.urandom(rng.randint(0, 64)) if method == "POST" else None)
            elif choice < 0.75:
                path = rng.choice(["/respond", "/enquiries/new", f"/respond/fz{rng.randint(0, 1 << 40):x}",
                                   f"/stop/fz{rng.randint(0, 1 << 40):x}"])
                names = ["csrf", "code", "submission", "q1", "q2", "name", "reply_by", "reply_to", "text", "action", "updates", ""]
                pairs = [(rng.choice(names), rng.choice(["", "1", "email", "fax", "stop", "\u00e9", "%", "x" * rng.randint(0, 3000),
                                                         os.urandom(rng.randint(1, 20))])) for _ in range(rng.randint(0, 8))]
                mode = rng.choice(["none", "cookie-only", "field-only", "mismatch"])
                extra = [rng.choice(["X-Forwarded-For: 127.0.0.2", "Origin: http://evil.invalid", "Referer: http://evil.invalid/",
                                     "Accept: */*", "Accept-Language: cy"])] if rng.random() < 0.3 else []
                self.post_form(kind, path, pairs, csrf=mode, expected=FOURXX, no_200=True, extra_headers=extra)
            elif choice < 0.9:
                # The right csrf and random fields, on the routes where no field set can record anything.
                path = rng.choice(["/respond", f"/respond/fz{rng.randint(0, 1 << 40):x}", f"/stop/fz{rng.randint(0, 1 << 40):x}"])
                pairs = [(rng.choice(["code", "submission", "q1", "action", "x"]), os.urandom(rng.randint(0, 30)))
                         for _ in range(rng.randint(0, 5))]
                self.post_form(kind, path, pairs, csrf="valid", expected=FOURXX, no_200=True)
            else:
                header = rng.choice(["Cookie: " + "csrf=" * rng.randint(1, 50), "Content-Type: " + "x" * rng.randint(0, 500),
                                     "Range: bytes=0-1,2-3,4-5", "If-None-Match: *", "Accept-Encoding: gzip, br, zstd",
                                     "X-Forwarded-Proto: javascript:", "Host: "])
                self.send(kind, rng.choice(["GET", "POST"]), rng.choice(["/", "/respond", "/progress/", "/style.css"]), None,
                          [header], closed_ok=True)
        return count

    def flood(self, n):
        kind = "flood of POSTs"
        self.flooding = True
        first = None
        for i in range(n):
            r = self.send(kind, "POST", "/respond", enc([("code", "NOT-A-CODE")]), [FORM], None, expected={403, 422, 429})
            if r.status == 429:
                first = i + 1
                if not r.header("retry-after"):
                    self.notes.append("flood: the 429 has no Retry-After")
                # A few more: still limited.
                for _ in range(3):
                    self.send(kind, "POST", "/respond", enc([("code", "NOT-A-CODE")]), [FORM], None, expected={429})
                break
        if first is None:
            self.fail(kind, f"{n} POST /respond", f"no 429 after {n} POSTs from one client")
        else:
            self.notes.append(f"flood: first 429 after {first} POSTs in the flood")

    def end(self):
        kind = "still answering at the end"
        deadline = time.time() + 10
        while True:
            r = self.client.exchange(self.client.build("GET", "/"), timeout=5)
            if r.status == 200 or time.time() > deadline:
                break
            time.sleep(0.2)
        self.judge(kind, "GET /", r, {200})

    def run(self):
        o = self.opts
        if not self.known_pages():
            return False
        self.traversal()
        self.overlong()
        self.utf8()
        self.methods()
        self.protocol()
        self.content_types()
        self.csrf_routes()
        self.urlencoded()
        self.body_limit()
        self.random_paths(200)
        if o.respond_key:
            self.respond_key(o.respond_key)
        if o.stop_key:
            self.stop_key(o.stop_key)
        self.slow()
        self.random_mix(o.seconds, o.max_requests)
        if o.flood:
            self.flood(o.flood)
        self.end()
        return True


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base", default="http://127.0.0.1:8080", help="the portal's address (loopback only)")
    parser.add_argument("--seconds", type=float, default=10, help="how long the random mixes last (the fixed cases come first)")
    parser.add_argument("--max-requests", type=int, default=20000, help="at most this many random mixes")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--timeout", type=float, default=5, help="seconds to wait for each response")
    parser.add_argument("--flood", type=int, default=300, help="POSTs from one client in which a 429 must come (0: no flood)")
    parser.add_argument("--slow-seconds", type=float, default=3, help="how long slow partial requests are held")
    parser.add_argument("--respond-key", help="a family's questionnaire key: fuzz POST /respond/KEY with defective answers")
    parser.add_argument("--stop-key", help="a family's stop key: fuzz POST /stop/KEY with defective actions")
    parser.add_argument("--no-429-before-flood", action="store_true", help="a 429 before the flood is a failure")
    opts = parser.parse_args()
    if opts.seed is None:
        opts.seed = random.randrange(1 << 30)
    if opts.seconds < 0 or opts.seconds > 3600 or opts.flood < 0 or opts.flood > 100000:
        print("http_fuzz.py: --seconds must be 0–3600 and --flood 0–100000", file=sys.stderr)
        return 2
    try:
        fuzzer = Fuzzer(opts)
    except (ValueError, OSError) as e:
        print(f"http_fuzz.py: {e}", file=sys.stderr)
        return 2
    print(f"fuzzing {opts.base} (seed {opts.seed}, random mixes for {opts.seconds:g} s, flood {opts.flood})", flush=True)
    started = fuzzer.run()
    elapsed = time.time() - fuzzer.start
    if not started:
        print(f"http_fuzz.py: GET / on {opts.base} did not answer 200: is the portal running? {fuzzer.failures[:1]}", file=sys.stderr)
    print()
    print(f"{'kind':42} {'requests':>8} {'failed':>6}  statuses")
    for kind, t in fuzzer.tally.items():
        statuses = ", ".join(f"{k}×{v}" for k, v in sorted(t["statuses"].items()))
        print(f"{kind:42} {t['requests']:8} {t['failures']:6}  {statuses}")
    for note in fuzzer.notes:
        print(f"note: {note}")
    print(f"{fuzzer.requests} requests in {elapsed:.1f} s, {len(fuzzer.failures)} failures")
    shown, per_kind = [], {}
    for f in fuzzer.failures:  # the first 20 of each kind
        per_kind[f["kind"]] = per_kind.get(f["kind"], 0) + 1
        if per_kind[f["kind"]] <= 20:
            shown.append(f)
    print(json.dumps({"requests": fuzzer.requests, "failures": shown, "failures_total": len(fuzzer.failures),
                      "by_status": dict(sorted(fuzzer.by_status.items())), "seed": opts.seed, "elapsed_s": round(elapsed, 1),
                      "notes": fuzzer.notes}, separators=(",", ":")))
    if not started:
        return 2
    return 1 if fuzzer.failures else 0


if __name__ == "__main__":
    sys.exit(main())
