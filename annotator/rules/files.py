"""Reading one YAML rule file: problems named by file, line and column.

Every rule file of ``config/`` is read here, so a broken one reads the same
whichever it is: a YAML error names the line and column it was found at, and
a value that does not validate names its key (``dawid_skene.tolerance``,
``labels[1]``) and the line and column where that key's value starts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from marshmallow import Schema, ValidationError

from ..errors import InputError

__all__ = ["read_rule_file"]


def read_rule_file(path: Path, schema: Schema, what: str, *, missing: dict | None = None) -> dict[str, Any]:
    """``path`` parsed and loaded by ``schema``; ``missing`` stands for an absent file
    (None: an absent file is an error).  ``what`` names the file in messages."""
    if missing is not None and not path.exists():
        return schema.load(missing)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"{path}: cannot read {what}: {error}", {str(path): [str(error)]}) from None
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        document = yaml.safe_load(text)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark is not None else str(path)
        raise InputError(f"{where}: not valid YAML: {error.problem}", {where: [str(error.problem)]}) from None
    if document is None:
        document = {}
    if not isinstance(document, dict):
        raise InputError(f"{path}: {what}: expected a mapping of keys to values", {str(path): ["not a mapping"]})
    try:
        return schema.load(document)
    except ValidationError as error:
        problems = {
            key: [f"{_position(root, parts)}{message}" for message in messages]
            for key, parts, messages in _flatten(error.messages, ())
        }
        raise InputError(f"{path}: invalid {what}: fix the keys named below", problems) from None


def _flatten(messages: Any, parts: tuple) -> list[tuple[str, tuple, list[str]]]:
    """marshmallow's nested messages as ``(key, key parts, messages)``."""
    if isinstance(messages, dict):
        flat = []
        for key, value in messages.items():
            flat += _flatten(value, parts if key == "_schema" else (*parts, key))
        return flat
    items = messages if isinstance(messages, list) and all(isinstance(m, str) for m in messages) else [messages]
    key = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in parts).lstrip(".") or "_schema"
    return [(key, parts, [str(m) for m in items])]


def _position(node: yaml.Node | None, parts: tuple) -> str:
    """``"line L, column C: "`` of the deepest node of ``parts`` that exists."""
    found = node
    for part in parts:
        child = None
        if isinstance(found, yaml.MappingNode):
            child = next((value for key, value in found.value if key.value == str(part)), None)
            if child is None:  # an unknown key: point at the key itself
                child = next((key for key, _ in found.value if key.value == str(part)), None)
        elif isinstance(found, yaml.SequenceNode) and isinstance(part, int) and part < len(found.value):
            child = found.value[part]
        if child is None:
            break
        found = child
    if found is None:
        return ""
    return f"line {found.start_mark.line + 1}, column {found.start_mark.column + 1}: "
