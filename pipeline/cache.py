"""The record cache: a document's result kept by the SHA-256 of its bytes and the pipeline
version that read it, so an unchanged PDF is never read twice (OCR included).

`extract` and `refresh` keep it in DIR/.boardplans/cache.sqlite beside the dataset they
write. The pipeline version is a hash of the code and data files that produce records, the
versions of the libraries that read PDFs, the OCR engine in use and its version, and the extract settings:
any change to one of them reads the files afresh instead of serving records an older
pipeline made.
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from dataclasses import asdict, fields, replace
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from boardplans.extractors.ocr_engines import engine_identity
from boardplans.extractors.settings import ExtractSettings

from .extract import DocumentResult, Records

STATE_DIR = ".boardplans"  # beside the dataset, carried over by every dataset write
CACHE_FILE = "cache.sqlite"
PACKAGES = ("pipeline", "extractors", "normalizers")
LIBRARIES = ("boardplans", "pdfplumber", "pdfminer.six", "pypdfium2", "numpy", "pillow",
             "opencv-python-headless")
UNUSED_DAYS = 30  # entries of other pipeline versions unused this long are dropped
# modules that run after the records are made (the dataset stage, refresh) or beside them
# (tools): a change to them leaves every cached record valid
DOWNSTREAM = {f"pipeline/{name}.py" for name in (
    "api", "batch", "bench", "cache", "camelotbench", "changes", "cli", "cluster", "dataset", "debug", "evaluate", "fetch", "fuzz",
    "localsite", "ocrbench", "refresh", "refreshbench", "sources", "state")} | {"pipeline/data/schema.toml"}


@lru_cache(maxsize=1)
def _code_hash() -> str:
    root = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*")):
            name = path.relative_to(root).as_posix()
            if path.suffix in (".py", ".toml") and "__pycache__" not in path.parts and name not in DOWNSTREAM:
                digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _library_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "-"


def pipeline_version(settings: ExtractSettings) -> str:
    """What the records of a file depend on besides its bytes, as one short hash."""
    parts = [_code_hash(), *(f"{n}={_library_version(n)}" for n in LIBRARIES), repr(settings)]
    if settings.ocr:  # the engine "auto" stands for here, and its version: another reads scans otherwise
        parts.append(engine_identity(settings.ocr_engine, settings.ocr_language))
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


class RecordCache:
    """Results by (sha256, pipeline version) in one SQLite file; only outcomes that the file
    itself decides are kept (a time-out, a memory limit or a crash belongs to the run)."""

    def __init__(self, path: Path, settings: ExtractSettings | None = None) -> None:
        self.path = Path(path)
        self.version = pipeline_version(ExtractSettings.resolve(settings))
        self.hits = self.stored = 0
        self._used: list[str] = []  # hashes served, marked used in one transaction at close()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path)
        self._db.execute("PRAGMA synchronous = NORMAL")
        with self._db:
            self._db.execute("CREATE TABLE IF NOT EXISTS records (sha256 TEXT, version TEXT, result TEXT, "
                             "used REAL, PRIMARY KEY (sha256, version))")
            self._db.execute("DELETE FROM records WHERE version != ? AND used < ?",
                             (self.version, time.time() - UNUSED_DAYS * 86400))

    @classmethod
    def beside(cls, out_dir: Path, settings: ExtractSettings | None = None) -> RecordCache:
        """The cache of the dataset in `out_dir`."""
        return cls(Path(out_dir) / STATE_DIR / CACHE_FILE, settings)

    def get(self, sha256: str, path: Path) -> DocumentResult | None:
        """The cached result of the file with this hash, as if read from `path` now."""
        row = self._db.execute("SELECT result FROM records WHERE sha256 = ? AND version = ?",
                               (sha256, self.version)).fetchone()
        if row is None:
            return None
        self._used.append(sha256)
        data = json.loads(row[0])
        result = DocumentResult(data["document"], Records(**{f.name: data["records"].get(f.name, [])
                                                             for f in fields(Records)}))
        self.hits += 1
        return renamed(result, path)

    def put(self, result: DocumentResult) -> None:
        if not result.cacheable or not result.document["sha256"]:
            return
        blob = json.dumps({"document": result.document, "records": asdict(result.records)})
        with self._db:
            self._db.execute("INSERT OR REPLACE INTO records VALUES (?, ?, ?, ?)",
                             (result.document["sha256"], self.version, blob, time.time()))
        self.stored += 1

    def close(self) -> None:
        with self._db:
            now = time.time()
            self._db.executemany("UPDATE records SET used = ? WHERE sha256 = ? AND version = ?",
                                 [(now, sha, self.version) for sha in self._used])
        self._db.close()


def renamed(result: DocumentResult, path: Path | str) -> DocumentResult:
    """The same result under another name: the file its records say they came from."""
    result = replace(result, document={**result.document, "file": str(path)})
    for action in result.records.actions:
        action["document"] = str(path)
    return result
