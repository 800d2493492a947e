"""Seeded synthetic judgments shared by the verdict tests."""

import numpy as np
import pandas as pd
import pytest

LABELS = ("confirmed", "disputed", "denied")


def make_synthetic(
    n_units=300, accuracy=(0.9, 0.8, 0.7, 0.55, 0.75), missing=0.2, seed=7
) -> pd.DataFrame:
    """A long table: annotators of the given accuracy, some judgments missing."""
    rng = np.random.default_rng(seed)
    n_ann = len(accuracy)
    truth = rng.integers(0, 3, n_units)
    unit = np.repeat(np.arange(n_units), n_ann)
    annotator = np.tile(np.arange(n_ann), n_units)
    right = rng.random(len(unit)) < np.asarray(accuracy)[annotator]
    label = np.where(right, truth[unit], (truth[unit] + rng.integers(1, 3, len(unit))) % 3)
    keep = rng.random(len(unit)) >= missing
    return pd.DataFrame(
        {
            "unit": [f"m{u:04d}" for u in unit[keep]],
            "annotator": [f"a{a}" for a in annotator[keep]],
            "label": np.asarray(LABELS)[label[keep]],
        }
    )


@pytest.fixture
def synthetic():
    """``synthetic(n_units=300, accuracy=..., missing=0.2, seed=7)`` -> long table."""
    return make_synthetic
