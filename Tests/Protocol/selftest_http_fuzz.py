#!/usr/bin/env python3
"""Self-test of http_fuzz.py against Tests/Portal/portal_standin.py (a stand-in keeping the portal's contract).

1. A correct stand-in with a high rate limit: http_fuzz.py (with the families' respond and stop keys,
   --no-429-before-flood, no flood) exits 0 with no failure, and the stand-in recorded nothing.
2. A correct stand-in with its rate limit: the flood meets a 429; exit 0.
3. A stand-in wrong on purpose (a 500 on paths with ~, bad answers recorded, no nosniff on 404s,
   no Cache-Control: no-store on token pages, no rate limit): each is reported, exit 1.
4. Nothing listening: exit 2.
Usage: selftest_http_fuzz.py [--seconds S]
Prints one line per check and, last, 'N passed, N failed'; exits 1 when any check failed.
"""
import argparse
import json
import os
import socket
import subprocess
import sys
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
STANDIN = os.path.join(HERE, "..", "Portal", "portal_standin.py")
FUZZ = os.path.join(HERE, "http_fuzz.py")
passed = failed = 0


def check(name, condition, detail=""):
    global passed, failed
    if condition:
        passed += 1
        print(f"ok   {name}")
    else:
        failed += 1
        print(f"FAIL {name}: {str(detail)[:2000]}")


class Standin:
    def __init__(self, *args):
        self.process = subprocess.Popen([sys.executable, STANDIN, *args], stdout=subprocess.PIPE, text=True)
        self.ready = json.loads(self.process.stdout.readline())
        self.base = f"http://127.0.0.1:{self.ready['port']}"

    def records(self):
        with urllib.request.urlopen(self.base + "/_standin/records", timeout=5) as r:
            return json.load(r)

    def stop(self):
        self.process.terminate()
        self.process.wait(10)


def fuzz(base, *args, seconds=2):
    r = subprocess.run([sys.executable, FUZZ, "--base", base, "--seconds", str(seconds), "--seed", "7", *args],
                       capture_output=True, text=True, timeout=300)
    last = r.stdout.strip().splitlines()[-1] if r.stdout.strip() else "{}"
    try:
        result = json.loads(last)
    except ValueError:
        result = {"unparsed": r.stdout[-1500:]}
    return r.returncode, result, r.stdout + r.stderr


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=2)
    args = parser.parse_args()

    s = Standin("--rate-limit", "1000000")
    try:
        keys = ["--respond-key", s.ready["respond_keys"][0], "--stop-key", s.ready["stop_keys"][0]]
        code, out, text = fuzz(s.base, *keys, "--flood", "0", "--no-429-before-flood", seconds=args.seconds)
        check("correct stand-in: exit 0, no failure", code == 0 and out.get("failures") == [], text[-3000:])
        check("correct stand-in: the JSON line counts requests and statuses", out.get("requests", 0) > 500
              and sum(out.get("by_status", {}).values()) == out.get("requests"), out.get("by_status"))
        check("correct stand-in: the form handlers were reached (422s)", out.get("by_status", {}).get("422", 0) > 10, out.get("by_status"))
        check("correct stand-in: nothing recorded", s.records() == {"answers": 0, "families_answered": 0, "stops": 0, "resumes": 0, "enquiries": 0}, s.records())
        check("the summary names each kind", all(k in text for k in ("path traversal", "bodies over 64 KiB", "respond form with bad fields",
                                                                    "stop form with bad fields", "slow partial requests")), text[:2000])
    finally:
        s.stop()

    s = Standin("--rate-limit", "50", "--rate-window", "30")
    try:
        code, out, text = fuzz(s.base, "--flood", "100", seconds=0.5)
        check("rate limit: the flood meets a 429, exit 0", code == 0 and out.get("by_status", {}).get("429", 0) > 0, text[-2000:])
    finally:
        s.stop()

    s = Standin("--bug", "500-on-tilde", "--bug", "accept-bad-answers", "--bug", "no-nosniff-on-404", "--bug", "no-store-missing",
                "--bug", "no-rate-limit")
    try:
        keys = ["--respond-key", s.ready["respond_keys"][0], "--stop-key", s.ready["stop_keys"][0]]
        code, out, text = fuzz(s.base, *keys, "--flood", "100", seconds=args.seconds)
        whys = " | ".join(f["why"] for f in out.get("failures", []))
        check("wrong stand-in: exit 1", code == 1, text[-1000:])
        check("wrong stand-in: the 500 reported", "server error 500" in whys, whys[:1000])
        check("wrong stand-in: bad answers accepted reported", "accepted" in whys, whys[:1000])
        check("wrong stand-in: missing nosniff reported", "X-Content-Type-Options" in whys, whys[:1000])
        check("wrong stand-in: missing no-store reported", "no-store" in whys, whys[:1000])
        check("wrong stand-in: no 429 reported", "no 429 after 100 POSTs" in whys, whys[:1000])
    finally:
        s.stop()

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead = sock.getsockname()[1]
    code, out, text = fuzz(f"http://127.0.0.1:{dead}")
    check("nothing listening: exit 2 with a message", code == 2 and "is the portal running" in text, text[-500:])
    code, out, text = fuzz("http://192.0.2.1:8080")
    check("not loopback: refused, exit 2", code == 2 and "not a loopback address" in text, text[-500:])
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
