#!/usr/bin/env python3
"""Opens pages in a real headless Chromium and reports what a reader's browser would complain about.

Talks the Chrome DevTools Protocol over a WebSocket (a small client written here on the standard
library: nothing to install besides Chromium). For each page it reports, as JSON on stdout:

- errors: uncaught exceptions, console.error/console.assert, browser log entries of level error
  (failed loads, Content-Security-Policy violations), failed requests;
- requests: every URL the page asked for that is not the page itself, file: or data: (a
  self-contained page asks for none);
- overflow: for each width checked, whether the page is wider than the window (a page that
  reflows has scrollWidth <= clientWidth: desktop 1280 px, 200% zoom on 1280 px = 640 CSS px,
  and a phone, 375 px);
- screenshots written.

Usage: browser_check.py [--chromium PATH] [--screenshot-dir DIR] FILE.html [FILE.html ...]
Exit status 0 when every page loaded (errors are in the JSON; the caller judges), 2 on a usage or
browser start-up problem.
"""
import argparse
import base64
import json
import os
import re
import select
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time


class WebSocket:
    """A minimal RFC 6455 client: text frames, masking, fragmentation, ping/pong, close."""

    def __init__(self, url, timeout=30):
        m = re.match(r"ws://([^:/]+):(\d+)(/.*)", url)
        if not m:
            raise ValueError("not a ws:// url: " + url)
        host, port, path = m.group(1), int(m.group(2)), m.group(3)
        self.sock = socket.create_connection((host, port), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        request = (f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n")
        self.sock.sendall(request.encode())
        self.buffer = b""
        while b"\r\n\r\n" not in self.buffer:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("connection closed during the WebSocket handshake")
            self.buffer += chunk
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        if b" 101 " not in head.split(b"\r\n", 1)[0]:
            raise ConnectionError("WebSocket handshake refused: " + head.decode(errors="replace"))

    def _read(self, n):
        while len(self.buffer) < n:
            chunk = self.sock.recv(max(65536, n - len(self.buffer)))
            if not chunk:
                raise ConnectionError("WebSocket closed")
            self.buffer += chunk
        data, self.buffer = self.buffer[:n], self.buffer[n:]
        return data

    def _send_frame(self, opcode, payload):
        header = bytes([0x80 | opcode])
        n = len(payload)
        if n < 126:
            header += bytes([0x80 | n])
        elif n < 65536:
            header += bytes([0x80 | 126]) + struct.pack(">H", n)
        else:
            header += bytes([0x80 | 127]) + struct.pack(">Q", n)
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(header + mask + masked)

    def send(self, text):
        self._send_frame(0x1, text.encode())

    def receive(self):
        """The next text message (reassembled), answering pings on the way."""
        message = b""
        while True:
            b0, b1 = self._read(2)
            opcode, fin = b0 & 0x0F, b0 & 0x80
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack(">H", self._read(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self._read(8))[0]
            if b1 & 0x80:
                mask = self._read(4)
                payload = bytes(b ^ mask[i % 4] for i, b in enumerate(self._read(n)))
            else:
                payload = self._read(n)
            if opcode == 0x9:
                self._send_frame(0xA, payload)
                continue
            if opcode == 0x8:
                raise ConnectionError("WebSocket closed by the browser")
            if opcode in (0x1, 0x2, 0x0):
                message += payload
                if fin:
                    return message.decode()

    def close(self):
        try:
            self._send_frame(0x8, b"")
        except OSError:
            pass
        self.sock.close()


class Browser:
    """A headless Chromium with one page, driven over the DevTools protocol."""

    def __init__(self, chromium):
        self.profile = tempfile.mkdtemp(prefix="spb-chromium-")
        self.process = subprocess.Popen(
            [chromium, "--headless", "--disable-gpu", "--no-sandbox", "--no-first-run", "--no-default-browser-check",
             "--disable-extensions", "--disable-background-networking", "--disable-sync", "--mute-audio",
             f"--user-data-dir={self.profile}", "--remote-debugging-port=0", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        url = None
        deadline = time.time() + 60
        line = b""
        while time.time() < deadline and url is None:
            ready, _, _ = select.select([self.process.stderr], [], [], 1)
            if not ready:
                if self.process.poll() is not None:
                    break
                continue
            byte = self.process.stderr.read(1)
            if not byte:
                break
            if byte == b"\n":
                m = re.search(rb"DevTools listening on (ws://\S+)", line)
                if m:
                    url = m.group(1).decode()
                line = b""
            else:
                line += byte
        if url is None:
            self.stop()
            raise RuntimeError("Chromium did not start (no 'DevTools listening on' line within 60 s)")
        # Keep draining stderr so Chromium never blocks on a full pipe.
        import threading
        threading.Thread(target=self._drain, daemon=True).start()
        self.ws = WebSocket(url)
        self.next_id = 0
        self.events = []
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Runtime", "Log", "Page", "Network"):
            self.call(domain + ".enable", session=True)

    def _drain(self):
        try:
            while self.process.stderr.read(65536):
                pass
        except (OSError, ValueError):
            pass

    def call(self, method, params=None, session=False, timeout=60):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = self.session
        self.ws.send(json.dumps(message))
        deadline = time.time() + timeout
        while time.time() < deadline:
            reply = json.loads(self.ws.receive())
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            if "method" in reply:
                self.events.append(reply)
        raise TimeoutError(method)

    def wait_for_event(self, name, timeout=60):
        for i, e in enumerate(self.events):
            if e["method"] == name:
                return self.events.pop(i)
        deadline = time.time() + timeout
        while time.time() < deadline:
            e = json.loads(self.ws.receive())
            if e.get("method") == name:
                return e
            if "method" in e:
                self.events.append(e)
        raise TimeoutError(name)

    def evaluate(self, expression, await_promise=False):
        r = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": await_promise},
                      session=True)
        return r.get("result", {}).get("value")

    def stop(self):
        try:
            if hasattr(self, "ws"):
                self.ws.close()
        except OSError:
            pass
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.profile, ignore_errors=True)


def set_viewport(browser, width, height, scale=1, mobile=False):
    browser.call("Emulation.setDeviceMetricsOverride",
                 {"width": width, "height": height, "deviceScaleFactor": scale, "mobile": mobile}, session=True)


def settle(browser):
    """Two animation frames and a macrotask: layout done, late errors reported."""
    browser.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(r, 50))))",
                     await_promise=True)


def overflow(browser):
    return browser.evaluate("""(() => { const d = document.documentElement;
        const wide = [...document.querySelectorAll('body *')].filter(e => {
            const r = e.getBoundingClientRect();
            if (r.right <= d.clientWidth + 1) return false;
            for (let p = e.parentElement; p && p !== document.body; p = p.parentElement) {
                const o = getComputedStyle(p).overflowX; if (o === 'auto' || o === 'scroll' || o === 'hidden') return false; }
            return true; }).slice(0, 5).map(e => e.tagName.toLowerCase() + (e.className && e.className.baseVal === undefined ? '.' + e.className : ''));
        return {scrollWidth: d.scrollWidth, clientWidth: d.clientWidth, overflows: d.scrollWidth > d.clientWidth + 1, wide}; })()""")


def screenshot(browser, path, width, max_height=12000, scale=1, mobile=False):
    height = int(browser.evaluate("Math.ceil(document.documentElement.scrollHeight)") or 1000)
    height = max(200, min(height, max_height))
    set_viewport(browser, width, height, scale, mobile)
    settle(browser)
    shot = browser.call("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": False}, session=True)
    with open(path, "wb") as f:
        f.write(base64.b64decode(shot["data"]))
    return path


def check(browser, path, screenshot_dir):
    url = "file://" + os.path.abspath(path)
    browser.events.clear()
    set_viewport(browser, 1280, 2000)
    browser.call("Page.navigate", {"url": url}, session=True)
    browser.wait_for_event("Page.loadEventFired")
    settle(browser)
    report = {"file": path, "title": browser.evaluate("document.title"), "errors": [], "requests": [], "overflow": {},
              "screenshots": []}
    widths = {"desktop_1280": (1280, 1, False), "zoom_200_percent": (640, 2, False), "phone_375": (375, 2, True)}
    for name, (width, scale, mobile) in widths.items():
        set_viewport(browser, width, 2000, scale, mobile)
        settle(browser)
        report["overflow"][name] = overflow(browser)
    if screenshot_dir:
        base = os.path.join(screenshot_dir, os.path.splitext(os.path.basename(path))[0])
        report["screenshots"].append(screenshot(browser, base + ".png", 1280))
        report["screenshots"].append(screenshot(browser, base + "-phone.png", 375, scale=2, mobile=True))
    # Every event received so far, in order.
    for e in browser.events:
        m, p = e["method"], e.get("params", {})
        if m == "Runtime.exceptionThrown":
            d = p.get("exceptionDetails", {})
            text = d.get("exception", {}).get("description") or d.get("text", "")
            report["errors"].append({"kind": "exception", "text": text, "line": d.get("lineNumber")})
        elif m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
            text = " ".join(str(a.get("value", a.get("description", ""))) for a in p.get("args", []))
            report["errors"].append({"kind": "console." + p["type"], "text": text})
        elif m == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
            report["errors"].append({"kind": "log", "text": p["entry"].get("text", ""), "url": p["entry"].get("url")})
        elif m == "Network.loadingFailed" and not p.get("canceled"):
            report["errors"].append({"kind": "request failed", "text": p.get("errorText", "")})
        elif m == "Network.requestWillBeSent":
            u = p.get("request", {}).get("url", "")
            if u != url and not u.startswith("data:"):
                report["requests"].append(u)
    return report


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--chromium", default=shutil.which("chromium") or shutil.which("chromium-browser") or "chromium")
    parser.add_argument("--screenshot-dir")
    parser.add_argument("files", nargs="+")
    args = parser.parse_args()
    if not os.path.exists(args.chromium) and not shutil.which(args.chromium):
        print(json.dumps({"error": "Chromium is not installed: apt-get install -y chromium (deploy/test installs it)"}))
        return 2
    try:
        browser = Browser(args.chromium)
    except Exception as e:  # start-up problems are reported, not raised
        print(json.dumps({"error": f"cannot start Chromium: {e}"}))
        return 2
    try:
        pages = [check(browser, f, args.screenshot_dir) for f in args.files]
    finally:
        browser.stop()
    print(json.dumps({"pages": pages}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
