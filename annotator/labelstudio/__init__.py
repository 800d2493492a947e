"""Everything that talks to Label Studio; the rest of the service imports only this package."""

from .server import LocalLabelStudio, ServerStatus

__all__ = [
    "LocalLabelStudio",
    "ServerStatus",
]
