#!/usr/bin/env python3
"""Serves one file with nginx on a free loopback port: the peer for the portal's public pages.

The family portal's progress page is the same bytes for everyone until the next report; nginx
serving those bytes as a static file is the most a server could do with them. This starts nginx
(Debian's) with everything in a temporary directory (configuration, pid, logs, temporary paths; as
root, workers too), serving FILE at PATH with the portal's headers (Content-Security-Policy,
Referrer-Policy, X-Content-Type-Options), no access log, keep-alive for a benchmark's whole run.

Usage: static-nginx.py --file FILE [--path /progress/] [--content-type TYPE] [--port N] [--workers N]
       [--dir DIR]
PATH is the URL path (ending in / for an index page; default /progress/); TYPE defaults to
text/html; charset=utf-8 (text/csv for a .csv file); port 0 (the default) is a free one; --workers
defaults to 1; without --dir a temporary directory is made and removed at the end. Prints
  {"port": N, "pid": NGINX_PID, "url": "http://127.0.0.1:N/progress/", "dir": DIR, "bytes": N}
when nginx answers with the file's bytes (10 s at most), and serves until SIGTERM or SIGINT, which
stop nginx; then prints {"stopped": NGINX_PID}. Exit 2 when nginx is missing or does not start.
"""
import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

HEADERS = {"Content-Security-Policy": "default-src 'none'; style-src 'self'", "Referrer-Policy": "no-referrer",
           "X-Content-Type-Options": "nosniff"}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--file", required=True)
    parser.add_argument("--path", default="/progress/")
    parser.add_argument("--content-type")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--dir")
    parser.add_argument("--nginx", default=shutil.which("nginx") or "/usr/sbin/nginx")
    args = parser.parse_args()
    if not os.path.exists(args.nginx):
        print("static-nginx.py: nginx is not installed: apt-get install -y nginx (deploy/bench installs it)", file=sys.stderr)
        return 2
    if not args.path.startswith("/") or ".." in args.path.split("/"):
        print(f"static-nginx.py: --path must be an absolute URL path, not {args.path!r}", file=sys.stderr)
        return 2
    content = open(args.file, "rb").read()
    ctype = args.content_type or ("text/csv; charset=utf-8" if args.file.endswith(".csv") else "text/html; charset=utf-8")
    directory = os.path.abspath(args.dir) if args.dir else tempfile.mkdtemp(prefix="spb-static-nginx-")
    root = os.path.join(directory, "www")
    target = os.path.join(root, args.path.lstrip("/"))
    if args.path.endswith("/"):
        target = os.path.join(target, "index.html")
    os.makedirs(os.path.dirname(target), exist_ok=True)
    os.makedirs(os.path.join(directory, "tmp"), exist_ok=True)
    with open(target, "wb") as f:
        f.write(content)
    port = args.port or free_port()
    headers = "".join(f"        add_header {k} \"{v}\" always;\n" for k, v in HEADERS.items())
    conf = os.path.join(directory, "nginx.conf")
    tmp = os.path.join(directory, "tmp")
    with open(conf, "w") as f:
        f.write(("user root;\n" if os.geteuid() == 0 else "") +
                f"worker_processes {args.workers};\npid {directory}/nginx.pid;\nerror_log {directory}/error.log;\n"
                "events { worker_connections 4096; }\n"
                "http {\n"
                "    access_log off;\n    server_tokens off;\n    sendfile on;\n    tcp_nopush on;\n"
                "    keepalive_timeout 120s;\n    keepalive_requests 10000000;\n"
                f"    client_body_temp_path {tmp}/body;\n    proxy_temp_path {tmp}/proxy;\n    fastcgi_temp_path {tmp}/fastcgi;\n"
                f"    uwsgi_temp_path {tmp}/uwsgi;\n    scgi_temp_path {tmp}/scgi;\n"
                f"    types {{ }}\n    default_type \"{ctype}\";\n"
                f"    server {{\n        listen 127.0.0.1:{port};\n        root {root};\n        index index.html;\n{headers}"
                "    }\n}\n")
    nginx = subprocess.Popen([args.nginx, "-p", directory, "-c", conf, "-e", os.path.join(directory, "error.log"), "-g", "daemon off;"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    stop = threading.Event()
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})  # a parent may have blocked them
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    url = f"http://127.0.0.1:{port}{args.path}"
    deadline, ok = time.time() + 10, False
    while time.time() < deadline and nginx.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                ok = r.read() == content
                break
        except OSError:
            time.sleep(0.1)
    try:
        if not ok:
            tail = open(os.path.join(directory, "error.log"), errors="replace").read()[-800:] if os.path.exists(
                os.path.join(directory, "error.log")) else ""
            print(f"static-nginx.py: nginx did not serve {url} with the file's bytes within 10 s: {tail}", file=sys.stderr)
            return 2
        print(json.dumps({"port": port, "pid": nginx.pid, "url": url, "dir": directory, "bytes": len(content)}), flush=True)
        while not stop.wait(0.2):
            if nginx.poll() is not None:
                print(json.dumps({"error": "nginx ended by itself", "exit": nginx.returncode}), flush=True)
                return 1
        print(json.dumps({"stopped": nginx.pid}), flush=True)
        return 0
    finally:
        if nginx.poll() is None:
            nginx.terminate()
            try:
                nginx.wait(10)
            except subprocess.TimeoutExpired:
                nginx.kill()
                nginx.wait()
        if not args.dir:
            shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
