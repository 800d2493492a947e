"""The verdict rules (the judgment-writing ``store`` and the ``story`` fixture are in
tests/conftest.py; the published data sets in tests/data/)."""

from __future__ import annotations

import pytest

from annotator.rules.verdicts import DEFAULT_RULES


@pytest.fixture
def rules():
    return DEFAULT_RULES
