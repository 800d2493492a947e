"""The rule files of ``config/`` (page furniture, check-worthiness), loaded once."""

from __future__ import annotations

import dataclasses

from ..config import Settings
from ..ingest.furniture import FurnitureRules, load_furniture_rules
from ..ingest.suggest import CheckworthyRules, load_rules as load_checkworthy_rules

__all__ = ["Rules", "load_rules"]


@dataclasses.dataclass(frozen=True)
class Rules:
    furniture: FurnitureRules
    checkworthy: CheckworthyRules


def load_rules(settings: Settings) -> Rules:
    """Read and validate the rule files in the configured folder."""
    return Rules(
        furniture=load_furniture_rules(settings.config_dir),
        checkworthy=load_checkworthy_rules(settings.rule_file("checkworthy.yaml")),
    )
