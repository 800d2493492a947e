"""Page-numbered lists: the facts a page of results carries, the same everywhere."""

from __future__ import annotations

import math
from typing import Any

__all__ = ["page_envelope"]


def page_envelope(items: list, total: int, page: int, per_page: int) -> dict[str, Any]:
    """``{"items", "page", "per_page", "total", "pages"}``: what every list answers."""
    return {
        "items": items,
        "page": page,
        "per_page": per_page,
        "total": total,
        "pages": max(1, math.ceil(total / per_page)),
    }
