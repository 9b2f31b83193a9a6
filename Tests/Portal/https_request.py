#!/usr/bin/env python3
"""One HTTP(S) request, as a browser or a mail client would send it through the proxy; prints JSON.

Usage: https_request.py METHOD URL [--body TEXT] [--header 'Name: value' ...]
Certificates are not verified (the test's nginx has a self-signed one); redirects are not followed.
Prints {"status": N, "headers": {lower-case name: value}, "body": TEXT}.
"""
import argparse
import http.client
import json
import ssl
import urllib.parse

p = argparse.ArgumentParser()
p.add_argument("method")
p.add_argument("url")
p.add_argument("--body")
p.add_argument("--header", action="append", default=[])
a = p.parse_args()
u = urllib.parse.urlsplit(a.url)
if u.hostname not in ("127.0.0.1", "localhost", "::1"):
    raise SystemExit("loopback only")
if u.scheme == "https":
    conn = http.client.HTTPSConnection(u.hostname, u.port, timeout=15, context=ssl._create_unverified_context())
else:
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=15)
headers = {}
for h in a.header:
    k, v = h.split(":", 1)
    headers[k.strip()] = v.strip()
path = u.path + ("?" + u.query if u.query else "")
conn.request(a.method, path or "/", body=a.body.encode() if a.body is not None else None, headers=headers)
r = conn.getresponse()
body = r.read().decode("utf-8", "replace")
print(json.dumps({"status": r.status, "headers": {k.lower(): v for k, v in r.getheaders()}, "body": body}))
