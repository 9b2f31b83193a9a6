#!/usr/bin/env python3
"""Runs deploy/nginx/send-portal.conf for real, on loopback, in front of a portal: TLS, redirect, logs.

Writes into DIR a runnable copy of the sample configuration, changed only on its lines marked
HARNESS (loopback listen ports, the portal's address, a self-signed certificate made here with
openssl, logs in DIR), and a main nginx.conf whose pid file, error log and temporary paths are all
in DIR: nothing under /etc or /var is written, and it runs as root (workers too, so that they can
use DIR) or as any user. Then starts `nginx -p DIR -c DIR/nginx.conf -g 'daemon off;'`, waits
(10 s at most) until it answers over HTTPS, and prints one line:
  {"https_port": N, "http_port": N, "pid": NGINX_PID, "harness_pid": N, "dir": DIR, "conf": FILE,
   "certificate": FILE, "access_log": FILE, "error_logs": [FILE, ...]}
It runs until SIGTERM or SIGINT, which stop nginx (SIGTERM to it, SIGKILL after 10 s), and then
prints {"stopped": NGINX_PID, "exit": CODE}. When nginx ends by itself it says so and exits 1.

Usage: nginx_harness.py --portal HOST:PORT --dir DIR [--https-port N] [--http-port N]
                        [--conf deploy/nginx/send-portal.conf] [--nginx PATH]
Ports 0 (the default) mean a free loopback port. Exit 2 on bad usage or when nginx does not start.
"""
import argparse
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
DEFAULT_CONF = os.path.join(ROOT, "deploy", "nginx", "send-portal.conf")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_certificate(directory):
    cert, key = os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                    "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=60)
    os.chmod(key, 0o600)
    return cert, key


def rewrite(text, portal, directory, https_port, http_port, cert, key):
    """The sample with each line marked `# HARNESS: what` replaced; every marker must be used."""
    replacements = {
        "portal address": f"server {portal};",
        "http listen": f"listen 127.0.0.1:{http_port};",
        "https listen": f"listen 127.0.0.1:{https_port} ssl;",
        "drop": None,
        "access log": f"access_log {directory}/access.log send_portal;",
        "error log": f"error_log {directory}/error.log crit;",
        "redirect": f"return 301 https://$host:{https_port}$request_uri;",
        "certificate": f"ssl_certificate {cert};",
        "key": f"ssl_certificate_key {key};",
    }
    out, seen = [], set()
    for line in text.splitlines():
        m = re.match(r"^(\s*)(\S.*?;)\s*#\s*HARNESS:\s*(.+?)\s*$", line)
        if not m:
            out.append(line)
            continue
        what = m.group(3)
        if what not in replacements:
            raise ValueError(f"unknown HARNESS marker {what!r} in: {line.strip()}")
        seen.add(what)
        if replacements[what] is not None:
            out.append(m.group(1) + replacements[what])
    missing = set(replacements) - seen
    if missing:
        raise ValueError(f"the configuration lacks the HARNESS lines: {', '.join(sorted(missing))}")
    return "\n".join(out) + "\n"


def main_conf(directory, site):
    tmp = os.path.join(directory, "tmp")
    user = "user root;\n" if os.geteuid() == 0 else ""
    return (f"{user}worker_processes 1;\npid {directory}/nginx.pid;\nerror_log {directory}/nginx-error.log;\n"
            "events { worker_connections 512; }\n"
            "http {\n"
            "    default_type application/octet-stream;\n"
            f"    client_body_temp_path {tmp}/body;\n    proxy_temp_path {tmp}/proxy;\n    fastcgi_temp_path {tmp}/fastcgi;\n"
            f"    uwsgi_temp_path {tmp}/uwsgi;\n    scgi_temp_path {tmp}/scgi;\n"
            f"    include {site};\n"
            "}\n")


def answers(port, deadline):
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as raw:
                with context.wrap_socket(raw, server_hostname="localhost") as s:
                    s.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                    if s.recv(12).startswith(b"HTTP/1.1 "):
                        return True
        except (OSError, ssl.SSLError):
            pass
        time.sleep(0.1)
    return False


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--portal", required=True, help="the portal's HOST:PORT, e.g. 127.0.0.1:8080")
    parser.add_argument("--dir", required=True, help="a directory for everything nginx writes (made if missing)")
    parser.add_argument("--https-port", type=int, default=0)
    parser.add_argument("--http-port", type=int, default=0)
    parser.add_argument("--conf", default=DEFAULT_CONF)
    parser.add_argument("--nginx", default=shutil.which("nginx") or "/usr/sbin/nginx")
    args = parser.parse_args()
    if not re.fullmatch(r"(127\.\d+\.\d+\.\d+|localhost|\[::1\]):\d+", args.portal):
        print(f"nginx_harness.py: --portal must be a loopback HOST:PORT, not {args.portal!r}", file=sys.stderr)
        return 2
    if not os.path.exists(args.nginx):
        print("nginx_harness.py: nginx is not installed: apt-get install -y nginx (deploy/test installs it)", file=sys.stderr)
        return 2
    directory = os.path.abspath(args.dir)
    os.makedirs(os.path.join(directory, "tmp"), mode=0o700, exist_ok=True)
    https_port = args.https_port or free_port()
    http_port = args.http_port or free_port()
    try:
        cert, key = make_certificate(directory)
        with open(args.conf, encoding="utf-8") as f:
            site_text = rewrite(f.read(), args.portal, directory, https_port, http_port, cert, key)
    except (OSError, ValueError, subprocess.CalledProcessError, subprocess.TimeoutExpired) as e:
        print(f"nginx_harness.py: {e}", file=sys.stderr)
        return 2
    site = os.path.join(directory, "send-portal.conf")
    conf = os.path.join(directory, "nginx.conf")
    with open(site, "w", encoding="utf-8") as f:
        f.write(site_text)
    with open(conf, "w", encoding="utf-8") as f:
        f.write(main_conf(directory, site))
    error_log = os.path.join(directory, "nginx-error.log")
    test = subprocess.run([args.nginx, "-t", "-q", "-p", directory, "-c", conf, "-e", error_log], capture_output=True, text=True)
    if test.returncode != 0:
        print(f"nginx_harness.py: nginx -t refused {conf}: {test.stderr.strip()}", file=sys.stderr)
        return 2
    nginx = subprocess.Popen([args.nginx, "-p", directory, "-c", conf, "-e", error_log, "-g", "daemon off;"],
                             stdout=subprocess.DEVNULL, stderr=open(os.path.join(directory, "nginx-stderr.log"), "w"))
    stop = threading.Event()
    # A parent may have started us with SIGTERM blocked (Foundation's Process does, from the Swift
    # test runner); a blocked mask survives exec, so unblock the two we stop on.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    deadline = time.time() + 10
    if not answers(https_port, deadline) or nginx.poll() is not None:
        nginx.kill()
        nginx.wait()
        tail = open(error_log, errors="replace").read()[-1000:] if os.path.exists(error_log) else ""
        print(f"nginx_harness.py: nginx did not answer on 127.0.0.1:{https_port} within 10 s: {tail}", file=sys.stderr)
        return 2
    print(json.dumps({"https_port": https_port, "http_port": http_port, "pid": nginx.pid, "harness_pid": os.getpid(),
                      "dir": directory, "conf": conf, "certificate": cert, "access_log": os.path.join(directory, "access.log"),
                      "error_logs": [error_log, os.path.join(directory, "error.log")]}), flush=True)
    while not stop.wait(0.2):
        if nginx.poll() is not None:
            print(json.dumps({"error": "nginx ended by itself", "pid": nginx.pid, "exit": nginx.returncode}), flush=True)
            return 1
    nginx.terminate()
    try:
        nginx.wait(10)
    except subprocess.TimeoutExpired:
        nginx.kill()
        nginx.wait()
    print(json.dumps({"stopped": nginx.pid, "exit": nginx.returncode}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
