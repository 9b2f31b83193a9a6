#!/usr/bin/env python3
"""A SEND Partnership client written from docs/PROTOCOL.md alone, with a plain REQ socket.

Usage: SEND_KEY_FILE=KEY protocol_client.py RUN_DIR SERVICE
Presents the key pair in SEND_KEY_FILE (CURVE) and the service's public key from
<run>/<service>.public, as "Keys, people and roles" says. Checks, against a live service:
health, events.since (with each event's actor), and every envelope error code the protocol
promises for bad requests. Prints one line per check and a last line
'N passed, N failed'; exits non-zero if any check failed.
"""
import json
import os
import sys
import uuid

import zmq

run_dir, service = sys.argv[1], sys.argv[2]
if not os.environ.get("SEND_KEY_FILE"):
    sys.exit("protocol_client.py: SEND_KEY_FILE is not set: name the key file to present (docs/PROTOCOL.md, Keys, people and roles)")
ctx = zmq.Context()
passed = failed = 0
ROLES = {"operator", "board_chair", "board_member", "action_lead", "comms_officer", "parent_carer_forum", "adviser", "portal", "stack"}


def key_file(path):
    fields = dict(line.split(" = ", 1) for line in open(path).read().splitlines() if " = " in line)
    return fields["public-key"].encode(), fields["secret-key"].encode()


def curve(s):
    """Our key pair and the service's public key, set before connect."""
    s.curve_publickey, s.curve_secretkey = key_file(os.environ["SEND_KEY_FILE"])
    s.curve_serverkey = open(f"{run_dir}/{service}.public").read().strip().encode()
    return s


def connect():
    s = curve(ctx.socket(zmq.REQ))
    s.setsockopt(zmq.RCVTIMEO, 5000)
    s.setsockopt(zmq.LINGER, 0)
    s.connect(f"ipc://{run_dir}/{service}.cmd")
    return s


sock = connect()


def raw(body: bytes):
    """Send exact bytes as the request's JSON frame; return the decoded reply."""
    global sock
    sock.send(body)
    return json.loads(sock.recv())


def request(command, args=None, rid=None):
    rid = rid or str(uuid.uuid4())
    msg = {"v": 1, "id": rid, "command": command}
    if args is not None:
        msg["args"] = args
    return rid, raw(json.dumps(msg).encode())


def check(name, condition, detail=""):
    global passed, failed
    if condition:
        passed += 1
        print(f"ok   {name}")
    else:
        failed += 1
        print(f"FAIL {name} {detail}")


rid, reply = request("health")
check("health replies ok with the same id", reply.get("ok") is True and reply.get("id") == rid, reply)
check("health says ready", reply.get("result", {}).get("status") == "ready", reply)
check("envelope carries v=1", reply.get("v") == 1, reply)

rid, reply = request("events.since", {"after": 0, "limit": 5})
result = reply.get("result", {})
check("events.since returns events and last_seq", isinstance(result.get("events"), list) and isinstance(result.get("last_seq"), int), reply)
seqs = [e["seq"] for e in result.get("events", [])]
check("events come in seq order from 1", seqs == list(range(1, len(seqs) + 1)), seqs)
for e in result.get("events", []):
    check(f"event {e['seq']} has the documented fields", {"v", "source", "seq", "type", "at", "data", "actor"} <= set(e) and e["source"] == service, e)
    actor = e.get("actor") or {}
    check(f"event {e['seq']} names its actor by id and role", isinstance(actor.get("person"), str) and actor.get("role") in ROLES, e)

reply = raw(b"this is not json")
check("not JSON -> bad_request, id null", reply.get("ok") is False and reply["error"]["code"] == "bad_request" and reply.get("id") is None, reply)
reply = raw(b'{"v":1,"id":"trunc","command":"health"')
check("truncated JSON -> bad_request", reply["error"]["code"] == "bad_request", reply)
reply = raw(json.dumps({"v": 2, "id": "v2", "command": "health"}).encode())
check("wrong version -> bad_request naming v", reply["error"]["code"] == "bad_request" and reply["error"].get("field") == "v", reply)
reply = raw(json.dumps({"v": 1, "command": "health"}).encode())
check("missing id -> bad_request naming id", reply["error"]["code"] == "bad_request" and reply["error"].get("field") == "id", reply)
reply = raw(json.dumps({"v": 1, "id": "a", "command": "health", "args": [1]}).encode())
check("args not an object -> bad_request naming args", reply["error"]["code"] == "bad_request" and reply["error"].get("field") == "args", reply)
reply = raw(b"[" * 10000 + b"]" * 10000)
check("deeply nested -> bad_request", reply["error"]["code"] == "bad_request", reply)
rid, reply = request("no.such.command")
check("unknown command -> unknown_command with the same id", reply["error"]["code"] == "unknown_command" and reply["id"] == rid, reply)
rid, reply = request("events.since", {"after": "zero"})
check("a wrong field type -> invalid naming the field", reply["error"]["code"] == "invalid" and reply["error"].get("field") == "after", reply)
rid, reply = request("events.since", {"limit": 0})
check("out of range -> invalid naming the field", reply["error"]["code"] == "invalid" and reply["error"].get("field") == "limit", reply)

# DEALER variant: send [empty, JSON] ourselves.
d = curve(ctx.socket(zmq.DEALER))
d.setsockopt(zmq.RCVTIMEO, 5000)
d.setsockopt(zmq.LINGER, 0)
d.connect(f"ipc://{run_dir}/{service}.cmd")
d.send_multipart([b"", json.dumps({"v": 1, "id": "dealer-1", "command": "health"}).encode()])
frames = d.recv_multipart()
check("DEALER gets [empty, reply]", len(frames) == 2 and frames[0] == b"" and json.loads(frames[1])["id"] == "dealer-1", frames)

# Events on the PUB socket (not CURVE: a plain SUB): a heartbeat arrives within about a second.
sub = ctx.socket(zmq.SUB)
sub.setsockopt(zmq.RCVTIMEO, 3000)
sub.setsockopt(zmq.SUBSCRIBE, b"heartbeat")
sub.connect(f"ipc://{run_dir}/{service}.pub")
topic, body = sub.recv_multipart()
hb = json.loads(body)
check("heartbeat carries last_seq", topic == b"heartbeat" and isinstance(hb["data"]["last_seq"], int), hb)

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
