"""How the HTML report writes numbers, times, names and links: shared by the page
(:mod:`annotator.reports.html`) and its charts (:mod:`annotator.reports.charts`), so
a figure reads the same in a table and on a chart."""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

__all__ = ["number", "percent", "moment", "slug", "web_url", "figure", "who"]


def number(value: Any, digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    text = f"{value:.{digits}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def percent(value: Any) -> str:
    if value is None:
        return "—"
    return f"{round(value * 100)}%"


def moment(value: str | None) -> str:
    if not value:
        return "—"
    try:
        when = dt.datetime.fromisoformat(value)
    except ValueError:
        return value
    if when.tzinfo is not None:
        when = when.astimezone(dt.timezone.utc)
        return when.strftime("%Y-%m-%d %H:%M UTC")
    return when.strftime("%Y-%m-%d %H:%M")


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-") or "x"


def web_url(url: Any) -> str | None:
    """``url`` if it is an http(s) address (a link, never ``javascript:``), else None."""
    if isinstance(url, str) and re.match(r"^https?://[^\s]+$", url.strip(), re.IGNORECASE):
        return url.strip()
    return None


def figure(value: dict | None, *, as_percent: bool = False) -> dict:
    """A figure as ``{"defined", "text", "reason", "note"}``: undefined says why."""
    value = value or {}
    defined = bool(value.get("defined")) and value.get("value") is not None
    reason = value.get("reason") or ("not computed" if not defined else None)
    shown = (percent if as_percent else number)(value.get("value")) if defined else f"undefined: {reason}"
    return {
        "defined": defined,
        "value": value.get("value") if defined else None,
        "text": shown,
        "reason": reason,
        "note": value.get("note"),
        "n_units": value.get("n_units"),
    }


def who(person: dict | None) -> str:
    """How an annotator is named on the page: name, else e-mail, else id."""
    person = person or {}
    return str(person.get("name") or person.get("email") or person.get("annotator") or "?")
