"""`make bench`: pages per second of boardplans beside bare pdfplumber and camelot.

    python -m boardplans.pipeline.bench samples -o output/bench.json

All three read the same text-layer PDFs in one run, each timed `--repeats` times and the
median kept, so the figures share one machine and one moment. PDFs without a text layer
are left out (boardplans would OCR them, the others read nothing) and listed as skipped.
The CLI's start-up is timed too: a command that does no work, and an `extract` whose one
PDF is in the record cache. One further run of boardplans under cProfile says where its
time goes, stage by stage.
"""
from __future__ import annotations

import argparse
import cProfile
import json
import multiprocessing as mp
import os
import platform
import pstats
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from importlib import metadata
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Callable, Sequence

import pdfplumber

from boardplans.extractors.settings import ExtractSettings

from .batch import collect_paths
from .extract import process_document

CLI_JOBS = 2
STARTUP_RUNS = 10
VERSIONS = ("pdfplumber", "pdfminer.six", "camelot-py", "boardplans")


@dataclass(frozen=True)
class Stage:
    """A stage of boardplans as the profiler sees it: the functions whose cumulative time
    is the stage's, less the stages nested inside them."""
    name: str
    functions: tuple[tuple[str, str], ...]  # (file path ending, function name)
    nested: tuple[str, ...] = ()


STAGES = (
    Stage("pdfplumber word extraction", (("pdfplumber/page.py", "extract_words"),), nested=("PDF parsing",)),
    Stage("PDF parsing", (("pdfplumber/page.py", "parse_objects"),)),
    Stage("table finding", (("extractors/ruled.py", "find_ruled_tables"),
                            ("extractors/aligned.py", "find_aligned_tables")), nested=("cell text",)),
    Stage("cell text", (("extractors/words.py", "cell_in"), ("extractors/aligned.py", "_row_cells"))),
    Stage("stitching", (("extractors/stitch.py", "stitch"),)),
    Stage("plan stage", (("pipeline/plan.py", "read_plan"),)),
    Stage("normalizers", (("normalizers/timescales.py", "parse_timescale"), ("normalizers/owners.py", "parse_owners"),
                          ("normalizers/status.py", "parse_status"), ("normalizers/status.py", "read_status_key"),
                          ("normalizers/acronyms.py", "find_acronyms")), nested=("lead-cell tokens",)),
    Stage("lead-cell tokens", (("normalizers/language.py", "parse"),)),
    Stage("themes", (("normalizers/themes.py", "themes_of"),)),
)
TOTAL = ("pipeline/extract.py", "process_document")
OTHER = "other (identification, records, furniture, page objects)"


@dataclass(frozen=True)
class Document:
    path: Path
    pages: int


@dataclass(frozen=True)
class Timing:
    name: str
    seconds: tuple[float, ...]
    pages: int

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def pages_per_second(self) -> float:
        return self.pages / self.median


def has_text_layer(path: Path) -> tuple[bool, int]:
    with pdfplumber.open(path) as pdf:
        return any(page.chars for page in pdf.pages), len(pdf.pages)


def choose_documents(paths: Sequence[Path]) -> tuple[list[Document], list[dict[str, str]]]:
    chosen, skipped = [], []
    for path in paths:
        text, pages = has_text_layer(path)
        if text:
            chosen.append(Document(path, pages))
        else:
            skipped.append({"file": str(path), "reason": "no text layer (image-only): boardplans would OCR it, "
                                                         "pdfplumber and camelot read nothing"})
    return chosen, skipped


def run_boardplans(docs: Sequence[Document]) -> None:
    for doc in docs:
        process_document(doc.path, ExtractSettings())


def cli_command() -> list[str]:
    """The `boardplans` command of this interpreter's environment."""
    script = shutil.which("boardplans", path=str(Path(sys.executable).parent))
    return [script] if script else [sys.executable, "-m", "boardplans.pipeline.cli"]


def cli_extract(docs: Sequence[Document], out: Path) -> None:
    subprocess.run([*cli_command(), "extract", *[str(d.path) for d in docs], "-o", str(out),
                    "--jobs", str(CLI_JOBS), "-q"], check=True, stdout=subprocess.DEVNULL)


def run_cli(docs: Sequence[Document]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        cli_extract(docs, Path(tmp) / "out")


def _median_seconds(run: Callable[[], object], runs: int) -> float:
    seconds = []
    for _ in range(runs):
        start = time.perf_counter()
        run()
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds)


def startup(doc: Document, runs: int = STARTUP_RUNS) -> dict[str, float]:
    """Median seconds of CLI calls that read no PDF: `extract --help` (the interpreter and the
    CLI's own imports) and `extract` of one PDF the record cache holds (what every command
    that writes the dataset pays before and after its work)."""
    help_ = [*cli_command(), "extract", "--help"]
    with tempfile.TemporaryDirectory() as tmp:
        cli_extract([doc], Path(tmp) / "out")  # fills the record cache
        return {"extract --help": round(_median_seconds(lambda: subprocess.run(help_, check=True,
                                                                                stdout=subprocess.DEVNULL), runs), 3),
                "extract, 1 PDF from the record cache": round(_median_seconds(
                    lambda: cli_extract([doc], Path(tmp) / "out"), runs), 3)}


def run_pdfplumber(docs: Sequence[Document]) -> None:
    for doc in docs:
        with pdfplumber.open(doc.path) as pdf:
            for page in pdf.pages:
                page.extract_tables()
                page.close()


def run_camelot(docs: Sequence[Document]) -> None:
    import camelot

    for doc in docs:
        camelot.read_pdf(str(doc.path), pages="all", flavor="lattice")


def time_runs(name: str, run: Callable[[Sequence[Document]], None], docs: Sequence[Document],
              repeats: int) -> Timing:
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        run(docs)
        seconds.append(time.perf_counter() - start)
    return Timing(name, tuple(seconds), sum(d.pages for d in docs))


def cumulative(stats: pstats.Stats, functions: Sequence[tuple[str, str]]) -> float:
    """Cumulative seconds of the functions named, however often and from wherever called."""
    return sum(ct for (file, _, func), (_, _, _, ct, _) in stats.stats.items()
               if any(file.replace(os.sep, "/").endswith(end) and func == name for end, name in functions))


def stage_seconds(stats: pstats.Stats) -> dict[str, float]:
    """Seconds per stage, each less the stages nested in it, and the rest as `other`."""
    whole = {s.name: cumulative(stats, s.functions) for s in STAGES}
    own = {s.name: whole[s.name] - sum(whole[n] for n in s.nested) for s in STAGES}
    own[OTHER] = cumulative(stats, [TOTAL]) - sum(own.values())
    return own


def _profiled_document(conn: Connection, path: Path) -> None:
    profiler = cProfile.Profile()
    profiler.runcall(process_document, path, ExtractSettings())
    conn.send(stage_seconds(pstats.Stats(profiler)))
    conn.close()


def profile_stages(docs: Sequence[Document]) -> dict:
    """Each document profiled in a fresh fork, as a batch worker reads it: model loading and
    cold caches count, as they do in `boardplans extract`."""
    ctx = mp.get_context("fork")
    totals: dict[str, float] = {}
    for doc in docs:
        parent, child = ctx.Pipe(duplex=False)
        worker = ctx.Process(target=_profiled_document, args=(child, doc.path))
        worker.start()
        child.close()
        for name, seconds in parent.recv().items():
            totals[name] = totals.get(name, 0.0) + seconds
        worker.join()
    total = sum(totals.values())
    return {"total_seconds": round(total, 3),
            "note": "each document under cProfile in a fresh fork (as `boardplans extract` workers run); "
                    "cProfile slows Python code more than C code; a stage excludes the stages nested in it",
            "stages": [{"stage": name, "seconds": round(sec, 3), "share": round(sec / total, 3)}
                       for name, sec in totals.items()]}


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def bench(paths: Sequence[Path], repeats: int) -> dict:
    docs, skipped = choose_documents(collect_paths(paths))
    if not docs:
        raise SystemExit("bench: no PDF with a text layer among the inputs")
    load_before = [round(v, 2) for v in os.getloadavg()]
    profile = profile_stages(docs)
    run_boardplans(docs[:1])  # load the PDF readers, word lists and tokenizer rules before the clock starts
    timings = [time_runs("boardplans (in-process, one core)", run_boardplans, docs, repeats),
               time_runs(f"boardplans extract --jobs {CLI_JOBS} (end to end)", run_cli, docs, repeats),
               time_runs("pdfplumber extract_tables", run_pdfplumber, docs, repeats),
               time_runs("camelot lattice", run_camelot, docs, repeats)]
    own, cli, plumber, camelot_ = timings
    return {
        "startup_seconds": startup(min(docs, key=lambda d: d.pages)),
        "seconds_per_page": {cli.name: round(cli.median / cli.pages, 4),
                             plumber.name: round(plumber.median / plumber.pages, 4)},
        "machine": {"cpu_count": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform(), "load_average_before": load_before,
                    "load_average_after": [round(v, 2) for v in os.getloadavg()]},
        "versions": {name: _version(name) for name in VERSIONS},
        "documents": [{"file": str(d.path), "pages": d.pages} for d in docs],
        "skipped": skipped,
        "pages": own.pages,
        "repeats": repeats,
        "results": [{**asdict(t), "median_seconds": round(t.median, 3),
                     "pages_per_second": round(t.pages_per_second, 2)} for t in timings],
        # time ratios, as the aims are put: boardplans no slower than bare pdfplumber (≤ 1.0)
        # and camelot lattice at least 10 times slower than boardplans (≥ 10)
        "ratios": {"time boardplans (one core) / pdfplumber": round(own.median / plumber.median, 3),
                   f"time boardplans extract --jobs {CLI_JOBS} / pdfplumber": round(cli.median / plumber.median, 3),
                   "time camelot lattice / boardplans (one core)": round(camelot_.median / own.median, 3)},
        "profile": profile,
    }


def table(report: dict) -> str:
    machine = report["machine"]
    lines = [f"{report['pages']} pages in {len(report['documents'])} PDFs, median of {report['repeats']}, "
             f"{machine['cpu_count']} CPUs, load average {machine['load_average_before'][0]} before, "
             f"{machine['load_average_after'][0]} after"]
    lines += [f"  {r['name']:<42} {r['pages_per_second']:>8.2f} pages/s  ({r['median_seconds']:.2f} s)"
              for r in report["results"]]
    lines += [f"  {name}: {value}" for name, value in report["ratios"].items()]
    (cli, cli_s), (plumber, plumber_s) = report["seconds_per_page"].items()
    lines.append(f"per page, end to end: {cli} {cli_s * 1000:.0f} ms, {plumber} {plumber_s * 1000:.0f} ms "
                 f"({cli_s / plumber_s:.2f}×)")
    lines.append("CLI start-up (median of {}): ".format(STARTUP_RUNS) + "; ".join(
        f"{name} {seconds:.2f} s" for name, seconds in report["startup_seconds"].items()))
    lines += [f"  skipped {Path(s['file']).name}: {s['reason']}" for s in report["skipped"]]
    lines.append(f"where boardplans' time goes ({report['profile']['total_seconds']} s under cProfile):")
    lines += [f"  {s['stage']:<58} {s['seconds']:>7.2f} s {s['share']:>6.1%}" for s in report["profile"]["stages"]]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m boardplans.pipeline.bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="PDF files or folders of them")
    parser.add_argument("-o", "--output", type=Path, default=Path("output/bench.json"), metavar="JSON",
                        help="where to write the figures (default: output/bench.json)")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs of each reader (default: 3)")
    parser.add_argument("--refresh-sources", type=int, default=1000, metavar="N",
                        help="sources in the refresh figures (pipeline/refreshbench.py); 0: none (default: 1000)")
    args = parser.parse_args(argv)
    report = bench(args.paths, max(1, args.repeats))
    if args.refresh_sources > 0:
        from .refreshbench import bench_refresh, lines

        report["refresh"] = bench_refresh(args.refresh_sources, max(1, args.repeats))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(table(report))
    if "refresh" in report:
        print("\n".join(lines(report["refresh"])))
    print(f"written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
