import doctest
import subprocess
import sys
from pathlib import Path

import pytest

import annotator.verdicts as verdicts
from annotator.verdicts import _vector, aggregation, agreement, levels, table

MODULES = [table, aggregation, agreement, levels]


def test_package_all_is_the_union_of_the_modules():
    assert sorted(verdicts.__all__) == sorted(name for module in MODULES for name in module.__all__)
    for name in verdicts.__all__:
        assert hasattr(verdicts, name), name


@pytest.mark.parametrize("module", [*MODULES, _vector], ids=lambda m: m.__name__.rsplit(".", 1)[-1])
def test_docstring_examples(module):
    failed, attempted = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert attempted > 0 or module is levels
    assert failed == 0


def test_imports_neither_flask_nor_sqlalchemy():
    # a bare parent package stands in for annotator/__init__.py (the Flask app)
    root = Path(verdicts.__file__).parents[1]
    code = (
        "import sys, types\n"
        f"package = types.ModuleType('annotator'); package.__path__ = [{str(root)!r}]\n"
        "sys.modules['annotator'] = package\n"
        "import annotator.verdicts\n"
        "web = ('flask', 'sqlalchemy', 'werkzeug')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in web))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
