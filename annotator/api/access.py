"""Who may call each route: the one table, and the check every request passes.

Each endpoint and method names a gate:

=============  ===================================================================
Gate           Who passes
=============  ===================================================================
``public``     anyone (health, the API docs, the login page)
``webhook``    Label Studio: the shared secret, then every annotation is re-read
               from Label Studio before anything is stored (:mod:`.webhooks`)
``signed-in``  any active person (their own account and tokens)
``reports``    ``viewer``, or anyone when the coordinator set ``reports_public``
a role         a person holding that role; ``admin`` passes every gate, and
               ``coordinator`` and ``editor`` also pass ``viewer``
=============  ===================================================================

An ``annotator`` passes only ``signed-in``: annotators judge in Label Studio, and
reading the desk's judgments here would break blind annotation.  A route missing
from :data:`ACCESS` makes :func:`init_app` fail, so none is served undeclared;
the OpenAPI document states each operation's gate (:func:`document`).
"""

from __future__ import annotations

import enum

from flask import Flask, current_app, g, redirect, request, url_for

from ..errors import Forbidden, Unauthorized
from ..vocabulary import Role
from .auth import identify

__all__ = ["Gate", "ACCESS", "init_app", "gate_of", "allows", "document"]


class Gate(enum.Enum):
    PUBLIC = "public"
    WEBHOOK = "webhook"
    SIGNED_IN = "signed-in"
    REPORTS = "reports"


PUBLIC, WEBHOOK, SIGNED_IN, REPORTS = Gate.PUBLIC, Gate.WEBHOOK, Gate.SIGNED_IN, Gate.REPORTS
VIEWER, COORDINATOR, EDITOR, ADMIN = Role.VIEWER, Role.COORDINATOR, Role.EDITOR, Role.ADMIN

#: endpoint -> method -> gate.  HEAD and OPTIONS follow GET.
ACCESS: dict[str, dict[str, Gate | Role]] = {
    # open
    "meta.Health": {"GET": PUBLIC},
    "api-docs.openapi_json": {"GET": PUBLIC},
    "api-docs.openapi_swagger_ui": {"GET": PUBLIC},
    "swagger_ui_static": {"GET": PUBLIC},
    "static": {"GET": PUBLIC},
    "login.Login": {"GET": PUBLIC, "POST": PUBLIC},
    "webhooks.LabelStudioWebhook": {"POST": WEBHOOK},
    # the person's own account
    "login.Logout": {"POST": SIGNED_IN},
    "people.Me": {"GET": SIGNED_IN},
    "people.MyTokens": {"GET": SIGNED_IN, "POST": SIGNED_IN},
    "people.MyToken": {"DELETE": SIGNED_IN},
    # the reports: read by viewers, or by anyone when reports are public
    "home.Home": {"GET": REPORTS},
    "home.ClaimPage": {"GET": REPORTS},
    "home.ClaimChart": {"GET": REPORTS},
    "verdicts.Verdicts": {"GET": REPORTS},
    "verdicts.ClaimVerdictView": {"GET": REPORTS},
    "verdicts.MentionVerdictView": {"GET": REPORTS},
    "agreement.ProjectAgreement": {"GET": REPORTS},
    "agreement.ClaimsAgreement": {"GET": REPORTS},
    "agreement.ClaimAgreement": {"GET": REPORTS},
    "agreement.AnnotatorsAgreement": {"GET": REPORTS},
    "agreement.PairsAgreement": {"GET": REPORTS},
    "reports.Download": {"GET": REPORTS},
    "reports.ExportFiles": {"GET": REPORTS},
    "reports.ExportFile": {"GET": REPORTS},
    "adjudications.PendingClaims": {"GET": REPORTS},
    "adjudications.PendingMentions": {"GET": REPORTS},
    # the desk's material
    "articles.Articles": {"GET": VIEWER, "POST": COORDINATOR},
    "articles.ArticleById": {"GET": VIEWER},
    "articles.ArticleRevisionByNumber": {"GET": VIEWER},
    "claims.Claims": {"GET": VIEWER, "POST": COORDINATOR},
    "claims.ClaimById": {"GET": VIEWER, "PATCH": COORDINATOR, "DELETE": COORDINATOR},
    "claims.CatalogueUpload": {"POST": COORDINATOR},
    "mentions.Mentions": {"GET": VIEWER, "POST": COORDINATOR},
    "mentions.MentionById": {"GET": VIEWER, "PATCH": COORDINATOR},
    "mentions.MentionAccept": {"POST": COORDINATOR},
    "mentions.MentionReject": {"POST": COORDINATOR},
    "labelstudio.Push": {"POST": COORDINATOR},
    "labelstudio.Sync": {"POST": COORDINATOR},
    "labelstudio.Annotators": {"GET": COORDINATOR, "POST": COORDINATOR},
    "verdicts.Rebuild": {"POST": COORDINATOR},
    "reports.Reports": {"POST": COORDINATOR},
    # settling claims
    "adjudications.Adjudications": {"GET": REPORTS, "POST": EDITOR},
    "home.Adjudicate": {"POST": EDITOR},
    # accounts and the log
    "people.People": {"GET": ADMIN, "POST": ADMIN},
    "people.PersonById": {"GET": ADMIN, "PATCH": ADMIN},
    "people.PersonTokens": {"GET": ADMIN, "POST": ADMIN},
    "people.PersonToken": {"DELETE": ADMIN},
    "audit.AuditLog": {"GET": ADMIN},
}

#: Pages a browser opens: an anonymous visitor is sent to the login page, not a 401.
PAGES = frozenset({"home.Home", "home.ClaimPage"})
_READERS = frozenset({Role.VIEWER, Role.COORDINATOR, Role.EDITOR})


def gate_of(endpoint: str | None, method: str) -> Gate | Role | None:
    """The gate of ``method`` on ``endpoint``; None when undeclared."""
    methods = ACCESS.get(endpoint or "", {})
    return methods.get("GET" if method in ("HEAD", "OPTIONS") else method)


def allows(gate: Gate | Role, roles: frozenset[Role], *, reports_public: bool) -> bool:
    """Whether someone holding ``roles`` (none: anonymous) passes ``gate``."""
    if gate in (PUBLIC, WEBHOOK):
        return True
    if gate is REPORTS:
        return reports_public or allows(VIEWER, roles, reports_public=False)
    if not roles:
        return False
    if gate is SIGNED_IN or Role.ADMIN in roles or gate in roles:
        return True
    return gate is Role.VIEWER and bool(roles & _READERS)


def init_app(app: Flask) -> None:
    """Refuse to build an app with an undeclared route; check each request's gate."""
    undeclared = sorted(
        f"{method} {rule.rule} ({rule.endpoint})"
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
        if gate_of(rule.endpoint, method) is None
    )
    if undeclared:
        raise RuntimeError("routes without a gate in annotator/api/access.py: " + "; ".join(undeclared))
    app.before_request(_check_gate)


def _check_gate():
    if request.url_rule is None:  # 404 or 405: nothing is served
        return None
    identify()
    gate = gate_of(request.url_rule.endpoint, request.method)
    if gate is None:  # a route added after start-up (init_app checks the others): refused
        raise Forbidden(f"{request.method} {request.url_rule.rule} declares no access: nobody may call it")
    caller = g.desk_caller
    settings = current_app.extensions["annotator.settings"]
    if allows(gate, caller.roles if caller else frozenset(), reports_public=settings.reports_public):
        return None
    if caller is None:
        if request.url_rule.endpoint in PAGES and request.method == "GET":
            return redirect(url_for("login.Login", next=request.full_path.rstrip("?")))
        raise Unauthorized(
            "log in, or send an API token as `Authorization: Bearer <token>`",
            {"authorization": ["missing"]},
        )
    needed = gate.value
    raise Forbidden(
        f"this needs the {needed} role; you have {', '.join(sorted(caller.roles)) or 'none'}",
        {"roles": [f"needs {needed}"]},
    )


def document(spec: dict) -> dict:
    """Add each operation's security requirement and gate to the OpenAPI document."""
    rules = {}
    for rule in current_app.url_map.iter_rules():
        path = rule.rule
        for converter in ("<int:", "<path:", "<"):
            path = path.replace(converter, "{")
        rules[path.replace(">", "}")] = rule.endpoint
    for path, operations in spec.get("paths", {}).items():
        endpoint = rules.get(path)
        for method, operation in operations.items():
            if not isinstance(operation, dict) or method.upper() not in _HTTP_METHODS:
                continue
            gate = gate_of(endpoint, method.upper())
            if gate is None:
                continue
            if gate in (PUBLIC, WEBHOOK):
                operation["security"] = []
            elif gate is REPORTS:
                operation["security"] = [{}, *SECURITY] if current_app.extensions["annotator.settings"].reports_public else SECURITY
            else:
                operation["security"] = SECURITY
            who = {PUBLIC: "anyone", WEBHOOK: "Label Studio (shared secret, re-read)", SIGNED_IN: "any person signed in",
                   REPORTS: "viewer (anyone when reports are public)"}.get(gate, f"role {gate.value if isinstance(gate, Role) else gate}")
            operation["x-access"] = gate.value
            operation["description"] = (operation.get("description", "") + f"\n\n**Who may call it:** {who}.").strip()
            if gate not in (PUBLIC, WEBHOOK):
                operation.setdefault("responses", {}).setdefault("401", {"description": "no, wrong, expired or revoked credentials"})
                operation["responses"].setdefault("403", {"description": "the caller's roles do not allow it"})
    return spec


_HTTP_METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}
#: Either way in: a token in the Authorization header, or the browser's session cookie.
SECURITY = [{"bearerToken": []}, {"sessionCookie": []}]
SECURITY_SCHEMES = {
    "bearerToken": {
        "type": "http",
        "scheme": "bearer",
        "description": "an API token (`annotator tokens issue`, or POST /api/me/tokens), shown once when made",
    },
    "sessionCookie": {
        "type": "apiKey",
        "in": "cookie",
        "name": "annotator_session",
        "description": "the browser session of /login; writes also need the X-CSRFToken header",
    },
}
