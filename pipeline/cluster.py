"""The batch on a Dask distributed cluster (`--scheduler tcp://host:8786`), with the same
isolation, limits and statuses as on one machine.

Each document's bytes travel with its task (the workers need no shared file system, only
boardplans installed). On the worker the document is read in a process of its own, under the
same memory limit and time limit, and ends with the same statuses and reasons as in the local
runner (pipeline.batch). That process is a fresh interpreter, not a fork: a Dask worker's
processes are daemonic and may not fork workers of their own, and forking a threaded
process is unsafe besides; the time limit starts once the interpreter is ready.
"""
from __future__ import annotations

import ctypes
import os
import pickle
import select
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import deque
from pathlib import Path
from typing import Callable, Sequence
from urllib.parse import urlsplit

from .batch import BatchOptions, UsageError, crashed, read_isolated, timed_out
from .cache import renamed
from .extract import DocumentResult, failed

STARTUP_LIMIT = 120.0  # seconds for a worker's interpreter to import boardplans
READY = b"R"
IN_FLIGHT_PER_THREAD = 2  # documents handed to the cluster per worker thread at a time


def check_scheduler(address: str) -> None:
    """Fail at once, as a usage error, when the scheduler cannot be reached."""
    parts = urlsplit(address)
    if parts.scheme not in ("tcp", "tls") or not parts.hostname or not parts.port:
        raise UsageError(f"--scheduler {address!r}: give the scheduler's address as tcp://HOST:PORT")
    try:
        socket.create_connection((parts.hostname, parts.port), timeout=10).close()
    except OSError as exc:
        raise UsageError(f"--scheduler {address}: cannot reach the Dask scheduler ({exc.strerror or exc}); "
                         "is it running?") from None


def run_on_cluster(todo: Sequence[tuple[Path, str]], options: BatchOptions, started: Callable[[Path], None],
                   done: Callable[[DocumentResult], None]) -> None:
    from distributed import Client, as_completed

    assert options.scheduler
    check_scheduler(options.scheduler)
    with Client(options.scheduler, timeout=30) as client:
        threads = sum(client.nthreads().values()) or 1
        queue = deque(todo)
        running: dict = {}
        pending = as_completed()

        def submit() -> None:
            path, sha = queue.popleft()
            data = client.scatter(path.read_bytes(), hash=False)
            future = client.submit(read_on_worker, data, sha, options, pure=False)
            running[future] = (path, sha)
            pending.add(future)
            started(path)

        while queue and len(running) < threads * IN_FLIGHT_PER_THREAD:
            submit()
        for future in pending:
            path, sha = running.pop(future)
            try:
                result = future.result()
            except Exception as exc:  # the cluster lost the task (a worker died, a network fault)
                result = failed(path, f"the Dask cluster could not run this document ({type(exc).__name__}: "
                                      f"{exc}); run again, or without --scheduler", sha)
            future.release()
            done(renamed(result, path))
            if queue:
                submit()


def read_on_worker(data: bytes, sha256: str, options: BatchOptions) -> DocumentResult:
    """A Dask task: one document's bytes → its result, read in a process of its own."""
    with tempfile.TemporaryDirectory(prefix="boardplans-") as tmp:
        path = Path(tmp) / "document.pdf"
        path.write_bytes(data)
        return read_in_process(path, sha256, options)


def read_in_process(path: Path, sha256: str, options: BatchOptions) -> DocumentResult:
    """`read_isolated` in a fresh interpreter, under the batch's time limit."""
    out = path.with_suffix(".result")
    child = subprocess.Popen([sys.executable, "-m", "boardplans.pipeline.cluster"], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert child.stdin is not None and child.stdout is not None
    try:
        child.stdin.write(pickle.dumps((path, sha256, options, out)))
        child.stdin.close()
        ready = select.select([child.stdout], [], [], STARTUP_LIMIT)[0] and child.stdout.read(1) == READY
        if not ready:
            child.kill()
            child.wait()
            return crashed(path, sha256, child.returncode, options)
        started = time.monotonic()
        try:
            child.wait(timeout=options.timeout)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
            result = timed_out(path, sha256, options)
            result.seconds = time.monotonic() - started
            return result
        if child.returncode == 0 and out.is_file():
            return pickle.loads(out.read_bytes())
        result = crashed(path, sha256, child.returncode, options)
        result.seconds = time.monotonic() - started
        return result
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        child.stdout.close()


def _die_with_parent() -> None:
    """Linux: this process is killed when the worker that started it dies."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _child() -> int:
    path, sha256, options, out = pickle.load(sys.stdin.buffer)
    _die_with_parent()
    if os.getppid() == 1:  # the worker died before the line above
        return 1
    from .extract import warm_up

    warm_up()
    sys.stdout.buffer.write(READY)
    sys.stdout.buffer.flush()
    result = read_isolated(path, sha256, options)
    part = out.with_suffix(".part")
    part.write_bytes(pickle.dumps(result))
    os.replace(part, out)
    return 0


if __name__ == "__main__":
    sys.exit(_child())
