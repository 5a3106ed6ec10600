"""A careful HTTP client for the boards' sites (httpx, asynchronous).

Every request is conditional when the previous run stored validators (If-None-Match with
the ETag, If-Modified-Since with the Last-Modified), so a 304 costs no download. Each
attempt has a time limit for the whole response and a size limit for its body; redirects are
followed by hand, counted and checked for loops; 5xx, 429, time-outs and dropped
connections are retried with exponential backoff (Retry-After honoured); each host gets a
fixed number of requests at once and a delay between their starts; robots.txt is read once
per host and respected (RFC 9309: unreachable means disallowed); the User-Agent names the
project. What comes back is judged by its bytes, not its name or Content-Type.
"""
from __future__ import annotations

import asyncio
import hashlib
import random
import time
import uuid
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, fields, replace
from email.utils import parsedate_to_datetime
from enum import StrEnum
from http import HTTPStatus
from importlib import metadata
from pathlib import Path
from http.cookiejar import CookieJar
from typing import Any, AsyncIterator, Callable, Mapping
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import httpx

from .extract import DocumentError, sniff

AGENT = "boardplans"
ROBOTS_MAX_BYTES = 500 * 1024   # RFC 9309: a crawler may ignore what follows the first 500 KiB
MAX_CRAWL_DELAY = 60.0          # a robots.txt Crawl-delay is honoured up to this many seconds
MAX_RETRY_AFTER = 120.0         # a Retry-After longer than this fails the URL for this run
MAX_CONNECTIONS = 64            # connections a run holds open at once, to all hosts together


def _version() -> str:
    try:
        return metadata.version("boardplans")
    except metadata.PackageNotFoundError:
        return "0"


@dataclass(frozen=True)
class FetchSettings:
    """How carefully to fetch: the [fetch] table of the sources file."""
    timeout: float = 60.0       # seconds allowed for one attempt, the whole response
    max_mb: float = 100.0       # a body larger than this is refused
    max_redirects: int = 5
    retries: int = 3            # further attempts after a 5xx, a 429, a time-out or a dropped connection
    backoff: float = 2.0        # seconds before the first retry, doubled for each one after
    per_host: int = 2           # requests to one host at once
    delay: float = 1.0          # seconds between the starts of two requests to one host
    contact: str = ""           # an address the boards can reach you at, added to the User-Agent

    @classmethod
    def resolve(cls, value: FetchSettings | Mapping[str, Any] | None) -> FetchSettings:
        if value is None:
            return cls()
        if isinstance(value, cls):
            return value
        known = {f.name: f.type for f in fields(cls)}
        unknown = sorted(set(value) - set(known))
        if unknown:
            raise ValueError(f"unknown setting(s) {unknown}; known: {sorted(known)}")
        defaults = cls()
        for name, given in value.items():
            want = type(getattr(defaults, name))
            ok = isinstance(given, str) if want is str else (
                isinstance(given, (int, float)) and not isinstance(given, bool) and (want is float or isinstance(given, int)))
            if not ok:
                raise ValueError(f"{name} = {given!r}: must be {'a string' if want is str else 'a number'}"
                                 + (" (a whole number)" if want is int else ""))
        settings = replace(defaults, **dict(value))
        for name in ("timeout", "max_mb", "per_host"):
            if getattr(settings, name) <= 0:
                raise ValueError(f"{name} = {getattr(settings, name)!r}: must be more than 0")
        for name in ("max_redirects", "retries", "backoff", "delay"):
            if getattr(settings, name) < 0:
                raise ValueError(f"{name} = {getattr(settings, name)!r}: must not be negative")
        return settings

    @property
    def user_agent(self) -> str:
        contact = f"; {self.contact}" if self.contact else ""
        return f"{AGENT}/{_version()} (safeguarding board plans, nightly refresh{contact})"

    @property
    def max_bytes(self) -> int:
        return int(self.max_mb * 1024 * 1024)


class Outcome(StrEnum):
    FETCHED = "fetched"      # a body came back (new, or the same bytes again)
    UNCHANGED = "unchanged"  # 304 Not Modified
    FAILED = "failed"


class Expect(StrEnum):
    PDF = "pdf"
    PAGE = "page"
    ANY = "any"              # a PDF, or a page of links to PDFs


@dataclass(frozen=True)
class Validators:
    etag: str = ""
    last_modified: str = ""

    def headers(self) -> dict[str, str]:
        out = {}
        if self.etag:
            out["If-None-Match"] = self.etag
        if self.last_modified:
            out["If-Modified-Since"] = self.last_modified
        return out


@dataclass
class Fetched:
    url: str
    outcome: Outcome
    reason: str = ""
    status: int | None = None            # HTTP status of the last response
    final_url: str = ""
    validators: Validators = field(default_factory=Validators)
    body: Path | None = None             # the bytes, in a temporary file (fetched only)
    sha256: str = ""
    size: int = 0
    kind: str = ""                       # pdf or page, by the bytes
    content_type: str = ""
    attempts: int = 0
    redirects: int = 0

    def text(self) -> str:
        """The body of a page, decoded by its declared charset (else UTF-8)."""
        assert self.body is not None
        charset = "utf-8"
        for part in self.content_type.split(";")[1:]:
            key, _, value = part.partition("=")
            if key.strip().lower() == "charset" and value.strip():
                charset = value.strip().strip('"')
        try:
            return self.body.read_bytes().decode(charset, errors="replace")
        except LookupError:
            return self.body.read_bytes().decode("utf-8", errors="replace")

    def discard(self) -> None:
        if self.body is not None:
            self.body.unlink(missing_ok=True)
            self.body = None


class _Failure(Exception):
    """An attempt that ended without a usable response; `retry` when trying again may help."""

    def __init__(self, reason: str, retry: bool = False, status: int | None = None, wait: float | None = None):
        super().__init__(reason)
        self.reason, self.retry, self.status, self.wait = reason, retry, status, wait
        self.attempts = 1


@dataclass
class Hosts:
    """What a run learns about each host, kept across its fetches: robots.txt's verdict, the
    delay it asks for, and when the next request may start."""
    robots: dict[str, tuple[RobotFileParser | None, str]] = field(default_factory=dict)
    delay: dict[str, float] = field(default_factory=dict)
    next_start: dict[str, float] = field(default_factory=dict)


class _HostGate:
    """At most `per_host` requests to a host at once, their starts the host's delay apart."""

    def __init__(self, host: str, per_host: int, hosts: Hosts) -> None:
        self.host, self.hosts = host, hosts
        self.slots = asyncio.Semaphore(per_host)
        self.lock = asyncio.Lock()

    async def __aenter__(self) -> None:
        await self.slots.acquire()
        async with self.lock:
            now = time.monotonic()
            start = max(now, self.hosts.next_start.get(self.host, 0.0))
            self.hosts.next_start[self.host] = start + self.hosts.delay.get(self.host, 0.0)
            if start > now:
                await asyncio.sleep(start - now)

    async def __aexit__(self, *exc: object) -> None:
        self.slots.release()


class _Lanes:
    """The run's connections, each in an httpx client of its own. httpcore's pool goes through
    every connection it holds, and for each idle one through all of them again, whenever a
    request starts or ends: with eight connections in one pool that was a third of the
    client's time per request; a pool of one costs next to nothing. A request takes the idle
    lane that last served its host (its connection kept alive), else a new lane, else the one
    idle longest."""

    def __init__(self, make: Callable[[], httpx.AsyncClient]) -> None:
        self.make = make
        self.lanes: list[httpx.AsyncClient] = []
        self.idle: dict[httpx.AsyncClient, str] = {}  # idle lane → the host it served last, longest idle first
        self.free = asyncio.Semaphore(MAX_CONNECTIONS)

    @asynccontextmanager
    async def take(self, host: str) -> AsyncIterator[httpx.AsyncClient]:
        async with self.free:
            lane = next((c for c, h in self.idle.items() if h == host), None)
            if lane is None and len(self.lanes) < MAX_CONNECTIONS:
                lane = self.make()
                self.lanes.append(lane)
            elif lane is None:
                lane = next(iter(self.idle))
            self.idle.pop(lane, None)
            try:
                yield lane
            finally:
                self.idle[lane] = host

    async def aclose(self) -> None:
        for lane in self.lanes:
            await lane.aclose()


def _phrase(status: int) -> str:
    try:
        return f"HTTP {status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"HTTP {status}"


def status_reason(status: int, attempts: int) -> str:
    what = _phrase(status)
    if status in (404, 410):
        return f"{what}: nothing is published at this address now; if the board moved the plan, update the sources file"
    if status in (401, 403):
        return f"{what}: the server refuses the request (a login, or a block); open the address in a browser to see why"
    if status == 429:
        return f"{what} after {attempts} attempt(s): the server asks for fewer requests; raise delay in [fetch]"
    if status >= 500:
        return f"{what} after {attempts} attempt(s): the board's server is failing; the next run will try again"
    if 400 <= status < 500:
        return f"{what}: the server rejected the request"
    return f"{what}: no document in the response"


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class Fetcher:
    """One run's HTTP client: use as `async with Fetcher(settings, tmp_dir) as f: await f.get(...)`."""

    def __init__(self, settings: FetchSettings, tmp_dir: Path, hosts: Hosts | None = None) -> None:
        self.settings = settings
        self.tmp_dir = Path(tmp_dir)
        self.hosts = hosts if hosts is not None else Hosts()
        self._gates: dict[str, _HostGate] = {}
        self._robots: dict[str, asyncio.Future[tuple[RobotFileParser | None, str]]] = {}
        self._lanes: _Lanes | None = None

    async def __aenter__(self) -> Fetcher:
        self.tmp_dir.mkdir(parents=True, exist_ok=True)
        # every lane shares one TLS context (loading the CA store once) and one cookie jar (as one client would)
        tls, cookies = httpx.create_ssl_context(trust_env=False), CookieJar()
        self._lanes = _Lanes(lambda: httpx.AsyncClient(
            headers={"User-Agent": self.settings.user_agent}, verify=tls, cookies=cookies,
            timeout=httpx.Timeout(self.settings.timeout), follow_redirects=False, trust_env=False,
            limits=httpx.Limits(max_connections=1, max_keepalive_connections=1)))
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._lanes is not None
        await self._lanes.aclose()

    def _gate(self, url: str) -> _HostGate:
        host = urlsplit(url).netloc
        if host not in self._gates:
            self.hosts.delay.setdefault(host, self.settings.delay)
            self._gates[host] = _HostGate(host, self.settings.per_host, self.hosts)
        return self._gates[host]

    async def get(self, url: str, validators: Validators = Validators(), expect: Expect = Expect.ANY) -> Fetched:
        """Fetch `url` (conditionally, when given validators) and say what came back."""
        result = await self._follow(url, validators, check_robots=True, max_bytes=self.settings.max_bytes)
        if result.outcome is Outcome.FETCHED:
            self._judge(result, expect)
        return result

    def _judge(self, result: Fetched, expect: Expect) -> None:
        """PDF or page by the bytes; anything else fails with the reason `extract` would give."""
        assert result.body is not None
        with open(result.body, "rb") as fh:
            head = fh.read(1024)
        html_type = result.content_type.split(";")[0].strip().lower() in ("text/html", "application/xhtml+xml")
        if b"%PDF-" in head:
            result.kind = "pdf"
        elif expect is not Expect.PDF and (html_type or b"<html" in head.lower() or b"<!doctype html" in head.lower()):
            result.kind = "page"
        else:
            try:
                sniff(result.body)
                reason = "not a PDF"  # sniff found %PDF- where we did not: cannot happen
            except DocumentError as exc:
                reason = str(exc)
            result.outcome, result.reason = Outcome.FAILED, reason
        if result.kind == "pdf" and expect is Expect.PAGE:
            result.outcome, result.reason = Outcome.FAILED, (
                "expected a page linking to PDFs (the source has match or kind = \"page\"), and the server sent "
                "a PDF; list it as a PDF source instead")
        if result.outcome is Outcome.FAILED:
            result.discard()

    async def _follow(self, url: str, validators: Validators, check_robots: bool, max_bytes: int) -> Fetched:
        chain = [url]
        attempts = 0
        current = url
        while True:
            if check_robots:
                refusal = await self._robots_refusal(current)
                if refusal:
                    return Fetched(url, Outcome.FAILED, refusal, final_url=current, redirects=len(chain) - 1)
            try:
                result, location, tries = await self._attempts(current, validators, max_bytes)
            except _Failure as failure:
                return Fetched(url, Outcome.FAILED, failure.reason, failure.status, current,
                               attempts=attempts + failure.attempts, redirects=len(chain) - 1)
            attempts += tries
            if location is None:
                assert result is not None
                result.url, result.attempts, result.redirects = url, attempts, len(chain) - 1
                return result
            nxt = urljoin(current, location)
            if nxt in chain:
                return Fetched(url, Outcome.FAILED, "redirect loop: " + " → ".join(chain + [nxt]), result.status
                               if result else None, current, attempts=attempts, redirects=len(chain) - 1)
            if len(chain) > self.settings.max_redirects:
                return Fetched(url, Outcome.FAILED, f"more than {self.settings.max_redirects} redirects: "
                               + " → ".join(chain + [nxt]) + "; raise max_redirects in [fetch] or use the final "
                               "address", None, current, attempts=attempts, redirects=len(chain) - 1)
            if urlsplit(nxt).scheme not in ("http", "https"):
                return Fetched(url, Outcome.FAILED, f"redirected to {nxt!r}, which is not an http(s) address",
                               None, current, attempts=attempts, redirects=len(chain) - 1)
            chain.append(nxt)
            current = nxt

    async def _attempts(self, url: str, validators: Validators,
                        max_bytes: int) -> tuple[Fetched | None, str | None, int]:
        """One request, retried as the settings say: (result, redirect location, attempts)."""
        total = self.settings.retries + 1
        for attempt in range(1, total + 1):
            try:
                gate = self._gate(url)
                assert self._lanes is not None
                async with gate, self._lanes.take(gate.host) as client:
                    async with asyncio.timeout(self.settings.timeout):
                        result, location = await self._request(client, url, validators, max_bytes)
                return result, location, attempt
            except (TimeoutError, httpx.TimeoutException):
                failure = _Failure(f"timed out after {self.settings.timeout:g} s ({attempt} attempt(s)): the "
                                   "server is too slow or not answering; the next run will try again "
                                   "(or raise timeout in [fetch])", retry=True)
            except httpx.TransportError as exc:
                failure = _Failure(f"connection failed ({type(exc).__name__}: {exc or 'no detail'}) after "
                                   f"{attempt} attempt(s); the next run will try again", retry=True)
            except _Failure as exc:
                failure = exc
                if failure.status is not None and (failure.status >= 500 or failure.status == 429):
                    failure.reason = status_reason(failure.status, attempt)
            if not failure.retry or attempt == total:
                failure.attempts = attempt
                raise failure
            wait = self.settings.backoff * 2 ** (attempt - 1) * random.uniform(1.0, 1.25)
            if failure.wait is not None:
                if failure.wait > MAX_RETRY_AFTER:
                    failure.reason += f" (Retry-After {failure.wait:.0f} s)"
                    failure.attempts = attempt
                    raise failure
                wait = max(wait, failure.wait)
            await asyncio.sleep(wait)
        raise AssertionError("unreachable")

    async def _request(self, client: httpx.AsyncClient, url: str, validators: Validators,
                       max_bytes: int) -> tuple[Fetched | None, str | None]:
        async with client.stream("GET", url, headers=validators.headers()) as response:
            status = response.status_code
            if status == 304 or 300 <= status < 400 and int(response.headers.get("content-length") or 0) < 65536:
                await response.aread()  # a response read to its end returns its connection to the pool
            if status in (301, 302, 303, 307, 308):
                location = response.headers.get("location")
                if not location:
                    raise _Failure(f"{_phrase(status)} without a Location header: the server's redirect is broken",
                                   status=status)
                return Fetched(url, Outcome.FAILED, status=status), location
            if status == 304:
                return Fetched(url, Outcome.UNCHANGED, status=304, final_url=url,
                               validators=self._validators(response, validators)), None
            if status != 200:
                raise _Failure(status_reason(status, 1), retry=status >= 500 or status == 429, status=status,
                               wait=_retry_after(response.headers.get("retry-after")))
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise _Failure(f"larger than the {self.settings.max_mb:g} MB limit (Content-Length {int(declared):,} "
                               "bytes); raise max_mb in [fetch] if the plan is genuinely that large", status=status)
            return await self._body(url, response, max_bytes, validators), None

    async def _body(self, url: str, response: httpx.Response, max_bytes: int, sent: Validators) -> Fetched:
        digest = hashlib.sha256()
        size = 0
        path = self.tmp_dir / f"{uuid.uuid4().hex}.part"
        try:
            with open(path, "wb") as fh:
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > max_bytes:
                        raise _Failure(f"larger than the {self.settings.max_mb:g} MB limit (more than "
                                       f"{max_bytes:,} bytes sent); raise max_mb in [fetch] if the plan is "
                                       "genuinely that large", status=response.status_code)
                    digest.update(chunk)
                    fh.write(chunk)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return Fetched(url, Outcome.FETCHED, status=200, final_url=str(response.url), body=path,
                       sha256=digest.hexdigest(), size=size, content_type=response.headers.get("content-type", ""),
                       validators=self._validators(response, Validators()))

    @staticmethod
    def _validators(response: httpx.Response, previous: Validators) -> Validators:
        """The response's validators; a 304 may omit them, and then the stored ones still hold."""
        return Validators(response.headers.get("etag", previous.etag),
                          response.headers.get("last-modified", previous.last_modified))

    async def _robots_refusal(self, url: str) -> str:
        """Why robots.txt forbids `url` ("" when it allows it)."""
        origin = _origin(url)
        if origin not in self.hosts.robots:
            if origin not in self._robots:
                self._robots[origin] = asyncio.ensure_future(self._read_robots(origin))
            self.hosts.robots[origin] = await self._robots[origin]
        parser, refusal = self.hosts.robots[origin]
        if refusal:
            return refusal
        assert parser is not None
        if not parser.can_fetch(AGENT, url):
            return (f"robots.txt of {origin} disallows this address for {AGENT}; ask the board to allow it, "
                    "or remove the source")
        return ""

    async def _read_robots(self, origin: str) -> tuple[RobotFileParser | None, str]:
        parser = RobotFileParser(origin + "/robots.txt")
        result = await self._follow(origin + "/robots.txt", Validators(), check_robots=False,
                                    max_bytes=10 * ROBOTS_MAX_BYTES)
        if result.outcome is Outcome.FETCHED:
            assert result.body is not None
            text = result.body.read_bytes()[:ROBOTS_MAX_BYTES].decode("utf-8", errors="replace")
            result.discard()
            parser.parse(text.splitlines())
            delay = parser.crawl_delay(AGENT)
            if delay:
                host = urlsplit(origin).netloc
                self._gate(origin)
                self.hosts.delay[host] = max(self.hosts.delay[host], min(float(delay), MAX_CRAWL_DELAY))
            return parser, ""
        if result.status is not None and 400 <= result.status < 500:
            parser.parse([])  # RFC 9309: no robots.txt (4xx) allows everything
            return parser, ""
        return None, (f"robots.txt of {origin} could not be read ({result.reason}): nothing is fetched from "
                      "this host until it can be (RFC 9309)")


def clean_tmp(tmp_dir: Path) -> None:
    """Remove partial downloads a killed run left behind."""
    if tmp_dir.is_dir():
        for path in tmp_dir.glob("*.part"):
            path.unlink(missing_ok=True)


def fetch_all(requests: list[tuple[str, Validators, Expect]], settings: FetchSettings,
              tmp_dir: Path, hosts: Hosts | None = None) -> list[Fetched]:
    """Fetch many addresses at once (each host within its limits), in the order given; pass
    the same `hosts` to later calls of one run, so robots.txt is read once and delays hold."""
    async def run() -> list[Fetched]:
        async with Fetcher(settings, tmp_dir, hosts) as fetcher:
            return await asyncio.gather(*(fetcher.get(u, v, e) for u, v, e in requests))
    return asyncio.run(run())
