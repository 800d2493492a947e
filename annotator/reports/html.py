"""The HTML report: one self-contained page a person reads, rendered from the report dict.

:func:`render_html` turns the dict of :mod:`annotator.reports` into a complete HTML5
document: all CSS inline, every chart an inline SVG drawn by matplotlib, no script, no
font, image or style sheet from anywhere else, so the file works offline from
``file://`` and the service can serve the same page live (``GET /``).

What the page holds, with the ids and classes tests and readers can rely on:

* ``#simulated-banner`` (``.simulated-included`` / ``.simulated-excluded``): whether
  simulated judgments are counted, and how many there are (only when there are any, or
  when they were asked for);
* ``#empty`` (``data-kind`` ``no-claims`` / ``no-judgments``): why there is nothing to show;
* ``#summary``: ``.stat[data-key=claims|settled|needs_adjudication|adjudicated|judgments|
  annotators|articles] .value``, then method, rules, time and tool version;
* ``#claims``: ``tr.claim[data-claim-id]`` (also ``id="claim-<id>"``, the review URL's
  anchor) with ``.verdict``, ``.status``, ``.vote-bar svg``, ``.support``,
  ``.n-annotators``, ``.n-articles``, ``.alpha``;
* ``#pending``: ``tr.pending-claim[data-claim-id]`` with its ``.reason``;
* ``#agreement``: ``#agreement-project`` (the project's figures),
  ``#agreement-claims svg`` (alpha per claim), ``#agreement-heatmap svg`` (Cohen's kappa
  per pair), ``#pairs``, ``#annotators``;
* ``#timeline svg``: each mention's verdict at its article's publication date;
* ``#evidence``: ``.claim-evidence#evidence-<id>`` with a ``.mention[data-mention-id]``
  per article: its located quotes and each annotator's judgment.

Each chart SVG (:mod:`annotator.reports.charts`) has an ``id``, the class ``chart``,
``role="img"`` and a ``<title>``; its text stays text (``svg.fonttype = none``), so the
numbers on a chart can be read and searched.  An undefined figure is shown as ``undefined: <reason>``, never as 0.  Output
is deterministic: the same dict gives the same bytes.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from .charts import (
    CHART_TITLES,
    VERDICT_COLOURS,
    agreement_chart,
    cached_chart,
    content_key,
    heatmap,
    heatmap_note,
    label_colours,
    timeline_chart,
    vote_bar,
)
from .formatting import figure, moment, number, percent, slug, web_url, who

__all__ = ["VERDICT_COLOURS", "DeskPanel", "render_html", "chart_svg"]

_FIGURES = {
    "alpha_nominal": "Krippendorff's alpha (nominal)",
    "alpha_linear": "Krippendorff's alpha (verdict distance)",
    "fleiss_kappa": "Fleiss' kappa",
    "percent_agreement": "Percent agreement",
}

@dataclasses.dataclass(frozen=True)
class PageLinks:
    """The links of a live page (a report file has none): each claim's own page, the
    filters and pages of the claim list, the way back to the overview."""

    claim_urls: dict[str, str] = dataclasses.field(default_factory=dict)
    #: the evidence is on the claims' own pages, not on this one
    overview: bool = False
    overview_url: str | None = None
    filters: tuple[tuple[str, str, bool], ...] = ()
    pager: tuple[tuple[str, str | None, bool], ...] = ()
    shown: str = ""


@dataclasses.dataclass(frozen=True)
class DeskPanel:
    """What a live page shows of the desk (a report file has none): who is signed in,
    the claim's decision history, and for an editor the form that settles the claim."""

    signed_in: str | None = None
    #: the claim of a claim's page (None on the overview)
    claim_id: str | None = None
    logout_url: str | None = None
    csrf_token: str | None = None
    #: where an editor's adjudication of this claim is posted (None: not an editor)
    adjudicate_url: str | None = None
    verdicts: tuple[str, ...] = ()
    #: the audit events of the decisions that shaped the claim's verdict, newest first
    history: tuple[dict, ...] = ()
    messages: tuple[tuple[str, str], ...] = ()


# -- the page --------------------------------------------------------------------------------


def _empty_state(data: dict) -> dict | None:
    """Why there is nothing to show, or None when there is."""
    summary = data.get("summary") or {}
    simulated = data.get("simulated") or {}
    if not data.get("claims"):
        return {
            "kind": "no-claims",
            "title": "No claims in the catalogue",
            "message": "There is nothing to report: the claim catalogue is empty, so no article has a claim to judge.",
            "next": "annotator claims load FILE",
        }
    if not summary.get("judgments"):
        if simulated.get("judgments") and not data.get("include_simulated"):
            message = (
                f"Annotators have not submitted anything in Label Studio. "
                f"The {simulated['judgments']} simulated judgments are kept apart; include_simulated=true shows them."
            )
        else:
            message = (
                "Annotators have not submitted anything in Label Studio. Verdicts, agreement "
                "and the timeline appear here once judgments arrive (by webhook, or by a sync)."
            )
        return {"kind": "no-judgments", "title": "No judgments yet", "message": message, "next": "annotator sync"}
    return None


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def _banner(data: dict) -> dict | None:
    simulated = data.get("simulated") or {}
    judgments, annotators = simulated.get("judgments") or 0, simulated.get("annotators") or 0
    if data.get("include_simulated"):
        if judgments:
            text = (
                f"This report includes {_plural(judgments, 'simulated judgment')} from "
                f"{_plural(annotators, 'simulated annotator')} (demo data, not people). Their figures are not evidence."
            )
        else:
            text = "Simulated judgments were asked for, but there are none: every judgment here is from a person."
        return {"kind": "included", "title": "Simulated judgments included", "text": text}
    if judgments:
        text = (
            f"{_plural(judgments, 'simulated judgment')} from {_plural(annotators, 'simulated annotator')}"
            " are kept apart and not counted here (include_simulated=true counts them)."
        )
        return {"kind": "excluded", "title": "Simulated judgments not included", "text": text}
    return None


def _quote_index(evidence: list[dict]) -> dict[tuple, int]:
    return {(e.get("start"), e.get("end")): i for i, e in enumerate(evidence, start=1)}


def _mention_view(mention: dict, labels: list[str]) -> dict:
    article = mention.get("article") or {}
    located = mention.get("evidence") or []
    numbers = _quote_index(located)
    judgments = []
    for judgment in mention.get("judgments") or []:
        marked = []
        for span in judgment.get("evidence") or []:
            number = numbers.get((span.get("start"), span.get("end")))
            marked.append({"quote": number, "text": span.get("text") or ""})
        judgments.append(
            {
                "annotator": judgment.get("annotator") or "?",
                "simulated": bool(judgment.get("simulated")),
                "verdict": judgment.get("verdict"),
                "confidence": judgment.get("confidence"),
                "evidence": marked,
                "note": judgment.get("note"),
            }
        )
    counts = mention.get("counts") or {}
    return {
        "id": mention.get("mention_id"),
        "outlet": article.get("outlet") or "unknown outlet",
        "title": article.get("title"),
        "external_id": article.get("external_id"),
        "url": web_url(article.get("url")),
        "date": article.get("published_on"),
        "year_inferred": bool(article.get("published_year_inferred")),
        "verdict": mention.get("verdict"),
        "status": mention.get("status"),
        "reason": mention.get("reason"),
        "counts": [(label, counts.get(label, 0)) for label in labels],
        "support": percent(mention.get("support")),
        "quotes": located,
        "judgments": judgments,
    }


def _claim_view(claim: dict, index: int, labels: list[str], palette, review_url: str | None) -> dict:
    counts = claim.get("counts") or {}
    alpha = figure((claim.get("agreement") or {}).get("alpha_nominal"))
    adjudication = claim.get("adjudication")
    timeline = [
        {"date": p.get("date"), "verdict": p.get("verdict"), "n_articles": p.get("n_articles")}
        for p in claim.get("timeline") or []
    ]
    return {
        "id": claim["id"],
        "anchor": f"claim-{claim['id']}",
        "text": claim.get("text") or "",
        "text_en": claim.get("text_en"),
        "verdict": claim.get("verdict"),
        "computed_verdict": claim.get("computed_verdict"),
        "status": claim.get("status") or "needs adjudication",
        "reason": claim.get("reason"),
        "tie": bool(claim.get("tie")),
        "counts": [(label, counts.get(label, 0)) for label in labels],
        "support": percent(claim.get("support")),
        "n_judgments": claim.get("n_judgments") or 0,
        "n_annotators": claim.get("n_annotators") or 0,
        "n_articles": claim.get("n_articles") or 0,
        "alpha": alpha,
        "adjudication": adjudication,
        "vote_bar": vote_bar(index, counts, labels, palette),
        "timeline": timeline,
        "undated": sum(1 for m in claim.get("mentions") or [] if not (m.get("article") or {}).get("published_on")),
        "mentions": [_mention_view(m, labels) for m in claim.get("mentions") or []],
        "review_url": review_url.replace("{claim_id}", quote(str(claim["id"]), safe="")) if review_url else None,
    }


def _pairs_view(pairs: dict | None) -> list[dict]:
    pairs = pairs or {}
    names = {p.get("annotator"): p for p in pairs.get("annotators") or []}
    rows = []
    for row in pairs.get("pairs") or []:
        a, b = names.get(row.get("annotator_a")), names.get(row.get("annotator_b"))
        kappa = row.get("kappa")
        rows.append(
            {
                "a": who(a) if a else str(row.get("annotator_a")),
                "b": who(b) if b else str(row.get("annotator_b")),
                "simulated": bool((a or {}).get("simulated") or (b or {}).get("simulated")),
                "n_units": row.get("n_units"),
                "agreement": percent(row.get("agreement")),
                "kappa": figure({"value": kappa, "defined": kappa is not None, "reason": row.get("reason")}),
            }
        )
    return rows


def _annotators_view(annotators: list[dict] | None) -> list[dict]:
    rows = []
    for row in annotators or []:
        kappa = row.get("kappa")
        rows.append(
            {
                "name": who(row),
                "email": row.get("email"),
                "simulated": bool(row.get("simulated")),
                "n_judgments": row.get("n_judgments"),
                "n_compared": row.get("n_compared"),
                "agreement": percent(row.get("agreement")),
                "kappa": figure({"value": kappa, "defined": kappa is not None, "reason": row.get("reason")}),
            }
        )
    return rows


def _labels(rules: dict, claims: list[dict]) -> list[str]:
    """The rules' labels (else the three verdicts), then any only a claim's counts know,
    so that every label gets a colour."""
    labels = list(rules.get("labels") or []) or list(VERDICT_COLOURS)
    for claim in claims:
        labels += [label for label in claim.get("counts") or {} if label not in labels]
    return labels


def _about(data: dict, rules: dict, labels: list[str]) -> dict:
    """What the page is a report of: project, publisher, method and rules, tool, time."""
    organisation = data.get("organisation") or {}
    project = data.get("project") or {}
    tool = data.get("tool") or {}
    return {
        "title": project.get("title") or "Verdict report",
        "project": project,
        "organisation": {"name": organisation.get("name"), "url": web_url(organisation.get("url"))},
        "language": data.get("language") or "und",
        "generated_at": data.get("generated_at"),
        "generated_text": moment(data.get("generated_at")),
        "method": data.get("method") or rules.get("method") or "majority",
        "rules": {
            "min_judgments": rules.get("min_judgments"),
            "min_support": rules.get("min_support"),
            "tie_order": rules.get("tie_order") or [],
            "labels": labels,
        },
        "tool": {"name": tool.get("name") or "annotator", "version": tool.get("version") or "?"},
    }


def _stats(summary: dict, claims: list[dict]) -> list[tuple[str, str, int]]:
    """The summary's counts as (key, label, value)."""
    return [
        ("claims", "claims", summary.get("claims", len(claims))),
        ("settled", "settled", summary.get("settled", 0)),
        ("needs_adjudication", "need adjudication", summary.get("needs_adjudication", 0)),
        ("adjudicated", "adjudicated", summary.get("adjudicated", 0)),
        ("judgments", "judgments", summary.get("judgments", 0)),
        ("annotators", "annotators", summary.get("annotators", 0)),
        ("articles", "articles", summary.get("articles", 0)),
    ]


def _pending_view(pending: list[dict] | None, claim_views: list[dict]) -> list[dict]:
    by_id = {c["id"]: c for c in claim_views}
    return [
        {
            "claim": by_id.get(item.get("claim_id")),
            "claim_id": item.get("claim_id"),
            "mention_id": item.get("mention_id"),
            "reason": item.get("reason") or "",
        }
        for item in pending or []
    ]


def _drawers(agreement: dict, claims: list[dict], palette) -> dict[str, tuple[tuple, Callable[[], Any]]]:
    """Per chart of a page: what it is drawn from, and how."""
    pairs = agreement.get("pairs")
    return {
        "agreement": ((claims,), lambda: agreement_chart(claims)),
        "heatmap": ((pairs,), lambda: heatmap(pairs)[0]),
        "timeline": ((claims, palette), lambda: timeline_chart(claims, palette)),
    }


def _charts(
    agreement: dict, claims: list[dict], palette, cache: bool, chart_url: Callable[[str], str] | None
) -> dict:
    """The agreement, heatmap and timeline charts.

    A live page's (``cache``) are drawn once per content, so writes to other claims
    leave a claim page's charts cached; with ``chart_url`` they are not drawn here at
    all but linked as images (``chart_url(name)``), which its browser fetches while
    it shows the page: a claim page's charts take far longer to draw than the page
    to read (bench/README.md).
    """
    note = heatmap_note(agreement.get("pairs"))
    if chart_url is not None:
        shown = {"agreement": bool(claims), "heatmap": note is None, "timeline": any(c.get("mentions") for c in claims)}
        charts = {name: _chart_image(chart_url(name), name) if shown[name] else None for name in shown}
    else:
        charts = {
            name: cached_chart(content_key(*inputs) if cache else None, name, draw)
            for name, (inputs, draw) in _drawers(agreement, claims, palette).items()
        }
    return {
        "agreement_chart": charts["agreement"],
        "heatmap": charts["heatmap"],
        "heatmap_note": note,
        "timeline_chart": charts["timeline"],
    }


def _chart_image(url: str, name: str) -> Markup:
    return Markup('<img class="chart chart-image" src="{}" alt="{}" loading="lazy">').format(
        url, CHART_TITLES[name]
    )


def chart_svg(data: dict, name: str) -> Markup | None:
    """One chart of the page of ``data`` (a :data:`CHART_TITLES` name) as SVG, drawn
    once per content; None: the page has no such chart."""
    claims = data.get("claims") or []
    palette = label_colours(_labels(data.get("rules") or {}, claims))
    inputs, draw = _drawers(data.get("agreement") or {}, claims, palette)[name]
    return cached_chart(content_key(*inputs), name, draw)


_NO_CHARTS = {"agreement_chart": None, "heatmap": None, "heatmap_note": None, "timeline_chart": None}


def _view(
    data: dict, downloads: dict[str, str] | None, links: PageLinks, cache_charts: bool, chart_url: Callable[[str], str] | None
) -> dict:
    rules = data.get("rules") or {}
    claims = data.get("claims") or []
    agreement = data.get("agreement") or {}
    labels = _labels(rules, claims)
    palette = label_colours(labels)
    empty = _empty_state(data)
    review_url = data.get("review_url") if web_url(str(data.get("review_url") or "").replace("{claim_id}", "x")) else None
    claim_views = [_claim_view(c, i, labels, palette, review_url) for i, c in enumerate(claims, start=1)]
    judged = empty is None
    return {
        **_about(data, rules, labels),
        "stats": _stats(data.get("summary") or {}, claims),
        "banner": _banner(data),
        "empty": empty,
        "labels": labels,
        "palette": {label: {"bg": bg, "fg": fg, "slug": slug(label)} for label, (bg, fg) in palette.items()},
        "claims": claim_views,
        "pending": _pending_view(data.get("pending"), claim_views),
        "project_figures": [
            (name, label, figure((agreement.get("project") or {}).get(name), as_percent=name == "percent_agreement"))
            for name, label in _FIGURES.items()
        ],
        **(_charts(agreement, claims, palette, cache_charts, chart_url) if judged else _NO_CHARTS),
        "pairs": _pairs_view(agreement.get("pairs")) if judged else [],
        "annotators": _annotators_view(agreement.get("annotators")) if judged else [],
        "downloads": downloads or {},
        "pages": links,
    }


@functools.lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("annotator.reports", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["num"] = number
    env.filters["slug"] = slug
    return env


def render_html(
    data: dict,
    *,
    downloads: dict[str, str] | None = None,
    links: PageLinks | None = None,
    cache_charts: bool = False,
    chart_url: Callable[[str], str] | None = None,
    desk: DeskPanel | None = None,
) -> str:
    """The report as one self-contained HTML5 document.

    ``data`` is the report dict (:mod:`annotator.reports`).  A live page passes
    ``downloads`` (label -> same-site URL of the other formats), its ``links`` and
    ``cache_charts`` (keep its charts for the next page drawn from the same data); a
    file written into ``exports/`` has none of them.  ``chart_url`` (a chart's name ->
    its URL, see :func:`chart_svg`) links the big charts as images instead of drawing
    them into the page.  ``desk`` is what a live page shows of the desk.
    """
    view = _view(data, downloads, links or PageLinks(), cache_charts, chart_url)
    view["desk"] = desk or DeskPanel()
    return _environment().get_template("report.html").render(view=view)
