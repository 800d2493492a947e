"""The verdict report in a real browser: the live home page and the written HTML file.

The seed story is ingested and its catalogue loaded (``served_app``), then judged in
the store directly by three people and one simulated annotator (no Label Studio UI is
needed; the ``served_app`` fixture still starts the session's Label Studio).  Debian's
Chromium opens ``GET /`` and then the same report written to a file, and finds the
summary numbers, a vote bar per claim, the agreement charts and the timeline with the
numbers the report dict holds, no console error, and no request outside the page
itself (the file makes none beyond ``file://``).  Screenshots go to ``tmp_path``.
"""

from __future__ import annotations

import random

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page

from annotator.db import transaction
from annotator.models import Annotator, Judgment, JudgmentState, Mention, MentionOrigin, MentionStatus, Verdict
from annotator.reports.html import render_html
from annotator.reports.service import project_report
from annotator.services.verdicts import update_verdict_sets

pytestmark = pytest.mark.browser

VERDICTS = ("confirmed", "disputed", "denied")
TIMEOUT_MS = 30_000


def judge_the_seed_story(session) -> int:
    """Every catalogue mention judged by ana, budi, citra and one simulated annotator
    (deterministic verdicts leaning to one per claim); returns the number of mentions."""
    people = [Annotator(email=f"{n}@example.org", name=n) for n in ("ana", "budi", "citra")]
    bot = Annotator(email="simulated-1@simulated.invalid", name="Simulated annotator 1", simulated=True)
    session.add_all([*people, bot])
    session.flush()
    mentions = session.scalars(
        sa.select(Mention)
        .where(Mention.origin == MentionOrigin.CATALOGUE, Mention.status == MentionStatus.ACCEPTED)
        .order_by(Mention.id)
    ).all()
    number = 0
    for mention in mentions:
        leaning = random.Random(f"report:{mention.claim_id}").choice(VERDICTS)
        start, end = mention.spans[0]
        quote = {"start": start, "end": end, "text": mention.revision.body[start:end]}
        for annotator in (*people, bot):
            rng = random.Random(f"report:{mention.claim_id}:{mention.revision.article.external_id}:{annotator.name}")
            number += 1
            session.add(
                Judgment(
                    mention_id=mention.id,
                    annotator_id=annotator.id,
                    verdict=Verdict(leaning if rng.random() < 0.6 else rng.choice(VERDICTS)),
                    state=JudgmentState.ACTIVE,
                    simulated=annotator.simulated,
                    confidence=rng.randint(1, 5),
                    evidence=[quote],
                    ls_annotation_id=number,
                    claim_index=0,
                )
            )
    return len(mentions)


class Watch:
    """Console errors, uncaught exceptions and every URL the page asks for."""

    def __init__(self, page: Page):
        self.errors: list[str] = []
        self.requests: list[str] = []
        page.on("console", lambda m: m.type == "error" and self.errors.append(f"console: {m.text}"))
        page.on("pageerror", lambda e: self.errors.append(f"uncaught: {e}"))
        page.on("request", lambda r: self.requests.append(r.url))


def texts(page: Page, selector: str) -> list[str]:
    return [t.strip() for t in page.locator(selector).all_text_contents()]


def check_report(page: Page, data: dict, mentions: int, *, evidence: bool) -> None:
    """The page shows the seed story's numbers as the report dict has them (and, for a
    file, every claim's evidence: the live overview links to each claim's page instead)."""
    stats = {key: int(page.locator(f'#summary .stat[data-key="{key}"] .value').inner_text()) for key in data["summary"]}
    assert stats == data["summary"]
    assert (stats["claims"], stats["articles"], stats["annotators"]) == (17, 5, 3)
    assert stats["judgments"] == 3 * mentions
    banner = page.locator("#simulated-banner")
    assert f"{mentions} simulated judgments" in banner.inner_text()

    rows = page.locator("#claims tr.claim")
    assert rows.count() == len(data["claims"]) == 17
    for claim in data["claims"]:
        row = page.locator(f'#claims tr.claim[data-claim-id="{claim["id"]}"]')
        assert row.locator(".verdict").first.inner_text() == claim["verdict"]
        bar = row.locator(".vote-bar svg")
        assert bar.bounding_box()["width"] > 100, claim["id"]
        assert texts(page, f'#claims tr.claim[data-claim-id="{claim["id"]}"] .vote-bar svg text') == [
            str(n) for n in claim["counts"].values() if n
        ]
    assert data["pending"], "the seed judgments leave some claims to adjudicate"
    assert page.locator("#pending tr.pending-claim").count() == len(data["pending"])
    for item in data["pending"]:
        reason = page.locator(f'#pending tr.pending-claim[data-claim-id="{item["claim_id"]}"] .reason')
        assert reason.inner_text() == item["reason"]

    alpha = texts(page, "#agreement-claims svg text")
    for claim in data["claims"]:
        figure = claim["agreement"]["alpha_nominal"]
        shown = f"{figure['value']:.2f}".replace("-0.00", "0.00") if figure["defined"] else f"undefined: {figure['reason']}"
        assert shown in alpha, claim["id"]

    heatmap = page.locator("#agreement-heatmap svg")
    assert heatmap.bounding_box()["width"] > 200
    kappas = texts(page, "#agreement-heatmap svg text")
    for pair in data["agreement"]["pairs"]["pairs"]:
        if pair["kappa"] is None:
            assert "undefined" in kappas
            continue
        assert kappas.count(f"{pair['kappa']:.2f}") >= 2  # both halves of the matrix
        assert f"n={pair['n_units']}" in kappas

    timeline = page.locator("#timeline svg")
    assert timeline.bounding_box()["height"] > 200
    labels = texts(page, "#timeline svg text")
    for expected in ("2024-06-27", "2024-10-28", "2024-10-31", "(year inferred)", "undated"):
        assert any(expected in label for label in labels), expected
    if evidence:
        assert page.locator("#evidence blockquote").count() >= mentions
    else:
        assert page.locator("#evidence blockquote").count() == 0
        assert page.locator("#claims a.claim-link").count() == len(data["claims"])


def test_the_report_page_live_and_as_a_file(browser, served_app, desk_login, tmp_path):
    app, base_url, _ = served_app
    with app.app_context():
        with transaction() as session:
            mentions = judge_the_seed_story(session)
            # written directly: bring the verdict sets up to date as the write paths do
            update_verdict_sets(session, app.extensions["annotator.rules"].verdicts)
        with transaction() as session:
            data = project_report(session)

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        desk_login(page, "viewer")
        watch = Watch(page)
        response = page.goto(f"{base_url}/", timeout=TIMEOUT_MS)
        assert response.status == 200 and response.headers["content-type"].startswith("text/html")
        check_report(page, data, mentions, evidence=False)
        page.screenshot(path=str(tmp_path / "report-live.png"), full_page=True)
        assert not watch.errors, watch.errors
        assert watch.requests == [f"{base_url}/"], watch.requests

        claim = data["claims"][0]
        page.locator(f'#claims tr.claim[data-claim-id="{claim["id"]}"] a.claim-link').click()
        page.wait_for_url(f"{base_url}/claims/{claim['id']}*", timeout=TIMEOUT_MS)
        quotes = sum(len(m["evidence"]) for m in claim["mentions"])
        assert page.locator(f"#evidence-{claim['id']} blockquote").count() == quotes > 0
        assert page.locator("#claims tr.claim").count() == 1
        # the claim's charts come as images, drawn on their own requests
        images = page.locator("img.chart-image")
        assert images.count() == 3
        for number in range(3):  # lazy: fetched as they come into view
            images.nth(number).scroll_into_view_if_needed()
        page.wait_for_function(
            "() => [...document.querySelectorAll('img.chart-image')].every(i => i.complete && i.naturalWidth > 200)",
            timeout=TIMEOUT_MS,
        )
        page.screenshot(path=str(tmp_path / "report-claim.png"), full_page=True)
        assert not watch.errors, watch.errors

        report = tmp_path / "report.html"
        report.write_text(render_html(data), encoding="utf-8")
        page = context.new_page()
        watch = Watch(page)
        page.goto(report.as_uri(), timeout=TIMEOUT_MS)
        check_report(page, data, mentions, evidence=True)
        page.screenshot(path=str(tmp_path / "report-file.png"), full_page=True)
        assert not watch.errors, watch.errors
        assert watch.requests and all(url.startswith(("file://", "data:")) for url in watch.requests), watch.requests
    finally:
        context.close()
    print(f"\nscreenshots: {tmp_path / 'report-live.png'} {tmp_path / 'report-file.png'}")
