"""The home page: the configured project's verdict report, live, as HTML.

The same page :func:`annotator.reports.html.render_html` writes into ``exports/``,
built from the store on each request; the verdict reads may first rebuild a verdict
set the store changed behind, so the view runs in a transaction.
"""

from __future__ import annotations

from flask import Response, url_for
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, fields, validate
from werkzeug.routing import BuildError

from ..db import transaction
from ..reports.html import render_html
from ..reports.service import project_report
from ..services.verdicts import METHODS

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


class HomeArgs(Schema):
    class Meta:
        unknown = RAISE

    method = fields.String(
        validate=validate.OneOf(METHODS),
        metadata={"description": "majority or dawid-skene (default: config/verdicts.yaml)"},
    )
    include_simulated = fields.Boolean(
        load_default=False, metadata={"description": "count simulated annotators' judgments too"}
    )


def _downloads(args: dict) -> dict[str, str]:
    query = {k: v for k, v in args.items() if v is not None}
    if "include_simulated" in query:
        query["include_simulated"] = "true" if query["include_simulated"] else "false"
    try:
        return {label: url_for("reports.Download", kind=kind, **query) for label, kind in DOWNLOADS.items()}
    except BuildError:  # the reports API is not part of this app: the page stands alone
        return {}


@blp.route("/")
class Home(MethodView):
    @blp.arguments(HomeArgs, location="query", unknown=RAISE)
    @blp.response(
        200,
        {"type": "string"},
        content_type="text/html",
        description="A self-contained HTML page: summary, verdicts with their votes, "
        "agreement, the verdict timeline, claims awaiting adjudication and the evidence",
    )
    def get(self, args):
        """The verdict report of the configured project, live."""
        with transaction() as session:
            data = project_report(
                session, method=args.get("method"), include_simulated=args["include_simulated"]
            )
        page = render_html(data, downloads=_downloads(args))
        return Response(page, mimetype="text/html")
