#!/usr/bin/env python3
"""Walks a family through the portal in a real headless Chromium: forms, statuses, axe-core, widths.

Drives Debian's Chromium over the DevTools protocol (the client in browser_check.py) through a JSON
list of steps, read from a file or from standard input ("-"):

  {"goto": "/respond"}                    load a page (relative URLs are taken against --base)
  {"fill": {"code": "ABCD-1234"}}         set inputs, textareas and selects by name (the first one visible)
  {"check": {"reply_by": "email"}}        tick the radio button or checkbox with that name and value
                                          ({"updates": true|false} ticks or unticks a lone checkbox)
  {"submit": "Send"}                      click the button whose text (or value) is this, with the mouse,
  {"submit": 0}                           or submit form number 0; then wait for the navigation.
                                          "novalidate": true skips the browser's own checks (required, type)
  {"expect_text": "Thank you"}            the page's visible text contains this (spaces collapsed)
  {"expect_status": 200}                  the last navigation's HTTP status (or a list of allowed ones),
                                          from the Network domain; redirects on the way are recorded
  {"axe": true}                           inject axe-core (axe.min.js) and run it with runOnly tags wcag2a,
                                          wcag2aa, wcag21a, wcag21aa, wcag22aa (best-practice rules off);
                                          {"axe": {"disable": ["rule-id"]}} leaves rules out
  {"screenshot": "form.png", "width": 375}  a full-page screenshot at that width (default 1280), one at
                                          1280 and one at 200% zoom (FILE-1280.png, FILE-zoom200.png),
                                          and no horizontal scrolling (scrollWidth <= clientWidth) at
                                          that width, 1280, 200% zoom of 1280 (640 CSS px) and 375
  {"read_cookie": "csrf"}                 the cookie's value and attributes (SameSite, HttpOnly, Secure);
                                          later steps may say {{csrf}} to use the value

Runtime.evaluate is not page script: it works under the portal's Content-Security-Policy without
scripts, and so does axe injected that way. A step that cannot act (a navigation that failed, a
field or button not found) stops the walk; an expectation that does not hold is a failure and the
walk goes on.

Usage: browser_flow.py [--base URL] [--chromium PATH] [--axe FILE] [--timeout SECONDS]
                       [--screenshot-dir DIR] [--var NAME=VALUE ...] [--fail-on-errors] STEPS.json|-
--var gives a value steps use as {{NAME}} (read_cookie adds its cookie's the same way).
--fail-on-errors makes a page's console errors, exceptions and browser log errors (a CSP
violation, a failed load) failures too; they are always in each navigation's "errors".
Prints one JSON object: {"steps": [{"step", "ok", "result"|"error"}...], "navigations": [{"url",
"status", "redirects", "headers", "text", "errors"}...], "final_url", "failures": [...]}.
Exit status 0 when every step held and axe found no violation, 1 otherwise, 2 on a usage or
browser start-up problem.
"""
import argparse
import importlib.util
import json
import os
import re
import shutil
import socket
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from browser_check import Browser, overflow, screenshot, set_viewport, settle  # noqa: E402

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
WIDTHS = {"desktop_1280": (1280, 1, False), "zoom_200_percent": (640, 2, False), "phone_375": (375, 2, True)}


def default_axe():
    """axe.min.js from PyPI's axe-playwright-python, found without importing it (it needs Playwright)."""
    spec = importlib.util.find_spec("axe_playwright_python")
    if spec is None or not spec.submodule_search_locations:
        return None
    return os.path.join(list(spec.submodule_search_locations)[0], "axe.min.js")


class StepError(Exception):
    """A step that could not act: the walk stops here."""


class Flow:
    def __init__(self, browser, base, axe_path, timeout, screenshot_dir, fail_on_errors=False):
        self.browser = browser
        self.base = base
        self.axe_path = axe_path
        self.axe_source = None
        self.timeout = timeout
        self.screenshot_dir = screenshot_dir
        self.fail_on_errors = fail_on_errors
        self.navigations = []
        self.failures = []
        self.variables = {}
        tree = browser.call("Page.getFrameTree", session=True)
        self.frame = tree["frameTree"]["frame"]["id"]
        set_viewport(browser, 1280, 2000)

    # --- events ---------------------------------------------------------------------------------
    def pump(self, until, timeout):
        """Reads events until until(events) is true; False on the deadline."""
        deadline = time.time() + timeout
        while True:
            if until(self.browser.events):
                return True
            remaining = deadline - time.time()
            if remaining <= 0:
                return False
            self.browser.ws.sock.settimeout(max(0.05, min(remaining, 1)))
            try:
                message = json.loads(self.browser.ws.receive())
            except (socket.timeout, TimeoutError):
                continue
            finally:
                self.browser.ws.sock.settimeout(30)
            if "method" in message:
                self.browser.events.append(message)

    def main_frame(self, event, method):
        p = event.get("params", {})
        if event["method"] != method:
            return False
        if method == "Page.frameNavigated":
            return p.get("frame", {}).get("id") == self.frame
        return p.get("frameId", self.frame) == self.frame

    def record_navigation(self, start):
        """The navigation whose events begin at index start: statuses, headers, text, errors."""
        events = self.browser.events[start:]
        status, headers, redirects, url, errors = None, {}, [], None, []
        for e in events:
            m, p = e["method"], e.get("params", {})
            if m == "Network.requestWillBeSent" and p.get("type") == "Document" and p.get("frameId") == self.frame:
                if p.get("redirectResponse"):
                    r = p["redirectResponse"]
                    redirects.append({"status": r.get("status"), "url": r.get("url"),
                                      "location": next((v for k, v in r.get("headers", {}).items()
                                                        if k.lower() == "location"), None)})
            elif m == "Network.responseReceived" and p.get("type") == "Document" and p.get("frameId") == self.frame:
                r = p.get("response", {})
                status, url = r.get("status"), r.get("url")
                headers = {k.lower(): v for k, v in r.get("headers", {}).items()}
            elif m == "Runtime.exceptionThrown":
                d = p.get("exceptionDetails", {})
                errors.append({"kind": "exception", "text": d.get("exception", {}).get("description") or d.get("text", "")})
            elif m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                errors.append({"kind": "console." + p["type"],
                               "text": " ".join(str(a.get("value", a.get("description", ""))) for a in p.get("args", []))})
            elif m == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
                errors.append({"kind": "log", "text": p["entry"].get("text", ""), "url": p["entry"].get("url")})
        settle(self.browser)
        nav = {"url": self.browser.evaluate("location.href"), "status": status, "response_url": url,
               "redirects": redirects, "headers": headers, "text": self.text(), "errors": errors}
        self.navigations.append(nav)
        # The browser logs a page's own 4xx/5xx status as "Failed to load resource"; that status is the
        # expect_status step's business, not an error of the page (a CSP block or a failed sub-load is).
        own = [e for e in errors if not (e["kind"] == "log" and e.get("url") == url
                                         and e["text"].startswith("Failed to load resource: the server responded with a status of"))]
        if own and self.fail_on_errors:
            self.failures.append({"step": "navigation", "url": nav["url"], "errors": own})
        return nav

    def text(self):
        return self.browser.evaluate("document.body ? document.body.innerText : ''") or ""

    def wait_for_load(self, start, what):
        """Waits for the main frame to commit a new document and fire its load event, after index start."""
        def loaded(events):
            committed = False
            for e in events[start:]:
                if self.main_frame(e, "Page.frameNavigated"):
                    committed = True
                elif committed and e["method"] == "Page.loadEventFired":
                    return True
            return False
        if not self.pump(loaded, self.timeout):
            raise StepError(f"{what}: no page loaded within {self.timeout:g} s")

    # --- steps ----------------------------------------------------------------------------------
    def expand(self, value):
        if isinstance(value, str):
            return re.sub(r"\{\{(\w+)\}\}", lambda m: str(self.variables.get(m.group(1), m.group(0))), value)
        if isinstance(value, list):
            return [self.expand(v) for v in value]
        if isinstance(value, dict):
            return {k: self.expand(v) for k, v in value.items()}
        return value

    def goto(self, step):
        url = urllib.parse.urljoin(self.base, step["goto"]) if self.base else step["goto"]
        self.browser.events.clear()
        start = 0
        reply = self.browser.call("Page.navigate", {"url": url}, session=True, timeout=self.timeout)
        if reply.get("errorText"):
            raise StepError(f"goto {url}: {reply['errorText']}")
        self.wait_for_load(start, f"goto {url}")
        nav = self.record_navigation(start)
        return {"url": nav["url"], "status": nav["status"], "redirects": nav["redirects"], "text": nav["text"]}

    def fill(self, step):
        done = {}
        for name, value in step["fill"].items():
            r = self.browser.evaluate("""((name, value) => {
                const all = [...document.getElementsByName(name)].filter(e => ['INPUT', 'TEXTAREA', 'SELECT'].includes(e.tagName)
                    && !['radio', 'checkbox', 'submit', 'button', 'image', 'reset', 'file'].includes((e.type || '').toLowerCase()));
                if (!all.length) return {error: 'no input, textarea or select named ' + JSON.stringify(name)};
                const e = all.find(e => e.offsetParent !== null) || all[0];
                e.focus(); e.value = value;
                e.dispatchEvent(new Event('input', {bubbles: true})); e.dispatchEvent(new Event('change', {bubbles: true}));
                return {tag: e.tagName.toLowerCase(), type: e.type || '', value: e.value, matches: all.length}; })""" +
                f"({json.dumps(name)}, {json.dumps(str(value))})")
            if r is None or "error" in r:
                raise StepError(f"fill: {(r or {}).get('error', 'the page did not answer')}")
            if r["value"] != str(value):
                raise StepError(f"fill {name}: the {r['tag']} took {r['value']!r}, not {str(value)!r}")
            done[name] = r
        return done

    def check(self, step):
        done = {}
        for name, value in step["check"].items():
            r = self.browser.evaluate("""((name, value) => {
                const boxes = [...document.getElementsByName(name)].filter(e => e.tagName === 'INPUT' && ['radio', 'checkbox'].includes(e.type));
                if (!boxes.length) return {error: 'no radio button or checkbox named ' + JSON.stringify(name)};
                let e;
                if (typeof value === 'boolean') {
                    if (boxes.length !== 1) return {error: JSON.stringify(name) + ' has ' + boxes.length + ' boxes: give the value to tick'};
                    e = boxes[0]; e.checked = value;
                } else {
                    e = boxes.find(b => b.value === String(value));
                    if (!e) return {error: 'no ' + JSON.stringify(name) + ' with value ' + JSON.stringify(value) + ' (values: ' + boxes.map(b => b.value).join(', ') + ')'};
                    e.checked = true;
                }
                e.dispatchEvent(new Event('input', {bubbles: true})); e.dispatchEvent(new Event('change', {bubbles: true}));
                const label = e.labels && e.labels.length ? e.labels[0].innerText.trim() : null;
                return {type: e.type, value: e.value, checked: e.checked, label}; })""" +
                f"({json.dumps(name)}, {json.dumps(value)})")
            if r is None or "error" in r:
                raise StepError(f"check: {(r or {}).get('error', 'the page did not answer')}")
            done[name] = r
        return done

    def submit(self, step):
        target = step["submit"]
        novalidate = bool(step.get("novalidate"))
        self.browser.events.clear()
        start = 0
        if isinstance(target, int):
            r = self.browser.evaluate(f"""((i, novalidate) => {{
                const f = document.forms[i]; if (!f) return {{error: 'no form number ' + i + ' (' + document.forms.length + ' forms)'}};
                if (novalidate) f.noValidate = true;
                if (!novalidate && !f.checkValidity()) return {{error: 'the browser refused the form: ' +
                    [...f.elements].filter(e => !e.validity.valid).map(e => e.name + ': ' + e.validationMessage).join('; ')}};
                f.requestSubmit(); return {{form: i, action: f.action, method: f.method}}; }})({target}, {json.dumps(novalidate)})""")
        else:
            r = self.browser.evaluate("""((text, novalidate) => {
                const norm = s => (s || '').replace(/\\s+/g, ' ').trim();
                const buttons = [...document.querySelectorAll('button, input[type=submit], input[type=image]')]
                    .filter(b => (b.type || 'submit').toLowerCase() === 'submit' || b.tagName === 'INPUT');
                const label = b => norm(b.tagName === 'BUTTON' ? b.innerText : (b.value || b.alt));
                const b = buttons.find(b => label(b) === norm(text)) || buttons.find(b => label(b).includes(norm(text)));
                if (!b) return {error: 'no submit button says ' + JSON.stringify(text) + ' (buttons: ' + buttons.map(label).join(' | ') + ')'};
                const f = b.form;
                if (f && novalidate) f.noValidate = true;
                if (f && !f.noValidate && !b.formNoValidate && !f.checkValidity()) return {error: 'the browser refused the form: ' +
                    [...f.elements].filter(e => e.willValidate && !e.validity.valid).map(e => e.name + ': ' + e.validationMessage).join('; ')};
                b.scrollIntoView({block: 'center'});
                const r = b.getBoundingClientRect();
                return {button: label(b), x: r.left + r.width / 2, y: r.top + r.height / 2, width: r.width, height: r.height,
                        action: f ? f.action : null, method: f ? f.method : null}; })""" +
                f"({json.dumps(str(target))}, {json.dumps(novalidate)})")
            if r is not None and "error" not in r:
                if r["width"] <= 0 or r["height"] <= 0:
                    raise StepError(f"submit {target!r}: the button is not visible")
                for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
                    self.browser.call("Input.dispatchMouseEvent", {"type": kind, "x": r["x"], "y": r["y"], "button": "left",
                                                                   "clickCount": 0 if kind == "mouseMoved" else 1}, session=True)
        if r is None or "error" in r:
            raise StepError(f"submit: {(r or {}).get('error', 'the page did not answer')}")
        self.wait_for_load(start, f"submit {target!r}")
        nav = self.record_navigation(start)
        r.update({"url": nav["url"], "status": nav["status"], "redirects": nav["redirects"], "text": nav["text"]})
        return r

    def expect_text(self, step):
        want = " ".join(str(step["expect_text"]).split())
        have = " ".join(self.text().split())
        if want not in have:
            raise AssertionError(f"the page does not say {want!r}; it says: {have[:400]!r}")
        return {"found": want}

    def expect_status(self, step):
        want = step["expect_status"]
        allowed = want if isinstance(want, list) else [want]
        have = self.navigations[-1]["status"] if self.navigations else None
        if have not in allowed:
            raise AssertionError(f"status {have}, expected {want}")
        return {"status": have}

    def axe(self, step):
        options = step["axe"] if isinstance(step["axe"], dict) else {}
        if self.axe_source is None:
            if not self.axe_path or not os.path.exists(self.axe_path):
                raise StepError("axe: no axe.min.js (pip install --no-deps axe-playwright-python, or --axe FILE)")
            with open(self.axe_path, encoding="utf-8") as f:
                self.axe_source = f.read()
        if self.browser.evaluate("typeof window.axe") != "object":
            r = self.browser.call("Runtime.evaluate", {"expression": self.axe_source + "\n;typeof window.axe", "returnByValue": True},
                                  session=True, timeout=self.timeout)
            if r.get("exceptionDetails") or r.get("result", {}).get("value") != "object":
                raise StepError(f"axe: injecting axe.min.js failed: {json.dumps(r)[:400]}")
        run_options = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"],
                       "rules": {rule: {"enabled": False} for rule in options.get("disable", [])}}
        result = self.browser.evaluate(f"""axe.run(document, {json.dumps(run_options)}).then(r => ({{
            version: axe.version, url: r.url,
            violations: r.violations.map(v => ({{id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl, tags: v.tags,
                nodes: v.nodes.map(n => ({{target: n.target, html: n.html.slice(0, 300), summary: n.failureSummary}}))}})),
            incomplete: r.incomplete.map(v => v.id), passes: r.passes.length}}))""", await_promise=True)
        if result is None:
            raise StepError("axe: axe.run gave no result")
        if result["violations"]:
            self.failures.append({"step": "axe", "url": result["url"], "violations": [
                {"id": v["id"], "impact": v["impact"], "help": v["help"], "targets": [n["target"] for n in v["nodes"]]}
                for v in result["violations"]]})
        return result

    def screenshot(self, step):
        path = self.expand(step["screenshot"])
        if self.screenshot_dir and not os.path.isabs(path):
            path = os.path.join(self.screenshot_dir, path)
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        width = int(step.get("width", 1280))
        stem = os.path.splitext(path)[0]
        set_viewport(self.browser, width, 200)  # so that the page's height is its content's, not the window's
        settle(self.browser)
        shots = [screenshot(self.browser, path, width, scale=2 if width < 640 else 1, mobile=width < 640)]
        if width != 1280:
            set_viewport(self.browser, 1280, 200)
            settle(self.browser)
            shots.append(screenshot(self.browser, stem + "-1280.png", 1280))
        set_viewport(self.browser, 640, 200, 2)
        settle(self.browser)
        shots.append(screenshot(self.browser, stem + "-zoom200.png", 640, scale=2))
        widths = dict(WIDTHS)
        widths[f"width_{width}"] = (width, 2 if width < 640 else 1, width < 640)
        result = {"files": shots, "overflow": {}}
        for name, (w, scale, mobile) in widths.items():
            set_viewport(self.browser, w, 2000, scale, mobile)
            settle(self.browser)
            result["overflow"][name] = overflow(self.browser)
        set_viewport(self.browser, 1280, 2000)
        settle(self.browser)
        wide = {k: v for k, v in result["overflow"].items() if v and v["overflows"]}
        if wide:
            self.failures.append({"step": "screenshot", "url": self.browser.evaluate("location.href"),
                                  "horizontal_scrolling": wide})
        return result

    def read_cookie(self, step):
        name = step["read_cookie"]
        url = self.browser.evaluate("location.href")
        cookies = self.browser.call("Network.getCookies", {"urls": [url]}, session=True).get("cookies", [])
        cookie = next((c for c in cookies if c["name"] == name), None)
        if cookie is None:
            raise StepError(f"read_cookie: no cookie {name!r} for {url} (cookies: {[c['name'] for c in cookies]})")
        self.variables[name] = cookie["value"]
        return {k: cookie.get(k) for k in ("name", "value", "domain", "path", "expires", "httpOnly", "secure", "sameSite", "session")}

    ACTIONS = ("goto", "fill", "check", "submit", "expect_text", "expect_status", "axe", "screenshot", "read_cookie")

    def run(self, steps):
        results = []
        stopped = None
        for i, raw in enumerate(steps):
            if stopped is not None:
                results.append({"step": raw, "ok": False, "skipped": f"step {stopped} could not act"})
                continue
            kind = next((k for k in self.ACTIONS if isinstance(raw, dict) and k in raw), None)
            if kind is None:
                results.append({"step": raw, "ok": False, "error": f"unknown step (one of: {', '.join(self.ACTIONS)})"})
                self.failures.append({"step": i, "error": "unknown step"})
                stopped = i
                continue
            step = self.expand(raw)
            before = len(self.failures)
            try:
                result = getattr(self, kind)(step)
                ok = len(self.failures) == before
                results.append({"step": raw, "ok": ok, "result": result})
            except AssertionError as e:
                results.append({"step": raw, "ok": False, "error": str(e)})
                self.failures.append({"step": i, "kind": kind, "error": str(e)})
            except (StepError, RuntimeError, TimeoutError, ConnectionError, OSError) as e:
                results.append({"step": raw, "ok": False, "error": str(e)})
                self.failures.append({"step": i, "kind": kind, "error": str(e)})
                stopped = i
        final = self.browser.evaluate("location.href") if stopped is None or self.navigations else None
        return {"steps": results, "navigations": self.navigations, "final_url": final, "failures": self.failures}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("steps", help="a JSON file with the list of steps, or - for standard input")
    parser.add_argument("--base", default="", help="the URL relative goto steps are taken against, e.g. http://127.0.0.1:8080/")
    parser.add_argument("--chromium", default=shutil.which("chromium") or shutil.which("chromium-browser") or "chromium")
    parser.add_argument("--axe", default=None, help="axe.min.js (default: the one axe-playwright-python ships)")
    parser.add_argument("--timeout", type=float, default=30, help="seconds to wait for each page load")
    parser.add_argument("--screenshot-dir", help="where relative screenshot paths go (default: the current directory)")
    parser.add_argument("--var", action="append", default=[], metavar="NAME=VALUE",
                        help="a value later steps use as {{NAME}} (e.g. --var code=ABCD1234)")
    parser.add_argument("--fail-on-errors", action="store_true",
                        help="a page's console errors, exceptions and browser log errors (such as CSP violations) are failures")
    args = parser.parse_args()
    try:
        text = sys.stdin.read() if args.steps == "-" else open(args.steps, encoding="utf-8").read()
        steps = json.loads(text)
        if not isinstance(steps, list):
            raise ValueError("the steps are not a JSON list")
    except (OSError, ValueError) as e:
        print(json.dumps({"error": f"cannot read the steps from {args.steps}: {e}"}))
        return 2
    variables = {}
    for v in args.var:
        name, eq, value = v.partition("=")
        if not eq or not re.fullmatch(r"\w+", name):
            print(json.dumps({"error": f"--var takes NAME=VALUE, not {v!r}"}))
            return 2
        variables[name] = value
    if not os.path.exists(args.chromium) and not shutil.which(args.chromium):
        print(json.dumps({"error": "Chromium is not installed: apt-get install -y chromium (deploy/test installs it)"}))
        return 2
    try:
        browser = Browser(args.chromium)
    except Exception as e:  # start-up problems are reported, not raised
        print(json.dumps({"error": f"cannot start Chromium: {e}"}))
        return 2
    try:
        flow = Flow(browser, args.base, args.axe or default_axe(), args.timeout, args.screenshot_dir, args.fail_on_errors)
        flow.variables.update(variables)
        report = flow.run(steps)
    finally:
        browser.stop()
    print(json.dumps(report, indent=1))
    return 1 if report["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
