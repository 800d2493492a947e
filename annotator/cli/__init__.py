"""The ``annotator`` command line.

Every command runs inside the Flask app (same settings, same store, same
services as the API), built when the command runs, so ``--help`` needs none;
``status`` only reads the settings and the store, to answer at once.  Exit codes
scripts can trust: 0 done, 1 unexpected failure, 2 bad command line, 3 input
rejected (nothing stored), 4 not found, 5 conflict with stored data, 6 Label
Studio unreachable, 7 Label Studio refused, 8 not allowed (a role is missing).
"""

from . import (  # noqa: F401  (they register their commands)
    adjudication,
    agreement,
    catalogue,
    labelstudio,
    people,
    reports,
    service,
    status,
    store,
    verdicts,
)
from .base import main

__all__ = ["main"]
