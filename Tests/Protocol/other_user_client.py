#!/usr/bin/env python3
"""Tries to reach services as whoever runs it (the tests run it as `nobody`).

Usage: other_user_client.py RUN_DIR SERVICE[=REQUEST_JSON] ...

For each service: a plain AF_UNIX connect to <run>/<service>.cmd and .pub (the errno when refused),
then, when pyzmq can be imported, a ZeroMQ REQ that sends `health` and the given request (a write,
say) and waits 2 s for a reply, and a SUB that waits 2.5 s for any event (a live service publishes
a heartbeat every second). Prints one JSON line per service:
{"service", "uid", "cmd_connect", "pub_connect", "zmq", "replies", "events"}
where *_connect is "ok" or the errno name, and replies/events count what arrived (null without pyzmq).
"""
import errno
import json
import os
import socket
import sys
import time


def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(path)
        return "ok"
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))
    finally:
        s.close()


try:
    import zmq
except ImportError:
    zmq = None

run_dir = sys.argv[1]
results = []
ctx = zmq.Context() if zmq is not None else None
pending = []  # (result, socket, kind)
for spec in sys.argv[2:]:
    service, _, request = spec.partition("=")
    result = {"service": service, "uid": os.getuid(),
              "cmd_connect": connect(f"{run_dir}/{service}.cmd"), "pub_connect": connect(f"{run_dir}/{service}.pub"),
              "zmq": zmq is not None, "replies": None, "events": None}
    results.append(result)
    if ctx is None:
        continue
    result["replies"] = result["events"] = 0
    for body in [json.dumps({"v": 1, "id": "other-user-health", "command": "health"})] + ([request] if request else []):
        req = ctx.socket(zmq.REQ)
        req.setsockopt(zmq.LINGER, 0)
        req.connect(f"ipc://{run_dir}/{service}.cmd")
        try:
            req.send(body.encode(), zmq.NOBLOCK)
        except zmq.ZMQError:
            pass
        pending.append((result, req, "replies"))
    sub = ctx.socket(zmq.SUB)
    sub.setsockopt(zmq.LINGER, 0)
    sub.setsockopt(zmq.SUBSCRIBE, b"")
    sub.connect(f"ipc://{run_dir}/{service}.pub")
    pending.append((result, sub, "events"))

# One window for every socket: replies within it, and heartbeats (one a second) on the SUBs.
if ctx is not None:
    poller = zmq.Poller()
    for _, s, _ in pending:
        poller.register(s, zmq.POLLIN)
    by_socket = {s: (r, k) for r, s, k in pending}
    deadline = time.time() + 2.5
    while time.time() < deadline:
        for s, _ in poller.poll(100):
            r, k = by_socket[s]
            s.recv_multipart()
            r[k] += 1
            if k == "replies":
                poller.unregister(s)
    for _, s, _ in pending:
        s.close()
    ctx.term()
for result in results:
    print(json.dumps(result), flush=True)
