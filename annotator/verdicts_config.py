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
key, raised when the service starts.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import yaml
from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from .errors import InputError
from .models import Verdict
from .verdicts import LabelSet, StatusRule

__all__ = ["VerdictRules", "DawidSkeneSettings", "load_verdict_rules", "DEFAULT_RULES", "FILE_NAME"]

FILE_NAME = "verdicts.yaml"
FORMAT_VERSION = 1
METHODS = ("majority", "dawid-skene")
STORE_VERDICTS = tuple(v.value for v in Verdict)


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
    path = Path(path)
    if not path.exists():
        return DEFAULT_RULES
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"{path}: cannot read the verdict rules: {error}") from None
    except yaml.YAMLError as error:
        raise InputError(f"{path}: not valid YAML: {error}", {str(path): [str(error)]}) from None
    if raw is None:
        return DEFAULT_RULES
    if not isinstance(raw, dict):
        raise InputError(
            f"{path}: expected a mapping of rule names to values", {str(path): ["not a mapping"]}
        )
    try:
        data = _RulesSchema().load(raw)
    except ValidationError as error:
        raise InputError(
            f"{path}: invalid verdict rules: fix the keys named below",
            {key: list(messages) for key, messages in _flatten(error.messages).items()},
        ) from None
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


def _flatten(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow's nested messages as ``{"dawid_skene.tolerance": [...]}``."""
    if isinstance(messages, dict):
        flat: dict[str, list[str]] = {}
        for key, value in messages.items():
            name = f"{prefix}[{key}]" if isinstance(key, int) else f"{prefix}.{key}" if prefix else str(key)
            flat.update(_flatten(value, name))
        return flat
    if isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        return {prefix or "_schema": list(messages)}
    return {prefix or "_schema": [str(messages)]}
