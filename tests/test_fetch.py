"""The careful HTTP client against a real HTTP server on 127.0.0.1: conditional requests,
retries, redirects, limits, robots.txt, and content judged by its bytes."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from boardplans.pipeline.fetch import Expect, Fetched, FetchSettings, Outcome, Validators, fetch_all
from boardplans.pipeline.localsite import Reply, Site, redirect, replies
from boardplans.pipeline.sources import pdf_links

from conftest import PLAN_PDF

FAST = FetchSettings(timeout=5, retries=2, backoff=0.01, delay=0, per_host=4)


@pytest.fixture
def site(tmp_path: Path):
    root = tmp_path / "site"
    root.mkdir()
    (root / "plan.pdf").write_bytes(PLAN_PDF.read_bytes())
    with Site(root) as s:
        yield s


def get(site: Site, path: str, tmp_path: Path, settings: FetchSettings = FAST, validators: Validators = Validators(),
        expect: Expect = Expect.PDF) -> Fetched:
    [result] = fetch_all([(site.url(path), validators, expect)], settings, tmp_path / "tmp")
    return result


def test_a_fetch_stores_the_validators_and_the_next_request_is_conditional_and_answered_304(site, tmp_path):
    first = get(site, "plan.pdf", tmp_path)
    assert (first.outcome, first.kind, first.size, first.body.read_bytes()) == (
        Outcome.FETCHED, "pdf", PLAN_PDF.stat().st_size, PLAN_PDF.read_bytes())
    assert first.validators.etag and first.validators.last_modified
    again = get(site, "plan.pdf", tmp_path, validators=first.validators)
    assert (again.outcome, again.status, again.body) == (Outcome.UNCHANGED, 304, None)
    sent = site.seen("/plan.pdf")
    assert [(s.if_none_match, s.if_modified_since, s.status) for s in sent] == [
        ("", "", 200), (first.validators.etag, first.validators.last_modified, 304)]
    assert all(s.user_agent.startswith("boardplans/") for s in sent)


def test_last_modified_alone_makes_the_request_conditional(site, tmp_path):
    first = get(site, "plan.pdf", tmp_path)
    again = get(site, "plan.pdf", tmp_path, validators=Validators(last_modified=first.validators.last_modified))
    assert again.outcome is Outcome.UNCHANGED


def test_404_fails_with_the_status_and_what_to_do(site, tmp_path):
    result = get(site, "gone.pdf", tmp_path)
    assert (result.outcome, result.status) == (Outcome.FAILED, 404)
    assert re.fullmatch(r"HTTP 404 Not Found: nothing is published at this address now; if the board moved the "
                        r"plan, update the sources file", result.reason)
    assert len(site.seen("/gone.pdf")) == 1, "a 404 is not retried"


def test_500_then_success_is_retried_and_fetched(site, tmp_path):
    site.routes["/plan.pdf"] = replies(Reply(500), Reply(503), None)
    result = get(site, "plan.pdf", tmp_path)
    assert (result.outcome, result.attempts) == (Outcome.FETCHED, 3)
    assert [s.status for s in site.seen("/plan.pdf")] == [500, 503, 200]


def test_500_every_time_fails_after_the_retries(site, tmp_path):
    site.routes["/plan.pdf"] = replies(Reply(500))
    result = get(site, "plan.pdf", tmp_path)
    assert result.outcome is Outcome.FAILED
    assert result.reason == ("HTTP 500 Internal Server Error after 3 attempt(s): the board's server is failing; "
                             "the next run will try again")


def test_a_redirect_loop_is_named_hop_by_hop(site, tmp_path):
    site.routes["/a.pdf"] = redirect("/b.pdf")
    site.routes["/b.pdf"] = redirect(site.url("a.pdf"), 301)
    result = get(site, "a.pdf", tmp_path)
    assert result.outcome is Outcome.FAILED
    assert result.reason == f"redirect loop: {site.url('a.pdf')} → {site.url('b.pdf')} → {site.url('a.pdf')}"


def test_redirects_are_followed_and_counted_up_to_the_limit(site, tmp_path):
    for n in range(3):
        site.routes[f"/r{n}.pdf"] = redirect(f"/r{n + 1}.pdf")
    site.routes["/r3.pdf"] = redirect("/plan.pdf")
    ok = get(site, "r0.pdf", tmp_path)
    assert (ok.outcome, ok.redirects, ok.final_url) == (Outcome.FETCHED, 4, site.url("plan.pdf"))
    short = get(site, "r0.pdf", tmp_path, FetchSettings(max_redirects=2, delay=0))
    assert short.outcome is Outcome.FAILED
    assert short.reason.startswith("more than 2 redirects: ")


def test_a_response_slower_than_the_timeout_fails_after_its_retries(site, tmp_path):
    site.routes["/slow.pdf"] = lambda _: Reply(200, PLAN_PDF.read_bytes(), delay=3)
    result = get(site, "slow.pdf", tmp_path, FetchSettings(timeout=0.3, retries=1, backoff=0, delay=0))
    assert result.outcome is Outcome.FAILED
    assert result.reason == ("timed out after 0.3 s (2 attempt(s)): the server is too slow or not answering; "
                             "the next run will try again (or raise timeout in [fetch])")
    assert len(site.seen("/slow.pdf")) == 2


@pytest.mark.parametrize("declared", [True, False], ids=["Content-Length", "streamed"])
def test_a_body_over_the_size_limit_is_refused(site, tmp_path, declared):
    site.routes["/big.pdf"] = lambda _: Reply(200, b"%PDF-1.4\n" + b"0" * (300 * 1024), length=declared)
    result = get(site, "big.pdf", tmp_path, FetchSettings(max_mb=0.25, delay=0))
    assert result.outcome is Outcome.FAILED
    assert result.reason.startswith("larger than the 0.25 MB limit (Content-Length 307,209 bytes)" if declared
                                    else "larger than the 0.25 MB limit (more than 262,144 bytes sent)")
    assert not list((tmp_path / "tmp").glob("*.part")), "the partial download was left behind"


def test_html_served_as_a_pdf_gets_the_same_reason_as_in_extract(site, tmp_path):
    (site.root / "login.pdf").write_bytes(b"<!DOCTYPE html><html><body><form>Sign in</form></body></html>")
    result = get(site, "login.pdf", tmp_path)
    assert result.outcome is Outcome.FAILED
    assert result.reason == ("not a PDF: the file is an HTML page saved with a .pdf name (an error or login "
                             "page?); fetch the real PDF")


def test_a_page_is_told_from_a_pdf_by_its_bytes(site, tmp_path):
    (site.root / "download").write_bytes(PLAN_PDF.read_bytes())
    (site.root / "list.html").write_text("<html><a href='plan.pdf'>Plan</a></html>")
    assert get(site, "download", tmp_path, expect=Expect.ANY).kind == "pdf"
    assert get(site, "list.html", tmp_path, expect=Expect.ANY).kind == "page"


def test_robots_txt_is_respected(site, tmp_path):
    (site.root / "private").mkdir()
    (site.root / "private" / "plan.pdf").write_bytes(PLAN_PDF.read_bytes())
    (site.root / "robots.txt").write_text("User-agent: *\nDisallow: /private/\n")
    refused = get(site, "private/plan.pdf", tmp_path)
    assert refused.outcome is Outcome.FAILED
    assert refused.reason == (f"robots.txt of {site.base} disallows this address for boardplans; ask the board "
                              "to allow it, or remove the source")
    assert site.seen("/private") == [], "a disallowed address was requested"
    assert get(site, "plan.pdf", tmp_path).outcome is Outcome.FETCHED


def test_an_unreadable_robots_txt_means_nothing_is_fetched_from_that_host(site, tmp_path):
    site.routes["/robots.txt"] = replies(Reply(503))
    result = get(site, "plan.pdf", tmp_path, FetchSettings(retries=0, delay=0))
    assert result.outcome is Outcome.FAILED
    assert result.reason.startswith(f"robots.txt of {site.base} could not be read (HTTP 503 Service Unavailable")
    assert site.seen("/plan.pdf") == []


def test_one_host_gets_its_requests_one_at_a_time_and_spaced_by_the_delay(site, tmp_path):
    urls = [(site.url(f"plan.pdf?n={n}"), Validators(), Expect.PDF) for n in range(3)]
    results = fetch_all(urls, FetchSettings(per_host=1, delay=0.3), tmp_path / "tmp")
    assert [r.outcome for r in results] == [Outcome.FETCHED] * 3
    starts = [s.time for s in site.seen("/plan.pdf")]
    assert all(b - a >= 0.29 for a, b in zip(starts, starts[1:])), starts


@pytest.mark.parametrize("value, message", [
    ({"timout": 5}, r"unknown setting\(s\) \['timout'\]; known: \["),
    ({"timeout": 0}, r"timeout = 0: must be more than 0"),
    ({"retries": -1}, r"retries = -1: must not be negative"),
    ({"retries": 1.5}, r"retries = 1.5: must be a number \(a whole number\)"),
    ({"delay": "1s"}, r"delay = '1s': must be a number"),
])
def test_fetch_settings_name_the_bad_key(value, message):
    with pytest.raises(ValueError, match=message):
        FetchSettings.resolve(value)


def test_pdf_links_resolves_relative_and_absolute_links_once_each_and_keeps_to_the_pattern():
    page = """<html><head><base href="/lscb/docs/"></head><body>
      <a href="business-plan-2019.pdf">Business plan 2019-20</a>
      <a href="business-plan-2019.pdf#page=2">Business plan (page 2)</a>
      <a href="https://cdn.example.org/files/Action%20Plan.PDF">Download</a>
      <a href="../minutes-2019.pdf">Board minutes</a>
      <a href="plan-2018.pdf"><img src="pdf.png" alt="Business Plan 2018"></a>
      <a href="/lscb/publications/">Publications (business plan archive)</a>
      <a href="mailto:lscb@example.org">Email the business plan team</a>
      <a href="report?id=7" type="application/pdf">Action plan report</a>
    </body></html>"""
    import re as re_
    links = pdf_links(page, "https://example.org/lscb/publications/index.html", re_.compile("business plan|action plan", re_.I))
    assert [(link.url, link.text) for link in links] == [
        ("https://example.org/lscb/docs/business-plan-2019.pdf", "Business plan 2019-20"),
        ("https://cdn.example.org/files/Action%20Plan.PDF", "Download"),
        ("https://example.org/lscb/docs/plan-2018.pdf", "Business Plan 2018"),
        ("https://example.org/lscb/docs/report?id=7", "Action plan report"),
    ]
    everything = pdf_links(page, "https://example.org/lscb/publications/index.html")
    assert "https://example.org/lscb/minutes-2019.pdf" in [link.url for link in everything]
