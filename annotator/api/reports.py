"""Verdict reports over HTTP: rendered on request, written into exports/, or downloaded from there."""

from __future__ import annotations

import datetime as dt

from flask import Response, current_app, send_from_directory
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, fields, validate

from ..db import get_session, transaction
from ..errors import NotFound
from ..reports.build import FORMATS, json_chunks, render, write_reports
from ..reports.service import project_report
from ..reports.writer import report_name, safe_name
from ..services.audit import record
from .auth import caller

blp = Blueprint("reports", __name__, url_prefix="/api/reports", description="Verdict reports: CSV, JSON, ClaimReview, FEVER, HTML")

#: what one download gives: (format, index of the rendered file)
DOWNLOADS = {
    "claims.csv": ("csv", 0),
    "mentions.csv": ("csv", 1),
    "json": ("json", 0),
    "claimreview": ("claimreview", 0),
    "fever": ("fever", 0),
    "html": ("html", 0),
}


class ReportArgs(Schema):
    class Meta:
        unknown = RAISE

    project = fields.String(metadata={"description": "project key (default: the configured one)"})
    method = fields.String(validate=validate.OneOf(["majority", "dawid-skene"]))
    include_simulated = fields.Boolean(load_default=False)


class WriteArgs(ReportArgs):
    formats = fields.List(
        fields.String(validate=validate.OneOf(FORMATS)), load_default=lambda: list(FORMATS),
        validate=validate.Length(min=1),
    )
    name = fields.String(metadata={"description": "file name stem: letters, digits, '.', '-', '_'"})


class WrittenFileSchema(Schema):
    name = fields.String()
    size = fields.Integer()
    url = fields.String()
    note = fields.String(allow_none=True)


class WrittenSchema(Schema):
    files = fields.List(fields.Nested(WrittenFileSchema))
    summary = fields.Dict()


class ExportFileSchema(Schema):
    name = fields.String()
    size = fields.Integer()
    modified = fields.DateTime()
    url = fields.String()


def _report(args: dict) -> dict:
    return project_report(
        get_session(),
        project_key=args.get("project"),
        method=args.get("method"),
        include_simulated=args["include_simulated"],
    )


@blp.route("/download/<kind>")
class Download(MethodView):
    @blp.arguments(ReportArgs, location="query", unknown=RAISE)
    @blp.response(200, content_type="application/octet-stream")
    def get(self, args, kind: str):
        """Render one report now and send it as a file (nothing is written)."""
        if kind not in DOWNLOADS:
            raise NotFound(f"no report {kind!r}", {"kind": [f"choose from {', '.join(DOWNLOADS)}"]})
        fmt, index = DOWNLOADS[kind]
        data = _report(args)
        moment = dt.datetime.fromisoformat(data["generated_at"])
        if fmt == "json":  # the largest: streamed as it is encoded
            content, suffix, media_type = json_chunks(data), ".json", "application/json"
        else:
            file = render(data, fmt)[index]
            content, suffix, media_type = file.content, file.suffix, file.media_type
        return Response(
            content,
            mimetype=media_type,
            headers={"Content-Disposition": f'attachment; filename="{report_name(data["project"]["key"], moment, suffix)}"'},
        )


@blp.route("")
class Reports(MethodView):
    @blp.arguments(WriteArgs)
    @blp.response(201, WrittenSchema)
    def post(self, args):
        """Write the reports into exports/ (atomically; never outside it)."""
        name = safe_name(args["name"]) if args.get("name") else None
        data = _report(args)
        written = write_reports(data, args["formats"], current_app.extensions["annotator.settings"].exports_dir, name=name)
        with transaction() as session:
            record(session, caller(), "reports.write", target_type="exports",
                   after={"files": [path.name for path, _file in written]})
        return {
            "files": [
                {"name": path.name, "size": path.stat().st_size, "url": f"/api/reports/files/{path.name}", "note": file.note}
                for path, file in written
            ],
            "summary": data["summary"],
        }


@blp.route("/files")
class ExportFiles(MethodView):
    @blp.response(200, ExportFileSchema(many=True))
    def get(self):
        """The report files in exports/, newest first."""
        folder = current_app.extensions["annotator.settings"].exports_dir
        files = [p for p in folder.glob("*") if p.is_file() and not p.name.startswith(".")] if folder.exists() else []
        files.sort(key=lambda p: p.stat().st_mtime, reverse=True)
        return [
            {
                "name": p.name,
                "size": p.stat().st_size,
                "modified": dt.datetime.fromtimestamp(p.stat().st_mtime, dt.timezone.utc),
                "url": f"/api/reports/files/{p.name}",
            }
            for p in files
        ]


@blp.route("/files/<name>")
class ExportFile(MethodView):
    @blp.response(200, content_type="application/octet-stream")
    def get(self, name: str):
        """One file from exports/ (a name with '/' or '..' is refused)."""
        folder = current_app.extensions["annotator.settings"].exports_dir
        name = safe_name(name)
        if not (folder / name).is_file():
            raise NotFound(f"no report file {name!r} in exports/")
        return send_from_directory(folder, name, as_attachment=True)
