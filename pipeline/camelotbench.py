"""`make bench-camelot`: camelot's parsers as table strategies, measured on the development corpus.

    python -m boardplans.pipeline.camelotbench ../shared/devset -o output/camelot_bench.json

A configuration is a sequence of table strategies run as extractors/page.py runs its own (a
proposal scoring at least `min_table_score` claims its region, the next strategy reads the
words left): ours (`ruled`, `aligned`) and camelot's `network`, `hybrid` and `stream`
parsers behind the same protocol. Camelot decides where a table, its rows, columns and
merged cells are; each cell's text is then read from the unclaimed words in its box as our
strategies read theirs, so text cleaning and everything after the table layer (column
typing, plan context, stitching, normalizers) is the same in every configuration, and the
comparison is of the table finders alone.

- accuracy: the corpus's evaluate.py over a CLI that swaps the strategies in, with
  `--no-ocr` (the scanned copies are image-only; camelot reads a text layer only), in a
  fresh output folder each (the record cache does not know the strategies);
- s/page: the table layer alone, every configuration on each born-digital page in turn
  (a different one first on each page), the page's view read once as the pipeline reads
  it, so the times share one run window on a shared machine. Camelot's include its own
  parse of the page: it reads the PDF, not our view.
"""
from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass
from functools import reduce
from pathlib import Path
from typing import Sequence

import pdfplumber

from boardplans.extractors import page
from boardplans.extractors.furniture import drop_furniture
from boardplans.extractors.model import BBox, Row, Table
from boardplans.extractors.pageview import PageView, view_of, words_outside
from boardplans.extractors.settings import ExtractSettings
from boardplans.extractors.words import Word, cell_from_lines, group_lines, words_in

from . import cli, extract

CONFIGURATIONS = ("ruled+aligned", "network", "hybrid", "stream", "ruled+network+aligned", "ruled+aligned+hybrid",
                  "ruled+aligned+network")
FIGURES = ("recall", "precision", "lead", "timescale", "priority_ref", "objective", "ts_norm", "owners")
AS_CLI = "--as-cli"  # evaluate.py calling back through the wrapper script (see wrapper_script)
SETTINGS = ExtractSettings(ocr=False)


def top_left(x1: float, y1: float, x2: float, y2: float, height: float) -> BBox:
    """A box in camelot's PDF space (origin bottom-left, y up) in pdfplumber's (top-left, y down)."""
    return BBox(x1, height - y2, x2, height - y1)


def merged_boxes(grid: Sequence[Sequence], height: float) -> list[list[tuple[BBox, int] | None]]:
    """Each camelot cell's box and the last column it spans: a cell with no border on its
    right or below takes in its neighbour (a merged cell), and the cells it covers are None.
    Camelot draws every border of a text-aligned table, so only ruled grids have merges."""
    n_rows, n_cols = len(grid), len(grid[0])
    boxes: list[list[tuple[BBox, int] | None]] = [[None] * n_cols for _ in range(n_rows)]
    covered: set[tuple[int, int]] = set()
    for r in range(n_rows):
        for c in range(n_cols):
            if (r, c) in covered:
                continue
            c2, r2 = c, r
            while c2 + 1 < n_cols and not grid[r][c2].right:
                c2 += 1
            while r2 + 1 < n_rows and not grid[r2][c].bottom:
                r2 += 1
            first, last = grid[r][c], grid[r2][c2]
            boxes[r][c] = top_left(first.x1, last.y1, last.x2, first.y2, height), c2
            covered |= {(i, j) for i in range(r, r2 + 1) for j in range(c, c2 + 1)}
    return boxes


def in_column(words: Sequence[Word], col: tuple[float, float]) -> list[Word]:
    return [w for w in words if col[0] <= (w.x0 + w.x1) / 2 <= col[1]]


def to_table(found, words: Sequence[Word], view: PageView, name: str) -> Table | None:
    """A camelot table as ours, its cells read from `words`; rows and columns with no text
    are dropped (as camelot's hybrid drops them from its own data frame)."""
    rows_y, cols = found.rows, found.cols  # (top, bottom) going down; (left, right)
    inside = words_in(words, top_left(cols[0][0], rows_y[-1][1], cols[-1][1], rows_y[0][0], view.height))
    # how far each column's text reaches, for telling a wrapped line from a paragraph's end
    reach = [max((w.x1 for w in in_column(inside, col)), default=col[1]) + 1.5 for col in cols]
    grid = [[cell_from_lines(group_lines(words_in(inside, m[0])), reach[m[1]], view.number, m[0]) if m else None
             for m in row] for row in merged_boxes(found.cells, view.height)]
    rows = [r for r in grid if any(c and c.text for c in r)]
    keep = [j for j in range(len(cols)) if any(r[j] and r[j].text for r in rows)]
    if not keep:
        return None
    kept = [Row(tuple(r[j] for j in keep), view.number) for r in rows]
    bbox = reduce(BBox.union, (c.bbox for r in kept for c in r.cells if c))
    # where each column's text starts, as the aligned strategy gives it: the stitcher lines
    # a table's parts up by these, and camelot's own column bounds move with the text
    starts = tuple(min((w.x0 for w in in_column(inside, cols[j])), default=cols[j][0]) for j in keep)
    return Table(rows=kept, page=view.number, bbox=bbox, strategy=name, column_edges=starts, pages=[view.number])


@dataclass(frozen=True)
class Camelot:
    """camelot's parser `flavor` as a table strategy over the pages of the PDF at `path`."""
    path: Path
    flavor: str

    @property
    def name(self) -> str:
        return f"camelot-{self.flavor}"

    def propose(self, view: PageView, words: Sequence[Word], settings: ExtractSettings) -> list[Table]:
        import camelot

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "no tables found on page-N", and pdfminer's own
            found = camelot.read_pdf(str(self.path), pages=str(view.number), flavor=self.flavor,
                                     suppress_stdout=True)
        tables = []
        left = list(words)
        for each in found:  # camelot can return overlapping tables: a table find_tables keeps claims its words
            table = to_table(each, left, view, self.name)
            if table is not None:
                tables.append(table)
                if page.row_score(table, view) >= settings.min_table_score:
                    left = words_outside(left, [table.bbox])
        return tables


def strategies(spec: str, path: Path) -> tuple[page.TableStrategy, ...]:
    """'ruled+network+aligned' → the strategies it names, in order, for the PDF at `path`."""
    ours = {"ruled": page.Ruled(), "aligned": page.Aligned()}
    return tuple(ours[n] if n in ours else Camelot(path, n) for n in spec.split("+"))


def use_strategies(spec: str) -> None:
    """Have every document read with the strategies `spec` names: the batch runner forks its
    workers after this, and each reads one document."""
    read_pages = extract.read_pages

    def read_with(path: Path, settings: ExtractSettings):
        page.STRATEGIES = strategies(spec, Path(path))
        return read_pages(path, settings)

    extract.read_pages = read_with


def run_as_cli(spec: str, argv: list[str]) -> int:
    use_strategies(spec)
    return cli.main([*argv, "--no-ocr"])


def wrapper_script(spec: str, folder: Path) -> Path:
    """An executable `boardplans` for evaluate.py's --cli that reads with `spec`."""
    script = folder / f"boardplans-{spec}"
    script.write_text(f"#!/bin/sh\nexec {shlex.quote(sys.executable)} -m boardplans.pipeline.camelotbench "
                      f"{AS_CLI} {shlex.quote(spec)} \"$@\"\n")
    script.chmod(0o755)
    return script


def figures(report: dict) -> dict:
    """The born-digital figures, the recall of each value of each layout trait, and each
    plan's cell F1."""
    return {"digital": {k: report["digital"][k] for k in ("pdfs", "truth_rows", *FIGURES)},
            "recall_by_trait": {trait: {value: p["recall"] for value, p in sorted(values.items())}
                                for trait, values in report["by_trait"].items()},
            "cell_f1": {r["plan"]: round(r["cell_f1"] or 0.0, 3) for r in report["pdfs"] if r["pdf"] == "plan.pdf"}}


def against(first: dict, other: dict) -> dict[str, int]:
    """Plans whose cell F1 `other` raises and lowers against `first`: a configuration that
    wins overall by one layout while losing another shows here."""
    pairs = [(first["cell_f1"][p], f1) for p, f1 in other["cell_f1"].items()]
    return {"better": sum(b > a for a, b in pairs), "worse": sum(b < a for a, b in pairs)}


def evaluate(devset: Path, spec: str, folder: Path) -> dict:
    out = folder / f"{spec}.json"
    started = time.perf_counter()
    run = subprocess.run([sys.executable, str(devset / "evaluate.py"), "--cli", str(wrapper_script(spec, folder)),
                          "--json", str(out)], capture_output=True, text=True)
    if run.returncode != 0 or not out.exists():
        raise SystemExit(f"camelotbench: evaluate.py on {spec} exited {run.returncode}: {run.stderr[-800:]}")
    return {"eval_seconds": round(time.perf_counter() - started, 1), **figures(json.loads(out.read_text()))}


def page_views(path: Path) -> list[PageView]:
    with pdfplumber.open(path) as pdf:
        return drop_furniture([view_of(p, SETTINGS) for p in pdf.pages], SETTINGS)


def time_table_layer(pdfs: Sequence[Path], specs: Sequence[str]) -> dict:
    """Seconds per page of `find_tables` under each configuration, side by side, and of
    reading the page views they all share (pdfplumber's parse: most of the pipeline's time)."""
    seconds = {s: 0.0 for s in specs}
    pages, views_seconds, saved = 0, 0.0, page.STRATEGIES
    try:
        for path in pdfs:
            chosen = {s: strategies(s, path) for s in specs}
            started = time.perf_counter()
            views = page_views(path)
            views_seconds += time.perf_counter() - started
            for view in views:
                turn = pages % len(specs)
                for spec in (*specs[turn:], *specs[:turn]):
                    page.STRATEGIES = chosen[spec]
                    started = time.perf_counter()
                    page.find_tables(view, SETTINGS)
                    seconds[spec] += time.perf_counter() - started
                pages += 1
    finally:
        page.STRATEGIES = saved
    base = seconds[specs[0]]
    return {"pages": pages, "page_views_s_per_page": round(views_seconds / pages, 4),
            "table_layer": {s: {"s_per_page": round(t / pages, 4), "time_over_first": round(t / base, 2)}
                            for s, t in seconds.items()}}


def lines(report: dict) -> list[str]:
    head = f"{'configuration':<24}" + "".join(f"{k[:9]:>10}" for k in FIGURES) + f"{'s/page':>9}  plans +/-"
    out = [head]
    for spec, r in report["configurations"].items():
        d, vs = r["digital"], r["plans_against_first"]
        out.append(f"{spec:<24}" + "".join(f"{d[k]:>10.3f}" if d[k] is not None else f"{'-':>10}" for k in FIGURES)
                   + f"{r['table_layer']['s_per_page']:>9.3f}  {vs['better']}/{vs['worse']}")
    out.append(f"s/page: the table layer alone, on {report['pages']} pages; the page views every configuration "
               f"shares took {report['page_views_s_per_page']:.3f} s/page; plans +/-: cell F1 above/below the first")
    out.append("recall by borders: " + "; ".join(
        f"{spec}: " + " ".join(f"{v} {x:.2f}" for v, x in r["recall_by_trait"]["borders"].items())
        for spec, r in report["configurations"].items()))
    return out


def bench(devset: Path, specs: Sequence[str]) -> dict:
    pdfs = sorted((devset / "plans").glob("*/plan.pdf"))
    load_before = [round(v, 2) for v in os.getloadavg()]
    timing = time_table_layer(pdfs, specs)
    with tempfile.TemporaryDirectory() as tmp:
        results = {s: evaluate(devset, s, Path(tmp)) for s in specs}
    from importlib.metadata import version

    return {"devset": str(devset), "born_digital_pdfs": len(pdfs), "camelot": version("camelot-py"),
            "cpu_count": os.cpu_count(), "load_average": {"before": load_before,
                                                          "after": [round(v, 2) for v in os.getloadavg()]},
            "note": "table layer s/page: find_tables alone, each configuration on each page in turn in one run; "
                    "camelot's time includes its own parse of the page; page views: what every configuration "
                    "shares before it (pdfplumber's parse, furniture)",
            "pages": timing["pages"], "page_views_s_per_page": timing["page_views_s_per_page"],
            "configurations": {s: {**results[s], "plans_against_first": against(results[specs[0]], results[s]),
                                   "table_layer": timing["table_layer"][s]} for s in specs}}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == [AS_CLI]:
        return run_as_cli(argv[1], argv[2:])
    ap = argparse.ArgumentParser(prog="python -m boardplans.pipeline.camelotbench", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("devset", type=Path, help="the development corpus (its evaluate.py and plans/)")
    ap.add_argument("-o", "--output", type=Path, default=Path("output/camelot_bench.json"))
    ap.add_argument("--configurations", default=",".join(CONFIGURATIONS),
                    help="comma-separated, each strategies joined by + in order (the first is the baseline "
                         f"of the time ratios; default: {','.join(CONFIGURATIONS)})")
    args = ap.parse_args(argv)
    report = bench(args.devset, args.configurations.split(","))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    print("\n".join(lines(report)))
    print(f"written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
