"""Many files → one result each, whatever the files do to the parser.

Every document runs in its own worker process with a time limit and a memory limit, up to
`jobs` at once: a PDF that hangs the parser, exhausts memory or crashes it is stopped and
recorded as failed, and the batch goes on. Byte-identical files are processed once.
"""
from __future__ import annotations

import multiprocessing as mp
import os
import resource
import signal
import time
import traceback
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Iterator, Sequence

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


@dataclass(frozen=True)
class Progress:
    """What `run_batch` tells its `progress` callback, in the calling process: once when a
    document is handed to a worker (`result` None), once when it is done (`result` set). A
    file found in the record cache, or that cannot be opened at all, is only ever done."""
    path: Path
    result: DocumentResult | None = None


def collect_paths(inputs: str | os.PathLike | Iterable[str | os.PathLike]) -> list[Path]:
    """Files as given and every *.pdf under the folders given, each once, in a stable order;
    `inputs` is one path or several."""
    if isinstance(inputs, (str, os.PathLike)):
        inputs = [inputs]
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


# prctl's option that has the kernel signal a process when its parent dies (Linux)
_PR_SET_PDEATHSIG = 1


def _die_with(parent: int) -> None:
    """End this worker when the batch runner dies: a runner killed outright (SIGKILL, the
    OOM killer) cannot stop it, and nothing else would hold it to its time limit."""
    import ctypes

    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: the runner's own clean-up is all there is
        return
    if os.getppid() != parent:  # the runner died before the call above
        os._exit(1)


def _worker(conn: Connection, path: Path, sha256: str, options: BatchOptions, parent: int) -> None:
    _die_with(parent)
    # Ctrl-C reaches the whole process group: the parent alone handles it, by stopping us
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
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


Fingerprints = tuple[list[tuple[Path, str]], dict[str, list[Path]], list[DocumentResult]]


def fingerprint(paths: Sequence[Path], sha256s: Sequence[str] | None = None) -> Fingerprints:
    """Hash every file (unless `sha256s` gives the hashes): the unique ones to process, the
    names each hash was seen under, and a failure for each file that cannot even be read."""
    unique: list[tuple[Path, str]] = []
    names: dict[str, list[Path]] = {}
    unreadable: list[DocumentResult] = []
    for path, known in zip(paths, sha256s or [""] * len(paths), strict=True):
        try:
            sha = known or sha256_of(path)
        except OSError as exc:
            unreadable.append(failed(path, f"cannot read the file: {exc.strerror or exc}; check that it "
                                           "exists and its permissions"))
            continue
        if sha not in names:
            unique.append((path, sha))
        names.setdefault(sha, []).append(path)
    return unique, names, unreadable


def run_batch(paths: Sequence[Path], options: BatchOptions | None = None,
              progress: Callable[[Progress], None] | None = None,
              cache: RecordCache | None = None, sha256s: Sequence[str] | None = None) -> list[DocumentResult]:
    """One result per file, in the order given; a file whose bytes `cache` holds results for
    is not read again. `progress`, if given, hears of each document started and done.
    `sha256s`, if given, are the files' SHA-256 in the same order, known to the caller (a
    store that names each file by the hash of its bytes): they are not read to hash them."""
    options = options or BatchOptions()
    tell = progress or (lambda event: None)
    unique, names, results = fingerprint(paths, sha256s)
    for result in results:
        tell(Progress(Path(result.document["file"]), result))
    todo = []
    for path, sha in unique:
        hit = cache.get(sha, path) if cache else None
        if hit is None:
            todo.append((path, sha))
        else:
            results.append(hit)
            tell(Progress(path, hit))

    def started(path: Path) -> None:
        tell(Progress(path))

    def done(result: DocumentResult) -> None:
        if cache:
            cache.put(result)
        results.append(result)
        tell(Progress(Path(result.document["file"]), result))

    if todo and options.scheduler:
        from .cluster import run_on_cluster  # dask is imported only for a cluster run

        run_on_cluster(todo, options, started, done)
    elif todo:
        _run_local(todo, options, started, done)
    for result in results:
        others = [str(p) for p in names.get(result.document["sha256"], []) if str(p) != result.document["file"]]
        result.document["other_names"] = " | ".join(others)
    order = {str(p): i for i, p in enumerate(paths)}
    return sorted(results, key=lambda r: order.get(r.document["file"], len(order)))


@contextmanager
def _sigint_blocked() -> Iterator[None]:
    """SIGINT held back while a worker is forked, so that it cannot strike the worker before
    the worker ignores it; a Ctrl-C meanwhile reaches this process just after."""
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _start(ctx, path: Path, sha: str, options: BatchOptions) -> tuple[Connection, _Running]:
    parent, child = ctx.Pipe(duplex=False)
    process = ctx.Process(target=_worker, args=(child, path, sha, options, os.getpid()), daemon=True)
    with _sigint_blocked():
        process.start()
    child.close()
    now = time.monotonic()
    return parent, _Running(process, path, sha, now, now + options.timeout)


def _stop(running: dict[Connection, _Running]) -> None:
    for conn, job in running.items():
        job.process.kill()
        job.process.join()
        conn.close()
    running.clear()


def _run_local(todo: Sequence[tuple[Path, str]], options: BatchOptions, started: Callable[[Path], None],
               done: Callable[[DocumentResult], None]) -> None:
    """Each file in a forked worker process, `options.jobs` at a time."""
    warm_up()
    ctx = mp.get_context("fork")
    running: dict[Connection, _Running] = {}
    try:
        _drive(ctx, deque(todo), running, options, started, done)
    finally:  # Ctrl-C, or an error of ours: no worker outlives the batch
        _stop(running)


def _drive(ctx, queue: deque[tuple[Path, str]], running: dict[Connection, _Running], options: BatchOptions,
           started: Callable[[Path], None], done: Callable[[DocumentResult], None]) -> None:
    """Start workers as slots free up, take their results, stop those past their deadline."""
    while queue or running:
        while queue and len(running) < max(1, options.jobs):
            conn, job = _start(ctx, *queue.popleft(), options)
            running[conn] = job
            started(job.path)
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
