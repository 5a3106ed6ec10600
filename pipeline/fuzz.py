"""Mutated PDFs through the batch runner: every case must end with a status, no exception of
ours may escape, and none may be passed off as a damaged file (`make fuzz`).

    python -m boardplans.pipeline.fuzz --cases 600 -o output/fuzz.json

The seeds are the text samples (samples/*.pdf) and, when the development corpus sits beside
the clone (../shared/devset), its Chromium-rendered plans (style.json "renderer": "chromium").
Case i applies mutation i mod 5 to seed (i div 5) mod the number of seeds, so the cases are
spread over every seed and every seed meets every mutation.

Mutations are seeded, so a case number names the same bytes on every run (for the same seed
list); a failing case can be rebuilt with `--keep DIR` and replayed with `boardplans extract`.

A case failed as "damaged PDF ..." is replayed in a worker of its own, with the exception that
made the reason caught where it is turned into the reason; the innermost frame of that
exception's traceback in either our code (pipeline, extractors, normalizers) or a PDF parser
(pdfminer, pdfplumber, pypdfium2) says whose error it was. One of ours is a bug reported to the
user as a corrupt file: it is listed under "internal_as_damaged" and fails the run.
"""
from __future__ import annotations

import argparse
import json
import logging
import multiprocessing as mp
import random
import re
import resource
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from boardplans.extractors.settings import ExtractSettings

from . import extract
from .batch import BatchOptions, run_batch
from .extract import DocumentResult

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
DEVSET = ROOT / ".." / "shared" / "devset"  # the development corpus, beside the clone when present
DAMAGED = "damaged PDF"
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


def sample_seeds() -> list[Path]:
    """The text samples (the scanned one is an image: mutating it only exercises the JPEG decoder)."""
    return sorted(p for p in SAMPLES.glob("*.pdf") if "scanned" not in p.name)


def corpus_seeds(devset: Path = DEVSET) -> list[Path]:
    """The development corpus's Chromium-rendered plans, chosen by each plan's style.json; none
    when the corpus is not there."""
    plans = devset / "plans"
    if not plans.is_dir():
        return []
    found = []
    for style in sorted(plans.glob("*/style.json")):
        if (json.loads(style.read_text("utf-8")).get("renderer") == "chromium"
                and (style.parent / "plan.pdf").is_file()):
            found.append(style.parent / "plan.pdf")
    return found


def seeds(devset: Path = DEVSET) -> list[Path]:
    return sample_seeds() + corpus_seeds(devset)


def label(path: Path) -> str:
    """A seed's name in a case's name: a corpus plan by its folder (every one is plan.pdf)."""
    return path.parent.name if path.name == "plan.pdf" else path.stem


def cases(sources: list[Path], count: int, seed: int) -> list[Case]:
    """Case i applies mutation i mod 5 to source (i div 5) mod len(sources), with another source
    as the donor of a splice; the donor and the mutation's bytes come from the case's own seeded
    generator."""
    blobs = [p.read_bytes() for p in sources]
    names = list(MUTATIONS)
    out = []
    for i in range(count):
        rng = random.Random(f"{seed}:{i}")
        mutation = names[i % len(names)]
        source = (i // len(names)) % len(blobs)
        other = rng.choice([j for j in range(len(blobs)) if j != source] or [source])
        data = MUTATIONS[mutation](blobs[source], blobs[other], rng)
        out.append(Case(f"{i:04d}_{mutation}_{label(sources[source])}.pdf", data))
    return out


def blame(exc: BaseException) -> dict[str, Any]:
    """Whose error `exc` is (extract.raised_in): owner is "ours", "parser" or "unknown"."""
    where = extract.raised_in(exc)
    text = f"{type(exc).__name__}: {exc}"[:300]
    if where is None:
        return {"owner": "unknown", "raised_in": "", "exception": text}
    return {"owner": where.owner, "raised_in": f"{where.module}:{where.line} ({where.function})", "exception": text}


def _limit_memory(memory_mb: int) -> None:
    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _replay(path: str, settings: ExtractSettings) -> dict[str, Any]:
    """process_document on one case, with the exception it turns into a failure's reason caught
    on its way into `extract._failure`."""
    caught: list[BaseException] = []
    original = extract._failure

    def spy(exc: BaseException) -> str:
        caught.append(exc)
        return original(exc)
    extract._failure = spy
    try:
        reason = extract.process_document(Path(path), settings).document["reason"]
    except Exception as exc:  # whatever it is, this replay only reports it
        return {"owner": "not reproduced", "raised_in": "", "exception": f"replay raised {type(exc).__name__}: {exc}"[:300]}
    finally:
        extract._failure = original
    if not caught:
        return {"owner": "not reproduced", "raised_in": "", "exception": f"replay gave {reason[:200]!r}"}
    return blame(caught[-1])


def damaged_origins(results: list[DocumentResult], options: BatchOptions) -> list[dict[str, Any]]:
    """Every case failed as a damaged PDF, replayed in a pool of workers under the batch's
    memory limit, with whose error it was (see `blame`)."""
    damaged = [r for r in results if r.document["reason"].startswith(DAMAGED)]
    if not damaged:
        return []
    out = []
    pool = mp.get_context("fork").Pool(max(1, options.jobs), _limit_memory, (options.memory_mb,))
    try:
        pending = [(r, pool.apply_async(_replay, (r.document["file"], options.settings))) for r in damaged]
        for r, job in pending:
            try:
                origin = job.get(timeout=options.timeout * 2)
            except mp.TimeoutError:
                origin = {"owner": "not reproduced", "raised_in": "", "exception": "replay timed out"}
            out.append({"case": Path(r.document["file"]).name, "reason": r.document["reason"][:300], **origin})
    finally:
        pool.terminate()
        pool.join()
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


def run(count: int, seed: int, options: BatchOptions, keep: Path | None = None,
        sources: list[Path] | None = None) -> dict:
    """`count` cases over `sources` (default: `seeds()`), through the batch runner; the summary
    adds the damaged-PDF cases replayed (`damaged_checked`) and those whose error was ours
    (`internal_as_damaged`), plus any that could not be attributed (`damaged_unattributed`)."""
    sources = seeds() if sources is None else sources
    with tempfile.TemporaryDirectory(prefix="boardplans-fuzz-") as tmp:
        folder = keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        paths = []
        for case in cases(sources, count, seed):
            paths.append(folder / case.name)
            paths[-1].write_bytes(case.data)
        started = time.monotonic()
        results = run_batch(paths, options)
        summary = summarize([p.name for p in paths], results, time.monotonic() - started)
        started = time.monotonic()
        origins = damaged_origins(results, options)
    corpus = sum(p.name == "plan.pdf" for p in sources)
    summary["seeds"] = {"samples": len(sources) - corpus, "corpus": corpus}
    summary["damaged_checked"] = len(origins)
    summary["damaged_by"] = dict(Counter(o["owner"] for o in origins))
    summary["internal_as_damaged"] = [o for o in origins if o["owner"] == "ours"]
    summary["damaged_unattributed"] = [o for o in origins if o["owner"] in ("unknown", "not reproduced")]
    summary["replay_seconds"] = round(time.monotonic() - started, 1)
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m boardplans.pipeline.fuzz", description=__doc__,
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
    print(f"{summary['cases']} cases from {summary['seeds']['samples']} samples and "
          f"{summary['seeds']['corpus']} corpus plans: {summary['statuses']}; escaped {len(summary['escaped'])}, "
          f"missing {len(summary['missing'])}; damaged PDF {summary['damaged_checked']} "
          f"(raised by {summary['damaged_by']}), of them internal errors "
          f"{len(summary['internal_as_damaged'])}; slowest {summary['max_seconds']} s; written to {args.output}")
    for case in summary["escaped"]:
        print(f"  escaped: {case['case']}: {case['reason']}", file=sys.stderr)
    for case in summary["internal_as_damaged"]:
        print(f"  internal error reported as damaged: {case['case']}: {case['exception']} "
              f"at {case['raised_in']}", file=sys.stderr)
    return 1 if summary["escaped"] or summary["missing"] or summary["internal_as_damaged"] else 0


if __name__ == "__main__":
    sys.exit(main())
