"""The report's charts: inline SVG drawn by matplotlib, and the colours they share with
the page's badges.

matplotlib's settings (rcParams) are global, so one chart is drawn at a time; a live
page's charts are kept by the data they were drawn from (:func:`cached_chart`), because
drawing takes far longer than reading the store.  Every chart's text stays text and its ids are stable, so the same dict draws the same
bytes (see :mod:`annotator.reports.html` for the ids and classes a page relies on).
"""

from __future__ import annotations

import collections
import functools
import hashlib
import io
import json
import math
import re
import threading
from collections.abc import Callable, Iterable
from typing import Any

from markupsafe import Markup

from .formatting import figure, number, who

__all__ = [
    "VERDICT_COLOURS",
    "CHART_TITLES",
    "label_colours",
    "content_key",
    "cached_chart",
    "vote_bar",
    "agreement_chart",
    "heatmap",
    "heatmap_note",
    "timeline_chart",
]

#: The page's charts and their titles (what an image of one says when it cannot be shown).
CHART_TITLES = {
    "agreement": "Krippendorff's alpha (nominal) per claim",
    "heatmap": "Cohen's kappa for each pair of annotators",
    "timeline": "Each mention's verdict by its article's publication date",
}

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


def label_colours(labels: Iterable[str]) -> dict[str, tuple[str, str]]:
    """Each label's (fill, text) colours: the verdicts' own, then the spare ones."""
    spare = iter(_SPARE_COLOURS * 8)
    return {label: VERDICT_COLOURS.get(label) or next(spare) for label in labels}


# -- drawing ---------------------------------------------------------------------------------

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


#: Charts drawn for live pages, by (what they were drawn from, chart): drawing takes
#: far longer than reading the store, and a chart changes only when its data does.
_CHARTS: collections.OrderedDict[tuple, Any] = collections.OrderedDict()
_CHARTS_KEPT = 1024  # a desk's claim pages' charts: some tens of KiB each


def content_key(*inputs: Any) -> tuple:
    """A short key for what a chart is drawn from (JSON-ready data)."""
    encoded = json.dumps(inputs, sort_keys=True, default=str, ensure_ascii=False).encode()
    return (hashlib.blake2b(encoded, digest_size=16).hexdigest(),)


def cached_chart(key: tuple | None, name: str, draw: Callable[[], Any]) -> Any:
    """``draw()``, or the chart ``name`` it drew before for ``key``; no key: always drawn."""
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


def vote_bar(index: int, counts: dict, labels: list[str], palette) -> Markup | None:
    """The claim's votes as one stacked bar, or None when it has none."""
    ordered = tuple((label, int(counts.get(label) or 0)) for label in labels)
    colours = tuple((label, *palette[label]) for label in labels)
    svg = _vote_bar_svg(ordered, colours)
    if svg is None:
        return None
    # the cached SVG carries placeholder ids: give this claim's copy ids of its own
    return Markup(svg.replace(_VOTE_BAR_ID, f"vote-bar-{index}"))


def agreement_chart(claims: list[dict]) -> Markup | None:
    """Krippendorff's alpha of each claim as a bar, or why it is undefined."""
    rows = [(c["id"], figure((c.get("agreement") or {}).get("alpha_nominal"))) for c in claims]
    if not rows:
        return None

    def draw():
        values = [f["value"] for _, f in rows if f["defined"]]
        low = min([-0.25, *[v - 0.15 for v in values]])
        low = max(-1.0, math.floor(low * 4) / 4)
        fig = _new_figure(7.2, 0.5 + 0.27 * len(rows))
        ax = fig.add_subplot()
        positions = range(len(rows))
        for y, (_, alpha) in zip(positions, rows):
            if alpha["defined"]:
                value = alpha["value"]
                ax.barh([y], [value], height=0.62, color=_BAR)
                ax.text(
                    value + (0.015 if value >= 0 else -0.015), y, number(value),
                    ha="left" if value >= 0 else "right", va="center", color=_INK, fontsize=8.5,
                )
            else:
                ax.text(0.015, y, alpha["text"], ha="left", va="center", color=_MUTED, fontsize=8.5,
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
        return _to_svg(fig, "agreement-claims-chart", CHART_TITLES["agreement"])

    return _chart(draw)


def heatmap_note(pairs: dict | None) -> str | None:
    """Why there is no heatmap of ``pairs`` (None: there is one)."""
    pairs = pairs or {}
    people = pairs.get("annotators") or []
    kappa = (pairs.get("matrix") or pairs).get("kappa") or []
    if len(people) < 2 or len(kappa) != len(people):
        return "Pairwise agreement needs judgments from at least two annotators."
    return None


def heatmap(pairs: dict | None) -> tuple[Markup | None, str | None]:
    """Cohen's kappa per annotator pair as a matrix, or (None, why not)."""
    note = heatmap_note(pairs)
    if note is not None:
        return None, note
    people = pairs["annotators"]
    matrix = pairs.get("matrix") or pairs
    kappa = matrix["kappa"]
    units = matrix.get("n_units") or []
    names = [
        who(p) + (" (simulated)" if p.get("simulated") and "simulated" not in who(p).lower() else "")
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
                    ax.text(j, i - 0.08, number(value), ha="center", va="center", color=colour, fontsize=10,
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
        return _to_svg(fig, "agreement-heatmap-chart", CHART_TITLES["heatmap"])

    return _chart(draw), None


def _rect(x: float, y: float, colour: str, hatch: str | None):
    from matplotlib.patches import Rectangle

    return Rectangle((x - 0.5, y - 0.5), 1, 1, facecolor=colour, edgecolor=_GRID if hatch else colour,
                     hatch=hatch, linewidth=0.0)


#: A mention on the timeline: (publication date or None, year inferred, verdict).
_Point = tuple[str | None, bool, str | None]


def timeline_chart(claims: list[dict], palette) -> Markup | None:
    """Per claim, each mention's verdict at its article's publication date."""
    rows = [
        (c["id"], [_timeline_point(m) for m in c["mentions"]])
        for c in claims
        if c.get("mentions")
    ]
    if not rows:
        return None
    return _chart(_Timeline(rows, palette).draw)


def _timeline_point(mention: dict) -> _Point:
    article = mention.get("article") or {}
    return article.get("published_on"), bool(article.get("published_year_inferred")), mention.get("verdict")


class _Timeline:
    """The timeline of the claims with mentions: a column per publication date, in
    order, then one for the undated; a row per claim."""

    def __init__(self, rows: list[tuple[str, list[_Point]]], palette: dict[str, tuple[str, str]]):
        self.rows, self.palette = rows, palette
        self.points = [point for _, mentions in rows for point in mentions]
        self.dates = sorted({date for date, _, _ in self.points if date is not None})
        self.undated = any(date is None for date, _, _ in self.points)
        self.inferred = {date for date, year_inferred, _ in self.points if date is not None and year_inferred}
        self.columns = {date: i for i, date in enumerate(self.dates)}
        self.undated_x = len(self.dates) + (0.4 if self.dates else 0)

    def draw(self) -> Markup:
        width = max(5.5, 1.25 * (len(self.dates) + self.undated) + 3.6)
        fig = _new_figure(width, 0.9 + 0.3 * len(self.rows))
        ax = fig.add_subplot()
        self._plot_mentions(ax)
        self._lay_out_axes(ax)
        self._add_legend(ax)
        return _to_svg(fig, "timeline-chart", CHART_TITLES["timeline"])

    def _plot_mentions(self, ax) -> None:
        """A dot per mention (hollow when the year is inferred), a line joining a claim's dated ones."""
        dots: dict[str, list] = {"x": [], "y": [], "face": [], "edge": [], "width": []}
        for y, (_, mentions) in enumerate(self.rows):
            seen: dict[float, int] = {}
            dated = []
            for date, year_inferred, verdict in mentions:
                column = self.columns[date] if date is not None else self.undated_x
                slot = seen.get(column, 0)  # two articles of one date sit side by side
                seen[column] = slot + 1
                x = column + 0.16 * slot
                if date is not None:
                    dated.append(x)
                colour = self.palette.get(verdict, _NO_VERDICT)[0]
                dots["x"].append(x)
                dots["y"].append(y)
                dots["face"].append("white" if year_inferred else colour)
                dots["edge"].append(colour)
                dots["width"].append(2.2 if year_inferred else 0.8)
            if len(dated) > 1:
                ax.plot(sorted(dated), [y] * len(dated), color=_GRID, linewidth=1.6, zorder=1)
        ax.scatter(dots["x"], dots["y"], s=70, zorder=3, marker="o", facecolors=dots["face"],
                   edgecolors=dots["edge"], linewidths=dots["width"])

    def _lay_out_axes(self, ax) -> None:
        dates, undated, inferred = self.dates, self.undated, self.inferred
        ticks = [self.columns[d] for d in dates] + ([self.undated_x] if undated else [])
        labels = [d + ("\n(year inferred)" if d in inferred else "") for d in dates] + (["undated"] if undated else [])
        ax.set_xticks(ticks, labels)
        if undated and dates:
            ax.axvline(len(dates) - 0.3, color=_GRID, linewidth=0.8, linestyle=(0, (2, 2)))
        ax.set_xlim(-0.6, (self.undated_x if undated else len(dates) - 1) + 0.75)
        ax.set_yticks(range(len(self.rows)), [claim_id for claim_id, _ in self.rows], parse_math=False)
        ax.set_ylim(len(self.rows) - 0.5, -0.5)
        ax.grid(axis="x", color=_GRID, linewidth=0.6)
        ax.grid(axis="y", color="#f0f3f6", linewidth=0.6)
        ax.set_axisbelow(True)
        ax.tick_params(length=0)
        for spine in ax.spines.values():
            spine.set_visible(False)

    def _add_legend(self, ax) -> None:
        """The verdicts' colours, then "no verdict yet" and "year inferred" when the chart shows them."""
        from matplotlib.lines import Line2D

        def dot(label: str, face: str, edge: str, **style) -> Line2D:
            return Line2D([], [], marker="o", linestyle="", markersize=8, markerfacecolor=face,
                          markeredgecolor=edge, label=label, **style)

        handles = [dot(label, bg, bg) for label, (bg, _) in self.palette.items()]
        if any(verdict not in self.palette for _, _, verdict in self.points):
            handles.append(dot("no verdict yet", _NO_VERDICT[0], _NO_VERDICT[0]))
        if self.inferred:
            handles.append(dot("year inferred", "white", _MUTED, markeredgewidth=2))
        ax.legend(handles=handles, loc="lower left", bbox_to_anchor=(0, 1.0), ncol=len(handles), frameon=False,
                  fontsize=8.5, handletextpad=0.3, columnspacing=1.2, borderaxespad=0.3)
