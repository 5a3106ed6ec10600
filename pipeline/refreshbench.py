"""`make bench`, refresh figures: `boardplans refresh` end to end (the CLI, start-up included)
against a site on 127.0.0.1 (pipeline.localsite, in a process of its own) serving N
distinct PDFs, one [[source]] each: a night with no change, and one where 10 changed.

The PDFs are one small plan from tests/fixtures with a different comment after its end
(`%%EOF`) each: distinct bytes, so distinct documents, read alike. One host serves them all,
so the sources file lets that host take 8 requests at once with no delay between them; the
defaults (2 at once, 1 s apart) are for boards' real sites, where 1,000 plans sit on
a hundred-odd hosts.
"""
from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PLAN = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "two_row_header_brookmere_2019_20.pdf"
CHANGED = 10


def _variant(n: int, generation: int = 0) -> bytes:
    return PLAN.read_bytes() + f"\n% boardplans bench variant {n}.{generation}\n".encode()


def _refresh(command: list[str], sources: Path, out: Path) -> tuple[float, dict]:
    start = time.perf_counter()
    run = subprocess.run([*command, "refresh", str(sources), "-o", str(out), "-q", "--jobs", "2"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - start
    if run.returncode != 0:
        raise SystemExit(f"bench: refresh exited {run.returncode}: {run.stderr.strip()}")
    summary = json.loads((out / "run.json").read_text())
    summary["changed_documents"] = json.loads((out / "changes.json").read_text())["documents"]["changed"]
    return seconds, summary


def bench_refresh(sources: int, repeats: int) -> dict:
    script = shutil.which("boardplans", path=str(Path(sys.executable).parent))
    command = [script] if script else [sys.executable, "-m", "boardplans.pipeline.cli"]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "site"
        root.mkdir()
        for n in range(sources):
            (root / f"plan-{n:04d}.pdf").write_bytes(_variant(n))
        site = subprocess.Popen([sys.executable, "-m", "boardplans.pipeline.localsite", str(root)], stdout=subprocess.PIPE,
                                text=True)
        try:
            assert site.stdout is not None
            base = site.stdout.readline().strip()
            toml = Path(tmp) / "sources.toml"
            toml.write_text("[fetch]\nper_host = 8\ndelay = 0\n\n" + "".join(
                f'[[source]]\nurl = "{base}/plan-{n:04d}.pdf"\n' for n in range(sources)))
            out = Path(tmp) / "out"
            first_seconds, first = _refresh(command, toml, out)
            # in a working tree others are editing, the pipeline version can change between two
            # runs, and the run after it read every record again: that run is no figure, and the
            # next (which finds them cached under the new version) measures again
            version, quiet, busy, generation, discarded = first["pipeline_version"], [], [], 0, 0
            while len(quiet) < repeats or len(busy) < repeats:
                if len(quiet) == repeats:
                    generation += 1
                    for n in range(CHANGED):
                        (root / f"plan-{(generation * CHANGED + n) % sources:04d}.pdf").write_bytes(
                            _variant(n, generation))
                measured = _refresh(command, toml, out)
                if measured[1]["pipeline_version"] != version:
                    version, discarded = measured[1]["pipeline_version"], discarded + 1
                    if discarded > 3:
                        raise SystemExit("bench: the pipeline's code kept changing during the refresh bench")
                    continue
                (quiet if len(quiet) < repeats else busy).append(measured)
        finally:
            site.kill()
            site.wait()
    return {
        "sources": sources, "repeats": repeats, "discarded_runs": discarded,
        "note": "`boardplans refresh` end to end (CLI start-up included), --jobs 2, against pipeline.localsite on "
                "127.0.0.1 in its own process; [fetch] per_host = 8, delay = 0 (one local host serves every PDF)",
        "first_run": {"seconds": round(first_seconds, 2), "extracted": first["extracted"],
                      "actions": first["actions"]},
        "no_change": {"median_seconds": round(statistics.median(s for s, _ in quiet), 3),
                      "seconds": [round(s, 3) for s, _ in quiet],
                      "not_modified": [r["requests"]["not_modified"] for _, r in quiet],
                      "extracted": [r["extracted"] for _, r in quiet],
                      "target_seconds": 5.0},
        "changed": {"changed_sources": CHANGED, "median_seconds": round(statistics.median(s for s, _ in busy), 3),
                    "seconds": [round(s, 3) for s, _ in busy],
                    "extracted": [r["extracted"] for _, r in busy],
                    "reported_changed": [len(r["changed_documents"]) for _, r in busy],
                    "downloaded": [r["requests"]["fetched"] for _, r in busy]},
    }


def lines(report: dict) -> list[str]:
    quiet, busy = report["no_change"], report["changed"]
    return [f"refresh of {report['sources']} sources on 127.0.0.1 (end to end, median of {report['repeats']}):",
            f"  no change:  {quiet['median_seconds']:.2f} s (target < {quiet['target_seconds']:g} s); "
            f"304s {quiet['not_modified']}, extracted {quiet['extracted']}",
            f"  {busy['changed_sources']} changed: {busy['median_seconds']:.2f} s; extracted {busy['extracted']}, "
            f"reported changed {busy['reported_changed']}",
            f"  (first run, untimed setup: {report['first_run']['seconds']} s, {report['first_run']['extracted']} "
            "extracted)"]
