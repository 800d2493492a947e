"""What every request and response passes regardless of route: the Host header, the
body's type and shape before anything parses it, and the browser's security headers.

- **Hosts**: Flask's ``TRUSTED_HOSTS`` from :attr:`Settings.trusted_hosts`; any other
  Host header gets a 400 (DNS rebinding reaches no view).
- **Bodies**: a write's body must be JSON, a multipart upload or a form, and JSON
  may nest at most :data:`MAX_JSON_DEPTH` deep — checked on the raw bytes, so a
  body nested 100,000 deep is a 400, not a recursion error in the parser.
  ``MAX_CONTENT_LENGTH`` caps the size (the webhook caps its own lower).
- **Headers**: a Content-Security-Policy with no inline script (the API docs' one
  inline script is allowed by its hash), no framing, no MIME sniffing, no referrer
  beyond the origin.  No CORS headers are sent: no other origin may read answers.
"""

from __future__ import annotations

import base64
import hashlib
import re

from flask import Flask, Response, current_app, request

from ..db import SAFE_METHODS
from ..errors import InputError, UnsupportedMediaType

__all__ = ["init_app", "MAX_JSON_DEPTH", "json_depth", "refuse_deep_json"]

MAX_JSON_DEPTH = 64
#: Media types a write may carry; anything else (text/plain, say) is refused before parsing.
WRITE_TYPES = ("application/json", "multipart/form-data", "application/x-www-form-urlencoded")

_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.DOTALL)

POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'{scripts}",
        # The report's charts are inline SVG with style attributes.
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def json_depth(body: bytes) -> int:
    """How deep ``body``'s arrays and objects nest, without parsing it.

    Strings are blanked first (a bracket inside one does not count), then only the
    brackets are kept: both steps run in C, so a megabyte costs milliseconds.
    """
    brackets = _JSON_STRING.sub(b"", body).translate(None, _NOT_BRACKETS)
    depth = deepest = 0
    for byte in brackets:
        depth += 1 if byte in b"[{" else -1
        deepest = max(deepest, depth)
    return deepest


def _check_body():
    if request.method in SAFE_METHODS:
        return
    has_body = bool(request.content_length) or (
        request.content_length is None and "chunked" in request.headers.get("Transfer-Encoding", "")
    )
    if not has_body:
        return
    mimetype = request.mimetype
    if mimetype not in WRITE_TYPES:
        raise UnsupportedMediaType(
            f"a {request.method} body must be {', '.join(WRITE_TYPES)}; got {mimetype or 'no Content-Type'}",
            {"content-type": [mimetype or "missing"]},
        )
    # The webhook reads its body only once its secret is checked (webhooks.py).
    if mimetype == "application/json" and request.endpoint != "webhooks.LabelStudioWebhook":
        refuse_deep_json(request.get_data(cache=True))


def refuse_deep_json(body: bytes) -> None:
    depth = json_depth(body)
    if depth > MAX_JSON_DEPTH:
        raise InputError(
            f"the JSON body nests {depth} deep; at most {MAX_JSON_DEPTH} is accepted: nothing stored",
            {"body": [f"nested deeper than {MAX_JSON_DEPTH}"]},
        )


def _security_headers(response: Response) -> Response:
    scripts = ""
    if request.endpoint == "api-docs.openapi_swagger_ui" and response.status_code == 200:
        scripts = _docs_script_hashes(response.get_data())
    headers = response.headers
    headers.setdefault("Content-Security-Policy", POLICY.format(scripts=scripts))
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if current_app.extensions["annotator.settings"].service_url.startswith("https://"):
        headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response


def _docs_script_hashes(page: bytes) -> str:
    """CSP hashes of the docs page's inline scripts: flask-smorest's own template,
    filled from the app's configuration only (no request data reaches it)."""
    hashes = (
        base64.b64encode(hashlib.sha256(script).digest()).decode("ascii") for script in _INLINE_SCRIPT.findall(page)
    )
    return "".join(f" 'sha256-{h}'" for h in hashes)


def init_app(app: Flask) -> None:
    app.config["TRUSTED_HOSTS"] = app.extensions["annotator.settings"].trusted_hosts
    app.before_request(_check_body)
    app.after_request(_security_headers)
