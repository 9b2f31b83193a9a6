#!/usr/bin/env python3
"""A stand-in for the family portal, for testing the tools that drive it (not the portal itself).

It keeps the portal's HTTP contract (README's family portal routes) on the standard library, with
families made up in memory: the same routes, the double-submit csrf cookie (SameSite=Strict), the
security headers, Cache-Control: no-store on token pages, the 64 KiB body limit (413), a rate limit
on POSTs per client (429, Retry-After), 4xx for bad input. http_fuzz.py, nginx_harness.py and the
wrk scripts are tried against it; the real portal's tests run them against the real thing.

Usage: portal_standin.py [--port N] [--families N] [--rate-limit N] [--rate-window S]
                         [--bug NAME ...] [--keys-file FILE]
--bug makes it wrong on purpose, to see a tool notice: 500-on-tilde (a path with ~ gets a 500),
no-nosniff-on-404, accept-bad-answers (records any answer), no-rate-limit, no-store-missing.
--keys-file writes one line per family: `respond_key stop_key code`.
Prints {"port", "pid", "respond_keys", "stop_keys", "codes"} when ready; GET /_standin/records
gives what was recorded ({"answers": N, "families_answered": N, "stops": N, "resumes": N, "enquiries": N}),
GET /_standin/headers the request's headers and peer address (to see what a proxy passed on). Serves until
SIGTERM or SIGINT, then prints {"stopped": pid}.
"""
import argparse
import collections
import html
import http.server
import json
import os
import re
import secrets
import signal
import sys
import threading
import time
import urllib.parse

LIMIT = 64 * 1024
QUESTIONS = ["How well do services listen to you?", "How easy is it to get help?", "How well is your child supported at school?"]
STYLE = b"body{font-family:sans-serif;max-width:40rem;margin:0 auto;padding:1rem;line-height:1.5}label,legend{display:block}\n"


class State:
    def __init__(self, families, rate_limit, rate_window, bugs):
        self.lock = threading.Lock()
        self.families = {}
        for _ in range(families):
            key, stop, code = secrets.token_urlsafe(16), secrets.token_urlsafe(16), secrets.token_hex(4).upper()
            self.families[key] = {"stop": stop, "code": code}
        self.stop_keys = {f["stop"]: k for k, f in self.families.items()}
        self.codes = {f["code"]: k for k, f in self.families.items()}
        self.records = {"answers": 0, "families_answered": 0, "stops": 0, "resumes": 0, "enquiries": 0}
        self.submissions = set()
        self.answered = set()
        self.enquiries = {}
        self.rate_limit, self.rate_window, self.bugs = rate_limit, rate_window, set(bugs)
        self.posts = collections.defaultdict(collections.deque)

    def allow_post(self, client):
        if "no-rate-limit" in self.bugs:
            return True
        now = time.monotonic()
        with self.lock:
            q = self.posts[client]
            while q and q[0] < now - self.rate_window:
                q.popleft()
            if len(q) >= self.rate_limit:
                return False
            q.append(now)
            return True


class BadRequest(Exception):
    def __init__(self, status, text):
        super().__init__(text)
        self.status, self.text = status, text


def parse_form(body):
    """application/x-www-form-urlencoded, strictly: UTF-8, every pair name=value, no name twice."""
    fields = {}
    if not body:
        return fields
    for pair in body.split(b"&"):
        if b"=" not in pair:
            raise BadRequest(400, "The form could not be read.")
        k, v = pair.split(b"=", 1)
        try:
            k = urllib.parse.unquote_to_bytes(k.replace(b"+", b" ")).decode("utf-8")
            v = urllib.parse.unquote_to_bytes(v.replace(b"+", b" ")).decode("utf-8")
        except UnicodeDecodeError:
            raise BadRequest(400, "The form could not be read.")
        if re.search(rb"%(?![0-9A-Fa-f]{2})", pair) or "\x00" in k + v:
            raise BadRequest(400, "The form could not be read.")
        if k in fields:
            raise BadRequest(400, "The form could not be read.")
        fields[k] = v
    return fields


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 5  # a slow client is dropped
    disable_nagle_algorithm = True  # the head and the body go in two writes: no 40 ms wait between them
    server_version = "portal-standin"
    sys_version = ""

    @property
    def state(self):
        return self.server.state

    def log_message(self, *args):
        pass

    def token_path(self):
        return bool(re.match(r"^/(respond|stop)/[^/?]+|^/enquiries/(?!new$)[^/?]+/[^/?]+", getattr(self, "path", "") or ""))

    def end_headers(self):
        self.send_header("Content-Security-Policy", "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'")
        self.send_header("Referrer-Policy", "no-referrer")
        if not ("no-nosniff-on-404" in self.state.bugs and getattr(self, "_status", 0) == 404):
            self.send_header("X-Content-Type-Options", "nosniff")
        if self.token_path() and "no-store-missing" not in self.state.bugs:
            self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def send_response(self, code, message=None):
        self._status = code
        super().send_response(code, message)

    def respond(self, status, body, content_type="text/html; charset=utf-8", headers=(), close=False):
        if isinstance(body, str):
            body = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def plain(self, status, text, **kw):
        self.respond(status, text + "\n", "text/plain; charset=utf-8", **kw)

    def cookie(self):
        jar = {}
        for part in (self.headers.get("Cookie") or "").split(";"):
            if "=" in part:
                k, v = part.strip().split("=", 1)
                jar.setdefault(k, v)
        return jar.get("csrf")

    def page(self, status, title, inner, headers=()):
        token = self.cookie() or secrets.token_urlsafe(24)
        headers = list(headers)
        if not self.cookie():
            headers.append(("Set-Cookie", f"csrf={token}; Path=/; HttpOnly; SameSite=Strict"))
        body = (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, '
                f'initial-scale=1"><title>{html.escape(title)}</title><link rel="stylesheet" href="/style.css"></head><body><main>'
                f'<h1>{html.escape(title)}</h1>{inner.replace("CSRF", html.escape(token))}</main></body></html>')
        self.respond(status, body, headers=headers)

    # --- GET ------------------------------------------------------------------------------------
    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        path = urllib.parse.urlsplit(self.path).path if self.path.startswith("/") else self.path
        if "~" in path and "500-on-tilde" in self.state.bugs:
            return self.plain(500, "Internal error.")
        if path == "/":
            return self.page(200, "Family portal", '<p><a href="/respond">Answer a questionnaire</a></p>')
        if path == "/style.css":
            return self.respond(200, STYLE, "text/css; charset=utf-8")
        if path == "/progress/":
            return self.page(200, "Progress", '<p><a href="/progress/responses.csv">Responses (CSV)</a></p>')
        if path == "/progress/responses.csv":
            return self.respond(200, f"answers\n{self.state.records['answers']}\n", "text/csv; charset=utf-8")
        if path == "/_standin/headers":
            return self.respond(200, json.dumps({k.lower(): v for k, v in self.headers.items()} | {"peer": self.client_address[0]}),
                                "application/json")
        if path == "/_standin/records":
            return self.respond(200, json.dumps(self.state.records), "application/json")
        if path == "/respond":
            return self.page(200, "Answer a questionnaire", '<form method="post" action="/respond"><input type="hidden" name="csrf" '
                             'value="CSRF"><label for="code">Your short code</label><input id="code" name="code">'
                             '<button>Continue</button></form>')
        if path == "/enquiries/new":
            return self.page(200, "Ask us", self.enquiry_form())
        m = re.fullmatch(r"/respond/([A-Za-z0-9_-]{1,64})", path)
        if m and m.group(1) in self.state.families:
            return self.page(200, "Your views", self.questionnaire(m.group(1)))
        m = re.fullmatch(r"/stop/([A-Za-z0-9_-]{1,64})", path)
        if m and m.group(1) in self.state.stop_keys:
            return self.page(200, "Stop messages", '<form method="post"><input type="hidden" name="csrf" value="CSRF">'
                             '<button name="action" value="stop">Stop messages</button>'
                             '<button name="action" value="resume">Start again</button></form>')
        m = re.fullmatch(r"/enquiries/([A-Za-z0-9_-]{1,64})/([A-Za-z0-9_-]{1,64})", path)
        if m and self.state.enquiries.get(m.group(1)) == m.group(2):
            return self.page(200, f"Enquiry {m.group(1)}", "<p>We have your enquiry.</p>")
        return self.plain(404, "Page not found. Check the address, or start again at /.")

    def questionnaire(self, key, error=None):
        qs = "".join(
            f'<fieldset><legend>{html.escape(q)}</legend>' +
            "".join(f'<input type="radio" id="q{i}-{v}" name="q{i}" value="{v}" required><label for="q{i}-{v}">{v}</label>'
                    for v in range(1, 6)) + "</fieldset>" for i, q in enumerate(QUESTIONS, 1))
        summary = f'<div role="alert"><h2>There is a problem</h2><p>{html.escape(error)}</p></div>' if error else ""
        return (f'{summary}<form method="post" action="/respond/{key}"><input type="hidden" name="csrf" value="CSRF">'
                f'<input type="hidden" name="submission" value="{secrets.token_urlsafe(12)}">{qs}'
                '<input type="checkbox" id="updates" name="updates" value="yes"><label for="updates">Send me updates</label>'
                '<button>Send answers</button></form>')

    @staticmethod
    def enquiry_form():
        return ('<form method="post" action="/enquiries/new"><input type="hidden" name="csrf" value="CSRF">'
                f'<input type="hidden" name="submission" value="{secrets.token_urlsafe(12)}">'
                '<label for="name">Name</label><input id="name" name="name"><fieldset><legend>Reply by</legend>' +
                "".join(f'<input type="radio" id="r-{v}" name="reply_by" value="{v}"><label for="r-{v}">{v}</label>'
                        for v in ("email", "sms", "letter")) +
                '</fieldset><label for="reply_to">Where to reply</label><input id="reply_to" name="reply_to">'
                '<label for="text">Your enquiry</label><textarea id="text" name="text"></textarea><button>Send</button></form>')

    # --- POST -----------------------------------------------------------------------------------
    def read_body(self):
        if self.headers.get("Transfer-Encoding"):
            raise BadRequest(411, "Send the form with a Content-Length.")
        lengths = self.headers.get_all("Content-Length") or []
        if len(lengths) != 1 or not lengths[0].strip().isdigit():
            raise BadRequest(400 if lengths else 411, "The request's length is missing or wrong.")
        n = int(lengths[0])
        if n > LIMIT:
            raise BadRequest(413, "The form is too large (64 KiB at most).")
        body = self.rfile.read(n)
        if len(body) < n:
            raise BadRequest(400, "The request ended early.")
        return body

    def do_POST(self):
        try:
            self.post()
        except BadRequest as e:
            self.plain(e.status, e.text, close=e.status in (400, 411, 413))

    def post(self):
        state = self.state
        if "~" in self.path and "500-on-tilde" in state.bugs:
            return self.plain(500, "Internal error.")
        if not state.allow_post(self.client_address[0]):
            body = self.read_body()
            return self.plain(429, "Too many forms sent from here: wait a minute and try again.", headers=[("Retry-After", "10")])
        body = self.read_body()
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        stop = re.fullmatch(r"/stop/([A-Za-z0-9_-]{1,64})", self.path)
        if stop and body == b"List-Unsubscribe=One-Click" and ctype == "application/x-www-form-urlencoded":
            if stop.group(1) not in state.stop_keys:
                return self.plain(404, "Page not found.")
            with state.lock:
                state.records["stops"] += 1
            return self.plain(200, "Messages stopped.")
        if ctype != "application/x-www-form-urlencoded":
            return self.plain(415 if ctype else 400, "Send the form as application/x-www-form-urlencoded.")
        fields = parse_form(body)
        cookie = self.cookie()
        if not cookie or fields.get("csrf") != cookie:
            return self.plain(403, "This form has expired. Go back, reload the page and try again.")
        if self.path == "/respond":
            key = state.codes.get(fields.get("code", "").strip().upper())
            if not key:
                return self.page(422, "Answer a questionnaire", '<div role="alert"><h2>There is a problem</h2><p>We do not know '
                                 'that code.</p></div><form method="post" action="/respond"><input type="hidden" name="csrf" '
                                 'value="CSRF"><label for="code">Your short code</label><input id="code" name="code">'
                                 '<button>Continue</button></form>')
            return self.respond(303, b"", headers=[("Location", f"/respond/{key}")])
        m = re.fullmatch(r"/respond/([A-Za-z0-9_-]{1,64})", self.path)
        if m:
            key = m.group(1)
            if key not in state.families:
                return self.plain(404, "Page not found.")
            answers = {k: v for k, v in fields.items() if re.fullmatch(r"q\d+", k)}
            ok = "accept-bad-answers" in state.bugs or (
                set(answers) <= {f"q{i}" for i in range(1, len(QUESTIONS) + 1)} and all(v in "12345" and len(v) == 1 for v in answers.values())
                and len(answers) == len(QUESTIONS) and 1 <= len(fields.get("submission", "")) <= 64
                and set(fields) <= {"csrf", "submission", "updates"} | set(answers) and fields.get("updates", "yes") == "yes")
            if not ok:
                return self.page(422, "Your views", self.questionnaire(key, "Answer every question with one of the choices."))
            with state.lock:
                if fields.get("submission") not in state.submissions:
                    state.submissions.add(fields.get("submission"))
                    state.records["answers"] += 1
                    state.answered.add(key)
                    state.records["families_answered"] = len(state.answered)
            return self.page(200, "Thank you", "<p>We have your answers.</p>")
        if stop:
            if stop.group(1) not in state.stop_keys:
                return self.plain(404, "Page not found.")
            action = fields.get("action")
            if action not in ("stop", "resume") or set(fields) != {"csrf", "action"}:
                return self.plain(422, "Choose stop or start again.")
            with state.lock:
                state.records["stops" if action == "stop" else "resumes"] += 1
            return self.page(200, "Done", f"<p>Messages {'stopped' if action == 'stop' else 'started again'}.</p>")
        if self.path == "/enquiries/new":
            if (fields.get("reply_by") not in ("email", "sms", "letter") or not fields.get("text", "").strip()
                    or not fields.get("reply_to", "").strip() or len(fields.get("text", "")) > 5000):
                return self.page(422, "Ask us", '<div role="alert"><h2>There is a problem</h2><p>Say how to reply and what you '
                                 'want to ask.</p></div>' + self.enquiry_form())
            ref, secret = secrets.token_hex(4), secrets.token_urlsafe(16)
            with state.lock:
                state.enquiries[ref] = secret
                state.records["enquiries"] += 1
            return self.page(200, "We have your enquiry", f'<p>Reference {ref}: <a href="/enquiries/{ref}/{secret}">your enquiry</a></p>')
        return self.plain(404, "Page not found.")

    def send_error(self, code, message=None, explain=None):
        # http.server says 501 to a method it has no do_ for; the portal says 405.
        super().send_error(405 if code == 501 else code, message, explain)

    def do_OTHER(self):
        # Read what was sent, so that a kept-alive connection (nginx's upstream) stays in step.
        length = self.headers.get("Content-Length") or "0"
        if length.isdigit() and int(length) <= LIMIT and not self.headers.get("Transfer-Encoding"):
            self.rfile.read(int(length))
            self.plain(405, "Method not allowed.")
        else:
            self.plain(405, "Method not allowed.", close=True)

    do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_TRACE = do_CONNECT = do_OTHER


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A client that went away (the fuzzer's slow requests, wrk at the end) is no error of the stand-in's.
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError, TimeoutError)):
            super().handle_error(request, client_address)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--families", type=int, default=3)
    parser.add_argument("--rate-limit", type=int, default=60, help="POSTs per client per window")
    parser.add_argument("--rate-window", type=float, default=10)
    parser.add_argument("--bug", action="append", default=[],
                        choices=["500-on-tilde", "no-nosniff-on-404", "accept-bad-answers", "no-rate-limit", "no-store-missing"])
    parser.add_argument("--keys-file")
    args = parser.parse_args()
    server = Server(("127.0.0.1", args.port), Handler)
    server.state = State(args.families, args.rate_limit, args.rate_window, args.bug)
    families = server.state.families
    if args.keys_file:
        with open(args.keys_file, "w") as f:
            for key, fam in families.items():
                f.write(f"{key} {fam['stop']} {fam['code']}\n")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    print(json.dumps({"port": server.server_address[1], "pid": os.getpid(), "respond_keys": list(families),
                      "stop_keys": [f["stop"] for f in families.values()], "codes": [f["code"] for f in families.values()]}), flush=True)
    stop.wait()
    server.shutdown()
    print(json.dumps({"stopped": os.getpid()}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
