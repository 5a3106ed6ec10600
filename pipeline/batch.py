"""Many files → one result each, whatever the files do to the parser.

Every document runs in its own worker process with a time limit and a memory limit, up to
`jobs` at once: a PDF that hangs the parser, exhausts memory or crashes it is stopped and
recorded as failed, and the batch goes on. Byte-identical files are processed once.
"""
from __future__ import annotations

import multiprocessing as mp
import os
import resource
import time
import traceback
from collections import deque
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Sequence

from boardplans.extractors.settings import ExtractSettings

from .document import sha256_of
from .extract import DocumentResult, failed, process_document, warm_up

if TYPE_CHECKING:
    from .cache import RecordCache


class UsageError(Exception):
    """A mistake in how the command was called (exit code 2)."""


@dataclass(frozen=True)
class BatchOptions:
    jobs: int = field(default_factory=lambda: os.cpu_count() or 1)
    timeout: float = 600.0      # seconds per document
    memory_mb: int = 4096       # address-space limit per worker
    settings: ExtractSettings = field(default_factory=ExtractSettings)
    scheduler: str | None = None  # a Dask scheduler's address: the documents run on that cluster


def collect_paths(inputs: Iterable[Path]) -> list[Path]:
    """Files as given and every *.pdf under the folders given, each once, in a stable order."""
    found: list[Path] = []
    for item in map(Path, inputs):
        if item.is_dir():
            found += sorted(p for p in item.rglob("*") if p.is_file() and p.suffix.lower() == ".pdf")
        elif item.exists() or item.is_symlink():
            found.append(item)
        else:
            raise UsageError(f"{item}: no such file or folder")
    seen: set[Path] = set()
    return [p for p in found if not (p.resolve() in seen or seen.add(p.resolve()))]


def _internal_error(exc: Exception) -> str:
    where = traceback.extract_tb(exc.__traceback__)[-1]
    return (f"internal error ({type(exc).__name__}: {exc} at {Path(where.filename).name}:{where.lineno}) "
            "while reading this file; please report it with the file")


def read_isolated(path: Path, sha256: str, options: BatchOptions) -> DocumentResult:
    """What a worker process does with its one file: read it under the memory limit, and say
    why when it cannot. Called only in a process of its own (the limit stays set)."""
    limit = options.memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    started = time.monotonic()
    try:
        result = process_document(path, options.settings, sha256)
        result.cacheable = True
    except MemoryError:
        result = failed(path, f"ran out of memory (limit {options.memory_mb} MB per document): the PDF is "
                              "too large or malformed; raise --memory-mb or report it", sha256)
    except Exception as exc:  # a bug of ours that this file brings out: say so, not "malformed file"
        result = failed(path, _internal_error(exc), sha256)
    result.seconds = time.monotonic() - started
    return result


def _worker(conn: Connection, path: Path, sha256: str, options: BatchOptions) -> None:
    conn.send(read_isolated(path, sha256, options))
    conn.close()


@dataclass
class _Running:
    process: mp.Process
    path: Path
    sha256: str
    started: float
    deadline: float


def crashed(path: Path, sha256: str, exitcode: int | None, options: BatchOptions) -> DocumentResult:
    """The result of a worker that ended without one (`exitcode` negative: killed by that signal)."""
    if exitcode is not None and exitcode < 0:
        what = f"the parser was killed by signal {-exitcode}"
    else:
        what = f"the parser exited with code {exitcode}"
    hint = f" (memory limit {options.memory_mb} MB: raise --memory-mb if the file is genuinely large)"
    return failed(path, f"{what} while reading this file{hint}; the file is probably malformed", sha256)


def timed_out(path: Path, sha256: str, options: BatchOptions) -> DocumentResult:
    return failed(path, f"timed out after {options.timeout:g} s: the parser got stuck on this file; raise "
                        "--timeout if it is genuinely long, else report it", sha256)


def fingerprint(paths: Sequence[Path]) -> tuple[list[tuple[Path, str]], dict[str, list[Path]], list[DocumentResult]]:
    """Hash every file: the unique ones to process, the names each hash was seen under,
    and a failure for each file that cannot even be read."""
    unique: list[tuple[Path, str]] = []
    names: dict[str, list[Path]] = {}
    unreadable: list[DocumentResult] = []
    for path in paths:
        try:
            sha = sha256_of(path)
        except OSError as exc:
            unreadable.append(failed(path, f"cannot read the file: {exc.strerror or exc}; check that it "
                                           "exists and its permissions"))
            continue
        if sha not in names:
            unique.append((path, sha))
        names.setdefault(sha, []).append(path)
    return unique, names, unreadable


def run_batch(paths: Sequence[Path], options: BatchOptions | None = None,
              progress: Callable[[DocumentResult], None] | None = None,
              cache: RecordCache | None = None) -> list[DocumentResult]:
    """One result per file, in the order given; a file whose bytes `cache` holds results for
    is not read again."""
    options = options or BatchOptions()
    unique, names, results = fingerprint(paths)
    for result in results:
        if progress:
            progress(result)
    todo = []
    for path, sha in unique:
        hit = cache.get(sha, path) if cache else None
        if hit is None:
            todo.append((path, sha))
        else:
            results.append(hit)
            if progress:
                progress(hit)

    def done(result: DocumentResult) -> None:
        if cache:
            cache.put(result)
        results.append(result)
        if progress:
            progress(result)

    if todo and options.scheduler:
        from .cluster import run_on_cluster  # dask is imported only for a cluster run

        run_on_cluster(todo, options, done)
    elif todo:
        _run_local(todo, options, done)
    for result in results:
        others = [str(p) for p in names.get(result.document["sha256"], []) if str(p) != result.document["file"]]
        result.document["other_names"] = " | ".join(others)
    order = {str(p): i for i, p in enumerate(paths)}
    return sorted(results, key=lambda r: order.get(r.document["file"], len(order)))


def _run_local(todo: Sequence[tuple[Path, str]], options: BatchOptions,
               done: Callable[[DocumentResult], None]) -> None:
    """Each file in a forked worker process, `options.jobs` at a time."""
    warm_up()
    ctx = mp.get_context("fork")
    queue = deque(todo)
    running: dict[Connection, _Running] = {}
    while queue or running:
        while queue and len(running) < max(1, options.jobs):
            path, sha = queue.popleft()
            parent, child = ctx.Pipe(duplex=False)
            process = ctx.Process(target=_worker, args=(child, path, sha, options), daemon=True)
            process.start()
            child.close()
            now = time.monotonic()
            running[parent] = _Running(process, path, sha, now, now + options.timeout)
        wait_for = max(0.0, min(job.deadline for job in running.values()) - time.monotonic())
        for conn in wait(list(running), timeout=wait_for):
            job = running.pop(conn)
            try:
                result = conn.recv()
            except (EOFError, OSError):
                job.process.join()
                result = crashed(job.path, job.sha256, job.process.exitcode, options)
                result.seconds = time.monotonic() - job.started
            job.process.join()
            conn.close()
            done(result)
        now = time.monotonic()
        for conn, job in list(running.items()):
            if now >= job.deadline:
                job.process.kill()
                job.process.join()
                conn.close()
                del running[conn]
                result = timed_out(job.path, job.sha256, options)
                result.seconds = now - job.started
                done(result)
