#!/usr/bin/env python3
"""Self-test of nginx_harness.py (and so of deploy/nginx/send-portal.conf) in front of portal_standin.py.

Checks, over real TLS on loopback: the harness's ready line; a page passed through with the portal's
headers and HSTS; Host, X-Forwarded-For and X-Forwarded-Proto as the portal receives them; HTTP
redirected to HTTPS; a body over 64 KiB refused by nginx (413, with the portal's headers) and one
under passed on; the portal down → 503 with the headers; http_fuzz.py through nginx with the
families' keys finds nothing; no token (respond, stop, enquiry secret, also %-encoded or after
a query) in any log; SIGTERM stops nginx and the harness.
Usage: selftest_nginx_harness.py
Prints one line per check and, last, 'N passed, N failed'; exits 1 when any check failed.
"""
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
passed = failed = 0


def check(name, condition, detail=""):
    global passed, failed
    if condition:
        passed += 1
        print(f"ok   {name}")
    else:
        failed += 1
        print(f"FAIL {name}: {str(detail)[:1500]}")


def request(port, raw, tls=True):
    """One raw exchange; (status, headers dict, body)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    if tls:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        s = ctx.wrap_socket(s, server_hostname="localhost")
    s.sendall(raw)
    data = b""
    while True:
        try:
            chunk = s.recv(65536)
        except (ConnectionResetError, ssl.SSLError):
            break
        if not chunk:
            break
        data += chunk
    s.close()
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        k = k.strip().lower()
        headers[k] = headers[k] + ", " + v.strip() if k in headers else v.strip()
    return int(lines[0].split()[1]) if lines and lines[0].startswith("HTTP/") else None, headers, body


def get(port, path, tls=True, extra=""):
    return request(port, f"GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n{extra}\r\n".encode(), tls)


def main():
    work = tempfile.mkdtemp(prefix="spb-nginx-")
    standin = subprocess.Popen([sys.executable, os.path.join(HERE, "portal_standin.py"), "--rate-limit", "1000000"],
                               stdout=subprocess.PIPE, text=True)
    portal = json.loads(standin.stdout.readline())
    harness = subprocess.Popen([sys.executable, os.path.join(HERE, "nginx_harness.py"), "--portal", f"127.0.0.1:{portal['port']}",
                                "--dir", os.path.join(work, "nginx")], stdout=subprocess.PIPE, text=True)
    try:
        ready = json.loads(harness.stdout.readline())
        check("ready line: ports, pid, files", all(k in ready for k in ("https_port", "http_port", "pid", "conf", "access_log")), ready)
        https, http = ready["https_port"], ready["http_port"]
        status, headers, body = get(https, "/")
        check("GET / over TLS: 200 from the portal", status == 200 and b"Family portal" in body, (status, body[:200]))
        check("HSTS added", headers.get("strict-transport-security", "").startswith("max-age=63072000"), headers)
        check("the portal's own CSP passed on, once", headers.get("content-security-policy", "").startswith("default-src 'none'; style-src")
              and headers["content-security-policy"].count("default-src") == 1,
              headers)
        status, headers, body = get(https, "/_standin/headers", extra="X-Forwarded-For: 203.0.113.9\r\n")
        seen = json.loads(body)
        check("Host, X-Forwarded-For (appended), X-Forwarded-Proto reach the portal", seen.get("host") == "localhost"
              and seen.get("x-forwarded-for") == "203.0.113.9, 127.0.0.1" and seen.get("x-forwarded-proto") == "https", seen)
        status, headers, _ = get(http, "/respond?x=1", tls=False)
        check("HTTP → HTTPS: 301 to the same path", status == 301 and headers.get("location") == f"https://localhost:{https}/respond?x=1",
              (status, headers))
        big = b"csrf=x&code=" + b"a" * (64 * 1024)
        status, headers, body = request(https, b"POST /respond HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
                                        b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: " + str(len(big)).encode() +
                                        b"\r\n\r\n" + big)
        check("over 64 KiB: 413 from nginx with the portal's headers", status == 413 and headers.get("x-content-type-options") == "nosniff"
              and "default-src 'none'" in headers.get("content-security-policy", "") and b"too large" in body, (status, headers, body[:200]))
        small = b"csrf=x&code=" + b"a" * (60 * 1024)
        status, _, _ = request(https, b"POST /respond HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
                               b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: " + str(len(small)).encode() +
                               b"\r\n\r\n" + small)
        check("60 KiB: passed on to the portal (its 403: no csrf cookie)", status == 403, status)

        # The fuzzer through nginx, with the families' keys.
        keys = ["--respond-key", portal["respond_keys"][0], "--stop-key", portal["stop_keys"][0]]
        r = subprocess.run([sys.executable, os.path.join(HERE, "..", "Protocol", "http_fuzz.py"), "--base", f"https://127.0.0.1:{https}",
                            "--seconds", "1", "--seed", "11", "--flood", "0", "--slow-seconds", "1", *keys],
                           capture_output=True, text=True, timeout=300)
        check("http_fuzz.py through nginx: exit 0", r.returncode == 0, r.stdout[-2500:] + r.stderr[-500:])

        # Token URLs, every way round, and the portal down.
        for path in ["/respond/TOKENRESPOND1", "/stop/TOKENSTOP1?x=1", "/enquiries/REF1/TOKENSECRET1", "/%72espond/TOKENRESPOND2",
                     "/x/../stop/TOKENSTOP2", "//respond//TOKENRESPOND3", "/RESPOND/TOKENRESPOND4"]:
            get(https, path)
            get(http, path, tls=False)
        standin.terminate()
        standin.wait(10)
        status, headers, body = get(https, "/respond/TOKENRESPOND5")
        check("the portal down: 503 with the portal's headers", status == 503 and headers.get("referrer-policy") == "no-referrer"
              and b"not available" in body, (status, headers, body[:200]))
        logs = ""
        for name in os.listdir(os.path.join(work, "nginx")):
            if name.endswith(".log"):
                logs += open(os.path.join(work, "nginx", name), errors="replace").read()
        leaked = [t for t in ("TOKEN", *portal["respond_keys"], *portal["stop_keys"]) if t in logs]
        check("no token in any log", not leaked and "/respond/-" in logs and "/stop/-" in logs and "/enquiries/-/-" in logs,
              leaked or logs[-1500:])

        nginx_pid = ready["pid"]
        harness.send_signal(signal.SIGTERM)
        last = harness.stdout.readline()
        harness.wait(15)
        gone = False
        for _ in range(50):
            try:
                os.kill(nginx_pid, 0)
            except ProcessLookupError:
                gone = True
                break
            time.sleep(0.1)
        check("SIGTERM: nginx stopped, the harness says so and exits 0", gone and harness.returncode == 0 and '"stopped"' in last,
              (gone, harness.returncode, last))
    finally:
        for p in (harness, standin):
            if p.poll() is None:
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
