"""Mutated sample PDFs through the batch runner: every case must end with a status, and no
exception of ours may escape (`make fuzz`).

    python -m pipeline.fuzz --cases 600 -o output/fuzz.json

Mutations are seeded, so a case number names the same bytes on every run; a failing case
can be rebuilt with `--keep DIR` and replayed with `boardplans extract`.
"""
from __future__ import annotations

import argparse
import json
import logging
import random
import re
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from extractors.settings import ExtractSettings

from .batch import BatchOptions, run_batch
from .extract import DocumentResult

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
OBJECT = re.compile(rb"\d+ 0 obj\b.*?endobj", re.S)
STREAM = re.compile(rb"stream\r?\n.*?endstream", re.S)
XREF = re.compile(rb"xref\s.*?(?=trailer)", re.S)
# a result that means our code, not the file, gave way
ESCAPED = re.compile(r"^(internal error|the parser (exited with code|was killed by signal))")

Mutation = Callable[[bytes, bytes, random.Random], bytes]


def flip_bytes(pdf: bytes, other: bytes, rng: random.Random) -> bytes:
    out = bytearray(pdf)
    for _ in range(rng.randint(1, 40)):
        out[rng.randrange(len(out))] ^= rng.randint(1, 255)
    return bytes(out)


def truncate(pdf: bytes, other: bytes, rng: random.Random) -> bytes:
    return pdf[: rng.randrange(len(pdf))]


def splice_object(pdf: bytes, other: bytes, rng: random.Random) -> bytes:
    """One object's body replaced by an object of another PDF, keeping every byte offset wrong."""
    target = rng.choice(list(OBJECT.finditer(pdf)))
    donor = rng.choice(list(OBJECT.finditer(other)))
    return pdf[: target.start()] + donor.group() + pdf[target.end():]


def delete_xref(pdf: bytes, other: bytes, rng: random.Random) -> bytes:
    return XREF.sub(b"", pdf, count=1) if rng.random() < 0.5 else re.sub(
        rb"startxref\s+\d+", b"startxref\n%d" % rng.randrange(len(pdf)), pdf)


def duplicate_stream(pdf: bytes, other: bytes, rng: random.Random) -> bytes:
    """A stream's data written twice, or over another stream of the same file."""
    streams = list(STREAM.finditer(pdf))
    source, target = rng.choice(streams), rng.choice(streams)
    if rng.random() < 0.5:
        return pdf[: source.end()] + b"\n" + source.group() + pdf[source.end():]
    return pdf[: target.start()] + source.group() + pdf[target.end():]


MUTATIONS: dict[str, Mutation] = {m.__name__: m for m in (
    flip_bytes, truncate, splice_object, delete_xref, duplicate_stream)}


@dataclass(frozen=True)
class Case:
    name: str
    data: bytes


def cases(sources: list[Path], count: int, seed: int) -> list[Case]:
    """Case i applies mutation i mod 5 to a source chosen by the case's own seeded generator."""
    blobs = [p.read_bytes() for p in sources]
    names = list(MUTATIONS)
    out = []
    for i in range(count):
        rng = random.Random(f"{seed}:{i}")
        mutation = names[i % len(names)]
        source, other = rng.sample(range(len(blobs)), 2)
        data = MUTATIONS[mutation](blobs[source], blobs[other], rng)
        out.append(Case(f"{i:04d}_{mutation}_{sources[source].stem}.pdf", data))
    return out


def summarize(names: list[str], results: list[DocumentResult], seconds: float) -> dict:
    """Statuses per case (a duplicate case counts under the file it duplicates), the cases that
    escaped, and the cases that got no result at all."""
    status_of = {}
    for r in results:
        for name in [r.document["file"], *filter(None, r.document["other_names"].split(" | "))]:
            status_of[Path(name).name] = r.document["status"]
    escaped = [{"case": Path(r.document["file"]).name, "reason": r.document["reason"]}
               for r in results if ESCAPED.match(r.document["reason"])]
    slowest = max(results, key=lambda r: r.seconds, default=None)
    return {
        "cases": len(names),
        "statuses": dict(Counter(status_of.get(n, "missing") for n in names)),
        "reasons": dict(Counter(r.document["reason"].split(":")[0].split(" (")[0]
                                for r in results if r.document["reason"])),
        "escaped": escaped,
        "missing": [n for n in names if n not in status_of],
        "max_seconds": round(slowest.seconds, 2) if slowest else 0.0,
        "slowest_case": Path(slowest.document["file"]).name if slowest else "",
        "total_seconds": round(seconds, 1),
    }


def run(count: int, seed: int, options: BatchOptions, keep: Path | None = None) -> dict:
    sources = sorted(p for p in SAMPLES.glob("*.pdf") if "scanned" not in p.name)
    with tempfile.TemporaryDirectory(prefix="boardplans-fuzz-") as tmp:
        folder = keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        paths = []
        for case in cases(sources, count, seed):
            paths.append(folder / case.name)
            paths[-1].write_bytes(case.data)
        started = time.monotonic()
        results = run_batch(paths, options)
        return summarize([p.name for p in paths], results, time.monotonic() - started)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.fuzz", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=600)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per case")
    parser.add_argument("-o", "--output", type=Path, default=Path("output/fuzz.json"))
    parser.add_argument("--keep", type=Path, default=None, metavar="DIR", help="write the cases here and keep them")
    args = parser.parse_args(argv)
    logging.getLogger("pdfminer").setLevel(logging.ERROR)  # thousands of repair warnings drown the summary
    # OCR is off: a mutation that hides the text layer would otherwise turn the fuzz into an OCR benchmark
    options = BatchOptions(jobs=args.jobs, timeout=args.timeout, memory_mb=2048, settings=ExtractSettings(ocr=False))
    summary = run(args.cases, args.seed, options, args.keep)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(summary, indent=2) + "\n", "utf-8")
    print(f"{summary['cases']} cases: {summary['statuses']}; escaped {len(summary['escaped'])}, "
          f"missing {len(summary['missing'])}; slowest {summary['max_seconds']} s; written to {args.output}")
    return 1 if summary["escaped"] or summary["missing"] else 0


if __name__ == "__main__":
    sys.exit(main())
