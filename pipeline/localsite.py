"""A board's web site on 127.0.0.1, for the refresh tests and `make bench`: a real HTTP/1.1
server (http.server) serving the files of a folder with ETag and Last-Modified, answering
conditional requests with 304 as nginx does, plus scripted routes for what real sites do
wrong (errors, redirect loops, slow or oversized responses). Every request is logged.

    python -m boardplans.pipeline.localsite FOLDER [PORT]    # serves FOLDER; prints its address
"""
from __future__ import annotations

import sys
import threading
import time
from dataclasses import dataclass, field
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable, Sequence
from urllib.parse import unquote, urlsplit

TYPES = {".pdf": "application/pdf", ".html": "text/html; charset=utf-8", ".txt": "text/plain; charset=utf-8"}


@dataclass(frozen=True)
class Seen:
    path: str
    if_none_match: str
    if_modified_since: str
    user_agent: str
    status: int
    time: float  # time.monotonic() when the request arrived


@dataclass
class Reply:
    """A scripted response: status, headers, body, after `delay` seconds."""
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    length: bool = True  # False: no Content-Length, the body ends when the connection closes


Route = Callable[["_Handler"], "Reply | None"]  # None: serve the file as usual


def replies(*script: Reply | None) -> Route:
    """The replies in turn, then the last one for ever (None: the file)."""
    todo = list(script)
    lock = threading.Lock()

    def route(_: _Handler) -> Reply | None:
        with lock:
            return todo.pop(0) if len(todo) > 1 else todo[0]
    return route


def redirect(location: str, status: int = 302) -> Route:
    return lambda _: Reply(status, headers={"Location": location})


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as real sites
    disable_nagle_algorithm = True  # TCP_NODELAY, as nginx on keep-alive: no 40 ms stall between headers and body
    server: _Server

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        arrived = time.monotonic()
        path = unquote(urlsplit(self.path).path)
        route = self.server.site.routes.get(path)
        reply = route(self) if route else None
        if reply is None:
            reply = self.server.site.file_reply(path, self.headers.get("If-None-Match", ""),
                                                self.headers.get("If-Modified-Since", ""))
        self.server.site.log(Seen(path, self.headers.get("If-None-Match", ""),
                                  self.headers.get("If-Modified-Since", ""), self.headers.get("User-Agent", ""),
                                  reply.status, arrived))
        if reply.delay:
            time.sleep(reply.delay)
        try:
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            if reply.status != 304 and reply.length:
                self.send_header("Content-Length", str(len(reply.body)))
            elif reply.status != 304:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            if reply.status != 304:
                self.wfile.write(reply.body)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (a time-out, a size limit)
            self.close_connection = True


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    site: Site


class Site:
    """`with Site(folder) as site: site.url("plans/a.pdf")`."""

    def __init__(self, root: Path, port: int = 0) -> None:
        self.root = Path(root)
        self.routes: dict[str, Route] = {}
        self.requests: list[Seen] = []
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", port), _Handler)
        self._server.site = self
        self._thread: threading.Thread | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def url(self, path: str) -> str:
        return f"{self.base}/{path.lstrip('/')}"

    def log(self, seen: Seen) -> None:
        with self._lock:
            self.requests.append(seen)

    def seen(self, prefix: str = "/") -> list[Seen]:
        """The requests so far whose path starts with `prefix`, and forget them."""
        with self._lock:
            hits = [s for s in self.requests if s.path.startswith(prefix)]
            self.requests = [s for s in self.requests if not s.path.startswith(prefix)]
        return hits

    def file_reply(self, path: str, if_none_match: str, if_modified_since: str) -> Reply:
        target = (self.root / path.lstrip("/")).resolve()
        if target.is_dir():
            target = target / "index.html"
        if not target.is_relative_to(self.root.resolve()) or not target.is_file():
            return Reply(404, b"<html><body>Not found</body></html>", {"Content-Type": "text/html"})
        stat = target.stat()
        etag = f'"{stat.st_mtime_ns:x}-{stat.st_size:x}"'
        headers = {"ETag": etag, "Last-Modified": formatdate(stat.st_mtime, usegmt=True),
                   "Content-Type": TYPES.get(target.suffix.lower(), "application/octet-stream")}
        if if_none_match:  # RFC 9110: If-None-Match, when sent, decides alone
            if etag in [tag.strip() for tag in if_none_match.split(",")]:
                return Reply(304, headers=headers)
        elif if_modified_since:
            try:
                if int(stat.st_mtime) <= parsedate_to_datetime(if_modified_since).timestamp():
                    return Reply(304, headers=headers)
            except (TypeError, ValueError):
                pass
        return Reply(200, target.read_bytes(), headers)

    def __enter__(self) -> Site:
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) not in (1, 2) or not Path(args[0]).is_dir() or (len(args) == 2 and not args[1].isdigit()):
        print("usage: python -m boardplans.pipeline.localsite FOLDER [PORT]", file=sys.stderr)
        return 2
    with Site(Path(args[0]), int(args[1]) if len(args) == 2 else 0) as site:
        print(site.base, flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
