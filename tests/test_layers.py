"""The import graph of ``annotator/``: data flows one way, no layer imports a higher one.

Read from the source (every ``import``, at module level or inside a function), so
a lazy import that runs back up fails here as well.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "annotator"

#: Lowest first.  A module may import its own layer's modules and any lower layer's.
LAYERS = [
    {"errors", "vocabulary", "models", "config", "db", "paging", "verdicts", "ingest"},
    {"rules"},
    {"services"},
    {"labelstudio", "reports"},
    {"intake", "edits", "desk"},
    {"api", "cli", "__init__", "__main__"},
]
#: Within one layer, these parts do not import each other.
APART = [{"labelstudio", "reports"}]
#: The pure cores know neither the web nor the store.
PURE = {"verdicts": {"flask", "sqlalchemy"}, "ingest": {"flask", "sqlalchemy"}}


def _part(module: str) -> str:
    """``annotator.services.verdicts.sets`` -> ``services``; the package itself -> ``__init__``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _layer(part: str) -> int:
    return next(i for i, layer in enumerate(LAYERS) if part in layer)


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(PACKAGE.parent).with_suffix("")
        name = ".".join(relative.parts).removesuffix(".__init__")
        found[name] = path
    return found


def _imports(name: str, path: Path) -> set[str]:
    """Every module ``name`` imports (absolute names)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            out.add(target)
            out |= {f"{target}.{alias.name}" for alias in node.names}  # `from . import api`
    return out


GRAPH = {name: _imports(name, path) for name, path in _modules().items()}


def test_every_part_has_a_layer():
    parts = {_part(name) for name in GRAPH}
    assert parts <= set().union(*LAYERS), parts - set().union(*LAYERS)


@pytest.mark.parametrize("name", sorted(GRAPH))
def test_no_import_runs_back_up(name):
    part = _part(name)
    wrong = []
    for target in GRAPH[name]:
        if not (target == "annotator" or target.startswith("annotator.")) or target == "annotator":
            continue
        other = _part(target)
        if other not in set().union(*LAYERS):  # `from annotator import __version__`
            continue
        if _layer(other) > _layer(part) or (other != part and any({part, other} <= apart for apart in APART)):
            wrong.append(target)
    assert not wrong, f"{name} ({part}) imports a higher or separate layer: {sorted(wrong)}"


@pytest.mark.parametrize("name", sorted(n for n in GRAPH if _part(n) in PURE))
def test_the_pure_cores_import_neither_flask_nor_sqlalchemy(name):
    used = {target.split(".")[0] for target in GRAPH[name]}
    assert not used & PURE[_part(name)], f"{name} imports {sorted(used & PURE[_part(name)])}"


def test_the_gathering_does_not_compute_verdicts():
    """labelstudio returns the mentions it touched; its caller (intake) refreshes verdicts."""
    gathering = [n for n in GRAPH if _part(n) == "labelstudio"]
    assert gathering
    for name in gathering:
        assert not {t for t in GRAPH[name] if t.startswith("annotator.services")}, name
