"""One error tree for the whole service, and one JSON shape for it over HTTP.

::

    AnnotatorError                 500  something the service cannot do
     ├── InputError                400  the caller sent something we cannot use
     │    ├── IngestError          400  an article file (names file, line, field)
     │    ├── CatalogueError       400  a claim catalogue (names claim, article)
     │    ├── PayloadTooLarge      413  over the configured size limit
     │    └── UnsupportedMediaType 415  a body that is not JSON, a form or an upload
     ├── Unauthorized              401  no credentials, or wrong, expired or revoked ones
     ├── Forbidden                 403  the person's roles do not allow it
     │    └── CsrfRefused          403  a cookie-authenticated write without its CSRF token
     ├── NotFound                  404  no such object
     ├── Conflict                  409  the request contradicts stored data
     └── LabelStudioError          502  Label Studio answered, but not as expected
          ├── LabelStudioUnavailable 503  not installed, down, or did not start
          │    └── PortBusy        503  the port is taken by something else
          ├── AlreadyRunning       409  this data folder is served elsewhere already
          ├── LoginRefused         401  the login form refused an e-mail and password
          └── UserRejected         400  Label Studio refused a new user (also an InputError)

Every error renders as ``{"code", "status", "message", "errors", "type"}``:
the HTTP status code and its name, a sentence, ``errors`` mapping a location (a
field name, ``"file:line"``, a claim id) to the messages saying what to fix, and
a machine-readable ``type``.  The CLI prints the same message and exits with
the code in :data:`EXIT_CODES`.
"""

from __future__ import annotations

from http import HTTPStatus

__all__ = [
    "AnnotatorError",
    "InputError",
    "IngestError",
    "CatalogueError",
    "PayloadTooLarge",
    "UnsupportedMediaType",
    "CsrfRefused",
    "Unauthorized",
    "Forbidden",
    "NotFound",
    "Conflict",
    "LabelStudioError",
    "LabelStudioUnavailable",
    "PortBusy",
    "AlreadyRunning",
    "LoginRefused",
    "UserRejected",
    "EXIT_CODES",
    "exit_code",
    "flatten_messages",
]


class AnnotatorError(Exception):
    """Base of every error the service raises on purpose."""

    status = 500
    kind = "internal_error"

    def __init__(self, message: str, errors: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or {}

    def to_dict(self) -> dict:
        return {
            "code": self.status,
            "status": HTTPStatus(self.status).phrase,
            "message": self.message,
            "errors": self.errors,
            "type": self.kind,
        }

    def __str__(self) -> str:
        if not self.errors:
            return self.message
        details = "\n".join(
            f"  {where}: {msg}" for where, msgs in self.errors.items() for msg in msgs
        )
        return f"{self.message}\n{details}"


class InputError(AnnotatorError):
    """The caller sent something we cannot use; nothing was stored."""

    status = 400
    kind = "invalid_input"


class IngestError(InputError):
    """An article file was rejected.  ``source`` names the file, ``line`` the row."""

    kind = "invalid_article_file"

    def __init__(
        self,
        message: str,
        *,
        source: str,
        line: int | None = None,
        field: str | None = None,
        errors: dict[str, list[str]] | None = None,
    ):
        self.source = source
        self.line = line
        self.field = field
        where = source if line is None else f"{source}:{line}"
        if errors is None:
            errors = {where if field is None else f"{where}:{field}": [message]}
        super().__init__(f"{where}: {message}", errors)


class CatalogueError(InputError):
    """A claim catalogue was rejected as a whole."""

    kind = "invalid_claim_catalogue"


class PayloadTooLarge(InputError):
    status = 413
    kind = "payload_too_large"


class UnsupportedMediaType(InputError):
    status = 415
    kind = "unsupported_media_type"


class Unauthorized(AnnotatorError):
    """No credentials, or credentials the service does not accept; nothing was done."""

    status = 401
    kind = "unauthorized"


class Forbidden(AnnotatorError):
    """The caller is known, but their roles do not allow this; nothing was done."""

    status = 403
    kind = "forbidden"


class CsrfRefused(Forbidden):
    """A write carried the session cookie but not the page's CSRF token: another site's form."""

    kind = "csrf_failed"


class NotFound(AnnotatorError):
    status = 404
    kind = "not_found"


class Conflict(AnnotatorError):
    status = 409
    kind = "conflict"


class NotReady(AnnotatorError):
    """What a read would show has not been built yet (a write path or start-up builds it)."""

    status = 503
    kind = "not_ready"


class LabelStudioError(AnnotatorError):
    """Label Studio answered, but not as expected."""

    status = 502
    kind = "label_studio_error"


class LabelStudioUnavailable(LabelStudioError):
    """Label Studio is not installed, did not start in time, or exited."""

    status = 503
    kind = "label_studio_unavailable"


class PortBusy(LabelStudioUnavailable):
    """The port is taken by something that is not our server for this data folder."""

    kind = "label_studio_port_busy"

    def __init__(self, host: str, port: int, holder: str):
        self.host = host
        self.port = port
        super().__init__(
            f"port {port} on {host} is already in use by {holder}; "
            f"stop it or choose another port (Label Studio would silently move to another one)",
            {"port": [f"{host}:{port} is in use by {holder}"]},
        )


class AlreadyRunning(LabelStudioError):
    """The data folder is already served by a server on another port."""

    status = 409
    kind = "label_studio_already_running"


class LoginRefused(LabelStudioError):
    """Label Studio's login form refused the e-mail and password."""

    status = 401
    kind = "label_studio_login_refused"


class UserRejected(LabelStudioError, InputError):
    """Label Studio refused to create a user (bad e-mail, short password, ...)."""

    status = 400
    kind = "label_studio_user_rejected"


#: Exit codes of the ``annotator`` CLI, so scripts can tell failures apart
#: (2 stays click's "bad command line"). Looked up along the class's MRO.
EXIT_CODES = {
    InputError: 3,
    NotFound: 4,
    Forbidden: 8,
    Conflict: 5,
    LabelStudioUnavailable: 6,
    LabelStudioError: 7,
    AnnotatorError: 1,
}


def flatten_messages(messages: object, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow's (or webargs') nested messages as ``{"json.field": [message, ...]}``."""
    if isinstance(messages, dict):
        flat: dict[str, list[str]] = {}
        for key, value in messages.items():
            flat.update(flatten_messages(value, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    items = messages if isinstance(messages, list) else [messages]
    return {prefix or "_": [str(m) for m in items]}


def exit_code(error: AnnotatorError) -> int:
    """The CLI exit code for ``error``: its nearest class in :data:`EXIT_CODES`."""
    for cls in type(error).__mro__:
        if cls in EXIT_CODES:
            return EXIT_CODES[cls]
    return 1
