#!/usr/bin/env python3
"""Self-test of browser_flow.py against the fixtures, served under the portal's strict CSP.

Starts fixture_server.py's server on a free loopback port (Content-Security-Policy: default-src
'none'; style-src 'self'), runs browser_flow.py on a few walks and checks what it reports:
  - an accessible form, filled, ticked and sent: 303 then 200, no failure, exit 0; the csrf cookie
    read with SameSite=Strict; axe-core injected and run although page scripts are blocked;
  - a page whose inline script the CSP blocks: the script did not run, Runtime.evaluate and axe
    still work, the CSP violation is in the navigation's errors (a failure with --fail-on-errors);
  - a field without a label: axe's `label` violation, with its target, exit 1;
  - a page wider than a phone: horizontal scrolling reported, exit 1;
  - a wrong csrf field: 403; an expectation that does not hold: exit 1, the walk goes on;
  - flows/respond.json (the portal's questionnaire walk, --var code=…) on Tests/Portal/portal_standin.py;
  - a page that does not load: the step fails and the rest are skipped.
Usage: selftest_browser_flow.py [--chromium PATH] [--keep DIR]
Prints one line per check and, last, 'N passed, N failed'; exits 1 when any check failed.
"""
import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import fixture_server  # noqa: E402

passed = failed = 0


def check(name, condition, detail=""):
    global passed, failed
    if condition:
        passed += 1
        print(f"ok   {name}")
    else:
        failed += 1
        print(f"FAIL {name}: {str(detail)[:1500]}")


def walk(base, steps, chromium, *extra):
    r = subprocess.run([sys.executable, os.path.join(HERE, "browser_flow.py"), "--base", base, "--chromium", chromium,
                        "--timeout", "20", *extra, "-"], input=json.dumps(steps), capture_output=True, text=True, timeout=180)
    try:
        return r.returncode, json.loads(r.stdout)
    except ValueError:
        return r.returncode, {"unparsed": r.stdout[-2000:], "stderr": r.stderr[-2000:], "failures": ["unparsed"],
                              "steps": [], "navigations": []}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--chromium", default=shutil.which("chromium") or shutil.which("chromium-browser") or "chromium")
    parser.add_argument("--keep", help="leave the screenshots in this directory")
    args = parser.parse_args()
    server = fixture_server.start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    shots = args.keep or tempfile.mkdtemp(prefix="spb-flow-")
    try:
        # 1. The accessible form, start to finish.
        code, out = walk(base, [
            {"goto": "/form.html"}, {"expect_status": 200}, {"read_cookie": "csrf"}, {"axe": True},
            {"fill": {"code": "ABCD-1234", "text": "Our cookie was {{csrf}}"}}, {"check": {"reply_by": "email", "updates": True}},
            {"screenshot": os.path.join(shots, "form.png"), "width": 375},
            {"submit": "Send answers"}, {"expect_status": 200}, {"expect_text": "Thank you We have your answers"}, {"axe": True},
        ], args.chromium)
        check("accessible form: exit 0, no failure", code == 0 and out["failures"] == [], out.get("failures"))
        steps = out["steps"]
        check("accessible form: every step ok", len(steps) == 11 and all(s["ok"] for s in steps),
              [s for s in steps if not s["ok"]])
        if len(steps) == 11:
            cookie = steps[2]["result"]
            check("read_cookie: value and SameSite=Strict", cookie["value"] == "fixture-csrf-token" and cookie["sameSite"] == "Strict", cookie)
            check("fill: {{csrf}} replaced by the cookie read", steps[4]["result"]["text"]["value"] == "Our cookie was fixture-csrf-token",
                  steps[4]["result"])
            check("axe: axe-core 4.x ran under default-src 'none'", steps[3]["result"]["version"].startswith("4.")
                  and steps[3]["result"]["violations"] == [], steps[3]["result"])
            sent = steps[7]["result"]
            check("submit: 303 to /thanks.html, then 200", sent["status"] == 200 and [r["status"] for r in sent["redirects"]] == [303]
                  and sent["url"].endswith("/thanks.html"), sent)
            files = steps[6]["result"]["files"]
            check("screenshot: 375, 1280 and 200% zoom written", len(files) == 3 and all(os.path.getsize(f) > 1000 for f in files), files)
        check("final URL", out.get("final_url", "").endswith("/thanks.html"), out.get("final_url"))
        navs = out["navigations"]
        check("navigations: text and security headers recorded", len(navs) == 2 and "Tell us what you think" in navs[0]["text"]
              and navs[0]["headers"].get("content-security-policy") == "default-src 'none'; style-src 'self'", navs[:1])

        # 2. Page scripts blocked, the DevTools protocol not.
        code, out = walk(base, [{"goto": "/csp-probe.html"}, {"expect_text": "must not run"}, {"axe": True}], args.chromium)
        check("CSP probe: the inline script did not run; axe ran", code == 0 and out["failures"] == []
              and "SCRIPT RAN" not in out["navigations"][0]["text"], out.get("failures"))
        errors = out["navigations"][0]["errors"] if out["navigations"] else []
        check("CSP probe: the violation is in the navigation's errors", any("Content Security Policy" in e["text"] for e in errors), errors)
        code, out = walk(base, [{"goto": "/csp-probe.html"}], args.chromium, "--fail-on-errors")
        check("CSP probe with --fail-on-errors: exit 1", code == 1 and out["failures"] and out["failures"][0]["step"] == "navigation",
              out.get("failures"))

        # 3. The deliberate axe violation.
        code, out = walk(base, [{"goto": "/missing-label.html"}, {"axe": True}], args.chromium)
        violations = [v for f in out["failures"] if isinstance(f, dict) for v in f.get("violations", [])]
        check("missing label: exit 1, axe `label` reported with its target", code == 1 and any(
            v["id"] == "label" and ["#unlabelled-code"] in v["targets"] for v in violations), out.get("failures"))
        check("missing label: the violation has impact and help", any(v["impact"] and v["help"] for v in violations), violations)
        code, out = walk(base, [{"goto": "/missing-label.html"}, {"axe": {"disable": ["label"]}}], args.chromium)
        check("axe: a disabled rule is left out", code == 0 and out["failures"] == [], out.get("failures"))

        # 4. Too wide for a phone.
        code, out = walk(base, [{"goto": "/wide.html"}, {"screenshot": os.path.join(shots, "wide.png"), "width": 375}], args.chromium)
        wide = [f for f in out["failures"] if isinstance(f, dict) and "horizontal_scrolling" in f]
        check("wide page: horizontal scrolling at 375 and 200% zoom", code == 1 and wide
              and {"phone_375", "zoom_200_percent"} <= set(wide[0]["horizontal_scrolling"]), out.get("failures"))

        # 5. A wrong csrf field, wrong expectations, the browser's own checks.
        code, out = walk(base, [
            {"goto": "/form.html"}, {"fill": {"code": "X", "csrf": "not-the-cookie"}}, {"submit": 0},
            {"expect_status": 403}, {"expect_text": "This form has expired"},
            {"expect_status": 200}, {"expect_text": "Thank you"}, {"goto": "/thanks.html"}, {"expect_status": [200, 304]},
        ], args.chromium)
        check("wrong csrf: 403 page; the two wrong expectations fail and the walk goes on", code == 1 and len(out["failures"]) == 2
              and [s["ok"] for s in out["steps"]] == [True, True, True, True, True, False, False, True, True],
              [(s["step"], s["ok"], s.get("error")) for s in out["steps"]])
        code, out = walk(base, [{"goto": "/form.html"}, {"submit": "Send answers"}], args.chromium)
        check("required field empty: the browser refuses, the step says why", code == 1 and "code" in (out["steps"][1].get("error") or ""),
              out["steps"][1:])
        code, out = walk(base, [{"goto": "/form.html"}, {"submit": "Send answers", "novalidate": True}, {"expect_status": 422},
                                {"expect_text": "enter your short code"}], args.chromium)
        check("novalidate: the server's 422 page", code == 0 and out["failures"] == [], out.get("failures"))
        code, out = walk(base, [{"goto": "/form.html"}, {"fill": {"nosuchfield": "x"}}, {"expect_text": "x"}], args.chromium)
        check("a field that is not there: step fails, the rest skipped", code == 1 and out["steps"][2].get("skipped"), out["steps"])

        # 6. The example walk (flows/respond.json) through the portal stand-in: code, 303, questionnaire, confirmation.
        standin = subprocess.Popen([sys.executable, os.path.join(HERE, "..", "Portal", "portal_standin.py")], stdout=subprocess.PIPE,
                                   text=True)
        try:
            portal = json.loads(standin.stdout.readline())
            r = subprocess.run([sys.executable, os.path.join(HERE, "browser_flow.py"), "--base", f"http://127.0.0.1:{portal['port']}/",
                                "--chromium", args.chromium, "--var", f"code={portal['codes'][0]}", "--screenshot-dir", shots,
                                os.path.join(HERE, "flows", "respond.json")], capture_output=True, text=True, timeout=180)
            out = json.loads(r.stdout) if r.stdout.strip().startswith("{") else {"failures": [r.stdout[-500:], r.stderr[-500:]]}
            navs = out.get("navigations", [])
            check("flows/respond.json on the stand-in: exit 0, 303 to the questionnaire, confirmed", r.returncode == 0
                  and len(navs) == 3 and [x["status"] for x in navs[1]["redirects"]] == [303] and "Thank you" in navs[2]["text"],
                  out.get("failures"))
        finally:
            standin.terminate()
            standin.wait(10)

        # 7. A page that does not load.
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            dead = s.getsockname()[1]
        code, out = walk(base, [{"goto": f"http://127.0.0.1:{dead}/"}, {"axe": True}], args.chromium)
        check("nothing listening: goto fails with the browser's error, axe skipped", code == 1
              and "ERR_CONNECTION_REFUSED" in (out["steps"][0].get("error") or "") and out["steps"][1].get("skipped"), out["steps"])
    finally:
        server.shutdown()
        if not args.keep:
            shutil.rmtree(shots, ignore_errors=True)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
