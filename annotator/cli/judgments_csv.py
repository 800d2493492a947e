"""Judgments from any CSV file: what ``annotator verdicts csv`` and ``agreement csv`` read.

The file needs the columns ``unit``, ``annotator`` and ``label`` (others are ignored),
so a researcher can use the commands on any data.  The rules:

* any label set: the labels found in the file (numbers in numeric order,
  otherwise alphabetical), or the ones given with ``--labels a,b,c`` — then a
  label outside them is an error naming the lines; nominal unless
  ``--ordered`` says the ``--labels`` order is a scale;
* an empty label is not a judgment (a skip): left out and counted;
* a missing column, an empty unit or annotator, an unreadable file: an error
  naming the column or the lines (exit 3);
* the same (unit, annotator) twice: an error naming the lines, or with
  ``--duplicates last`` the later line wins;
* one annotator only: verdicts as usual, agreement figures undefined with the
  reason;
* ties: the tied label that comes first in the label order is named, and the
  verdict is flagged and needs adjudication.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..errors import InputError
from .verdict_format import dropped_text

if TYPE_CHECKING:
    import pandas as pd

    from ..verdicts import Judgments

__all__ = ["read_csv_judgments", "csv_input", "table_facts", "table_summary", "labels_text"]

_CSV_INPUT = [
    click.argument("path", metavar="FILE", type=click.Path(exists=True, dir_okay=False, path_type=Path)),
    click.option("--labels", help="The label set, comma-separated (default: the labels found)."),
    click.option("--ordered", is_flag=True, help="The --labels order is a scale (ordinal), not just names."),
    click.option(
        "--duplicates",
        type=click.Choice(["error", "last"]),
        help="The same unit and annotator twice is an error (default), or the later line wins.",
    ),
]


def csv_input(command):
    """Give ``command`` the CSV file argument and the options saying how to read it."""
    for decorate in reversed(_CSV_INPUT):
        command = decorate(command)
    return command


def _natural(labels: list[str]) -> list[str]:
    try:
        return sorted(labels, key=float)
    except ValueError:
        return sorted(labels)


def _as_lines(error: InputError) -> InputError:
    """Name rows as the file's lines (the header is line 1)."""

    def fix(text: str) -> str:
        text = text.replace(
            "give order_by to keep the latest", "use --duplicates last to keep the later line"
        )
        return re.sub(r"\brow (\d+)\b", r"line \1", text)

    return InputError(fix(error.message), {fix(k): [fix(m) for m in v] for k, v in error.errors.items()})


def _label_names(path: Path, data: pd.DataFrame, labels: str | None, ordered: bool) -> list[str]:
    """The label set: as given with ``--labels``, or the (at least two) labels in the file."""
    if labels is not None:
        names = [name.strip() for name in labels.split(",")]
        if any(not name for name in names):
            raise InputError("--labels has an empty label", {"--labels": [repr(labels)]})
        return names
    if ordered:
        raise click.UsageError("--ordered needs --labels: the order of the scale")
    found = data["label"].str.strip()
    names = _natural(sorted(set(found[found != ""])))
    if len(names) < 2:
        used = f"only one label is used ({names[0]})" if names else "no label is used"
        raise InputError(
            f"{path}: {used}: give the label set with --labels",
            {"label": [f"only {names[0]!r} found" if names else "no labels found"]},
        )
    return names


def read_csv_judgments(
    path: Path, labels: str | None = None, *, ordered: bool = False, duplicates: str | None = None
) -> Judgments:
    """A CSV file of judgments under the rules of this module's docstring."""
    import numpy as np
    import pandas as pd

    from ..verdicts import COLUMNS, LabelSet, judgments

    try:
        data = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise InputError(f"cannot read {path} as CSV", {str(path): [str(error).strip()]}) from None
    data.index = pd.RangeIndex(2, len(data) + 2)  # error messages name the file's lines
    missing = [c for c in COLUMNS if c not in data.columns]
    if missing:
        raise InputError(
            f"{path}: missing column(s): {', '.join(missing)}",
            {"columns": [f"missing {c!r}: the file needs unit, annotator, label" for c in missing]},
        )
    names = _label_names(path, data, labels, ordered)
    try:
        label_set = LabelSet(tuple(names), ordered=ordered)
        if duplicates == "last":
            data["_line"] = np.arange(len(data))
        return judgments(data, label_set, order_by="_line" if duplicates == "last" else None)
    except InputError as error:
        raise _as_lines(error) from None


def table_facts(path: Path, j: Judgments) -> dict[str, Any]:
    """What was read from ``path``: the labels, the counts, what was left out."""
    return {
        "source": str(path),
        "labels": list(j.labels.labels),
        "ordered": j.labels.ordered,
        "n_units": len(j.units),
        "n_judgments": j.n_judgments,
        "n_annotators": len(j.annotators),
        "dropped": dict(j.dropped),
    }


def table_summary(j: Judgments) -> str:
    text = f"{j.n_judgments} judgments of {len(j.units)} units by {len(j.annotators)} annotators"
    if j.dropped:
        text += f" (left out: {dropped_text(dict(j.dropped))})"
    return text


def labels_text(j: Judgments) -> str:
    return f"labels {', '.join(map(str, j.labels.labels))} ({'ordered' if j.labels.ordered else 'nominal'})"
