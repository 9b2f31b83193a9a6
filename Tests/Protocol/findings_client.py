#!/usr/bin/env python3
"""A findings client written from docs/PROTOCOL.md alone (pyzmq, a plain REQ socket).

    SEND_KEY_FILE=KEY python3 findings_client.py RUN_DIR [--tag TAG]

It presents the key pair in SEND_KEY_FILE (CURVE) and the service's public key from
<run>/findings.public ("Keys, people and roles").

Against the live `findings` service in RUN_DIR it records an inspection (inspections.add), two
findings (findings.add), imports a small report twice (findings.import: recorded, then unchanged),
checks that a bad report is refused with the JSON path of every bad field, lists findings with a
filter, and reads the events back (events.since). It prints one JSON object with what it saw and
exits 0 when everything matched the document, 1 (with the reason on stderr) when not, 2 on bad usage.
"""
import json
import os
import sys
import uuid

import zmq

TIMEOUT_MS = 5000
ATTEMPTS = 3


class ProtocolError(Exception):
    pass


def key_file(path):
    fields = dict(line.split(" = ", 1) for line in open(path).read().splitlines() if " = " in line)
    return fields["public-key"].encode(), fields["secret-key"].encode()


class Client:
    """One REQ socket to <run>/<service>.cmd; on a timeout, a new socket and the same request id."""

    def __init__(self, run_dir, service="findings"):
        self.endpoint = f"ipc://{run_dir}/{service}.cmd"
        self.keys = key_file(os.environ["SEND_KEY_FILE"])
        self.server_key = open(f"{run_dir}/{service}.public").read().strip().encode()
        self.ctx = zmq.Context.instance()
        self.sock = None
        self._connect()

    def _connect(self):
        if self.sock is not None:
            self.sock.close(linger=0)
        self.sock = self.ctx.socket(zmq.REQ)
        self.sock.curve_publickey, self.sock.curve_secretkey = self.keys
        self.sock.curve_serverkey = self.server_key
        self.sock.setsockopt(zmq.LINGER, 0)
        self.sock.setsockopt(zmq.RCVTIMEO, TIMEOUT_MS)
        self.sock.connect(self.endpoint)

    def request(self, command, args=None):
        """Returns the whole reply envelope."""
        request_id = str(uuid.uuid4())
        body = {"v": 1, "id": request_id, "command": command, "args": args or {}}
        for _ in range(ATTEMPTS):
            self.sock.send(json.dumps(body).encode("utf-8"))
            try:
                reply = json.loads(self.sock.recv().decode("utf-8"))
            except zmq.Again:
                self._connect()  # a REQ socket cannot send twice in a row; retry on a new one, same id
                continue
            if reply.get("v") != 1 or reply.get("id") != request_id or "ok" not in reply:
                raise ProtocolError(f"{command}: not a reply envelope for {request_id}: {reply}")
            return reply
        raise ProtocolError(f"{command}: no answer from {self.endpoint}")

    def call(self, command, args=None):
        """Returns `result`, or raises with the error."""
        reply = self.request(command, args)
        if not reply["ok"]:
            raise ProtocolError(f"{command} refused: {reply['error']}")
        return reply["result"]


def expect(condition, message):
    if not condition:
        raise ProtocolError(message)


def run(run_dir, tag):
    c = Client(run_dir)
    seen = {}

    health = c.call("health")
    expect(health.get("status") == "ready", f"health: {health}")

    # 1. An inspection under the 2023 framework, outcome 3: a priority action plan and a monitoring inspection follow.
    area = f"Protocol Shire {tag}"
    added = c.call("inspections.add", {
        "local_area": area, "framework": "2023", "visit_start": "2025-01-06", "visit_end": "2025-01-10",
        "published": "2025-02-12", "outcome": "systemic_failings",
    })
    inspection = added["inspection"]
    inspection_id = inspection["inspection_id"]
    expect(added["recorded"] is True, f"inspections.add: {added}")
    expect(inspection_id == "INS-protocol-shire-" + tag.lower() + "-2025", f"derived inspection id: {inspection_id}")
    expect(set(inspection["deadlines"]) == {"pap_due", "monitoring_expected"}, f"deadlines: {inspection['deadlines']}")
    seen["inspection_id"] = inspection_id
    seen["deadlines"] = inspection["deadlines"]

    # 2. Two findings, one with a given id, one derived.
    f1 = c.call("findings.add", {
        "inspection_id": inspection_id, "finding_id": f"{inspection_id}-F01", "kind": "priority_area",
        "theme": "waiting times", "summary": "Children wait too long for an autism assessment",
        "evidence": ["Waiting times for neurodevelopmental assessment are too long."], "bodies": ["health_commissioners"],
    })["finding"]
    f2 = c.call("findings.add", {
        "inspection_id": inspection_id, "kind": "area_for_improvement", "theme": "local offer",
        "summary": "The local offer is hard for families to use", "bodies": ["local_authority"],
    })["finding"]
    expect(f2["finding_id"] == f"{inspection_id}-F02", f"derived finding id: {f2['finding_id']}")
    recorded = [f1["finding_id"], f2["finding_id"]]

    # A priority area belongs to 2023, an area of significant weakness to 2016: refused, naming `kind`.
    wrong = c.request("findings.add", {"inspection_id": inspection_id, "kind": "area_of_significant_weakness",
                                       "theme": "x", "summary": "y", "bodies": ["schools"]})
    expect(not wrong["ok"] and wrong["error"]["code"] == "invalid" and wrong["error"]["field"] == "kind", f"kind check: {wrong}")

    # 3. A report file, imported twice.
    report = {
        "notes": "Written by the protocol test.",
        "inspection": {"local_area": f"Report Vale {tag}", "framework": "2016", "visit_start": "2017-12-04",
                       "visit_end": "2017-12-08", "published": "2017-12-20", "outcome": "wsoa_required"},
        "findings": [
            {"kind": "area_of_significant_weakness", "theme": "exclusions",
             "summary": "Exclusions are too high", "bodies": ["schools", "local_authority"]},
            {"kind": "strength", "theme": "attendance", "summary": "Attendance is high", "bodies": ["schools"]},
        ],
    }
    first = c.call("findings.import", report)
    report_id = first["inspection_id"]
    expect(first["recorded"] == 2 and first["unchanged"] is False, f"first import: {first}")
    expect(first["deadlines"].get("wsoa_due") == "2018-04-04", f"WSoA due (Christmas and Easter): {first['deadlines']}")
    again = c.call("findings.import", report)
    expect(again["recorded"] == 0 and again["unchanged"] is True and again["findings"] == first["findings"], f"second import: {again}")
    recorded += first["findings"]

    # 4. A bad report: every bad field named by its JSON path, nothing recorded.
    bad = json.loads(json.dumps(report))
    bad["inspection"]["local_area"] = f"Bad Report {tag}"
    bad["inspection"]["published"] = "2018-02-30"
    bad["findings"][0]["kind"] = "weakness"
    del bad["findings"][1]["summary"]
    refused = c.request("findings.import", bad)
    expect(not refused["ok"] and refused["error"]["code"] == "invalid", f"bad import: {refused}")
    paths = sorted(d["field"] for d in refused["error"]["details"])
    expect(paths == ["findings[0].kind", "findings[1].summary", "inspection.published"], f"bad import paths: {paths}")
    seen["refused_paths"] = paths

    # 5. Listing, filtered by inspection and kind.
    listed = c.call("findings.list", {"inspection_id": inspection_id})
    expect([f["finding_id"] for f in listed["findings"]] == recorded[:2], f"findings.list: {listed}")
    weaknesses = c.call("findings.list", {"inspection_id": report_id, "kind": "area_of_significant_weakness"})
    expect([f["finding_id"] for f in weaknesses["findings"]] == [f"{report_id}-F01"], f"kind filter: {weaknesses}")
    everything = c.call("findings.list")
    listed_ids = [f["finding_id"] for f in everything["findings"]]
    expect(all(i in listed_ids for i in recorded), f"all findings: {listed_ids}")
    seen["recorded"] = recorded
    seen["listed"] = listed_ids

    # 6. The events, read back from the outbox.
    events, after = [], 0
    while True:
        page = c.call("events.since", {"after": after, "limit": 100})
        events += page["events"]
        if not page["events"] or events[-1]["seq"] == page["last_seq"]:
            break
        after = events[-1]["seq"]
    expect([e["seq"] for e in events] == list(range(1, len(events) + 1)), "events.since: seq is not 1..n without gaps")
    mine = [e for e in events if e["data"].get("inspection_id") in (inspection_id, report_id)]
    types = [e["type"] for e in mine]
    expect(types == ["inspection.recorded", "finding.recorded", "finding.recorded",
                     "inspection.recorded", "finding.recorded", "finding.recorded"], f"event types: {types}")
    recorded_events = [e["data"]["finding_id"] for e in mine if e["type"] == "finding.recorded"]
    expect(recorded_events == recorded, f"finding.recorded ids: {recorded_events}")
    seen["events"] = types
    return seen


def main(argv):
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        print(__doc__, file=sys.stderr)
        return 2
    if not os.environ.get("SEND_KEY_FILE"):
        print("findings_client: SEND_KEY_FILE is not set: name the key file to present (docs/PROTOCOL.md, Keys, people and roles)",
              file=sys.stderr)
        return 2
    tag = argv[argv.index("--tag") + 1] if "--tag" in argv else uuid.uuid4().hex[:6]
    try:
        seen = run(argv[1], tag)
    except ProtocolError as error:
        print(f"findings_client: FAILED: {error}", file=sys.stderr)
        return 1
    print(json.dumps(seen, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
