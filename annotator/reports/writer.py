"""Writing report files into ``exports/``: safe names, atomic writes.

A file is written under a temporary name in the same folder and renamed into
place, so no reader ever sees half a report.  Names come from a project key
and a time; a name a caller asks for is reduced to one plain file name (no
folders, no ``..``) and must end up inside the exports folder.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
from pathlib import Path

from ..errors import InputError

__all__ = ["report_name", "safe_name", "write_atomically"]

_SAFE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,150}$")


def safe_name(name: str) -> str:
    """``name`` if it is one plain file name, else an :class:`InputError` saying why."""
    if not name or "/" in name or "\\" in name or ".." in name or not _SAFE.match(name):
        raise InputError(
            f"invalid report name {name!r}",
            {"name": ["use letters, digits, '.', '-' and '_' only: no folders and no '..'"]},
        )
    return name


def report_name(project_key: str, moment: dt.datetime, suffix: str) -> str:
    """``<project>-<UTC time><suffix>``, e.g. ``claims-20261122T015907Z.csv``."""
    stamp = moment.astimezone(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return safe_name(f"{project_key}-{stamp}{suffix}")


def write_atomically(folder: Path, name: str, content: str | bytes) -> Path:
    """Write ``content`` to ``folder/name`` so that it appears whole or not at all."""
    folder = folder.resolve()
    target = (folder / safe_name(name)).resolve()
    if target.parent != folder:
        raise InputError(f"{name!r} would be written outside {folder}")
    folder.mkdir(parents=True, exist_ok=True)
    data = content.encode("utf-8") if isinstance(content, str) else content
    fd, temporary = tempfile.mkstemp(dir=folder, prefix=".writing-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target
