"""`boardplans refresh` against a board's site served for real on 127.0.0.1: the first fetch,
a night with no change, a replaced PDF, a PDF dropped from its listing page, every way a
fetch fails, two overlapping runs, a run killed with SIGKILL, and the batch on a Dask
LocalCluster. One first run is made per module; each test starts from a copy of it (its
record cache included), so only what a test changes is ever read again."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from contextlib import suppress
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from boardplans.pipeline.batch import BatchOptions, run_batch
from boardplans.pipeline.localsite import Reply, Site, redirect, replies
from boardplans.pipeline.refresh import RefreshOptions, refresh
from boardplans.pipeline.state import runs

from conftest import PLAN_PDF, ROOT, ruled_plan_pdf
from test_atomic_write import dataset_counts

FIXTURE_PDF = ROOT / "tests" / "fixtures" / "three_col_northmoor_2019_20.pdf"
DAY1, DAY2 = date(2026, 1, 5), date(2026, 2, 5)
OPTIONS = BatchOptions(jobs=2, timeout=120)

ASHBY_V1 = [("Audit the front door referrals", "Head of Service", "March 2020"),
            ("Train school staff on neglect", "Training Manager", "June 2019"),
            ("Publish the annual report", "Board Manager", "September 2019")]
ASHBY_V2 = [("Audit the front door referrals", "Safeguarding Lead", "June 2020"),
            ("Train all school staff on neglect", "Training Manager", "June 2019"),
            ("Review the neglect strategy", "Board Manager", "December 2019")]

LISTING = """<html><head><title>Publications</title></head><body><ul>
<li><a href="../ashby/plan-2019-20.pdf">Business plan 2019-20</a></li>
<li><a href="../ashby/plan-2019-20.pdf#page=1">Business plan 2019-20 (first page)</a></li>
<li><a href="{base}/fixtures/northmoor.pdf">Action plan</a></li>
<li><a href="/llr/business-plan-2016-17.pdf">LLR business plan</a></li>
<li><a href="minutes.pdf">Board minutes</a></li>
<li><a href="../about.html">About the business plan</a></li>
</ul></body></html>"""


def sources_toml(site: Site, **fetch: object) -> str:
    settings = {"delay": 0, "backoff": 0.01, "retries": 1, "timeout": 10, **fetch}
    lines = ["[fetch]", *(f"{k} = {json.dumps(v)}" for k, v in settings.items()),
             "", "[[source]]", f'url = "{site.url("llr/business-plan-2016-17.pdf")}"',
             'board = "Leicestershire and Rutland LSCB"',
             "", "[[source]]", f'url = "{site.url("publications/")}"', 'match = "business plan|action plan"',
             'board = "Ashby and Northmoor"']
    return "\n".join(lines) + "\n"


def build_site(root: Path, base: str) -> None:
    for folder in ("llr", "ashby", "fixtures", "publications"):
        (root / folder).mkdir(parents=True)
    shutil.copy2(PLAN_PDF, root / "llr" / "business-plan-2016-17.pdf")
    shutil.copy2(FIXTURE_PDF, root / "fixtures" / "northmoor.pdf")
    (root / "ashby" / "plan-2019-20.pdf").write_bytes(ruled_plan_pdf("Ashby LSCB Business Plan 2019-20", ASHBY_V1))
    (root / "publications" / "minutes.pdf").write_bytes(PLAN_PDF.read_bytes())
    (root / "publications" / "index.html").write_text(LISTING.format(base=base))


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with Site(tmp_path_factory.mktemp("empty")) as s:
        yield s


@pytest.fixture(scope="module")
def first_run(site: Site, tmp_path_factory) -> dict:
    """The first refresh of the site, and what it asked the server."""
    base = tmp_path_factory.mktemp("first")
    build_site(base / "site", site.base)
    site.root, site.routes = base / "site", {}
    site.seen()
    (base / "sources.toml").write_text(sources_toml(site))
    result = refresh(base / "sources.toml", base / "out", RefreshOptions(OPTIONS, today=DAY1))
    return {"base": base, "result": result, "requests": site.seen(), "counts": dataset_counts(base / "out")}


@pytest.fixture
def run(site: Site, first_run: dict, tmp_path: Path):
    """A copy of the first run's site and output for this test to change; `run()` refreshes it."""
    shutil.copytree(first_run["base"] / "site", tmp_path / "site")  # copy2: the same mtimes, so the same ETags
    subprocess.run(["cp", "-a", str(first_run["base"] / "out"), str(tmp_path / "out")], check=True)
    (tmp_path / "sources.toml").write_text(sources_toml(site))
    site.root, site.routes = tmp_path / "site", {}
    site.seen()

    def again(today: date = DAY2):
        return refresh(tmp_path / "sources.toml", tmp_path / "out", RefreshOptions(OPTIONS, today=today))
    again.dir = tmp_path  # type: ignore[attr-defined]
    return again


def table(out: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(out / f"{name}.csv", dtype=str, keep_default_na=False)


def changes(out: Path) -> dict:
    return json.loads((out / "changes.json").read_text())


def url_of(site: Site, name: str) -> str:
    return site.url({"llr": "llr/business-plan-2016-17.pdf", "ashby": "ashby/plan-2019-20.pdf",
                     "northmoor": "fixtures/northmoor.pdf"}[name])


def test_first_fetch_reads_every_pdf_a_source_names_or_links_to_once(site, first_run):
    out = first_run["base"] / "out"
    docs = table(out, "documents")
    llr, ashby, northmoor = (url_of(site, n) for n in ("llr", "ashby", "northmoor"))
    assert sorted(docs["file"]) == sorted([llr, ashby, northmoor])
    assert set(docs["status"]) == {"ok"} and set(docs["source_status"]) == {"current"}
    assert set(docs["first_seen"]) == set(docs["last_seen"]) == {DAY1.isoformat()}
    assert dict(zip(docs["file"], docs["board"]))[llr] == "Leicestershire and Rutland LSCB"
    requested = [s.path for s in first_run["requests"]]
    # the LLR plan is both a source and a link: fetched once; off-pattern and non-PDF links never
    assert sorted(p for p in requested if p.endswith(".pdf")) == sorted(
        ["/ashby/plan-2019-20.pdf", "/fixtures/northmoor.pdf", "/llr/business-plan-2016-17.pdf"])
    assert "/about.html" not in requested
    report = changes(out)
    assert sorted(report["documents"]["added"]) == sorted([llr, ashby, northmoor])
    assert (report["documents"]["changed"], report["documents"]["removed"], report["documents"]["unchanged"]) == (
        [], [], [])
    actions = table(out, "actions")
    assert len(report["actions"]["added"]) == len(actions) > 20
    assert set(actions["first_seen"]) == {DAY1.isoformat()}
    assert first_run["result"].summary["extracted"] == 3 and first_run["result"].failures == []
    assert [r["finished"] is not None for r in runs(out)] == [True]


def test_a_night_with_no_change_is_all_304_extracts_nothing_and_reports_nothing(site, run):
    result = run()
    out = run.dir / "out"
    sent = site.seen()
    pdfs = [s for s in sent if s.path.endswith(".pdf")]
    assert len(pdfs) == 3 and all(s.if_none_match and s.if_modified_since and s.status == 304 for s in pdfs)
    assert [s.status for s in sent if s.path == "/publications/"] == [304]
    assert (result.summary["extracted"], result.summary["requests"]["bytes"]) == (0, 0)
    report = changes(out)
    assert report["actions"] == {"added": [], "removed": [], "changed": []}
    assert {k: v for k, v in report["documents"].items() if k != "unchanged"} == {
        "added": [], "changed": [], "removed": [], "failed": []}
    assert len(report["documents"]["unchanged"]) == 3
    assert "No changes: every document is as it was." in (out / "changes.md").read_text()
    docs, actions = table(out, "documents"), table(out, "actions")
    assert (set(docs["first_seen"]), set(docs["last_seen"])) == ({DAY1.isoformat()}, {DAY2.isoformat()})
    assert (set(actions["first_seen"]), set(actions["last_seen"])) == ({DAY1.isoformat()}, {DAY2.isoformat()})
    assert [r["counts"]["extracted"] for r in runs(out)] == [3, 0]


def test_a_replaced_pdf_alone_is_read_again_and_its_action_changes_are_named(site, run):
    (run.dir / "site" / "ashby" / "plan-2019-20.pdf").write_bytes(
        ruled_plan_pdf("Ashby LSCB Business Plan 2019-20", ASHBY_V2))
    result = run()
    out = run.dir / "out"
    ashby = url_of(site, "ashby")
    assert result.summary["extracted"] == 1
    report = changes(out)
    assert (report["documents"]["changed"], len(report["documents"]["unchanged"])) == ([ashby], 2)
    changed = {a["action"]: [c["note"] for c in a["changes"]] for a in report["actions"]["changed"]}
    assert changed == {
        "Audit the front door referrals": ["new lead: Safeguarding Lead (was Head of Service)",
                                           "deadline moved from 2020-03-31 to 2020-06-30"],
        "Train all school staff on neglect": ["action reworded"]}
    assert [a["action"] for a in report["actions"]["added"]] == ["Review the neglect strategy"]
    assert [a["action"] for a in report["actions"]["removed"]] == ["Publish the annual report"]
    actions = table(out, "actions")
    seen = dict(zip(actions["action"], actions["first_seen"]))
    assert (seen["Audit the front door referrals"], seen["Review the neglect strategy"]) == (
        DAY1.isoformat(), DAY2.isoformat())
    md = (out / "changes.md").read_text()
    assert "deadline moved from 2020-03-31 to 2020-06-30" in md and "## Documents changed (1)" in md


def test_a_pdf_dropped_from_its_listing_is_marked_removed_not_dropped(site, run):
    index = run.dir / "site" / "publications" / "index.html"
    index.write_text("\n".join(line for line in index.read_text().splitlines() if "northmoor" not in line))
    northmoor = url_of(site, "northmoor")
    kept = len(table(run.dir / "out", "actions").query("document == @northmoor"))
    run()
    out = run.dir / "out"
    assert "/fixtures/northmoor.pdf" not in [s.path for s in site.seen()]
    report = changes(out)
    assert report["documents"]["removed"] == [northmoor]
    assert len(report["actions"]["removed"]) == kept and all(a["document_removed"] for a in report["actions"]["removed"])
    docs = table(out, "documents").set_index("file")
    assert (docs.loc[northmoor, "source_status"], docs.loc[northmoor, "last_seen"]) == ("removed", DAY1.isoformat())
    assert docs.loc[northmoor, "source_reason"].startswith("no longer linked from its source")
    assert len(table(out, "actions").query("document == @northmoor")) == kept
    run(date(2026, 3, 5))
    assert changes(out)["documents"]["removed"] == [], "a removal is reported once"
    assert table(out, "documents").set_index("file").loc[northmoor, "source_status"] == "removed"


SLOW = 3.0


@pytest.mark.parametrize("case, reason", [
    ("404", "HTTP 404 Not Found: nothing is published at this address now"),
    ("redirect loop", "redirect loop: "),
    ("slower than the timeout", "timed out after 1 s (2 attempt(s))"),
    ("over the size limit", "larger than the 0.2 MB limit"),
    ("HTML served as PDF", "not a PDF: the file is an HTML page saved with a .pdf name (an error or login page?)"),
    ("500 then success", ""),
])
def test_a_failed_fetch_keeps_the_last_good_copy_and_the_run_goes_on(site, run, case, reason):
    path = "/ashby/plan-2019-20.pdf"
    (run.dir / "sources.toml").write_text(sources_toml(site, timeout=1, max_mb=0.2))
    body = ruled_plan_pdf("Ashby LSCB Business Plan 2019-20", ASHBY_V2)
    site.routes[path] = {
        "404": replies(Reply(404)),
        "redirect loop": redirect(path),
        "slower than the timeout": lambda _: Reply(200, body, delay=SLOW),
        "over the size limit": lambda _: Reply(200, b"%PDF-1.4\n" + bytes(300 * 1024)),
        "HTML served as PDF": lambda _: Reply(200, b"<html><body>Please log in</body></html>",
                                              {"Content-Type": "application/pdf"}),
        "500 then success": replies(Reply(500), Reply(200, body)),
    }[case]
    ashby = url_of(site, "ashby")
    before = table(run.dir / "out", "actions").query("document == @ashby")
    result = run()
    out = run.dir / "out"
    docs = table(out, "documents").set_index("file")
    actions = table(out, "actions").query("document == @ashby")
    if not reason:
        assert (result.failures, docs.loc[ashby, "source_status"], changes(out)["documents"]["changed"]) == (
            [], "current", [ashby])
        return
    assert [(f.url, f.reason.startswith(reason)) for f in result.failures] == [(ashby, True)], result.failures
    assert (docs.loc[ashby, "source_status"], docs.loc[ashby, "status"]) == ("failed", "ok")
    assert docs.loc[ashby, "source_reason"].startswith(reason)
    assert list(actions["action"]) == list(before["action"]), "the last good copy's records were not kept"
    assert set(docs["source_status"]) == {"current", "failed"}, "one failed address stopped the others"
    report = changes(out)
    assert [f["url"] for f in report["documents"]["failed"]] == [ashby] and report["actions"]["removed"] == []


def cli(*args: str | Path, **kw) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "boardplans.pipeline.cli", *map(str, args)], cwd=ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True, **kw)


def test_the_cli_exits_1_when_a_source_fails_and_names_it(site, run):
    site.routes["/fixtures/northmoor.pdf"] = replies(Reply(404))
    proc = cli("refresh", run.dir / "sources.toml", "-o", run.dir / "out")
    out, err = proc.communicate(timeout=300)
    northmoor = url_of(site, "northmoor")
    assert proc.returncode == 1, err
    assert f"  failed: {northmoor}: HTTP 404 Not Found: nothing is published at this address now" in out
    assert "Documents: 0 added, 0 changed, 0 removed, 2 unchanged, 1 failed." in out
    site.routes.clear()
    proc = cli("refresh", run.dir / "sources.toml", "-o", run.dir / "out", "-q")
    assert (proc.communicate(timeout=300), proc.returncode) == (("", ""), 0)


def wait_until(check, proc: subprocess.Popen, limit: float = 120) -> bool:
    end = time.monotonic() + limit
    while not check():
        if proc.poll() is not None or time.monotonic() > end:
            return False
        time.sleep(0.005)
    return True


def test_two_overlapping_runs_the_second_refuses_and_changes_nothing(site, run):
    site.routes["/llr/business-plan-2016-17.pdf"] = lambda h: Reply(304, delay=2.0)
    first = cli("refresh", run.dir / "sources.toml", "-o", run.dir / "out", "-q")
    try:
        assert wait_until(lambda: any(s.path.startswith("/llr/") for s in site.requests), first)
        second = cli("refresh", run.dir / "sources.toml", "-o", run.dir / "out")
        _, err = second.communicate(timeout=300)
        assert second.returncode == 2
        assert err.startswith(f"boardplans: error: {run.dir / 'out'} is being refreshed by another run "
                              f"(pid {first.pid}, started ")
    finally:
        first.communicate(timeout=300)
    assert first.returncode == 0
    assert [r["finished"] is not None for r in runs(run.dir / "out")] == [True, True]


def _staging(out: Path) -> bool:
    return any(p.name.startswith(f".{out.name}.staging-") for p in out.parent.iterdir())


MOMENTS = {
    "fetching": lambda site, out, sha: any(s.path.startswith("/ashby/") for s in site.requests),
    "extracting": lambda site, out, sha: (out / ".boardplans" / "store" / sha[:2] / f"{sha}.pdf").exists(),
    "staging created": lambda site, out, sha: _staging(out),
}


@pytest.mark.parametrize("moment", MOMENTS)
def test_sigkill_during_a_refresh_leaves_the_previous_dataset_whole(site, run, first_run, moment):
    import hashlib

    out = run.dir / "out"
    new = ruled_plan_pdf("Ashby LSCB Business Plan 2019-20", ASHBY_V2)
    (run.dir / "site" / "ashby" / "plan-2019-20.pdf").write_bytes(new)
    sha = hashlib.sha256(new).hexdigest()
    if moment == "fetching":
        site.routes["/ashby/plan-2019-20.pdf"] = lambda _: Reply(200, new, delay=1.0)
    proc = cli("refresh", run.dir / "sources.toml", "-o", out, "-q")
    try:
        reached = wait_until(lambda: MOMENTS[moment](site, out, sha), proc)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.communicate()
        with suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    assert reached, f"the run ended before '{moment}'"
    ashby = url_of(site, "ashby")
    sha_after_kill = table(out, "documents").set_index("file").loc[ashby, "sha256"]
    if moment != "staging created":
        assert (dataset_counts(out), sha_after_kill) == (first_run["counts"], first_run_sha(first_run, ashby))
    dataset_counts(out)  # whole, whichever it is
    site.routes.clear()
    run()
    assert table(out, "documents").set_index("file").loc[ashby, "sha256"] == sha
    # the change is reported by the run that brings it into the dataset, never lost
    assert changes(out)["documents"]["changed"] == ([] if sha_after_kill == sha else [ashby])
    assert not _staging(out)
    assert [r["finished"] is not None for r in runs(out)] == [True, False, True]


def first_run_sha(first_run: dict, url: str) -> str:
    return table(first_run["base"] / "out", "documents").set_index("file").loc[url, "sha256"]


@pytest.mark.parametrize("entry, message", [
    ('url = "ftp://example.org/plan.pdf"', r"source 1: url 'ftp://example.org/plan.pdf' is not an http\(s\) address"),
    ('url = "https://example.org/x/"\nmatch = "plan("', r"source 1 \(https://example.org/x/\): match 'plan\(' is not a "
                                                       r"valid regular expression"),
    ('url = "https://example.org/p.pdf"\nbaord = "X"', r"source 1: unknown key\(s\) \['baord'\]; a source takes url"),
    ('url = "https://example.org/p"\nkind = "html"', r"kind = 'html': use \"pdf\" or \"page\""),
])
def test_a_bad_sources_file_is_a_usage_error_naming_the_source(tmp_path, entry, message):
    (tmp_path / "sources.toml").write_text(f"[[source]]\n{entry}\n")
    proc = cli("refresh", tmp_path / "sources.toml", "-o", tmp_path / "out")
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 2
    assert err.startswith(f"boardplans: error: {tmp_path / 'sources.toml'}: ")
    import re
    assert re.search(message, err), err
    assert not (tmp_path / "out").exists()


def test_an_empty_sources_file_is_a_usage_error(tmp_path):
    (tmp_path / "sources.toml").write_text("[fetch]\ndelay = 2\n")
    proc = cli("refresh", tmp_path / "sources.toml", "-o", tmp_path / "out")
    _, err = proc.communicate(timeout=120)
    assert (proc.returncode, err.strip()) == (2, f"boardplans: error: {tmp_path / 'sources.toml'}: no [[source]] "
                                                 'entries: list each PDF or page as [[source]] with url = "..."')


@pytest.fixture(scope="module")
def cluster():
    from distributed import LocalCluster  # a dev dependency: the suite fails, never skips, without it

    with LocalCluster(n_workers=1, threads_per_worker=2, processes=True, dashboard_address=None) as c:
        yield c.scheduler_address


def test_a_refresh_on_a_dask_cluster_writes_the_same_dataset(site, first_run, cluster, tmp_path):
    site.root = first_run["base"] / "site"
    site.routes = {}
    (tmp_path / "sources.toml").write_text(sources_toml(site))
    proc = cli("refresh", tmp_path / "sources.toml", "-o", tmp_path / "out", "-q", "--scheduler", cluster)
    assert (proc.communicate(timeout=300), proc.returncode) == (("", ""), 0)
    local, remote = (table(d, "actions").drop(columns=["first_seen", "last_seen"]).sort_values("action_id")
                     .reset_index(drop=True) for d in (first_run["base"] / "out", tmp_path / "out"))
    pd.testing.assert_frame_equal(local, remote)


def test_the_cluster_keeps_the_batch_limits_and_statuses(cluster, long_pdf, tmp_path):
    html = tmp_path / "login.pdf"
    html.write_bytes(b"<html><body>Sign in</body></html>")
    plan = tmp_path / "plan.pdf"
    plan.write_bytes(ruled_plan_pdf("Ashby LSCB Business Plan 2019-20", ASHBY_V1))
    options = BatchOptions(jobs=2, timeout=4, scheduler=cluster)
    remote = run_batch([html, long_pdf, plan], options)
    assert [(Path(r.document["file"]).name, r.document["status"], r.document["reason"]) for r in remote] == [
        ("login.pdf", "failed", "not a PDF: the file is an HTML page saved with a .pdf name (an error or login "
                                "page?); fetch the real PDF"),
        (long_pdf.name, "failed", "timed out after 4 s: the parser got stuck on this file; raise --timeout if it "
                                  "is genuinely long, else report it"),
        ("plan.pdf", "ok", "")]
    # under a limit too small to read anything, the document fails against the limit (as a MemoryError
    # or, when a C library meets the limit first, as the crash it causes), never the worker or the batch
    [starved] = run_batch([plan], BatchOptions(jobs=1, timeout=60, memory_mb=64, scheduler=cluster))
    assert (starved.document["status"], "--memory-mb" in starved.document["reason"]) == ("failed", True)
