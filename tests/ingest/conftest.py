"""Fixtures for the article-parsing tests."""

from __future__ import annotations

import pytest

from annotator.ingest import FurnitureRules, load_furniture_rules


@pytest.fixture(scope="session")
def rules() -> FurnitureRules:
    """The project's own rules from ``config/``: the tests check the shipped data."""
    return load_furniture_rules()
