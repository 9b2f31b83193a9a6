#!/usr/bin/env python3
"""Self-test of the portal benchmark helpers against Tests/Portal/portal_standin.py.

answers_file.py makes the `key csrf` lines; wrk with answers.lua (2 threads, 8 connections) posts
each line exactly once (its JSON: sent = lines, every status 200; the stand-in: that many families
answered, each once); a mismatched THREADS is refused; static-nginx.py serves the stand-in's
progress page bytes, and wrk against it and against the stand-in gets 200s only.
Usage: selftest_portal_bench.py
Prints one line per check and, last, 'N passed, N failed'; exits 1 when any check failed.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
STANDIN = os.path.join(HERE, "..", "..", "Tests", "Portal", "portal_standin.py")
passed = failed = 0


def check(name, condition, detail=""):
    global passed, failed
    if condition:
        passed += 1
        print(f"ok   {name}")
    else:
        failed += 1
        print(f"FAIL {name}: {str(detail)[:1500]}")


def wrk(*args):
    r = subprocess.run(["wrk", *args], capture_output=True, text=True, timeout=120)
    return r.returncode, r.stdout + r.stderr


def main():
    if not shutil.which("wrk") or not shutil.which("nginx"):
        print("selftest_portal_bench.py: wrk and nginx are needed: apt-get install -y wrk nginx (deploy/bench installs them)")
        print("0 passed, 1 failed")
        return 1
    work = tempfile.mkdtemp(prefix="spb-portal-bench-")
    keys = os.path.join(work, "keys.txt")
    standin = subprocess.Popen([sys.executable, STANDIN, "--families", "257", "--rate-limit", "1000000", "--keys-file", keys],
                               stdout=subprocess.PIPE, text=True)
    static = None
    try:
        base = f"http://127.0.0.1:{json.loads(standin.stdout.readline())['port']}"
        lines = os.path.join(work, "lines.txt")
        with open(lines, "w") as out:
            r = subprocess.run([sys.executable, os.path.join(HERE, "answers_file.py"), "--base", base, keys], stdout=out,
                               stderr=subprocess.PIPE, text=True, timeout=120)
        made = open(lines).read().split("\n")[:-1]
        check("answers_file.py: one `key csrf` line per family", r.returncode == 0 and len(made) == 257
              and all(len(line.split()) == 2 for line in made), (r.returncode, r.stderr, made[:2]))
        code, text = wrk("-t2", "-c8", "-d5s", "-s", os.path.join(HERE, "answers.lua"), base, "--", lines, "2", "q1=4&q2=3&q3=5")
        result = json.loads(text.strip().splitlines()[-1]) if code == 0 else {}
        check("answers.lua: every line sent once, every answer 200", result.get("lines") == 257 and result.get("sent") == 257
              and result.get("statuses") == {"200": 257} and result.get("unused_lines") == 0, text[-800:])
        with urllib.request.urlopen(base + "/_standin/records") as resp:
            records = json.load(resp)
        check("the stand-in: 257 families answered, once each", records["answers"] == 257 and records["families_answered"] == 257, records)
        code, text = wrk("-t3", "-c3", "-d1s", "-s", os.path.join(HERE, "answers.lua"), base, "--", lines, "2")
        check("answers.lua: more wrk threads than THREADS refused", code != 0 and "pass the same number as -t" in text, text[-400:])

        page = os.path.join(work, "progress.html")
        with urllib.request.urlopen(base + "/progress/") as resp, open(page, "wb") as f:
            f.write(resp.read())
        static = subprocess.Popen([sys.executable, os.path.join(HERE, "static-nginx.py"), "--file", page], stdout=subprocess.PIPE, text=True)
        ready = json.loads(static.stdout.readline())
        with urllib.request.urlopen(ready["url"]) as resp:
            same = resp.read() == open(page, "rb").read() and resp.headers["X-Content-Type-Options"] == "nosniff"
        check("static-nginx.py: the same bytes at /progress/, with the portal's headers", same and ready["url"].endswith("/progress/"), ready)
        for name, url in (("static nginx", ready["url"]), ("stand-in", base + "/progress/")):
            code, text = wrk("-t1", "-c4", "-d1s", url)
            requests = re.search(r"(\d+) requests in", text)
            check(f"wrk against the {name}: requests, no errors", code == 0 and requests and int(requests.group(1)) > 0
                  and "Non-2xx" not in text and "Socket errors" not in text, text[-600:])
        static.terminate()
        last = static.stdout.readline()
        static.wait(15)
        check("static-nginx.py: SIGTERM stops nginx, temporary directory removed", '"stopped"' in last and static.returncode == 0
              and not os.path.exists(ready["dir"]), (last, static.returncode))
    finally:
        for p in (static, standin):
            if p is not None and p.poll() is None:
                p.terminate()
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
        shutil.rmtree(work, ignore_errors=True)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
