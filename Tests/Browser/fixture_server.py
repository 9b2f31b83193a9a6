#!/usr/bin/env python3
"""A throwaway HTTP server for browser_flow.py's self-test: the fixtures, under the portal's strict CSP.

Serves Tests/Browser/fixtures/ on loopback with the headers the family portal sends
(Content-Security-Policy: default-src 'none'; style-src 'self' — no script at all —, Referrer-Policy:
no-referrer, X-Content-Type-Options: nosniff), sets a `csrf` cookie (SameSite=Strict) with every page,
and answers POST /answer like a portal form handler: 403 when the form's csrf field is not the
cookie, 422 when `code` is empty, else 303 to /thanks.html.

Usage: fixture_server.py [--port N]   (0, the default: a free port)
Prints {"port": N, "pid": N} when ready and serves until SIGTERM or SIGINT.
"""
import argparse
import http.server
import json
import os
import signal
import sys
import threading
import urllib.parse

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")
CSRF = "fixture-csrf-token"
SECURITY_HEADERS = {"Content-Security-Policy": "default-src 'none'; style-src 'self'",
                    "Referrer-Policy": "no-referrer", "X-Content-Type-Options": "nosniff"}


class Handler(http.server.SimpleHTTPRequestHandler):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, directory=FIXTURES, **kwargs)

    def end_headers(self):
        for k, v in SECURITY_HEADERS.items():
            self.send_header(k, v)
        self.send_header("Set-Cookie", f"csrf={CSRF}; Path=/; HttpOnly; SameSite=Strict")
        super().end_headers()

    def log_message(self, *args):
        pass

    def plain(self, status, text):
        body = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length > 65536:
            return self.plain(413, "Too large.\n")
        fields = urllib.parse.parse_qs(self.rfile.read(length).decode(errors="replace"))
        cookie = dict(p.strip().split("=", 1) for p in (self.headers.get("Cookie") or "").split(";") if "=" in p)
        if self.path != "/answer":
            return self.plain(404, "Not found.\n")
        if fields.get("csrf", [""])[0] != cookie.get("csrf") or not cookie.get("csrf"):
            return self.plain(403, "This form has expired. Go back, reload the page and try again.\n")
        if not fields.get("code", [""])[0].strip():
            return self.plain(422, "There is a problem: enter your short code.\n")
        self.send_response(303)
        self.send_header("Location", "/thanks.html")
        self.send_header("Content-Length", "0")
        self.end_headers()


def start(port=0):
    """The server, serving on a thread; .server_address[1] is its port."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    server = start(args.port)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    print(json.dumps({"port": server.server_address[1], "pid": os.getpid()}), flush=True)
    stop.wait()
    server.shutdown()
    print(json.dumps({"stopped": os.getpid()}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
