#!/usr/bin/env python3
"""Tries to reach services as whoever runs it (the tests run it as `nobody`).

Usage: [SEND_KEY_FILE=KEY] other_user_client.py RUN_DIR SERVICE[=REQUEST_JSON] ...

For each service: a plain AF_UNIX connect to <run>/<service>.cmd and .pub (the errno when refused),
then, when pyzmq can be imported, a ZeroMQ REQ that sends `health` and the given request (a write,
say) and waits 2.5 s for a reply, and a SUB that waits 2.5 s for any event (a live service publishes
a heartbeat every second). The REQ presents the key pair in SEND_KEY_FILE (CURVE) with the service's
public key from <run>/<service>.public when both can be read; without them it is a plain socket,
which a command socket (CURVE) refuses at the handshake. Prints one JSON line per service:
{"service", "uid", "key", "cmd_connect", "pub_connect", "zmq", "handshake", "replies", "events"}
where key is "curve" or "none", *_connect is "ok" or the errno name, handshake is what the REQ sockets'
monitor saw ("succeeded", "failed_auth 400", "failed_protocol", "failed" with no detail, null for none),
and replies/events count what arrived (null without pyzmq).
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
    from zmq.utils.monitor import recv_monitor_message
except ImportError:
    zmq = None

def key_file(path):
    fields = dict(line.split(" = ", 1) for line in open(path).read().splitlines() if " = " in line)
    return fields["public-key"].encode(), fields["secret-key"].encode()


def keys_for(service):
    """(our key pair, the service's public key), or None when either cannot be read."""
    try:
        return key_file(os.environ["SEND_KEY_FILE"]), open(f"{run_dir}/{service}.public").read().strip().encode()
    except (KeyError, OSError):
        return None


run_dir = sys.argv[1]
results = []
ctx = zmq.Context() if zmq is not None else None
pending = []  # (result, socket, kind)
monitors = []  # (result, monitor socket)
for spec in sys.argv[2:]:
    service, _, request = spec.partition("=")
    keys = keys_for(service)
    result = {"service": service, "uid": os.getuid(), "key": "curve" if keys else "none",
              "cmd_connect": connect(f"{run_dir}/{service}.cmd"), "pub_connect": connect(f"{run_dir}/{service}.pub"),
              "zmq": zmq is not None, "handshake": None, "replies": None, "events": None}
    results.append(result)
    if ctx is None:
        continue
    result["replies"] = result["events"] = 0
    for body in [json.dumps({"v": 1, "id": "other-user-health", "command": "health"})] + ([request] if request else []):
        req = ctx.socket(zmq.REQ)
        req.setsockopt(zmq.LINGER, 0)
        if keys:
            (req.curve_publickey, req.curve_secretkey), req.curve_serverkey = keys
        monitors.append((result, req.get_monitor_socket(zmq.EVENT_HANDSHAKE_SUCCEEDED | zmq.EVENT_HANDSHAKE_FAILED_NO_DETAIL
                                                        | zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL | zmq.EVENT_HANDSHAKE_FAILED_AUTH)))
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
    names = {zmq.EVENT_HANDSHAKE_SUCCEEDED: "succeeded", zmq.EVENT_HANDSHAKE_FAILED_NO_DETAIL: "failed",
             zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL: "failed_protocol", zmq.EVENT_HANDSHAKE_FAILED_AUTH: "failed_auth"}
    poller = zmq.Poller()
    for _, s, _ in pending:
        poller.register(s, zmq.POLLIN)
    for _, m in monitors:
        poller.register(m, zmq.POLLIN)
    by_socket = {s: (r, k) for r, s, k in pending}
    by_monitor = {m: r for r, m in monitors}
    deadline = time.time() + 2.5
    while time.time() < deadline:
        for s, _ in poller.poll(100):
            if s in by_monitor:
                event = recv_monitor_message(s)
                r = by_monitor[s]
                if event["event"] in names:
                    name = names[event["event"]]
                    seen = f"{name} {int(event['value'])}" if name == "failed_auth" else name
                    # The most telling one: a failure without detail (the server closed first) gives way to its reason.
                    if r["handshake"] in (None, "failed"):
                        r["handshake"] = seen
                continue
            r, k = by_socket[s]
            s.recv_multipart()
            r[k] += 1
            if k == "replies":
                poller.unregister(s)
    for _, s, k in pending:
        if k == "replies":
            s.disable_monitor()
    for _, m in monitors:
        m.close()
    for _, s, _ in pending:
        s.close()
    ctx.term()
for result in results:
    print(json.dumps(result), flush=True)
