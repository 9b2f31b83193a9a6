#!/usr/bin/env python3
"""Makes the `key csrf` lines answers.lua posts: one GET /respond/<key> per family, its csrf cookie.

Usage: answers_file.py --base URL KEYS [> LINES]
KEYS has one family's questionnaire key first on each line (more columns are ignored). For each,
it gets /respond/<key> without a cookie, takes the `csrf` cookie the portal sets, checks that the
form's hidden csrf field is the same value, and prints `key csrf`. Loopback addresses only.
Exit 1 when a key's page is not 200 or has no csrf (it says which line), 2 on bad usage.
"""
import argparse
import http.client
import ipaddress
import re
import socket
import sys
import urllib.parse


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base", default="http://127.0.0.1:8080")
    parser.add_argument("keys")
    args = parser.parse_args()
    u = urllib.parse.urlsplit(args.base)
    if u.scheme != "http" or not u.hostname:
        print("answers_file.py: --base must be http://HOST:PORT", file=sys.stderr)
        return 2
    if not all(ipaddress.ip_address(a[4][0]).is_loopback for a in socket.getaddrinfo(u.hostname, u.port or 80)):
        print(f"answers_file.py: {u.hostname} is not a loopback address", file=sys.stderr)
        return 2
    connection = http.client.HTTPConnection(u.hostname, u.port or 80, timeout=10)
    with open(args.keys) as f:
        for number, line in enumerate(f, 1):
            if not line.split():
                continue
            key = line.split()[0]
            connection.request("GET", f"/respond/{urllib.parse.quote(key, safe='')}")
            r = connection.getresponse()
            body = r.read().decode("utf-8", "replace")
            cookie = next((m.group(1) for v in r.headers.get_all("Set-Cookie") or [] for m in [re.match(r"\s*csrf=([^;]*)", v)] if m), None)
            field = re.search(r'<input[^>]*name="csrf"[^>]*value="([^"]*)"|<input[^>]*value="([^"]*)"[^>]*name="csrf"', body)
            field = field and (field.group(1) or field.group(2))
            if r.status != 200 or not cookie:
                print(f"answers_file.py: line {number}: GET /respond/<key> answered {r.status}, csrf cookie {'set' if cookie else 'missing'}",
                      file=sys.stderr)
                return 1
            if field != cookie:
                print(f"answers_file.py: line {number}: the form's csrf field is not the cookie's value", file=sys.stderr)
                return 1
            print(f"{key} {cookie}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
