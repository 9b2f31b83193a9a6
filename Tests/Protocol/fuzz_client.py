#!/usr/bin/env python3
"""Bad input against one live SEND Partnership service, from outside the Swift code (pyzmq).

Usage: SEND_KEY_FILE=KEY fuzz_client.py RUN_DIR SERVICE [--max-bytes N] [--flood N] [--seed N]
                      [--acts-without-args CMD ...] [--no-key | --unknown-key]

Written from docs/PROTOCOL.md. Every command socket is CURVE ("Keys, people and roles"): the
client presents the key pair in SEND_KEY_FILE and the service's public key from
<run>/<service>.public. It sends random bytes, truncated JSON, deeply nested JSON, frames
over the size limit (start the service with SEND_MAX_REQUEST_BYTES=N and pass --max-bytes N),
multi-frame garbage, wrong envelope fields, unknown commands, wrong types in every field of every
command (commands are discovered from the `unknown_command` message; fields from `invalid`
details), and a flood of requests from one DEALER. It checks that:
  - every reply is a protocol reply whose error code is one of the closed set, and the code the
    protocol names for that kind of input (bad_request, unknown_command, invalid);
  - no reply is `internal` (a bug) or `unavailable` (the service could not cope);
  - the service still answers `health`, with the same pid;
  - the data is unchanged: every event (events.since, compared byte for byte) and the result of
    every list command are the same before and after.
Commands named with --acts-without-args (writes that need no argument, such as a supervisor's
`stop`) are sent only envelope-level garbage, never args: any args would make them act.

With --no-key (a plain socket, no CURVE) or --unknown-key (a fresh key pair that is in no
register) it sends instead `health`, `events.since`, every command the service lists (with no
args) and some garbage from such a socket, and checks that the handshake is refused (its socket
monitor reports it) and that no reply comes at all; then, with the key of SEND_KEY_FILE, that the
service still answers with the same pid and that nothing was recorded (every event and every
list the same). The fuzz above is not run then.

Prints one line per failed check, a summary per kind of input, and a last line
'N passed, N failed'; exits non-zero if any check failed.
"""
import argparse
import errno
import hashlib
import json
import os
import random
import re
import sys
import time
import uuid

import zmq
from zmq.utils.monitor import recv_monitor_message

parser = argparse.ArgumentParser()
parser.add_argument("run_dir")
parser.add_argument("service")
parser.add_argument("--max-bytes", type=int, default=16 << 20, help="the service's SEND_MAX_REQUEST_BYTES")
parser.add_argument("--flood", type=int, default=20000)
parser.add_argument("--seed", type=int, default=None)
parser.add_argument("--acts-without-args", nargs="*", default=[])
keyless = parser.add_mutually_exclusive_group()
keyless.add_argument("--no-key", action="store_true", help="only requests from a plain socket (no CURVE): all refused")
keyless.add_argument("--unknown-key", action="store_true", help="only requests from a key in no register: all refused")
opts = parser.parse_args()
if not os.environ.get("SEND_KEY_FILE"):
    sys.exit("fuzz_client.py: SEND_KEY_FILE is not set: name the key file to present (docs/PROTOCOL.md, Keys, people and roles)")
seed = opts.seed if opts.seed is not None else random.randrange(1 << 30)
rng = random.Random(seed)
endpoint = f"ipc://{opts.run_dir}/{opts.service}.cmd"
ctx = zmq.Context()
CODES = {"bad_request", "unknown_command", "invalid", "not_found", "conflict", "forbidden", "unavailable", "internal"}
# The stack's key may call every command: `forbidden` for it would be a bug, like `internal`.
NEVER = ("internal", "unavailable", "bad_request", "forbidden")


def key_file(path):
    fields = dict(line.split(" = ", 1) for line in open(path).read().splitlines() if " = " in line)
    return fields["public-key"].encode(), fields["secret-key"].encode()


KEYS = key_file(os.environ["SEND_KEY_FILE"])
SERVER_KEY = open(f"{opts.run_dir}/{opts.service}.public").read().strip().encode()

passed = failed = 0
tally = {}  # kind -> [requests, failures]


def check(kind, condition, detail=""):
    global passed, failed
    counts = tally.setdefault(kind, [0, 0])
    counts[0] += 1
    if condition:
        passed += 1
    else:
        failed += 1
        counts[1] += 1
        if counts[1] <= 5:  # the first few of each kind, in full
            print(f"FAIL [{kind}] {str(detail)[:600]}", flush=True)
    return condition


def dealer(timeout_ms=10000):
    s = ctx.socket(zmq.DEALER)
    s.curve_publickey, s.curve_secretkey = KEYS
    s.curve_serverkey = SERVER_KEY
    s.setsockopt(zmq.RCVTIMEO, timeout_ms)
    s.setsockopt(zmq.LINGER, 0)
    s.setsockopt(zmq.SNDHWM, 0)
    s.setsockopt(zmq.RCVHWM, 0)
    s.connect(endpoint)
    return s


sock = dealer()


def roundtrip(frames, timeout_ms=10000):
    """Sends [empty, *frames] (as a REQ would) and returns the decoded reply, or None on timeout."""
    global sock
    sock.setsockopt(zmq.RCVTIMEO, timeout_ms)
    sock.send_multipart([b""] + list(frames))
    try:
        reply = sock.recv_multipart()
    except zmq.Again:
        sock.close()
        sock = dealer()  # a late reply must not be taken for the next one
        return None
    try:
        return json.loads(reply[-1])
    except ValueError:
        return {"not_json": reply}


def raw(body: bytes, timeout_ms=10000):
    return roundtrip([body], timeout_ms)


def request(command, args=None, rid=None, timeout_ms=10000):
    msg = {"v": 1, "id": rid or str(uuid.uuid4()), "command": command}
    if args is not None:
        msg["args"] = args
    return raw(json.dumps(msg).encode(), timeout_ms)


def well_formed(reply):
    """A protocol reply: v=1, ok true with a result, or ok false with an error code of the closed set."""
    if not isinstance(reply, dict) or reply.get("v") != 1 or not isinstance(reply.get("ok"), bool):
        return False
    if reply["ok"]:
        return "result" in reply
    error = reply.get("error")
    return isinstance(error, dict) and error.get("code") in CODES and isinstance(error.get("message"), str)


def code(reply):
    if not isinstance(reply, dict) or reply.get("ok") is not False:
        return None
    return reply.get("error", {}).get("code")


def expect_code(kind, reply, expected, field=None):
    ok = well_formed(reply) and code(reply) == expected
    if ok and field is not None:
        ok = reply["error"].get("field") == field
    return check(kind, ok, f"expected {expected}{' naming ' + field if field else ''}, got {reply}")


# --- health and the commands -------------------------------------------------------------------
reply = request("health")
if not (well_formed(reply) and reply.get("ok")):
    print(f"FAIL health before: {reply}")
    print("0 passed, 1 failed")
    sys.exit(1)
pid = reply["result"].get("pid")
print(f"fuzzing {opts.service} (pid {pid}) at {endpoint}, seed {seed}, size limit {opts.max_bytes} bytes", flush=True)

reply = request("fuzz.no-such-command")
expect_code("unknown command lists the commands", reply, "unknown_command", field="command")
listed = re.search(r"answers: (.*)$", reply.get("error", {}).get("message", "")) if isinstance(reply, dict) else None
commands = [c.strip() for c in listed.group(1).split(",")] if listed else []
check("unknown command lists the commands", "health" in commands and "events.since" in commands, commands)
print(f"commands: {', '.join(commands)}", flush=True)
list_commands = [c for c in commands if c.endswith(".list") or c.endswith(".rules")]


def snapshot():
    """Every event (hashed) and the result of every list command."""
    digest = hashlib.sha256()
    after, last_seq, count = 0, 0, 0
    while True:
        r = request("events.since", {"after": after, "limit": 1000})
        if not (isinstance(r, dict) and r.get("ok")):
            return {"error": r}
        events = r["result"]["events"]
        last_seq = r["result"]["last_seq"]
        for e in events:
            digest.update(json.dumps(e, sort_keys=True).encode())
        count += len(events)
        if not events:
            break
        after = events[-1]["seq"]
    lists = {}
    for c in list_commands:
        r = request(c, {})
        # A list that needs an argument (actions.milestones.list wants its action) answers with an
        # error: its code and message are compared, never the reply's id, which is new every time.
        lists[c] = r.get("result") if isinstance(r, dict) and r.get("ok") else \
            r.get("error") if isinstance(r, dict) else r
    return {"last_seq": last_seq, "events": count, "events_sha256": digest.hexdigest(), "lists": lists}


before = snapshot()
print(f"before: last_seq {before.get('last_seq')}, {before.get('events')} events, lists {sorted(before.get('lists', {}))}",
      flush=True)


def summary_and_exit():
    for kind, (n, f) in tally.items():
        print(f"{'ok  ' if f == 0 else 'FAIL'} {kind}: {n} checks, {f} failed")
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


# --- without a key, or with a key in no register: refused at the handshake ----------------------
HANDSHAKE_EVENTS = {zmq.EVENT_HANDSHAKE_SUCCEEDED: "EVENT_HANDSHAKE_SUCCEEDED",
                    zmq.EVENT_HANDSHAKE_FAILED_NO_DETAIL: "EVENT_HANDSHAKE_FAILED_NO_DETAIL",
                    zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL: "EVENT_HANDSHAKE_FAILED_PROTOCOL",
                    zmq.EVENT_HANDSHAKE_FAILED_AUTH: "EVENT_HANDSHAKE_FAILED_AUTH"}
WINDOW_S = 3.0

if opts.no_key or opts.unknown_key:
    label = "no key" if opts.no_key else "unknown key"
    kind = f"refused: {label}"
    refused = ctx.socket(zmq.DEALER)
    refused.setsockopt(zmq.LINGER, 0)
    refused.setsockopt(zmq.RECONNECT_IVL, 200)
    if opts.unknown_key:
        # A key pair made now: no register holds it.
        refused.curve_publickey, refused.curve_secretkey = zmq.curve_keypair()
        refused.curve_serverkey = SERVER_KEY
    monitor = refused.get_monitor_socket(zmq.EVENT_ALL)
    refused.connect(endpoint)
    bodies = [json.dumps({"v": 1, "id": f"refused-{c}", "command": c, "args": {}}).encode() for c in ["health", "events.since"] + commands]
    bodies += [b"this is not json", b'{"v":1,"id":"refused-trunc","command":', b"\xff" * 64]
    for body in bodies:
        refused.send_multipart([b"", body])
    poller = zmq.Poller()
    poller.register(refused, zmq.POLLIN)
    poller.register(monitor, zmq.POLLIN)
    replies, events = [], []
    telling = ("EVENT_HANDSHAKE_FAILED_AUTH", 400) if opts.unknown_key else \
        ("EVENT_HANDSHAKE_FAILED_PROTOCOL", zmq.PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH)
    started = time.time()
    # At least the window; longer (up to 10 s) until the monitor has seen the refusal itself.
    while time.time() < started + WINDOW_S or (telling not in events and time.time() < started + 10):
        for sock_ready, _ in poller.poll(50):
            if sock_ready is refused:
                replies.append(refused.recv_multipart())
            else:
                m = recv_monitor_message(monitor)
                if m["event"] in HANDSHAKE_EVENTS:
                    events.append((HANDSHAKE_EVENTS[m["event"]], m["value"]))
    refused.disable_monitor()
    monitor.close()
    refused.close()
    failures = [e for e in events if e[0] != "EVENT_HANDSHAKE_SUCCEEDED"]
    check(kind, not any(e[0] == "EVENT_HANDSHAKE_SUCCEEDED" for e in events), f"a handshake succeeded: {events}")
    check(kind, len(failures) > 0, f"the socket monitor saw no refused handshake in {WINDOW_S} s: {events}")
    # Unknown key: the ZAP handler's 400 reaches the client in the ERROR command. No key: a NULL
    # client meets a CURVE server, the mechanisms do not match (or, when the server saw it first,
    # the connection is closed under the client: EPIPE, ECONNRESET).
    expected = [telling] if opts.unknown_key else \
        [telling, ("EVENT_HANDSHAKE_FAILED_NO_DETAIL", errno.EPIPE), ("EVENT_HANDSHAKE_FAILED_NO_DETAIL", errno.ECONNRESET)]
    check(kind, telling in failures, f"the socket monitor did not report {telling}: {events}")
    check(kind, all(e in expected for e in failures), f"expected only {expected}: {failures}")
    check(kind, replies == [], f"{len(replies)} replies came: {[r[-1][:200] for r in replies[:3]]}")
    shown = telling if telling in failures else failures[0] if failures else ("no handshake event", 0)
    detail = {"EVENT_HANDSHAKE_FAILED_AUTH": f"status {int(shown[1])}",
              "EVENT_HANDSHAKE_FAILED_PROTOCOL": "mechanism mismatch" if shown[1] == zmq.PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH
              else f"protocol error {int(shown[1]):#x}",
              "EVENT_HANDSHAKE_FAILED_NO_DETAIL": errno.errorcode.get(int(shown[1]), str(int(shown[1])))}.get(shown[0], "-")
    print(f"{label}: the handshake was refused ({shown[0]}, {detail}); {len(failures)} of {len(events)} handshakes refused "
          f"in {time.time() - started:.1f} s; {len(replies)} replies to {len(bodies)} requests", flush=True)

    reply = request("health")
    still = check(kind, well_formed(reply) and reply.get("ok") and reply["result"].get("pid") == pid, reply)
    if still:
        print(f"a valid key is still answered: health ok, same pid {pid}", flush=True)
    after = snapshot()
    if check(kind, after == before, f"\nbefore {json.dumps(before)[:1500]}\nafter  {json.dumps(after)[:1500]}"):
        print(f"nothing recorded: last_seq {after.get('last_seq')} before and after, {len(after.get('lists', {}))} lists unchanged", flush=True)
    summary_and_exit()

# --- random bytes ------------------------------------------------------------------------------
for i in range(300):
    n = rng.choice([0, 1, 2, 7, 64, 500, 4000, rng.randrange(1, min(opts.max_bytes, 65536))])
    body = bytes(rng.randrange(256) for _ in range(n))
    if i % 3 == 1:
        body = b"{" + body  # looks like JSON for one byte
    elif i % 3 == 2:
        body = "".join(rng.choice('{}[]":,0123456789.eE-+ truefalsnl\\u') for _ in range(n)).encode()
    reply = raw(body)
    # A random frame is almost never a valid request; when it is JSON but not an object, or not
    # JSON at all, the protocol says bad_request with a null id.
    try:
        value = json.loads(body)
        is_request = isinstance(value, dict)
    except (ValueError, UnicodeDecodeError):
        is_request = False
    if not is_request:
        ok = expect_code("random bytes", reply, "bad_request")
        if ok:
            check("random bytes", reply.get("id") is None, reply)
    else:
        check("random bytes", well_formed(reply), reply)

# Invalid UTF-8 inside otherwise valid JSON.
for body in [b'{"v":1,"id":"\xff\xfe","command":"health"}', b'{"v":1,"id":"a","command":"he\xc3(lth"}',
             b'{"v":1,"id":"a","command":"health","args":{"x":"\xed\xa0\x80"}}', b"\xef\xbb\xbf{}"]:
    expect_code("invalid UTF-8", raw(body), "bad_request")

# --- truncated JSON ----------------------------------------------------------------------------
samples = [{"v": 1, "id": "trunc-%d" % i, "command": c, "args": {"after": 0, "text": "é ünïcode ✓", "n": [1, 2.5, None, True]}}
           for i, c in enumerate(commands)]
for sample in samples:
    text = json.dumps(sample, ensure_ascii=False).encode()
    cuts = sorted(set([1, 2, len(text) - 1] + [rng.randrange(1, len(text)) for _ in range(12)]))
    for cut in cuts:
        expect_code("truncated JSON", raw(text[:cut]), "bad_request")

# --- deeply nested JSON ------------------------------------------------------------------------
for depth in [65, 100, 1000, 100000, 1000000]:
    for opener, closer in [("[", "]"), ('{"a":', "}")]:
        deep = opener * depth + "1" + closer * depth
        body = ('{"v":1,"id":"deep-%d","command":"health","args":{"x":%s}}' % (depth, deep)).encode()
        if len(body) > opts.max_bytes:
            body = (opener * depth)[: opts.max_bytes - 10].encode()  # nested and over: still bad_request
        expect_code("deeply nested JSON", raw(body), "bad_request")
        expect_code("deeply nested JSON", raw((opener * depth).encode()[: opts.max_bytes]), "bad_request")
# Nesting within the limit reaches the command, which refuses or ignores it: never a crash.
for c in commands:
    if c in opts.acts_without_args or c == "health":
        continue
    nested = {"x": 1}
    for _ in range(25):  # 2 levels each: 53 in all, under the limit of 64
        nested = {"x": [nested]}
    reply = request(c, {"fuzz_nested": nested})
    check("nested within the limit", well_formed(reply) and code(reply) not in NEVER, reply)

# --- frames over the size limit ----------------------------------------------------------------
over = b'{"v":1,"id":"big","command":"health","args":{"x":"' + b"a" * opts.max_bytes + b'"}}'
expect_code("over the size limit", raw(over), "bad_request")
expect_code("over the size limit", raw(b"a" * (opts.max_bytes + 1)), "bad_request")
# Past four times the limit libzmq drops the connection: no reply, and the service carries on.
huge = dealer(3000)
huge.send_multipart([b"", b"b" * (opts.max_bytes * 4 + 8192)])
try:
    got = huge.recv_multipart()
    check("far over the size limit", False, f"a reply came: {got[-1][:200]}")
except zmq.Again:
    check("far over the size limit", True)
huge.close()
reply = request("health")
check("far over the size limit", well_formed(reply) and reply.get("ok"), reply)

# --- multi-frame garbage -----------------------------------------------------------------------
valid = json.dumps({"v": 1, "id": "mf", "command": "health"}).encode()
for frames in [[valid, valid], [b"x", b"y", b"z"], [valid, b""], [b"", b""], [b"", valid], [b"\x00"] * 50,
               [bytes(rng.randrange(256) for _ in range(rng.randrange(100))) for _ in range(rng.randrange(2, 20))]]:
    expect_code("multi-frame garbage", roundtrip(frames), "bad_request")
# A DEALER that sends frames without the empty delimiter: [a, b, ...] gets bad_request back;
# a single frame is a request without delimiter (the protocol allows it).
nodelim = dealer(5000)
for frames in [[b"x", b"y"], [valid, valid, valid], [b"\x01\x02", b"", b"z"]]:
    nodelim.send_multipart(frames)
    try:
        got = nodelim.recv_multipart()
        expect_code("multi-frame garbage", json.loads(got[-1]), "bad_request")
    except zmq.Again:
        check("multi-frame garbage", False, f"no reply to {frames[:3]}")
nodelim.send_multipart([b"\xff not json"])
try:
    got = nodelim.recv_multipart()
    expect_code("multi-frame garbage", json.loads(got[-1]), "bad_request")
except zmq.Again:
    check("multi-frame garbage", False, "no reply to a single garbage frame without delimiter")
nodelim.close()

# --- wrong envelope fields ---------------------------------------------------------------------
for field, values in [("v", [2, 0, "1", None, [], {}, 1.5, True, 10 ** 30]),
                      ("id", [1, None, "", "x" * 129, [], {}, True]),
                      ("command", [1, "", None, [], {}, False]),
                      ("args", [[], "x", 1, True, [{}]])]:
    for value in values:
        msg = {"v": 1, "id": "env-%s" % field, "command": "health"}
        msg[field] = value
        expect_code("wrong envelope field", raw(json.dumps(msg).encode()), "bad_request", field=field)
    msg = {"v": 1, "id": "env-missing", "command": "health"}
    if field != "args":
        del msg[field]
        expect_code("wrong envelope field", raw(json.dumps(msg).encode()), "bad_request", field=field)
for body in [b"null", b"1", b'"health"', b"[]", b"[1,2]", b"true", b'{"v":1,"id":"dup","id":"dup2","command":"health"}']:
    reply = raw(body)
    check("wrong envelope field", well_formed(reply) and code(reply) in ("bad_request", None), reply)

# --- unknown commands --------------------------------------------------------------------------
names = ["", "HEALTH", "health ", " health", "events.since.", "events", "drop table", "../../etc/passwd",
         "x" * 10000, "événement", "\u0000", "health\u0000", "findings.list\n", "a.b.c.d.e"]
names += [c.upper() for c in commands] + [c + "x" for c in commands] + [c[:-1] for c in commands if len(c) > 1]
for name in names:
    if name in commands:
        continue
    reply = request(name)
    if name == "":
        expect_code("unknown command", reply, "bad_request", field="command")
    else:
        expect_code("unknown command", reply, "unknown_command", field="command")

# --- wrong types in every field of every command -----------------------------------------------
HUGE = "h" * max(1, min(opts.max_bytes // 2, 1 << 20))
WRONG = [12345, -1, 0, 1.5, 2 ** 63, -(2 ** 63) - 1, 1e308, "zz", "", " ", "2026-02-30", "9999-99-99", HUGE,
         {}, {"a": 1}, [], [1, "x", None], [{}], None, True, False, "\u0000", "'; DROP TABLE x; --"]
PATH_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def set_path(args, path, value):
    """Sets `a.b[0].c` in a nested args object, creating what is missing."""
    parts = [(m.group(1), m.group(2)) for m in PATH_PART.finditer(path)]
    node = args
    for i, (key, index) in enumerate(parts):
        last = i == len(parts) - 1
        nxt = parts[i + 1] if not last else None
        container = [] if nxt and nxt[1] is not None else {}
        if key is not None:
            if not isinstance(node, dict):
                return False
            if last:
                node[key] = value
            else:
                if not isinstance(node.get(key), (dict, list)):
                    node[key] = container
                node = node[key]
        else:
            idx = int(index)
            if not isinstance(node, list):
                return False
            while len(node) <= idx:
                node.append({} if not (nxt and nxt[1] is not None) else [])
            if last:
                node[idx] = value
            else:
                if not isinstance(node[idx], (dict, list)):
                    node[idx] = container
                node = node[idx]
    return True


def details(reply):
    if code(reply) != "invalid":
        return []
    d = reply["error"].get("details") or [{"field": reply["error"].get("field"), "message": reply["error"].get("message", "")}]
    return [x for x in d if isinstance(x, dict) and isinstance(x.get("field"), str)]


def generic(path):
    return re.sub(r"\[\d+\]", "[0]", path)


# Candidate field names: keys seen in the service's events and list results, and common ones.
candidates = {"id", "after", "limit", "name", "type", "kind", "date", "due", "status", "note", "text", "title",
              "service", "topics", "audience", "severity", "from", "to", "since", "until", "file", "items"}


def collect_keys(value, depth=0):
    if depth > 6:
        return
    if isinstance(value, dict):
        for k, v in value.items():
            if isinstance(k, str) and re.fullmatch(r"[a-z_][a-z0-9_]{0,63}", k):
                candidates.add(k)
            collect_keys(v, depth + 1)
    elif isinstance(value, list):
        for v in value[:20]:
            collect_keys(v, depth + 1)


collect_keys(before.get("lists"))
r = request("events.since", {"after": 0, "limit": 200})
if isinstance(r, dict) and r.get("ok"):
    for e in r["result"]["events"]:
        collect_keys(e.get("data"))

UNKNOWN = re.compile(r"unknown field; expected (.*)$")


def learn(paths, path, message):
    """A service that refuses unknown fields names the ones it expects: learn those instead."""
    m = UNKNOWN.search(message)
    if not m:
        return False
    parent = path.rsplit(".", 1)[0] if "." in path else ""
    for name in re.split(r",\s*|\s+or\s+|\s+and\s+", m.group(1)):
        name = name.strip().strip("'\"`")
        if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            paths.setdefault(generic(f"{parent}.{name}" if parent else name), "expected")
    return True


fuzzable = [c for c in commands if c not in opts.acts_without_args and c != "health"]
known_paths = {}
paths_messages = {}
for c in fuzzable:
    paths = {}
    # Required fields, level by level: an absent one says "is required"; a wrong type says what it must be.
    args = {}
    for _ in range(6):
        reply = request(c, args)
        check("wrong types in every field", well_formed(reply) and code(reply) not in NEVER,
              f"{c} {reply}")
        found = details(reply)
        if not found:
            break
        changed = False
        for d in found:
            p, m = d["field"], d.get("message", "")
            if p in ("$", "") or len(paths) > 200 or learn(paths, p, m):
                continue
            paths.setdefault(generic(p), m)
            if "is required" in m:
                changed |= set_path(args, p, 0)
            elif "must be an object" in m:
                changed |= set_path(args, p, {})
            elif "must be an array" in m and "strings" not in m:
                changed |= set_path(args, p, [{}])
        if not changed:
            break
    # Optional fields: every candidate at once with a wrong type; the details name those the command reads.
    for wrong in (12345, "zz", {"zz": 1}, [{}]):
        probe = {k: wrong for k in candidates}
        reply = request(c, probe)
        check("wrong types in every field", well_formed(reply) and code(reply) not in NEVER,
              f"{c} {reply}")
        for d in details(reply):
            if d["field"] not in ("$", "") and not learn(paths, d["field"], d.get("message", "")):
                paths.setdefault(generic(d["field"]), d.get("message", ""))
    # The same inside every nested object found so far (`inspection`, `findings[0]`).
    containers = {p.rsplit(".", 1)[0] for p in paths if "." in p}
    for container in sorted(containers):
        for wrong in (12345, "zz"):
            args = {}
            if not set_path(args, container, {k: wrong for k in candidates}):
                continue
            reply = request(c, args)
            check("wrong types in every field", well_formed(reply) and code(reply) not in NEVER,
                  f"{c} {reply}")
            for d in details(reply):
                if d["field"] not in ("$", "") and not learn(paths, d["field"], d.get("message", "")):
                    paths.setdefault(generic(d["field"]), d.get("message", ""))
    known_paths[c] = sorted(paths)
    for p, m in paths.items():
        paths_messages[(c, p)] = m

for c in fuzzable:
    for path in known_paths[c]:
        for wrong in WRONG:
            args = {}
            if not set_path(args, path, wrong):
                continue
            reply = request(c, args)
            kind = "wrong types in every field"
            if not check(kind, well_formed(reply), f"{c} {path}={str(wrong)[:40]}: {reply}"):
                continue
            # A wrong value is refused as invalid (or, for a value of the right type, not_found or
            # conflict); never bad_request, internal or unavailable. ok is possible for a read whose
            # only field took a value of the right type; the data check at the end catches a write.
            check(kind, code(reply) in (None, "invalid", "not_found", "conflict"), f"{c} {path}={str(wrong)[:40]}: {reply}")
            if code(reply) == "invalid":
                check(kind, reply["error"].get("field") is not None and len(details(reply)) > 0, f"{c} {path}: {reply}")
# --- the same behind a real id ------------------------------------------------------------------
# Many commands look the thing up before reading their other fields. Here the id fields take the
# id of something that exists (seen in the list commands' results) and each other field a value no
# scalar field accepts (an object, an array) or a string longer than any field allows. Only
# commands that validate more than the id are tried this way, and never with values of the right
# type: a complete, valid request would act.
ID_NAME = re.compile(r"^[a-z_]*(_id|_ref)$")
real_ids = {}


def collect_ids(value, depth=0):
    if depth > 6:
        return
    if isinstance(value, dict):
        for k, v in value.items():
            if isinstance(k, str) and ID_NAME.match(k) and isinstance(v, (str, int)) and not isinstance(v, bool):
                real_ids.setdefault(k, v)
            collect_ids(v, depth + 1)
    elif isinstance(value, list):
        for v in value[:50]:
            collect_ids(v, depth + 1)


collect_ids(before.get("lists"))
BEHIND_ID = [{}, {"a": 1}, [], [1, "x", None], [{}], HUGE]
behind_id = 0
for c in fuzzable:
    base = {p: real_ids[p] for p in known_paths[c] if p in real_ids}
    others = [p for p in known_paths[c] if p not in base and "[" not in p
              and not any(q.startswith(p + ".") or q.startswith(p + "[") for q in known_paths[c])
              and not re.search(r"must be (an array|an object)", str(paths_messages.get((c, p), "")))]
    if not base or not others:
        continue
    for path in others:
        for wrong in BEHIND_ID:
            args = json.loads(json.dumps(base))
            if not set_path(args, path, wrong):
                continue
            reply = request(c, args)
            behind_id += 1
            kind = "wrong types behind a real id"
            if check(kind, well_formed(reply), f"{c} {path}: {reply}"):
                check(kind, code(reply) in ("invalid", "not_found", "conflict"), f"{c} {args if wrong is not HUGE else path}: {reply}")
print(f"behind a real id: {behind_id} requests; ids used: {json.dumps(real_ids)[:400]}", flush=True)
print("fields per command: " + "; ".join(f"{c}: {', '.join(known_paths[c]) or '-'}" for c in fuzzable), flush=True)

# --- a flood from one DEALER -------------------------------------------------------------------
flood = dealer(30000)
kinds = []
started = time.time()
read_cmd = list_commands[0] if list_commands else "events.since"
write_cmd = next((c for c in fuzzable if known_paths.get(c) and c not in list_commands), None)
for i in range(opts.flood):
    k = i % 6
    rid = "flood-%d" % i
    if k == 0:
        body = json.dumps({"v": 1, "id": rid, "command": "health"})
    elif k == 1:
        body = json.dumps({"v": 1, "id": rid, "command": "events.since", "args": {"after": 0, "limit": 5}})
    elif k == 2:
        body = json.dumps({"v": 1, "id": rid, "command": "flood.unknown"})
    elif k == 3:
        body = '{"v":1,"id":"%s","command":' % rid  # truncated
    elif k == 4:
        body = json.dumps({"v": 1, "id": rid, "command": read_cmd, "args": {}})
    else:
        if write_cmd:
            args = {}
            set_path(args, known_paths[write_cmd][0], {"wrong": [1]})
            body = json.dumps({"v": 1, "id": rid, "command": write_cmd, "args": args})
        else:
            body = json.dumps({"v": 1, "id": rid, "command": "events.since", "args": {"limit": "x"}})
    kinds.append(k)
    flood.send_multipart([b"", body.encode()])
sent_in = time.time() - started
replies = {}
unkeyed = 0
bad = []
while len(replies) + unkeyed < opts.flood:
    try:
        frames = flood.recv_multipart()
    except zmq.Again:
        break
    reply = json.loads(frames[-1])
    if not well_formed(reply):
        bad.append(reply)
    rid = reply.get("id")
    if rid is None:
        unkeyed += 1
        if code(reply) != "bad_request":
            bad.append(reply)
    else:
        replies[rid] = reply
elapsed = time.time() - started
flood.close()
check("flood", len(replies) + unkeyed == opts.flood, f"{len(replies) + unkeyed} of {opts.flood} replies")
expected = {0: None, 1: None, 2: "unknown_command", 3: "bad_request", 4: None, 5: "invalid"}
for i, k in enumerate(kinds):
    reply = replies.get("flood-%d" % i)
    if k == 3:
        continue  # a truncated request has no usable id: counted in `unkeyed`
    if reply is None:
        check("flood", False, f"no reply to flood-{i}")
        continue
    check("flood", code(reply) == expected[k] and (expected[k] is not None or reply.get("ok")), f"flood-{i}: {str(reply)[:300]}")
check("flood", unkeyed == kinds.count(3), f"{unkeyed} replies without id, {kinds.count(3)} truncated requests sent")
for b in bad[:3]:
    check("flood", False, f"bad reply {b}")
print(f"flood: {opts.flood} requests from one DEALER, sent in {sent_in:.2f} s, all answered in {elapsed:.2f} s "
      f"({opts.flood / max(elapsed, 1e-6):.0f}/s)", flush=True)

# --- afterwards --------------------------------------------------------------------------------
reply = request("health")
check("still healthy, same process", well_formed(reply) and reply.get("ok") and reply["result"].get("pid") == pid, reply)
after = snapshot()
check("data unchanged", after == before, f"\nbefore {json.dumps(before)[:1500]}\nafter  {json.dumps(after)[:1500]}")
print(f"after: last_seq {after.get('last_seq')}, {after.get('events')} events")

summary_and_exit()
