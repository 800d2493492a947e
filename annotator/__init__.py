"""annotator: a claim-verification annotation service for fact-checkers.

Articles are ingested and cleaned, claims come from a catalogue, Label Studio
collects annotators' verdicts, and the service adds them up into reports.
:func:`create_app` builds the Flask service; ``annotator`` on the command line
(:mod:`annotator.cli`) drives the same operations.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the pure cores (verdicts, ingest) must not pull in Flask
    from flask import Flask

__all__ = ["create_app", "__version__"]

__version__ = "0.1.0"


def create_app(settings_overrides: dict[str, Any] | None = None, *, api: bool = True) -> Flask:
    """Build the service; ``settings_overrides`` win over file and environment (tests).

    ``api=False`` leaves out the HTTP API (flask-smorest and every blueprint), for
    commands that only use the store and the rules.
    """
    from flask import Flask

    from . import db
    from .config import load_settings
    from .rules import load_rules

    settings = load_settings(**(settings_overrides or {}))
    app = Flask(__name__)
    app.config.from_mapping(
        MAX_CONTENT_LENGTH=settings.max_upload_bytes + 64 * 1024,  # room for form fields
        JSON_SORT_KEYS=False,
    )
    app.extensions["annotator.settings"] = settings
    # Rule files are read at start-up, so a broken config/ fails here, not mid-request.
    app.extensions["annotator.rules"] = load_rules(settings)
    db.init_app(app, settings)
    if api:
        from . import api as http_api

        http_api.init_app(app)
    return app
