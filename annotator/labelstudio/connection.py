"""Which Label Studio the service talks to, and the webhook secret it expects back.

With ``label_studio_url`` set, that server and ``label_studio_api_key``;
otherwise the local server managed by :mod:`annotator.labelstudio.server`, with
the credentials it provisioned.
"""

from __future__ import annotations

from ..config import Settings
from ..errors import LabelStudioUnavailable
from .client import LabelStudioClient
from .server import LocalLabelStudio

__all__ = ["local_server", "connect", "webhook_secret", "WEBHOOK_SECRET_HEADER", "WEBHOOK_PATH"]

WEBHOOK_SECRET_HEADER = "X-Annotator-Webhook-Secret"
WEBHOOK_PATH = "/api/webhooks/labelstudio"


def local_server(settings: Settings) -> LocalLabelStudio:
    return LocalLabelStudio(settings.label_studio_data_dir, port=settings.label_studio_port)


def connect(settings: Settings, **client_options) -> LabelStudioClient:
    """A client for the configured Label Studio; the local one must be running."""
    if settings.label_studio_url:
        return LabelStudioClient(settings.label_studio_url, settings.label_studio_api_key, **client_options)
    status = local_server(settings).status()
    if not status.running:
        raise LabelStudioUnavailable(
            f"the local Label Studio ({settings.label_studio_data_dir}) is not running:"
            " start it with `annotator labelstudio up`, or set ANNOTATOR_LABEL_STUDIO_URL"
        )
    return LabelStudioClient(status.url, status.token, **client_options)


def webhook_secret(settings: Settings) -> str:
    """The configured secret, else one generated once into ``var/webhook-secret`` (0600)."""
    return settings.webhook_secret or settings.generated_secret("webhook-secret")
