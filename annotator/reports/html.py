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

Each chart SVG has an ``id``, the class ``chart``, ``role="img"`` and a ``<title>``; its
text stays text (``svg.fonttype = none``), so the numbers on a chart can be read and
searched.  An undefined figure is shown as ``undefined: <reason>``, never as 0.  Output
is deterministic: the same dict gives the same bytes.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import functools
import io
import math
import re
import threading
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

__all__ = ["VERDICT_COLOURS", "render_html"]

#: Verdict colours, the same in every chart and badge: (fill, text on the fill).
VERDICT_COLOURS: dict[str, tuple[str, str]] = {
    "confirmed": ("#2e7d3c", "#ffffff"),
    "disputed": ("#f0b232", "#1f2328"),
    "denied": ("#c5362c", "#ffffff"),
}
#: Colours for labels beyond the three verdicts (a CSV project may name its own).
_SPARE_COLOURS = [("#3b6ea8", "#ffffff"), ("#7b4fa0", "#ffffff"), ("#2b8a8a", "#ffffff"), ("#8a6d3b", "#ffffff")]
_NO_VERDICT = ("#8c959f", "#ffffff")
_INK, _MUTED, _GRID = "#1f2328", "#57606a", "#d8dee4"
_BAR = "#3d5a80"

_FIGURES = {
    "alpha_nominal": "Krippendorff's alpha (nominal)",
    "alpha_linear": "Krippendorff's alpha (verdict distance)",
    "fleiss_kappa": "Fleiss' kappa",
    "percent_agreement": "Percent agreement",
}

_RC = {
    "svg.fonttype": "none",  # text stays <text>: readable, searchable, testable
    "svg.hashsalt": "annotator-report",  # stable clip-path ids: same dict, same bytes
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Liberation Sans", "Arial", "Helvetica"],
    "font.size": 9,
    "axes.unicode_minus": False,
    "axes.edgecolor": _GRID,
    "axes.labelcolor": _INK,
    "xtick.color": _MUTED,
    "ytick.color": _MUTED,
    "xtick.labelcolor": _INK,
    "ytick.labelcolor": _INK,
}
# matplotlib's rcParams are global: one chart is drawn at a time.
_LOCK = threading.Lock()


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


#: Charts drawn for a live page, by (verdict-set version, page, chart): drawing takes
#: far longer than reading the store, and a set's charts change only when it does.
_CHARTS: collections.OrderedDict[tuple, Any] = collections.OrderedDict()
_CHARTS_KEPT = 64


def _cached_chart(key: tuple | None, name: str, draw: Callable[[], Any]) -> Any:
    if key is None:
        return draw()
    full = (*key, name)
    with _LOCK:
        if full in _CHARTS:
            _CHARTS.move_to_end(full)
            return _CHARTS[full]
    chart = draw()
    with _LOCK:
        _CHARTS[full] = chart
        while len(_CHARTS) > _CHARTS_KEPT:
            _CHARTS.popitem(last=False)
    return chart


# -- formatting ------------------------------------------------------------------------------


def _number(value: Any, digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    text = f"{value:.{digits}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def _percent(value: Any) -> str:
    if value is None:
        return "—"
    return f"{round(value * 100)}%"


def _moment(value: str | None) -> str:
    if not value:
        return "—"
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.timezone.utc)
        return moment.strftime("%Y-%m-%d %H:%M UTC")
    return moment.strftime("%Y-%m-%d %H:%M")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-") or "x"


def _web_url(url: Any) -> str | None:
    """``url`` if it is an http(s) address (a link, never ``javascript:``), else None."""
    if isinstance(url, str) and re.match(r"^https?://[^\s]+$", url.strip(), re.IGNORECASE):
        return url.strip()
    return None


def _figure(value: dict | None, *, percent: bool = False) -> dict:
    """A figure as ``{"defined", "text", "reason", "note"}``: undefined says why."""
    value = value or {}
    defined = bool(value.get("defined")) and value.get("value") is not None
    reason = value.get("reason") or ("not computed" if not defined else None)
    shown = (_percent if percent else _number)(value.get("value")) if defined else f"undefined: {reason}"
    return {
        "defined": defined,
        "value": value.get("value") if defined else None,
        "text": shown,
        "reason": reason,
        "note": value.get("note"),
        "n_units": value.get("n_units"),
    }


def _palette(labels: Iterable[str]) -> dict[str, tuple[str, str]]:
    spare = iter(_SPARE_COLOURS * 8)
    return {label: VERDICT_COLOURS.get(label) or next(spare) for label in labels}


def _who(person: dict | None) -> str:
    """How an annotator is named on the page: name, else e-mail, else id."""
    person = person or {}
    return str(person.get("name") or person.get("email") or person.get("annotator") or "?")


# -- SVG from matplotlib ---------------------------------------------------------------------

_SVG_ROOT = re.compile(r"<svg\b([^>]*)>")
_TAG = re.compile(r"<[^>]+>")
_ATTR = re.compile(r'\b(width|height|viewBox)="([^"]*)"')


def _prefix_ids(svg: str, prefix: str) -> str:
    """Make the SVG's ids unique in the page (several charts share one document)."""

    def fix(tag: re.Match) -> str:
        text = tag.group(0)
        text = re.sub(r'(\s)id="([^"]+)"', rf'\1id="{prefix}-\2"', text)
        text = re.sub(r"url\(#([^)]+)\)", rf"url(#{prefix}-\1)", text)
        return re.sub(r'href="#([^"]+)"', rf'href="#{prefix}-\1"', text)

    return _TAG.sub(fix, svg)


def _to_svg(fig, chart_id: str, title: str, css_class: str = "chart", *, tight: bool = True) -> Markup:
    """The figure as an inline ``<svg>``: no prolog, no metadata, unique ids, a title."""
    buffer = io.StringIO()
    # a tight box fits the labels, at the price of drawing twice (a vote bar has none)
    box = {"bbox_inches": "tight", "pad_inches": 0.04} if tight else {}
    fig.savefig(buffer, format="svg", metadata={"Date": None}, **box)
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.S)
    svg = re.sub(r"<defs>\s*<style[^>]*>.*?</style>\s*</defs>\s*", "", svg, flags=re.S)
    svg = _prefix_ids(svg, chart_id)
    root = _SVG_ROOT.search(svg)
    sizes = dict(_ATTR.findall(root.group(1)))
    title_id = f"{chart_id}-title"
    opening = (
        f'<svg id="{chart_id}" class="{css_class}" role="img" aria-labelledby="{title_id}" '
        f'xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        f'width="{sizes.get("width", "")}" height="{sizes.get("height", "")}" '
        f'viewBox="{sizes.get("viewBox", "")}">'
        f'<title id="{title_id}">{Markup.escape(title)}</title>'
    )
    return Markup(opening + svg[root.end() :].strip())


def _chart(draw):
    """Run ``draw`` (which returns an SVG or None) with the report's matplotlib settings."""
    import matplotlib

    with _LOCK, matplotlib.rc_context(_RC):
        return draw()


def _new_figure(width: float, height: float, facecolor: str = "white"):
    # The Figure API on an Agg canvas, not pyplot: no global figure manager, no GUI
    # backend, nothing to switch for the whole process.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), facecolor=facecolor)
    FigureCanvasAgg(fig)
    return fig


_VOTE_BAR_ID = "vote-bar-0id0"


@functools.lru_cache(maxsize=256)
def _vote_bar_svg(counts: tuple[tuple[str, int], ...], colours: tuple[tuple[str, str, str], ...]) -> str | None:
    total = sum(n for _, n in counts)
    if total == 0:
        return None
    fill = {label: (bg, fg) for label, bg, fg in colours}

    def draw():
        from matplotlib.patches import Rectangle

        # straight on the figure, without axes: a bar per claim must be cheap to draw
        fig = _new_figure(2.2, 0.26, facecolor="none")
        left = 0.0
        for label, n in counts:
            if not n:
                continue
            bg, fg = fill[label]
            width = n / total
            fig.add_artist(Rectangle((left, 0.0), width, 1.0, transform=fig.transFigure, facecolor=bg,
                                     edgecolor="white", linewidth=1.2))
            fig.text(left + width / 2, 0.5, str(n), ha="center", va="center", color=fg, fontsize=9,
                     fontweight="bold")
            left += width
        title = "Votes: " + ", ".join(f"{label} {n}" for label, n in counts)
        return str(_to_svg(fig, _VOTE_BAR_ID, title, "chart vote-bar-chart", tight=False))

    return _chart(draw)


def _vote_bar(index: int, counts: dict, labels: list[str], palette) -> Markup | None:
    ordered = tuple((label, int(counts.get(label) or 0)) for label in labels)
    colours = tuple((label, *palette[label]) for label in labels)
    svg = _vote_bar_svg(ordered, colours)
    if svg is None:
        return None
    # the cached SVG carries placeholder ids: give this claim's copy ids of its own
    return Markup(svg.replace(_VOTE_BAR_ID, f"vote-bar-{index}"))


def _agreement_chart(claims: list[dict]) -> Markup | None:
    rows = [(c["id"], _figure((c.get("agreement") or {}).get("alpha_nominal"))) for c in claims]
    if not rows:
        return None

    def draw():
        values = [f["value"] for _, f in rows if f["defined"]]
        low = min([-0.25, *[v - 0.15 for v in values]])
        low = max(-1.0, math.floor(low * 4) / 4)
        fig = _new_figure(7.2, 0.5 + 0.27 * len(rows))
        ax = fig.add_subplot()
        positions = range(len(rows))
        for y, (_, figure) in zip(positions, rows):
            if figure["defined"]:
                value = figure["value"]
                ax.barh([y], [value], height=0.62, color=_BAR)
                ax.text(
                    value + (0.015 if value >= 0 else -0.015), y, _number(value),
                    ha="left" if value >= 0 else "right", va="center", color=_INK, fontsize=8.5,
                )
            else:
                ax.text(0.015, y, figure["text"], ha="left", va="center", color=_MUTED, fontsize=8.5,
                        fontstyle="italic", parse_math=False)
        ax.axvline(0, color=_MUTED, linewidth=0.8)
        for mark in (0.667, 0.8):
            ax.axvline(mark, color=_MUTED, linewidth=0.7, linestyle=(0, (3, 3)))
            ax.text(mark, -0.75, f"{mark:.3f}", ha="center", va="bottom", fontsize=7.5, color=_MUTED)
        ax.set_yticks(list(positions), [cid for cid, _ in rows], parse_math=False)
        ax.set_ylim(len(rows) - 0.5, -1.2)
        ax.set_xlim(low, 1.18)
        ax.set_xticks([t / 4 for t in range(int(low * 4), 5)])
        ax.set_xlabel("Krippendorff's alpha (nominal), over the claim's mentions")
        ax.tick_params(axis="y", length=0)
        ax.grid(axis="x", color=_GRID, linewidth=0.6)
        ax.set_axisbelow(True)
        for side in ("top", "right", "left"):
            ax.spines[side].set_visible(False)
        return _to_svg(fig, "agreement-claims-chart", "Krippendorff's alpha (nominal) per claim")

    return _chart(draw)


def _heatmap(pairs: dict | None) -> tuple[Markup | None, str | None]:
    """Cohen's kappa per annotator pair as a matrix, or (None, why not)."""
    pairs = pairs or {}
    people = pairs.get("annotators") or []
    matrix = pairs.get("matrix") or pairs
    kappa = matrix.get("kappa") or []
    units = matrix.get("n_units") or []
    if len(people) < 2 or len(kappa) != len(people):
        return None, "Pairwise agreement needs judgments from at least two annotators."
    names = [
        _who(p) + (" (simulated)" if p.get("simulated") and "simulated" not in _who(p).lower() else "")
        for p in people
    ]
    n = len(people)

    def draw():
        import numpy as np
        from matplotlib.colors import LinearSegmentedColormap

        cmap = LinearSegmentedColormap.from_list(
            "kappa", ["#f4f7fb", "#9ebcda", "#2c5d8f", "#14365c"]
        ).with_extremes(under="#fdf0e6")
        grid = np.array([[np.nan if v is None else v for v in row] for row in kappa], dtype=float)
        side = max(3.4, 0.95 * n + 1.6)
        fig = _new_figure(side + 1.1, side)
        ax = fig.add_subplot()
        image = ax.imshow(np.ma.masked_invalid(grid), cmap=cmap, vmin=0, vmax=1, aspect="equal")
        for i in range(n):
            for j in range(n):
                value = grid[i, j]
                if i == j:
                    ax.add_patch(_rect(j, i, "#e9ecef", None))
                    ax.text(j, i, "—", ha="center", va="center", color=_MUTED, fontsize=10)
                elif math.isnan(value):
                    ax.add_patch(_rect(j, i, "#f6f8fa", "////"))
                    ax.text(j, i, "undefined", ha="center", va="center", color=_MUTED, fontsize=8,
                            fontstyle="italic")
                else:
                    colour = "#ffffff" if value > 0.55 else _INK
                    ax.text(j, i - 0.08, _number(value), ha="center", va="center", color=colour, fontsize=10,
                            fontweight="bold")
                    count = units[i][j] if i < len(units) and j < len(units[i]) else None
                    if count is not None:
                        ax.text(j, i + 0.22, f"n={count}", ha="center", va="center", color=colour, fontsize=7.5)
        ax.set_xticks(range(n), names, rotation=30, ha="right", rotation_mode="anchor", parse_math=False)
        ax.set_yticks(range(n), names, parse_math=False)
        ax.tick_params(length=0)
        for spine in ax.spines.values():
            spine.set_visible(False)
        bar = fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04, extend="min")
        bar.set_label("Cohen's kappa (below 0: pale orange)")
        bar.outline.set_visible(False)
        return _to_svg(fig, "agreement-heatmap-chart", "Cohen's kappa for each pair of annotators")

    return _chart(draw), None


def _rect(x: float, y: float, colour: str, hatch: str | None):
    from matplotlib.patches import Rectangle

    return Rectangle((x - 0.5, y - 0.5), 1, 1, facecolor=colour, edgecolor=_GRID if hatch else colour,
                     hatch=hatch, linewidth=0.0)


def _timeline_chart(claims: list[dict], palette) -> Markup | None:
    """Per claim, each mention's verdict at its article's publication date."""
    # (claim id, [(date or None, year inferred, verdict)]) for the claims with mentions
    rows = [
        (
            c["id"],
            [
                ((m.get("article") or {}).get("published_on"),
                 bool((m.get("article") or {}).get("published_year_inferred")),
                 m.get("verdict"))
                for m in c["mentions"]
            ],
        )
        for c in claims
        if c.get("mentions")
    ]
    if not rows:
        return None
    points = [point for _, mentions in rows for point in mentions]
    dates = sorted({date for date, _, _ in points if date is not None})
    undated = any(date is None for date, _, _ in points)
    inferred = {date for date, year_inferred, _ in points if date is not None and year_inferred}
    columns = {date: i for i, date in enumerate(dates)}
    undated_x = len(dates) + (0.4 if dates else 0)

    def draw():
        from matplotlib.lines import Line2D

        width = max(5.5, 1.25 * (len(dates) + undated) + 3.6)
        fig = _new_figure(width, 0.9 + 0.3 * len(rows))
        ax = fig.add_subplot()
        dots: dict[str, list] = {"x": [], "y": [], "face": [], "edge": [], "width": []}
        for y, (_, mentions) in enumerate(rows):
            seen: dict[float, int] = {}
            dated = []
            for date, year_inferred, verdict in mentions:
                column = columns[date] if date is not None else undated_x
                slot = seen.get(column, 0)  # two articles of one date sit side by side
                seen[column] = slot + 1
                x = column + 0.16 * slot
                if date is not None:
                    dated.append(x)
                colour = palette.get(verdict, _NO_VERDICT)[0]
                dots["x"].append(x)
                dots["y"].append(y)
                dots["face"].append("white" if year_inferred else colour)
                dots["edge"].append(colour)
                dots["width"].append(2.2 if year_inferred else 0.8)
            if len(dated) > 1:
                ax.plot(sorted(dated), [y] * len(dated), color=_GRID, linewidth=1.6, zorder=1)
        ax.scatter(dots["x"], dots["y"], s=70, zorder=3, marker="o", facecolors=dots["face"],
                   edgecolors=dots["edge"], linewidths=dots["width"])
        ticks = [columns[d] for d in dates] + ([undated_x] if undated else [])
        labels = [d + ("\n(year inferred)" if d in inferred else "") for d in dates] + (["undated"] if undated else [])
        ax.set_xticks(ticks, labels)
        if undated and dates:
            ax.axvline(len(dates) - 0.3, color=_GRID, linewidth=0.8, linestyle=(0, (2, 2)))
        ax.set_xlim(-0.6, (undated_x if undated else len(dates) - 1) + 0.75)
        ax.set_yticks(range(len(rows)), [claim_id for claim_id, _ in rows], parse_math=False)
        ax.set_ylim(len(rows) - 0.5, -0.5)
        ax.grid(axis="x", color=_GRID, linewidth=0.6)
        ax.grid(axis="y", color="#f0f3f6", linewidth=0.6)
        ax.set_axisbelow(True)
        ax.tick_params(length=0)
        for spine in ax.spines.values():
            spine.set_visible(False)
        handles = [
            Line2D([], [], marker="o", linestyle="", markersize=8, markerfacecolor=bg, markeredgecolor=bg, label=label)
            for label, (bg, _) in palette.items()
        ]
        if any(verdict not in palette for _, _, verdict in points):
            handles.append(Line2D([], [], marker="o", linestyle="", markersize=8, markerfacecolor=_NO_VERDICT[0],
                                  markeredgecolor=_NO_VERDICT[0], label="no verdict yet"))
        if inferred:
            handles.append(Line2D([], [], marker="o", linestyle="", markersize=8, markerfacecolor="white",
                                  markeredgecolor=_MUTED, markeredgewidth=2, label="year inferred"))
        ax.legend(handles=handles, loc="lower left", bbox_to_anchor=(0, 1.0), ncol=len(handles), frameon=False,
                  fontsize=8.5, handletextpad=0.3, columnspacing=1.2, borderaxespad=0.3)
        return _to_svg(fig, "timeline-chart", "Each mention's verdict by its article's publication date")

    return _chart(draw)


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
        "url": _web_url(article.get("url")),
        "date": article.get("published_on"),
        "year_inferred": bool(article.get("published_year_inferred")),
        "verdict": mention.get("verdict"),
        "status": mention.get("status"),
        "reason": mention.get("reason"),
        "counts": [(label, counts.get(label, 0)) for label in labels],
        "support": _percent(mention.get("support")),
        "quotes": located,
        "judgments": judgments,
    }


def _claim_view(claim: dict, index: int, labels: list[str], palette, review_url: str | None) -> dict:
    counts = claim.get("counts") or {}
    alpha = _figure((claim.get("agreement") or {}).get("alpha_nominal"))
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
        "support": _percent(claim.get("support")),
        "n_judgments": claim.get("n_judgments") or 0,
        "n_annotators": claim.get("n_annotators") or 0,
        "n_articles": claim.get("n_articles") or 0,
        "alpha": alpha,
        "adjudication": adjudication,
        "vote_bar": _vote_bar(index, counts, labels, palette),
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
                "a": _who(a) if a else str(row.get("annotator_a")),
                "b": _who(b) if b else str(row.get("annotator_b")),
                "simulated": bool((a or {}).get("simulated") or (b or {}).get("simulated")),
                "n_units": row.get("n_units"),
                "agreement": _percent(row.get("agreement")),
                "kappa": _figure({"value": kappa, "defined": kappa is not None, "reason": row.get("reason")}),
            }
        )
    return rows


def _annotators_view(annotators: list[dict] | None) -> list[dict]:
    rows = []
    for row in annotators or []:
        kappa = row.get("kappa")
        rows.append(
            {
                "name": _who(row),
                "email": row.get("email"),
                "simulated": bool(row.get("simulated")),
                "n_judgments": row.get("n_judgments"),
                "n_compared": row.get("n_compared"),
                "agreement": _percent(row.get("agreement")),
                "kappa": _figure({"value": kappa, "defined": kappa is not None, "reason": row.get("reason")}),
            }
        )
    return rows


def _view(data: dict, downloads: dict[str, str] | None, links: PageLinks, chart_key: tuple | None) -> dict:
    rules = data.get("rules") or {}
    claims = data.get("claims") or []
    labels = list(rules.get("labels") or []) or list(VERDICT_COLOURS)
    for claim in claims:  # a label only a claim's counts know still gets a colour
        labels += [label for label in claim.get("counts") or {} if label not in labels]
    palette = _palette(labels)
    summary = data.get("summary") or {}
    empty = _empty_state(data)
    review_url = data.get("review_url") if _web_url(str(data.get("review_url") or "").replace("{claim_id}", "x")) else None
    claim_views = [_claim_view(c, i, labels, palette, review_url) for i, c in enumerate(claims, start=1)]
    by_id = {c["id"]: c for c in claim_views}
    judged = empty is None
    heatmap, heatmap_note = (
        _cached_chart(chart_key, "heatmap", lambda: _heatmap((data.get("agreement") or {}).get("pairs")))
        if judged
        else (None, None)
    )
    organisation = data.get("organisation") or {}
    project = data.get("project") or {}
    tool = data.get("tool") or {}
    return {
        "title": project.get("title") or "Verdict report",
        "project": project,
        "organisation": {"name": organisation.get("name"), "url": _web_url(organisation.get("url"))},
        "language": data.get("language") or "und",
        "generated_at": data.get("generated_at"),
        "generated_text": _moment(data.get("generated_at")),
        "method": data.get("method") or rules.get("method") or "majority",
        "rules": {
            "min_judgments": rules.get("min_judgments"),
            "min_support": rules.get("min_support"),
            "tie_order": rules.get("tie_order") or [],
            "labels": labels,
        },
        "tool": {"name": tool.get("name") or "annotator", "version": tool.get("version") or "?"},
        "stats": [
            ("claims", "claims", summary.get("claims", len(claims))),
            ("settled", "settled", summary.get("settled", 0)),
            ("needs_adjudication", "need adjudication", summary.get("needs_adjudication", 0)),
            ("adjudicated", "adjudicated", summary.get("adjudicated", 0)),
            ("judgments", "judgments", summary.get("judgments", 0)),
            ("annotators", "annotators", summary.get("annotators", 0)),
            ("articles", "articles", summary.get("articles", 0)),
        ],
        "banner": _banner(data),
        "empty": empty,
        "labels": labels,
        "palette": {label: {"bg": bg, "fg": fg, "slug": _slug(label)} for label, (bg, fg) in palette.items()},
        "claims": claim_views,
        "pending": [
            {
                "claim": by_id.get(item.get("claim_id")),
                "claim_id": item.get("claim_id"),
                "mention_id": item.get("mention_id"),
                "reason": item.get("reason") or "",
            }
            for item in data.get("pending") or []
        ],
        "project_figures": [
            (
                name,
                label,
                _figure(
                    ((data.get("agreement") or {}).get("project") or {}).get(name),
                    percent=name == "percent_agreement",
                ),
            )
            for name, label in _FIGURES.items()
        ],
        "agreement_chart": _cached_chart(chart_key, "agreement", lambda: _agreement_chart(claims)) if judged else None,
        "heatmap": heatmap,
        "heatmap_note": heatmap_note,
        "pairs": _pairs_view((data.get("agreement") or {}).get("pairs")) if judged else [],
        "annotators": _annotators_view((data.get("agreement") or {}).get("annotators")) if judged else [],
        "timeline_chart": (
            _cached_chart(chart_key, "timeline", lambda: _timeline_chart(claims, palette)) if judged else None
        ),
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
    env.filters["num"] = _number
    env.filters["slug"] = _slug
    return env


def render_html(
    data: dict,
    *,
    downloads: dict[str, str] | None = None,
    links: PageLinks | None = None,
    chart_key: tuple | None = None,
) -> str:
    """The report as one self-contained HTML5 document.

    ``data`` is the report dict (:mod:`annotator.reports`).  A live page passes
    ``downloads`` (label -> same-site URL of the other formats), its ``links`` and a
    ``chart_key`` naming the verdict-set version and page its charts were drawn for;
    a file written into ``exports/`` has none of them.
    """
    view = _view(data, downloads, links or PageLinks(), chart_key)
    return _environment().get_template("report.html").render(view=view)
