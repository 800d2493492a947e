"""Report files: safe names only, atomic writes, nothing outside exports/."""

from __future__ import annotations

import datetime as dt

import pytest

from annotator.errors import InputError
from annotator.reports.writer import report_name, safe_name, write_atomically


@pytest.mark.parametrize(
    "name",
    ["../escape", "a/b", "..", "a\\b", "", ".hidden", "x" * 200, "name with space", "dir/../../etc"],
    ids=["dot-dot-slash", "slash", "dot-dot", "backslash", "empty", "leading-dot", "too-long", "space", "traversal"],
)
def test_unsafe_names_are_refused(name, tmp_path):
    with pytest.raises(InputError, match="invalid report name"):
        write_atomically(tmp_path / "exports", name, "x")
    assert not (tmp_path / "exports").exists() or list((tmp_path / "exports").iterdir()) == []
    assert [p.name for p in tmp_path.iterdir()] in ([], ["exports"])


def test_names_carry_project_and_utc_time():
    moment = dt.datetime(2026, 11, 22, 9, 30, 5, tzinfo=dt.timezone(dt.timedelta(hours=7)))
    assert report_name("claims", moment, ".claims.csv") == "claims-20261122T023005Z.claims.csv"
    assert safe_name("claims-1.json") == "claims-1.json"


def test_write_is_atomic_and_replaces(tmp_path):
    path = write_atomically(tmp_path, "r.json", "first")
    assert path.read_text() == "first" and path.parent == tmp_path.resolve()
    write_atomically(tmp_path, "r.json", "second")
    assert path.read_text() == "second"
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"], "no temporary file is left behind"


def test_a_failed_write_leaves_no_partial_file(tmp_path, monkeypatch):
    """A fake stands in for a full disk, which a test cannot make on demand."""
    import os

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        write_atomically(tmp_path, "r.json", "content")
    assert list(tmp_path.iterdir()) == []
