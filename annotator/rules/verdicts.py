"""The verdict rules of ``config/verdicts.yaml``: label set, tie rule, method, k, threshold.

===================  ==========================  ===========================================
key                  default                     meaning
===================  ==========================  ===========================================
``labels``           confirmed, disputed, denied  the verdicts that count, in scale order
``tie_order``        disputed, denied, confirmed  which tied verdict is named
``method``           ``majority``                method when none is asked for
``min_judgments``    ``3``                        k: fewer judgments need adjudication
``min_support``      ``0.6``                      agreement threshold behind a verdict
``dawid_skene``      100, 1e-5, 0.1               ``max_iterations``, ``tolerance``,
                                                  ``refit_share``
===================  ==========================  ===========================================

A missing file means these defaults; a file with an unknown key, a verdict the
store cannot hold, or a value out of range is an :class:`InputError` naming the
key with its line and column, raised when the service starts.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from ..verdicts import LabelSet, StatusRule
from ..vocabulary import METHODS, STORE_VERDICTS
from .files import read_rule_file

__all__ = ["VerdictRules", "DawidSkeneSettings", "load_verdict_rules", "DEFAULT_RULES", "FILE_NAME"]

FILE_NAME = "verdicts.yaml"
FORMAT_VERSION = 1


@dataclasses.dataclass(frozen=True)
class DawidSkeneSettings:
    max_iterations: int = 100
    tolerance: float = 1e-5
    refit_share: float = 0.1


@dataclasses.dataclass(frozen=True)
class VerdictRules:
    """Everything the verdicts of the store are computed under."""

    labels: LabelSet
    method: str = "majority"
    status: StatusRule = StatusRule()
    dawid_skene: DawidSkeneSettings = DawidSkeneSettings()

    def as_dict(self) -> dict[str, Any]:
        """The rules as plain data: shown by the API and stored with the verdicts
        they produced, so a change of rules is noticed."""
        return {
            "labels": list(self.labels.labels),
            "tie_order": list(self.labels.tie_order),
            "method": self.method,
            "min_judgments": self.status.min_judgments,
            "min_support": self.status.min_support,
            "dawid_skene": dataclasses.asdict(self.dawid_skene),
        }


DEFAULT_RULES = VerdictRules(
    labels=LabelSet(STORE_VERDICTS, ordered=True, tie_order=("disputed", "denied", "confirmed"))
)


class _Strict(Schema):
    class Meta:
        unknown = RAISE


class _DawidSkeneSchema(_Strict):
    max_iterations = fields.Integer(strict=True, validate=validate.Range(min=1, max=10_000))
    tolerance = fields.Float(allow_nan=False, validate=validate.Range(min=0, min_inclusive=False))
    refit_share = fields.Float(allow_nan=False, validate=validate.Range(min=0, max=1))


_VERDICT = fields.String(
    validate=validate.OneOf(STORE_VERDICTS, error="{input!r} is not a verdict the store holds ({choices})")
)


class _RulesSchema(_Strict):
    version = fields.Integer(
        strict=True,
        validate=validate.Equal(
            FORMAT_VERSION, error=f"unsupported version {{input}}: write `version: {FORMAT_VERSION}`"
        ),
    )
    labels = fields.List(_VERDICT, validate=validate.Length(min=2, error="list at least two verdicts"))
    tie_order = fields.List(_VERDICT)
    method = fields.String(validate=validate.OneOf(METHODS, error="use one of: {choices}"))
    min_judgments = fields.Integer(strict=True, validate=validate.Range(min=1))
    min_support = fields.Float(allow_nan=False, validate=validate.Range(min=0, max=1))
    dawid_skene = fields.Nested(_DawidSkeneSchema)

    @validates_schema(skip_on_field_errors=True)
    def _consistent(self, data: dict, **_kwargs: Any) -> None:
        labels = data.get("labels", list(DEFAULT_RULES.labels.labels))
        if len(set(labels)) != len(labels):
            raise ValidationError("a verdict is listed twice", "labels")
        if "tie_order" in data and sorted(data["tie_order"]) != sorted(labels):
            raise ValidationError(f"must list each of {labels} exactly once", "tie_order")


def load_verdict_rules(path: str | Path) -> VerdictRules:
    """Read and validate the rules file at ``path`` (missing: the defaults)."""
    data = read_rule_file(Path(path), _RulesSchema(), "verdict rules", missing={})
    labels = tuple(data.get("labels", DEFAULT_RULES.labels.labels))
    default_ties = [v for v in DEFAULT_RULES.labels.tie_order if v in labels]
    tie_order = tuple(data.get("tie_order", default_ties if len(default_ties) == len(labels) else labels))
    return VerdictRules(
        labels=LabelSet(labels, ordered=True, tie_order=tie_order),
        method=data.get("method", DEFAULT_RULES.method),
        status=StatusRule(
            data.get("min_judgments", DEFAULT_RULES.status.min_judgments),
            data.get("min_support", DEFAULT_RULES.status.min_support),
        ),
        dawid_skene=DawidSkeneSettings(**data.get("dawid_skene", {})),
    )
