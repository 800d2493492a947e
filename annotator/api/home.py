"""The live verdict report, as HTML: an overview of the configured project and a page per claim.

``/`` shows the summary, the agreement figures and charts, the claims awaiting
adjudication and one page of the claim list (``page``, ``per_page``, ``status``);
each claim's articles, evidence and judgments are on ``/claims/<claim_id>``.  The
same template writes the full report into ``exports/``
(:func:`annotator.reports.html.render_html`).  Charts are drawn once per
content (a write to one claim leaves the others' cached); a claim's page links its
big charts as images (``/claims/<claim_id>/charts/<name>.svg``), so the page shows
before they are drawn.  The views only read the verdict sets the write paths keep
fresh.
"""

from __future__ import annotations

from flask import Response, current_app, url_for
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, fields, validate
from werkzeug.routing import BuildError

from ..db import get_session
from ..errors import NotFound
from ..models import VerdictStatus
from ..reports.charts import CHART_TITLES
from ..reports.html import PageLinks, chart_svg, render_html
from ..reports.service import Scope, project_report
from ..services.verdicts import METHODS, require_claim
from ..vocabulary import values

__all__ = ["blp"]

blp = Blueprint("home", __name__, description="The live verdict report (HTML)")

#: the other formats the page links to: label -> kind of /api/reports/download/<kind>
DOWNLOADS = {
    "JSON": "json",
    "CSV (claims)": "claims.csv",
    "CSV (mentions)": "mentions.csv",
    "ClaimReview": "claimreview",
    "FEVER JSONL": "fever",
    "HTML file": "html",
}
STATUSES = values(VerdictStatus)


class PopulationArgs(Schema):
    class Meta:
        unknown = RAISE

    method = fields.String(
        validate=validate.OneOf(METHODS),
        metadata={"description": "majority or dawid-skene (default: config/verdicts.yaml)"},
    )
    include_simulated = fields.Boolean(
        load_default=False, metadata={"description": "count simulated annotators' judgments too"}
    )


class HomeArgs(PopulationArgs):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Integer(load_default=None, validate=validate.Range(min=1, max=500))
    status = fields.String(validate=validate.OneOf(STATUSES), metadata={"description": "only claims with this status"})


def _query(args: dict, **changes) -> dict:
    """The page's query arguments, as a URL carries them."""
    query = {k: v for k, v in (args | changes).items() if v is not None}
    if "include_simulated" in query:
        query["include_simulated"] = "true" if query["include_simulated"] else "false"
    return query


def _downloads(args: dict) -> dict[str, str]:
    query = _query({k: args.get(k) for k in ("method", "include_simulated")})
    try:
        return {label: url_for("reports.Download", kind=kind, **query) for label, kind in DOWNLOADS.items()}
    except BuildError:  # the reports API is not part of this app: the page stands alone
        return {}


def _claim_urls(data: dict, args: dict) -> dict[str, str]:
    query = _query({k: args.get(k) for k in ("method", "include_simulated")})
    ids = [c["id"] for c in data["claims"]] + [p["claim_id"] for p in data["pending"]]
    return {claim_id: url_for("home.ClaimPage", claim_id=claim_id, **query) for claim_id in ids}


def _overview_links(data: dict, args: dict) -> PageLinks:
    listing = data["listing"]
    page, pages = listing["page"], listing["pages"]
    at = lambda **changes: url_for("home.Home", **_query(args, **changes))  # noqa: E731
    filters = [("all", at(status=None, page=None), args.get("status") is None)]
    filters += [(status, at(status=status, page=None), args.get("status") == status) for status in STATUSES]
    pager = [("‹ previous", at(page=page - 1) if page > 1 else None, False)]
    pager += [(str(n), at(page=n), n == page) for n in sorted({1, page - 1, page, page + 1, pages}) if 1 <= n <= pages]
    pager += [("next ›", at(page=page + 1) if page < pages else None, False)]
    first = (page - 1) * listing["per_page"] + 1
    last = min(page * listing["per_page"], listing["total"])
    shown = f"claims {first}–{last} of {listing['total']}" if first <= last else f"no claims on page {page}"
    return PageLinks(
        claim_urls=_claim_urls(data, args),
        overview=True,
        filters=tuple(filters),
        pager=tuple(pager),
        shown=shown,
    )


@blp.route("/")
class Home(MethodView):
    @blp.arguments(HomeArgs, location="query", unknown=RAISE)
    @blp.response(
        200,
        {"type": "string"},
        content_type="text/html",
        description="A self-contained HTML page: summary, agreement, charts, the claims awaiting "
        "adjudication and a page of the claim list; each claim links to its own page",
    )
    def get(self, args):
        """The verdict report of the configured project, live: the overview."""
        per_page = args.get("per_page") or current_app.extensions["annotator.settings"].page_size
        scope = Scope(status=args.get("status"), page=args["page"], per_page=per_page, evidence=False)
        session = get_session()
        data = project_report(
            session, method=args.get("method"), include_simulated=args["include_simulated"], scope=scope
        )
        page = render_html(data, downloads=_downloads(args), links=_overview_links(data, args), cache_charts=True)
        return Response(page, mimetype="text/html")


def _claim_report(args: dict, claim_id: str) -> dict:
    """The report data of one claim's page (404 for an unknown claim)."""
    session = get_session()
    require_claim(session, claim_id)
    return project_report(
        session, method=args.get("method"), include_simulated=args["include_simulated"], scope=Scope(claim_id=claim_id)
    )


@blp.route("/claims/<claim_id>")
class ClaimPage(MethodView):
    @blp.arguments(PopulationArgs, location="query", unknown=RAISE)
    @blp.response(
        200,
        {"type": "string"},
        content_type="text/html",
        description="One claim: its verdict, agreement, timeline, and every article with its "
        "quoted evidence and the judgments that count",
    )
    def get(self, args, claim_id: str):
        """One claim of the live report, with its evidence and judgments."""
        data = _claim_report(args, claim_id)
        links = PageLinks(overview_url=url_for("home.Home", **_query(args)))

        def chart_url(name: str) -> str:
            return url_for("home.ClaimChart", claim_id=claim_id, name=name, **_query(args))

        page = render_html(data, downloads=_downloads(args), links=links, cache_charts=True, chart_url=chart_url)
        return Response(page, mimetype="text/html")


@blp.route("/claims/<claim_id>/charts/<name>.svg")
class ClaimChart(MethodView):
    @blp.arguments(PopulationArgs, location="query", unknown=RAISE)
    @blp.response(
        200,
        {"type": "string"},
        content_type="image/svg+xml",
        description="One chart of a claim's page (agreement, heatmap or timeline), which the page "
        "links as an image so that it shows before its charts are drawn",
    )
    def get(self, args, claim_id: str, name: str):
        """One chart of a claim's page, as SVG."""
        if name not in CHART_TITLES:
            raise NotFound(f"no chart {name!r}", {"name": [f"choose from {', '.join(CHART_TITLES)}"]})
        data = _claim_report(args, claim_id)
        svg = chart_svg(data, name)
        if svg is None:
            raise NotFound(f"claim {claim_id!r} has no {name} chart yet", {"name": ["nothing to chart"]})
        return Response(str(svg), mimetype="image/svg+xml")
