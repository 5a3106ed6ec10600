"""What `boardplans refresh` keeps between runs, in DIR/.boardplans/ beside the dataset:

- store/ab/<sha256>.pdf — every PDF fetched, by the SHA-256 of its bytes (written whole,
  then renamed into place, so a killed run leaves no partial file under a real name);
- state.sqlite — each address's validators (ETag, Last-Modified) for the bytes stored, its
  last outcome, when it was first and last found; each listing page's links; each run;
- lock — held for the whole run, so two runs never overlap.

The state is committed after the dataset is swapped in: a run killed before that leaves the
previous state, whose older validators only cost the next run a download (never a change
missed: changes are read against the dataset itself).
"""
from __future__ import annotations

import fcntl
import json
import os
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Sequence

from .cache import STATE_DIR
from .fetch import Validators

SCHEMA = """
CREATE TABLE IF NOT EXISTS urls (
    url TEXT PRIMARY KEY,       -- a PDF's address
    board TEXT, source TEXT,    -- as the sources file gave them
    etag TEXT, last_modified TEXT,
    sha256 TEXT,                -- the bytes those validators vouch for (in the store)
    outcome TEXT,               -- fetched, unchanged, failed or removed, at the last run
    http_status INTEGER, reason TEXT,
    first_seen TEXT, last_seen TEXT,  -- dates of the first and the last run that found it
    checked TEXT                -- time of the last attempt
);
CREATE TABLE IF NOT EXISTS listings (
    url TEXT PRIMARY KEY,       -- a page listing PDFs
    etag TEXT, last_modified TEXT,
    links TEXT,                 -- JSON: [[url, link text], ...] the PDFs it linked to
    outcome TEXT, reason TEXT, checked TEXT
);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    started TEXT, finished TEXT, sources TEXT, pid INTEGER,
    counts TEXT                 -- JSON: the run's summary; empty for a run that never finished
);
"""


class Locked(Exception):
    """Another run holds the directory."""


def utc_now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class UrlState:
    url: str
    board: str
    validators: Validators
    sha256: str
    outcome: str
    first_seen: str
    last_seen: str


@dataclass(frozen=True)
class UrlOutcome:
    """What this run found at an address, to be recorded once the dataset is in place."""
    url: str
    board: str
    source: str
    outcome: str
    validators: Validators
    sha256: str
    http_status: int | None
    reason: str
    first_seen: str | None
    last_seen: str | None


class Store:
    """PDFs by the SHA-256 of their bytes."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / f"{sha256}.pdf"

    def has(self, sha256: str) -> bool:
        return bool(sha256) and self.path(sha256).is_file()

    def put(self, body: Path, sha256: str) -> Path:
        """Move a downloaded file into the store (the same bytes again: dropped)."""
        target = self.path(sha256)
        if target.is_file():
            body.unlink(missing_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(body, "rb") as fh:
                os.fsync(fh.fileno())
            os.replace(body, target)
        return target


class State:
    """The state of one refresh directory. Use `with State(out_dir) as state:` (takes the lock)."""

    def __init__(self, out_dir: Path) -> None:
        self.root = Path(out_dir) / STATE_DIR
        self.store = Store(self.root / "store")
        self.tmp = self.root / "tmp"
        self._lock_fh = None
        self._db: sqlite3.Connection | None = None

    def __enter__(self) -> State:
        self.root.mkdir(parents=True, exist_ok=True)
        fh = open(self.root / "lock", "a+")
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "another process"
            fh.close()
            raise Locked(f"{self.root.parent} is being refreshed by another run ({holder}); this run did "
                         "nothing: let that one finish, or space the runs further apart") from None
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()}, started {utc_now()}\n")
        fh.flush()
        self._lock_fh = fh
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
        if self._lock_fh is not None:
            self._lock_fh.close()  # closing the file releases the lock
            self._lock_fh = None

    def open(self) -> None:
        """(Re)open the database; closed around the dataset swap so no transaction spans it."""
        self._db = sqlite3.connect(self.root / "state.sqlite")
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    @property
    def db(self) -> sqlite3.Connection:
        assert self._db is not None, "the state is closed"
        return self._db

    def urls(self) -> dict[str, UrlState]:
        rows = self.db.execute("SELECT url, board, etag, last_modified, sha256, outcome, first_seen, last_seen "
                               "FROM urls").fetchall()
        return {r[0]: UrlState(r[0], r[1] or "", Validators(r[2] or "", r[3] or ""), r[4] or "", r[5] or "",
                               r[6] or "", r[7] or "") for r in rows}

    def listing(self, url: str) -> tuple[Validators, list[tuple[str, str]] | None]:
        row = self.db.execute("SELECT etag, last_modified, links FROM listings WHERE url = ?", (url,)).fetchone()
        if row is None or row[2] is None:
            return Validators(), None
        return Validators(row[0] or "", row[1] or ""), [tuple(link) for link in json.loads(row[2])]

    def start_run(self, sources: Path) -> int:
        with self.db:
            cur = self.db.execute("INSERT INTO runs (started, sources, pid) VALUES (?, ?, ?)",
                                  (utc_now(), str(sources), os.getpid()))
        return int(cur.lastrowid or 0)

    def finish_run(self, run_id: int, urls: Iterable[UrlOutcome],
                   listings: Sequence[tuple[str, Validators, list[tuple[str, str]] | None, str, str]],
                   counts: dict) -> None:
        """Record what the run found, in one transaction (after the dataset is in place)."""
        now = utc_now()
        with self.db:
            for u in urls:
                self.db.execute(
                    "INSERT INTO urls VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (url) DO UPDATE SET "
                    "board = excluded.board, source = excluded.source, etag = excluded.etag, "
                    "last_modified = excluded.last_modified, sha256 = excluded.sha256, outcome = excluded.outcome, "
                    "http_status = excluded.http_status, reason = excluded.reason, "
                    "first_seen = coalesce(urls.first_seen, excluded.first_seen), "
                    "last_seen = coalesce(excluded.last_seen, urls.last_seen), checked = excluded.checked",
                    (u.url, u.board, u.source, u.validators.etag, u.validators.last_modified, u.sha256, u.outcome,
                     u.http_status, u.reason, u.first_seen, u.last_seen, now))
            for url, validators, links, outcome, reason in listings:
                self.db.execute(
                    "INSERT INTO listings VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (url) DO UPDATE SET "
                    "etag = excluded.etag, last_modified = excluded.last_modified, "
                    "links = coalesce(excluded.links, listings.links), outcome = excluded.outcome, "
                    "reason = excluded.reason, checked = excluded.checked",
                    (url, validators.etag, validators.last_modified,
                     None if links is None else json.dumps(links), outcome, reason, now))
            self.db.execute("UPDATE runs SET finished = ?, counts = ? WHERE id = ?",
                            (now, json.dumps(counts), run_id))


def runs(out_dir: Path) -> list[dict]:
    """Every run recorded in a refresh directory, oldest first (for tests and people)."""
    path = Path(out_dir) / STATE_DIR / "state.sqlite"
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        rows = db.execute("SELECT id, started, finished, counts FROM runs ORDER BY id").fetchall()
    return [{"id": r[0], "started": r[1], "finished": r[2], "counts": json.loads(r[3]) if r[3] else None}
            for r in rows]
