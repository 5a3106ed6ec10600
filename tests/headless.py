"""A page rendered by headless Chromium (Debian's `chromium`), driven over the DevTools
protocol on a pipe (--remote-debugging-pipe: no port, no websocket library): the screenshot,
what the console said, the exceptions thrown and every URL the page requested."""
from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars"]


@dataclass
class Rendered:
    screenshot: bytes = b""
    console: list[str] = field(default_factory=list)   # "level: text" of console messages and log entries
    errors: list[str] = field(default_factory=list)    # console errors, exceptions, failed loads
    requests: list[str] = field(default_factory=list)  # every URL the page asked for


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


class _Pipe:
    def __init__(self, proc: subprocess.Popen, write_fd: int, read_fd: int):
        self.proc, self.write_fd, self.read_fd = proc, write_fd, read_fd
        self.buffer = b""
        self.next_id = 0
        self.events: list[dict] = []

    def send(self, method: str, params: dict | None = None, session: str | None = None, timeout: float = 30) -> dict:
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self.write_fd, json.dumps(message).encode() + b"\0")
        reply = self.wait(lambda m: m.get("id") == self.next_id, timeout)
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply.get("result", {})

    def wait(self, done, timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            while b"\0" in self.buffer:
                raw, self.buffer = self.buffer.split(b"\0", 1)
                message = json.loads(raw)
                if done(message):
                    return message
                self.events.append(message)
            chunk = os.read(self.read_fd, 1 << 16)
            if not chunk:
                raise RuntimeError(f"chromium exited (code {self.proc.poll()})")
            self.buffer += chunk
        raise TimeoutError("chromium did not answer in time")


def render(url: str, width: int = 1280, height: int = 2000, timeout: float = 60) -> Rendered:
    """Load `url`, wait for its load event, and take a screenshot of the first `height` pixels."""
    binary = chromium()
    if binary is None:
        raise FileNotFoundError("chromium is not installed (apt-get install chromium)")
    to_chrome_r, to_chrome_w = os.pipe()
    from_chrome_r, from_chrome_w = os.pipe()

    def wire() -> None:  # the protocol's fds: chromium reads 3 and writes 4
        os.dup2(to_chrome_r, 3)
        os.dup2(from_chrome_w, 4)

    with tempfile.TemporaryDirectory(prefix="bp-chromium-") as profile:
        proc = subprocess.Popen([binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--remote-debugging-pipe",
                                 f"--window-size={width},{height}", "about:blank"],
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                preexec_fn=wire, pass_fds=(3, 4))
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        pipe = _Pipe(proc, to_chrome_w, from_chrome_r)
        try:
            return _drive(pipe, url, width, height, timeout)
        finally:
            try:
                pipe.send("Browser.close", timeout=5)
            except (RuntimeError, TimeoutError, OSError):
                pass
            os.close(to_chrome_w)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            os.close(from_chrome_r)


def _drive(pipe: _Pipe, url: str, width: int, height: int, timeout: float) -> Rendered:
    target = pipe.send("Target.createTarget", {"url": "about:blank"})["targetId"]
    session = pipe.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
    for domain in ("Page", "Runtime", "Log", "Network"):
        pipe.send(f"{domain}.enable", session=session)
    pipe.send("Emulation.setDeviceMetricsOverride",
              {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False}, session=session)
    pipe.send("Page.navigate", {"url": url}, session=session)
    pipe.wait(lambda m: m.get("method") == "Page.loadEventFired" and m.get("sessionId") == session, timeout)
    shot = pipe.send("Page.captureScreenshot", {"format": "png"}, session=session)["data"]
    out = Rendered(base64.b64decode(shot))
    for event in pipe.events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.consoleAPICalled":
            text = " ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", []))
            out.console.append(f"{params.get('type')}: {text}")
            if params.get("type") in ("error", "assert"):
                out.errors.append(text)
        elif method == "Log.entryAdded":
            entry = params["entry"]
            out.console.append(f"{entry['level']}: {entry['text']}")
            if entry["level"] == "error":
                out.errors.append(entry["text"])
        elif method == "Runtime.exceptionThrown":
            out.errors.append(params["exceptionDetails"].get("text", "exception"))
        elif method == "Network.requestWillBeSent":
            out.requests.append(params["request"]["url"])
        elif method == "Network.loadingFailed":
            out.errors.append(f"failed to load: {params.get('errorText')}")
    return out
