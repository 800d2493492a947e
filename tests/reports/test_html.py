"""render_html on hand-made report dicts (the contract of annotator.reports): every
section, the empty cases, undefined figures, the simulated banner, escaping, and that
the page needs nothing from anywhere else."""

from __future__ import annotations

import copy
import re

import pytest

from annotator.reports.html import VERDICT_COLOURS, render_html

FIGURES = ("alpha_nominal", "alpha_linear", "fleiss_kappa", "percent_agreement")
ORGANISATION_URL = "https://factcheck.example.org/"
REVIEW_URL = "https://factcheck.example.org/reviews/{claim_id}"
ARTICLE_URL = "https://news.example.com/troops"


def figure(value=None, reason=None, n_units=None, note=None):
    return {"value": value, "defined": value is not None, "n_units": n_units, "reason": reason, "note": note}


def judgment(annotator, verdict, *, simulated=False, evidence=(), note=None, number=1):
    return {
        "judgment_id": number, "annotator": annotator, "verdict": verdict, "confidence": 4,
        "evidence": list(evidence), "note": note, "simulated": simulated,
    }


def mention(mention_id, article, date, verdict, counts, *, inferred=False, url=None, quotes=(), judgments=()):
    return {
        "mention_id": mention_id,
        "article": {
            "external_id": article, "title": f"Title of {article}", "outlet": f"{article}.example",
            "url": url, "published_on": date, "published_year_inferred": inferred,
        },
        "verdict": verdict, "computed_verdict": verdict, "counts": counts, "support": 0.67, "tie": False,
        "status": "settled", "reason": None, "n_judgments": sum(counts.values()), "n_annotators": 3,
        "evidence": list(quotes), "judgments": list(judgments),
    }


QUOTE = {"start": 10, "end": 42, "text": "Pyongyang mengirim 10.000 tentara"}


def claim(claim_id, *, verdict, counts, status="settled", reason=None, alpha=None, mentions=(), **extra):
    n = sum(counts.values())
    return {
        "id": claim_id, "text": f"Teks klaim {claim_id}", "text_en": f"Claim {claim_id} in English",
        "story": "seed", "verdict": verdict, "computed_verdict": verdict, "method": "majority",
        "counts": counts, "support": max(counts.values()) / n if n else None, "tie": False,
        "status": status, "reason": reason, "n_judgments": n, "n_annotators": 3,
        "n_articles": len(mentions),
        "agreement": {"alpha_nominal": alpha or figure(), **{k: figure(0.5) for k in FIGURES[1:]}},
        "adjudication": None, "mentions": list(mentions), "timeline": [], **extra,
    }


def report(**changes) -> dict:
    """A report with three claims: settled, needing adjudication (alpha 0, not undefined)
    and adjudicated (alpha undefined); three annotators, one simulated, one pair undefined."""
    troops = claim(
        "troops", verdict="confirmed", counts={"confirmed": 5, "disputed": 1, "denied": 0},
        alpha=figure(0.42),
        mentions=[
            mention(11, "a1", "2024-06-27", "confirmed", {"confirmed": 3, "disputed": 0, "denied": 0},
                    url=ARTICLE_URL, quotes=[QUOTE],
                    judgments=[judgment("ana@example.org", "confirmed", evidence=[QUOTE]),
                               judgment("budi@example.org", "confirmed", note="two sources agree",
                                        evidence=[{"start": 50, "end": 60, "text": "kata Kim"}])]),
            mention(12, "a2", "2024-10-28", "confirmed", {"confirmed": 2, "disputed": 1, "denied": 0},
                    inferred=True),
        ],
        timeline=[
            {"date": "2024-06-27", "verdict": "confirmed", "status": "settled", "n_articles": 1},
            {"date": "2024-10-28", "verdict": "confirmed", "status": "settled", "n_articles": 2},
        ],
    )
    pact = claim(
        "pact", verdict="disputed", counts={"confirmed": 1, "disputed": 1, "denied": 1},
        status="needs adjudication", reason="tie between confirmed and disputed and denied", alpha=figure(0.0),
        tie=True, mentions=[mention(13, "a1", "2024-06-27", "disputed", {"confirmed": 1, "disputed": 1, "denied": 1})],
    )
    shells = claim(
        "shells", verdict="denied", counts={"confirmed": 2, "disputed": 0, "denied": 1}, status="adjudicated",
        alpha=figure(None, "one annotator"),
        mentions=[mention(14, "a3", None, "confirmed", {"confirmed": 2, "disputed": 0, "denied": 1})],
    )
    shells["computed_verdict"] = "confirmed"
    shells["adjudication"] = {
        "verdict": "denied", "reason": "the ministry denied it", "adjudicator": "desk",
        "created_at": "2024-11-02T10:00:00+00:00", "replaces": None,
    }
    people = [
        {"annotator": 1, "email": "ana@example.org", "name": "ana", "simulated": False},
        {"annotator": 2, "email": "budi@example.org", "name": "budi", "simulated": False},
        {"annotator": 3, "email": "bot@simulated.invalid", "name": "bot", "simulated": True},
    ]
    data = {
        "tool": {"name": "annotator", "version": "9.9.9"},
        "generated_at": "2026-11-22T01:59:07+00:00",
        "project": {"key": "claims", "story": "seed-story"},
        "organisation": {"name": "Desk", "url": ORGANISATION_URL},
        "review_url": REVIEW_URL,
        "language": "id",
        "method": "majority",
        "rules": {"labels": ["confirmed", "disputed", "denied"], "tie_order": ["disputed", "denied", "confirmed"],
                  "method": "majority", "min_judgments": 3, "min_support": 0.6},
        "include_simulated": True,
        "simulated": {"annotators": 1, "judgments": 7},
        "summary": {"claims": 3, "settled": 1, "needs_adjudication": 1, "adjudicated": 1,
                    "judgments": 12, "annotators": 3, "articles": 3},
        "claims": [troops, pact, shells],
        "agreement": {
            "project": {"alpha_nominal": figure(0.31, n_units=4), "alpha_linear": figure(0.35, n_units=4),
                        "fleiss_kappa": figure(None, "only one unit"), "percent_agreement": figure(0.69, n_units=4)},
            "pairs": {
                "annotators": people,
                "pairs": [
                    {"annotator_a": 1, "annotator_b": 2, "n_units": 4, "agreement": 0.75, "kappa": 0.58, "reason": None},
                    {"annotator_a": 1, "annotator_b": 3, "n_units": 0, "agreement": None, "kappa": None,
                     "reason": "no unit judged by both"},
                    {"annotator_a": 2, "annotator_b": 3, "n_units": 3, "agreement": 0.67, "kappa": -0.25, "reason": None},
                ],
                "matrix": {
                    "kappa": [[None, 0.58, None], [0.58, None, -0.25], [None, -0.25, None]],
                    "n_units": [[None, 4, None], [4, None, 3], [None, 3, None]],
                },
            },
            "annotators": [
                p | {"n_judgments": 4, "n_compared": 3, "n_alone": 0, "n_tied": 1, "agreement": 0.66,
                     "kappa": 0.4 if p["annotator"] != 3 else None,
                     "reason": None if p["annotator"] != 3 else "no unit with others"}
                for p in people
            ],
        },
        "pending": [{"claim_id": "pact", "mention_id": None, "reason": "tie between confirmed and disputed and denied"}],
    }
    data.update(changes)
    return data


def no_judgments() -> dict:
    data = report(include_simulated=False, simulated={"annotators": 0, "judgments": 0})
    data["summary"].update(settled=0, needs_adjudication=3, adjudicated=0, judgments=0, annotators=0)
    for c in data["claims"]:
        c.update(verdict=None, computed_verdict=None, counts={v: 0 for v in c["counts"]}, support=None,
                 status="needs adjudication", reason="no judgments", n_judgments=0, n_annotators=0,
                 adjudication=None, timeline=[])
        c["agreement"] = {k: figure(None, "no judgments") for k in FIGURES}
        for m in c["mentions"]:
            m.update(verdict=None, counts={v: 0 for v in m["counts"]}, judgments=[])
    data["agreement"] = {"project": {k: figure(None, "no judgments") for k in FIGURES},
                         "pairs": {"annotators": [], "pairs": [], "matrix": {"kappa": [], "n_units": []}},
                         "annotators": []}
    data["pending"] = [{"claim_id": c["id"], "reason": "no judgments"} for c in data["claims"]]
    return data


def stat(page, key: str) -> str:
    return page.by_id("summary").find(cls="stat", data_key=key).find(cls="value").text()


def svg_texts(node) -> list[str]:
    return [t.text() for t in node.find_all("text")]


# -- a full report -------------------------------------------------------------------------------


def test_a_full_report_is_one_html5_document_with_every_section(parse):
    html = render_html(report())
    assert html.startswith("<!DOCTYPE html>")
    page = parse(html)
    assert page.find("html").attrs["lang"] == "en"
    assert page.find("title").text()
    for section in ("summary", "claims", "pending", "agreement", "timeline", "evidence"):
        assert page.by_id(section)
    assert not page.find_all(id="empty")


def test_the_summary_shows_the_counts_method_rules_time_and_version(parse):
    page = parse(render_html(report()))
    expected = {"claims": "3", "settled": "1", "needs_adjudication": "1", "adjudicated": "1",
                "judgments": "12", "annotators": "3", "articles": "3"}
    assert {key: stat(page, key) for key in expected} == expected
    meta = page.by_id("summary").find("table", cls="meta")
    assert meta.find(data_key="method").text().startswith("majority")
    rules = meta.find(data_key="rules").text()
    assert "k = 3" in rules and "0.6" in rules
    assert "2026-11-22 01:59 UTC" in meta.find(data_key="generated-at").text()
    assert meta.find(data_key="tool").text() == "annotator 9.9.9"


def test_each_claim_has_its_verdict_status_votes_and_agreement(parse):
    page = parse(render_html(report()))
    rows = page.by_id("claims").find_all("tr", cls="claim")
    assert [r.attrs["data-claim-id"] for r in rows] == ["troops", "pact", "shells"]
    troops, pact, shells = rows
    assert troops.find(cls="verdict").text() == "confirmed"
    assert troops.find(cls="status").text() == "settled"
    assert "Claim troops in English" in troops.text() and "Teks klaim troops" in troops.text()
    assert troops.find(cls="support").text() == "83%"
    assert troops.find(cls="n-annotators").text() == "3" and troops.find(cls="n-articles").text() == "2"
    bar = troops.find(cls="vote-bar").find("svg")
    assert svg_texts(bar) == ["5", "1"]  # one segment per verdict with votes
    assert bar.find("title").text() == "Votes: confirmed 5, disputed 1, denied 0"
    assert troops.find(cls="alpha").text() == "0.42"
    assert "tie" in pact.find(cls="verdict-cell").text()
    assert pact.find(cls="status").text() == "needs adjudication"
    assert svg_texts(pact.find(cls="vote-bar").find("svg")) == ["1", "1", "1"]
    assert shells.find(cls="status").text() == "adjudicated"
    assert "computed: confirmed" in shells.text() and "the ministry denied it" in shells.text()


def test_undefined_figures_say_why_and_are_never_shown_as_zero(parse):
    page = parse(render_html(report()))
    rows = {r.attrs["data-claim-id"]: r for r in page.by_id("claims").find_all("tr", cls="claim")}
    assert rows["shells"].find(cls="alpha").text() == "undefined: one annotator"
    assert rows["pact"].find(cls="alpha").text() == "0.00"  # a real zero stays a zero
    chart = page.by_id("agreement-claims").find("svg")
    texts = svg_texts(chart)
    assert "undefined: one annotator" in texts and "0.42" in texts and "0.00" in texts
    project = page.by_id("agreement-project")
    assert project.find(data_figure="fleiss_kappa").text().endswith("undefined: only one unit")
    assert "69%" in project.find(data_figure="percent_agreement").text()
    heatmap = svg_texts(page.by_id("agreement-heatmap").find("svg"))
    assert heatmap.count("0.58") == 2 and heatmap.count("-0.25") == 2
    assert heatmap.count("undefined") == 2 and "n=4" in heatmap
    pairs = page.by_id("pairs").text()
    assert "undefined: no unit judged by both" in pairs
    assert "undefined: no unit with others" in page.by_id("annotators").text()


def test_the_claims_awaiting_adjudication_are_listed_with_the_reason(parse):
    page = parse(render_html(report()))
    pending = page.by_id("pending").find_all("tr", cls="pending-claim")
    assert [p.attrs["data-claim-id"] for p in pending] == ["pact"]
    assert "tie between confirmed and disputed and denied" in pending[0].find(cls="reason").text()
    assert pending[0].find("a").attrs["href"] == "#claim-pact"
    assert page.by_id("claim-pact").attrs["data-claim-id"] == "pact"


def test_the_timeline_places_each_mention_at_its_date_and_marks_inferred_years(parse):
    page = parse(render_html(report()))
    chart = page.by_id("timeline").find("svg")
    texts = svg_texts(chart)
    for label in ("2024-06-27", "2024-10-28", "(year inferred)", "undated", "troops", "pact", "shells"):
        assert any(label in t for t in texts), label
    assert "year inferred" in texts  # the legend's hollow marker
    over_time = page.by_id("evidence-troops").find(cls="verdict-over-time").text()
    assert "2024-06-27 confirmed (1 article)" in over_time and "2024-10-28 confirmed (2 articles)" in over_time


def test_the_evidence_shows_located_quotes_and_what_each_annotator_marked(parse):
    page = parse(render_html(report()))
    troops = page.by_id("evidence-troops")
    first = troops.find(cls="mention", data_mention_id="11")
    assert first.find("blockquote").text() == "Pyongyang mengirim 10.000 tentara"
    rows = first.find_all("tr", cls="judgment")
    assert "quote 1" in rows[0].text()  # the located quote, not repeated
    assert "kata Kim" in rows[1].find("q").text() and "two sources agree" in rows[1].text()
    assert "year inferred" in troops.find(cls="mention", data_mention_id="12").text()
    assert "undated" in page.by_id("evidence-shells").text()
    assert "Adjudicated denied by desk" in page.by_id("evidence-shells").find(cls="adjudication").text()


def test_charts_are_accessible_inline_svg_with_unique_ids(parse):
    html = render_html(report())
    assert "<?xml" not in html and "<!DOCTYPE svg" not in html and "<metadata" not in html
    page = parse(html)
    charts = page.find_all("svg", cls="chart")
    assert len(charts) == 3 + 3  # a vote bar per claim, agreement per claim, heatmap, timeline
    for chart in charts:
        assert chart.attrs["role"] == "img" and chart.attrs["id"]
        title = chart.find("title")
        assert chart.attrs["aria-labelledby"] == title.attrs["id"] and title.text()
    ids = [node.attrs["id"] for node in page.iter() if "id" in node.attrs]
    assert len(ids) == len(set(ids))
    for reference in re.findall(r'(?:url\(#|href="#)([^)"]+)', html):
        assert reference in ids, reference


def test_verdict_colours_are_the_same_in_badges_and_charts(parse):
    html = render_html(report())
    page = parse(html)
    bar = page.find(cls="vote-bar", data_counts=True).find("svg")
    fills = re.findall(r"fill: (#[0-9a-f]{6})", str(bar_source(html, bar.attrs["id"])))
    assert VERDICT_COLOURS["confirmed"][0] in fills and VERDICT_COLOURS["disputed"][0] in fills
    for label, (background, _) in VERDICT_COLOURS.items():
        assert f".verdict-{label} {{ background: {background};" in html


def bar_source(html: str, chart_id: str) -> str:
    start = html.index(f'<svg id="{chart_id}"')
    return html[start : html.index("</svg>", start)]


# -- nothing from elsewhere, everything escaped ------------------------------------------------------


def test_the_page_loads_nothing_from_anywhere_else(parse):
    html = render_html(report())
    page = parse(html)
    assert not page.find_all("script") and not page.find_all("img") and not page.find_all("iframe")
    assert "@import" not in html and "url(http" not in html
    for node in page.iter():
        assert "src" not in node.attrs, node.tag
        assert node.tag != "link" or node.attrs.get("href", "").startswith("data:")
    external = {(node.tag, node.attrs["href"]) for node in page.iter() if "http" in (node.attrs.get("href") or "")}
    reviews = {("a", REVIEW_URL.replace("{claim_id}", c)) for c in ("troops", "pact", "shells")}
    assert external == {("a", ORGANISATION_URL), ("a", ARTICLE_URL)} | reviews


def test_everything_from_the_data_is_escaped(parse):
    data = report()
    evil = "<script>alert(1)</script>"
    data["claims"][0]["text"] = evil
    data["claims"][0]["id"] = 'x"><script>alert(2)</script>'
    data["pending"][0]["reason"] = "<b>bold</b>"
    data["claims"][1]["mentions"][0]["article"]["url"] = "javascript:alert(3)"
    data["organisation"]["name"] = "<i>Desk</i>"
    html = render_html(data)
    assert "<script" not in html and "<b>bold" not in html and "<i>Desk" not in html
    assert "javascript:" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    page = parse(html)
    assert page.by_id("claims").find("tr", cls="claim").attrs["data-claim-id"] == 'x"><script>alert(2)</script>'
    assert 'x"><script>alert(2)</script>' in svg_texts(page.by_id("timeline").find("svg"))


def test_dollar_signs_in_names_are_text_not_mathematics(parse):
    data = report()
    data["claims"][0]["id"] = "cost-$5$-million"
    page = parse(render_html(data))
    assert "cost-$5$-million" in svg_texts(page.by_id("agreement-claims").find("svg"))


# -- the simulated banner ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("include", "judgments", "kind", "words"),
    [
        (True, 7, "included", "includes 7 simulated judgments from 1 simulated annotator "),
        (False, 7, "excluded", "7 simulated judgments from 1 simulated annotator are kept apart"),
        (True, 0, "included", "there are none"),
        (False, 0, None, None),
    ],
    ids=["included", "kept-apart", "asked-for-none", "none"],
)
def test_a_banner_says_whether_simulated_judgments_are_counted(parse, include, judgments, kind, words):
    page = parse(render_html(report(include_simulated=include, simulated={"annotators": 1, "judgments": judgments})))
    banners = page.find_all(id="simulated-banner")
    if kind is None:
        assert not banners
        return
    assert f"simulated-{kind}" in banners[0].classes and words in banners[0].text()


# -- empty projects ------------------------------------------------------------------------------


def test_a_project_without_judgments_is_clearly_empty_and_says_why(parse):
    page = parse(render_html(no_judgments()))
    empty = page.by_id("empty")
    assert empty.attrs["data-kind"] == "no-judgments"
    assert "No judgments yet" in empty.text()
    assert "annotators have not submitted anything in label studio" in empty.text().lower()
    assert stat(page, "judgments") == "0" and stat(page, "claims") == "3"
    assert not page.find_all("svg")  # no chart drawn on nothing
    for section in ("pending", "agreement", "timeline", "evidence"):
        assert not page.find_all(id=section)
    rows = page.by_id("claims").find_all("tr", cls="claim")
    assert len(rows) == 3 and all("no votes yet" in r.find(cls="vote-bar").text() for r in rows)


def test_simulated_judgments_kept_apart_are_named_as_the_reason_for_an_empty_report(parse):
    data = no_judgments()
    data["simulated"] = {"annotators": 3, "judgments": 120}
    page = parse(render_html(data))
    assert "120 simulated judgments are kept apart" in page.by_id("empty").text()
    assert "simulated-excluded" in page.by_id("simulated-banner").classes


def test_a_project_without_claims_is_clearly_empty_and_says_why(parse):
    data = no_judgments() | {"claims": [], "pending": []}
    data["summary"] = dict.fromkeys(data["summary"], 0)
    page = parse(render_html(data))
    empty = page.by_id("empty")
    assert empty.attrs["data-kind"] == "no-claims" and "No claims in the catalogue" in empty.text()
    assert "annotator claims load FILE" in empty.text()
    assert not page.find_all(id="claims") and not page.find_all("svg")


def test_one_annotator_gives_no_heatmap_but_says_why(parse):
    data = report()
    data["agreement"]["pairs"] = {"annotators": data["agreement"]["pairs"]["annotators"][:1], "pairs": [],
                                  "matrix": {"kappa": [[None]], "n_units": [[None]]}}
    page = parse(render_html(data))
    heatmap = page.by_id("agreement-heatmap")
    assert not heatmap.find_all("svg") and "at least two annotators" in heatmap.text()


def test_labels_of_a_csv_project_get_colours_of_their_own(parse):
    data = report()
    data["rules"]["labels"] = ["yes", "no"]
    for c in data["claims"]:
        c["counts"] = {"yes": 2, "no": 1}
        c["verdict"] = "yes"
    page = parse(render_html(data))
    assert svg_texts(page.find(cls="vote-bar", data_counts="yes=2,no=1").find("svg")) == ["2", "1"]


# -- determinism ---------------------------------------------------------------------------------


def test_the_same_dict_gives_the_same_page_apart_from_the_time():
    first = render_html(report())
    assert render_html(copy.deepcopy(report())) == first
    later = render_html(report(generated_at="2027-01-02T03:04:05+00:00"))
    assert later != first
    normalise = lambda html: html.replace("2026-11-22T01:59:07+00:00", "T").replace("2026-11-22 01:59 UTC", "t")  # noqa: E731
    assert normalise(first) == later.replace("2027-01-02T03:04:05+00:00", "T").replace("2027-01-02 03:04 UTC", "t")
