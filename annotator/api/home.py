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

from flask import Response, current_app, flash, get_flashed_messages, redirect, request, url_for
from flask.views import MethodView
from flask_smorest import Blueprint
from flask_wtf.csrf import generate_csrf
from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, validate
from werkzeug.routing import BuildError

from ..db import get_session, transaction
from ..errors import AnnotatorError, NotFound
from ..models import VerdictStatus
from ..reports.charts import CHART_TITLES
from ..reports.html import DeskPanel, PageLinks, chart_svg, render_html
from ..reports.service import Scope, project_report
from ..services import audit
from ..services.verdicts import METHODS, record_adjudication, require_claim
from ..vocabulary import Role, values
from .access import allows
from .auth import caller

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
        page = render_html(
            data, downloads=_downloads(args), links=_overview_links(data, args), cache_charts=True, desk=_desk_panel()
        )
        return Response(page, mimetype="text/html")


#: the audit actions a claim's page shows: the decisions that shaped its verdict
DECISIONS = ("adjudication.", "mention.", "claim.")


def _summary(event: dict) -> str:
    after, before = event["after"] or {}, event["before"] or {}
    action = event["action"]
    if action == "adjudication.add":
        target = f"mention {after['mention_id']}" if after.get("mention_id") else "the claim"
        return f"adjudicated {target} {after.get('verdict')}: {after.get('reason')}"
    if action.startswith("mention."):
        return f"{action.split('.')[1]} mention {event['target_id']} (was {before.get('status', 'new')})"
    return {"claim.add": "added the claim", "claim.update": "reworded the claim", "claim.delete": "deleted the claim"}.get(
        action, action
    )


def _desk_panel(claim_id: str | None = None) -> DeskPanel:
    """What the live page shows of the desk for this request's caller."""
    actor = caller()
    history = ()
    if claim_id is not None:
        events = get_session().scalars(audit.events(claim_id=claim_id).limit(200))
        history = tuple(
            dict(e, summary=_summary(e), at=e["at"].isoformat())
            for e in map(audit.event_dict, events)
            if e["action"].startswith(DECISIONS)
        )
    editor = actor is not None and allows(Role.EDITOR, actor.roles, reports_public=False)
    return DeskPanel(
        signed_in=actor.label if actor is not None and actor.via == "session" else None,
        claim_id=claim_id,
        logout_url=url_for("login.Logout"),
        csrf_token=generate_csrf() if actor is not None and actor.via == "session" else None,
        adjudicate_url=url_for("home.Adjudicate", claim_id=claim_id) if claim_id and editor and actor.via == "session" else None,
        verdicts=tuple(current_app.extensions["annotator.rules"].verdicts.labels.labels),
        history=history,
        messages=tuple(get_flashed_messages(with_categories=True)),
    )


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

        page = render_html(
            data, downloads=_downloads(args), links=links, cache_charts=True, chart_url=chart_url,
            desk=_desk_panel(claim_id),
        )
        return Response(page, mimetype="text/html")


class AdjudicationFormSchema(Schema):
    class Meta:
        unknown = EXCLUDE  # csrf_token is flask-wtf's

    verdict = fields.String(required=True, validate=validate.Length(min=1, max=32))
    reason = fields.String(required=True, validate=validate.Length(min=1, max=5000))


@blp.route("/claims/<claim_id>/adjudicate")
class Adjudicate(MethodView):
    @blp.doc(description="The claim page's form (an editor, signed in): records the adjudication, then back to the page")
    @blp.response(303)
    def post(self, claim_id: str):
        """Settle a claim from its page, as the signed-in editor."""
        back = url_for("home.ClaimPage", claim_id=claim_id)
        try:
            form = AdjudicationFormSchema().load(request.form)
            with transaction() as session:
                record_adjudication(
                    session, current_app.extensions["annotator.rules"].verdicts, claim_id=claim_id,
                    verdict=form["verdict"], reason=form["reason"], actor=caller(),
                )
        except ValidationError as error:
            flash("Not recorded: " + "; ".join(f"{k}: {' '.join(v)}" for k, v in error.normalized_messages().items()), "error")
        except AnnotatorError as error:
            if error.status == 404:
                raise
            flash(f"Not recorded: {error}", "error")
        else:
            flash(f"Recorded: {claim_id} is {form['verdict']}, as your adjudication.", "done")
        return redirect(back, code=303)


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
