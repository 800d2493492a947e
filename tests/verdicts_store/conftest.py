"""Published data sets and the verdict rules (the judgment-writing ``store`` and the
``story`` fixture are in tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator.verdicts_config import DEFAULT_RULES

REPO = Path(__file__).resolve().parents[2]

#: Krippendorff (2011), nominal data with missing values: observers x units.
KRIPPENDORFF_2011 = {
    "A": [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    "B": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    "C": [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    "D": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
}


@pytest.fixture
def rules():
    return DEFAULT_RULES
