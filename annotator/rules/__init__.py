"""The rule files of ``config/``, loaded together once and passed down.

=====================  =========================================  ==========================
file                   what it rules                              loaded by
=====================  =========================================  ==========================
``furniture.yaml``,    page furniture, outlet names, languages     :mod:`annotator.ingest`
``outlets.yaml``,
``languages.yaml``
``checkworthy.yaml``   check-worthy sentence suggestions           :mod:`annotator.ingest`
``verdicts.yaml``      how judgments add up                        :mod:`.verdicts`
``labelstudio.yaml``   the Label Studio project and what a         :mod:`.project`
                       judgment may say
``reports.yaml``       who publishes the reports                   :mod:`.reports`
=====================  =========================================  ==========================

:func:`load_rules` reads them all (``create_app`` calls it, so a broken file stops
the service at start-up naming its line and column) and checks them against each
other: every verdict that counts must be one annotators can give.
"""

from __future__ import annotations

import dataclasses

from ..config import Settings
from ..errors import InputError
from ..ingest.furniture import FurnitureRules, load_furniture_rules
from ..ingest.suggest import CheckworthyRules, load_rules as load_checkworthy_rules
from .project import FILE_NAME as PROJECT_FILE, ProjectConfig, load_project_config
from .reports import FILE_NAME as REPORTS_FILE, ReportConfig, load_report_config
from .verdicts import FILE_NAME as VERDICTS_FILE, VerdictRules, load_verdict_rules

__all__ = ["Rules", "load_rules"]


@dataclasses.dataclass(frozen=True)
class Rules:
    """Every rule file, validated."""

    furniture: FurnitureRules
    checkworthy: CheckworthyRules
    verdicts: VerdictRules
    project: ProjectConfig
    reports: ReportConfig


def load_rules(settings: Settings) -> Rules:
    """Read and validate every rule file in the configured folder."""
    rules = Rules(
        furniture=load_furniture_rules(settings.config_dir),
        checkworthy=load_checkworthy_rules(settings.rule_file("checkworthy.yaml")),
        verdicts=load_verdict_rules(settings.rule_file(VERDICTS_FILE)),
        project=load_project_config(settings.rule_file(PROJECT_FILE)),
        reports=load_report_config(settings.rule_file(REPORTS_FILE)),
    )
    unreachable = [label for label in rules.verdicts.labels.labels if label not in rules.project.verdict_values]
    if unreachable:
        raise InputError(
            f"{settings.rule_file(VERDICTS_FILE)}: counts verdicts annotators cannot give",
            {
                f"{VERDICTS_FILE}:labels": [
                    f"{', '.join(unreachable)} not among the verdicts of {PROJECT_FILE}: "
                    f"{', '.join(rules.project.verdict_values)}"
                ]
            },
        )
    return rules
