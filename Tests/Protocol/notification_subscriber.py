#!/usr/bin/env python3
"""Follows notifications from docs/PROTOCOL.md alone: a plain SUB socket plus events.since.

Usage: SEND_KEY_FILE=KEY notification_subscriber.py RUN_DIR COUNT
The SUB socket is plain (the PUB sockets are not CURVE); the REQ socket presents the key pair in
SEND_KEY_FILE and the service's public key from <run>/notifications.public, waiting for that
file when the service has not written it yet. Prints "<seq> <type>" for notifications 1..COUNT, each exactly once and in order, then exits 0.
Says "following" on standard error once subscribed and caught up, so a caller can wait for that.
"""
import json
import os
import sys
import time
import uuid

import zmq


def key_file(path):
    fields = dict(line.split(" = ", 1) for line in open(path).read().splitlines() if " = " in line)
    return fields["public-key"].encode(), fields["secret-key"].encode()


run_dir, count = sys.argv[1], int(sys.argv[2])
if not os.environ.get("SEND_KEY_FILE"):
    sys.exit("notification_subscriber.py: SEND_KEY_FILE is not set: name the key file to present (docs/PROTOCOL.md, Keys, people and roles)")
ctx = zmq.Context()
sub = ctx.socket(zmq.SUB)
sub.setsockopt(zmq.SUBSCRIBE, b"")  # subscribe first...
sub.connect(f"ipc://{run_dir}/notifications.pub")
req = ctx.socket(zmq.REQ)
req.curve_publickey, req.curve_secretkey = key_file(os.environ["SEND_KEY_FILE"])
while not os.path.exists(f"{run_dir}/notifications.public"):
    time.sleep(0.05)  # the service writes its public key when it starts
req.curve_serverkey = open(f"{run_dir}/notifications.public").read().strip().encode()
req.connect(f"ipc://{run_dir}/notifications.cmd")
cursor = 0


def deliver(event):
    global cursor
    if event["seq"] <= cursor:
        return  # duplicate
    print(event["seq"], event["type"], flush=True)
    cursor = event["seq"]


def catch_up():
    """...then fetch everything after the cursor with events.since."""
    while True:
        req.send_json({"v": 1, "id": str(uuid.uuid4()), "command": "events.since", "args": {"after": cursor, "limit": 1000}})
        result = req.recv_json()["result"]
        for e in result["events"]:
            deliver(e)
        if not result["events"] or cursor >= result["last_seq"]:
            return


catch_up()
print("following", file=sys.stderr, flush=True)
poller = zmq.Poller()
poller.register(sub, zmq.POLLIN)
while cursor < count:
    if not poller.poll(5000):
        catch_up()
        continue
    topic, body = sub.recv_multipart()
    msg = json.loads(body)
    if topic == b"heartbeat":
        if msg["data"]["last_seq"] > cursor:
            catch_up()
        continue
    if msg["seq"] > cursor + 1:
        catch_up()  # a gap
    deliver(msg) if msg["seq"] == cursor + 1 else None
