"""The sources file of `boardplans refresh`, and the PDF links a listing page holds.

    [fetch]                                   # optional: how carefully to fetch
    delay = 1.0

    [[source]]
    url = "https://example.gov.uk/lscb/business-plan-2017-18.pdf"   # a PDF
    board = "Redbridge LSCB"                                        # optional
    [[source]]
    url = "https://example.gov.uk/lscb/publications/"               # a page: the PDFs it links to
    match = "business plan|action plan"     # optional regex on the link's text or the PDF's file name

Every mistake in the file is an error naming the source and what is wrong with it.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from enum import StrEnum
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Sequence
from urllib.parse import unquote, urldefrag, urljoin, urlsplit

from .fetch import FetchSettings


class SourcesError(ValueError):
    """A sources file that cannot be used: the message names the entry and the fix."""


class SourceKind(StrEnum):
    PDF = "pdf"      # the URL is a PDF
    PAGE = "page"    # the URL is an HTML page: the PDFs it links to
    AUTO = "auto"    # decided by what the server sends


@dataclass(frozen=True)
class Source:
    number: int      # position in the file, from 1, for messages
    url: str
    board: str = ""
    match: re.Pattern[str] | None = None
    kind: SourceKind = SourceKind.AUTO

    def __str__(self) -> str:
        return f"source {self.number} ({self.url})"


@dataclass(frozen=True)
class Sources:
    path: Path
    sources: tuple[Source, ...]
    fetch: FetchSettings = field(default_factory=FetchSettings)


SOURCE_KEYS = {"url": "the address of a PDF or of a page linking to PDFs",
               "board": "the board's name, used in place of the one read from the document",
               "match": "a regular expression: only links whose text or file name it finds are taken",
               "kind": "pdf or page, where the URL alone does not say (default: by what the server sends)"}


def _kind(url: str, match: re.Pattern[str] | None, given: str | None, where: str) -> SourceKind:
    if given is not None:
        try:
            return SourceKind(given)
        except ValueError:
            raise SourcesError(f"{where}: kind = {given!r}: use \"pdf\" or \"page\"") from None
    if match is not None:
        return SourceKind.PAGE
    return SourceKind.PDF if urlsplit(url).path.lower().endswith(".pdf") else SourceKind.AUTO


def check_url(url: Any, where: str) -> str:
    if not isinstance(url, str) or not url.strip():
        raise SourcesError(f"{where}: url must be a non-empty string, not {url!r}")
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SourcesError(f"{where}: url {url!r} is not an http(s) address with a host")
    return urldefrag(url.strip()).url


def _source(number: int, entry: Any, path: Path) -> Source:
    where = f"{path}: source {number}"
    if not isinstance(entry, dict):
        raise SourcesError(f"{where}: each [[source]] must be a table with url = \"...\"")
    unknown = sorted(set(entry) - set(SOURCE_KEYS))
    if unknown:
        raise SourcesError(f"{where}: unknown key(s) {unknown}; a source takes " +
                           "; ".join(f"{k} ({v})" for k, v in SOURCE_KEYS.items()))
    if "url" not in entry:
        raise SourcesError(f"{where}: no url")
    url = check_url(entry["url"], where)
    where = f"{path}: source {number} ({url})"
    for key in ("board", "match", "kind"):
        if key in entry and not isinstance(entry[key], str):
            raise SourcesError(f"{where}: {key} must be a string, not {entry[key]!r}")
    match = None
    if entry.get("match"):
        try:
            match = re.compile(entry["match"], re.IGNORECASE)
        except re.error as exc:
            raise SourcesError(f"{where}: match {entry['match']!r} is not a valid regular expression: {exc}") from None
    kind = _kind(url, match, entry.get("kind"), where)
    if kind is SourceKind.PDF and match is not None:
        raise SourcesError(f"{where}: match applies to a page's links, and this source is a PDF")
    return Source(number, url, entry.get("board", "").strip(), match, kind)


def load_sources(path: Path) -> Sources:
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except OSError as exc:
        raise SourcesError(f"{path}: cannot read the sources file: {exc.strerror or exc}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SourcesError(f"{path}: not a valid TOML file: {exc}") from None
    unknown = sorted(set(data) - {"source", "fetch"})
    if unknown:
        raise SourcesError(f"{path}: unknown table(s) or key(s) {unknown}: the file holds [[source]] "
                           "entries and an optional [fetch] table")
    entries = data.get("source", [])
    if not isinstance(entries, list) or not entries:
        raise SourcesError(f"{path}: no [[source]] entries: list each PDF or page as [[source]] with url = \"...\"")
    sources = tuple(_source(n, e, path) for n, e in enumerate(entries, 1))
    try:
        fetch = FetchSettings.resolve(data.get("fetch"))
    except ValueError as exc:
        raise SourcesError(f"{path}: [fetch]: {exc}") from None
    return Sources(path, sources, fetch)


@dataclass(frozen=True)
class Link:
    url: str
    text: str


class _Anchors(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.base = ""
        self.anchors: list[tuple[str, str, list[str]]] = []  # (href, type, text parts)
        self._open: list[tuple[str, str, list[str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "base" and values.get("href") and not self.base:
            self.base = values["href"]
        elif tag == "a" and values.get("href"):
            anchor = (values["href"], values.get("type", ""), [values.get("title", "")])
            self.anchors.append(anchor)
            self._open.append(anchor)
        elif tag == "img" and self._open:  # a linked icon or thumbnail names the link by its alt text
            self._open[-1][2].append(values.get("alt", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._open:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        for anchor in self._open:
            anchor[2].append(data)


def is_pdf_link(url: str, mime_type: str = "") -> bool:
    return urlsplit(url).path.lower().endswith(".pdf") or mime_type.split(";")[0].strip().lower() == "application/pdf"


def pdf_links(html: str, page_url: str, match: re.Pattern[str] | None = None) -> list[Link]:
    """The PDFs a page links to, each once, in page order: links resolved against the page's
    address (or its <base href>), fragments dropped; with `match`, only links whose text or
    file name it finds (case-insensitive)."""
    parser = _Anchors()
    parser.feed(html)
    parser.close()
    base = urljoin(page_url, parser.base) if parser.base else page_url
    links: dict[str, Link] = {}
    for href, mime_type, parts in parser.anchors:
        url = urldefrag(urljoin(base, href.strip())).url
        if urlsplit(url).scheme not in ("http", "https") or not is_pdf_link(url, mime_type):
            continue
        text = " ".join(" ".join(parts).split())
        # the address's file name, not its whole path: a folder named "plans" would match every link
        name = unquote(urlsplit(url).path.rsplit("/", 1)[-1])
        if match is not None and not (match.search(text) or match.search(name)):
            continue
        links.setdefault(url, Link(url, text))
    return list(links.values())


def anchor_count(html: str) -> int:
    parser = _Anchors()
    parser.feed(html)
    return len(parser.anchors)


@dataclass(frozen=True)
class Target:
    """A document to fetch: a PDF a source names or a page links to."""
    url: str
    board: str
    source: str  # the source's url


def targets(found: Sequence[tuple[Source, Sequence[str]]]) -> list[Target]:
    """Each PDF once, in the order the sources reach it; the first source that names a board wins."""
    seen: dict[str, Target] = {}
    for source, urls in found:
        for url in urls:
            if url not in seen:
                seen[url] = Target(url, source.board, source.url)
            elif source.board and not seen[url].board:
                seen[url] = Target(url, source.board, seen[url].source)
    return list(seen.values())
