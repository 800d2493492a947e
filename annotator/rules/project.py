"""The Label Studio project of ``config/labelstudio.yaml``: title, overlap, verdicts and
their guidelines, the confidence scale, instructions.

The labeling config is generated from it (:mod:`annotator.labelstudio.schema`),
and the gatherer enforces it: a verdict outside ``verdicts`` or a rating outside
``1..max_rating`` makes a judgment *rejected*, with the reason.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates

from ..vocabulary import STORE_VERDICTS
from .files import read_rule_file

__all__ = ["ProjectConfig", "VerdictOption", "load_project_config", "FILE_NAME"]

FILE_NAME = "labelstudio.yaml"


@dataclasses.dataclass(frozen=True)
class VerdictOption:
    value: str
    guideline: str


@dataclasses.dataclass(frozen=True)
class ProjectConfig:
    title: str
    overlap: int
    batch_size: int
    instructions: str
    verdicts: tuple[VerdictOption, ...]
    max_rating: int
    confidence_required: bool
    note_placeholder: str
    predictions_model_version: str

    @property
    def verdict_values(self) -> tuple[str, ...]:
        return tuple(v.value for v in self.verdicts)


class _Strict(Schema):
    class Meta:
        unknown = RAISE


class _ProjectSchema(_Strict):
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    overlap = fields.Integer(required=True, validate=validate.Range(min=1, max=50))
    batch_size = fields.Integer(load_default=250, validate=validate.Range(min=1, max=5000))


class _VerdictSchema(_Strict):
    value = fields.String(
        required=True,
        validate=validate.OneOf(STORE_VERDICTS, error="{input!r} is not a verdict the store holds ({choices})"),
    )
    guideline = fields.String(required=True, validate=validate.Length(min=1))


class _ConfidenceSchema(_Strict):
    max_rating = fields.Integer(load_default=5, validate=validate.Range(min=2, max=10))
    required = fields.Boolean(load_default=False)


class _NoteSchema(_Strict):
    placeholder = fields.String(load_default="")


class _FileSchema(_Strict):
    project = fields.Nested(_ProjectSchema, required=True)
    instructions = fields.String(required=True, validate=validate.Length(min=1))
    verdicts = fields.List(fields.Nested(_VerdictSchema), required=True, validate=validate.Length(min=2))
    confidence = fields.Nested(_ConfidenceSchema, load_default=lambda: {"max_rating": 5, "required": False})
    note = fields.Nested(_NoteSchema, load_default=lambda: {"placeholder": ""})
    predictions_model_version = fields.String(required=True, validate=validate.Length(min=1, max=100))

    @validates("verdicts")
    def _each_once(self, verdicts: list[dict], **_kwargs) -> None:
        values = [v.get("value") for v in verdicts]
        if len(set(values)) != len(values):
            raise ValidationError(f"a verdict value is listed twice: {', '.join(values)}")


def load_project_config(path: Path) -> ProjectConfig:
    """Read and validate ``labelstudio.yaml``; errors name the key, line and column to fix."""
    data = read_rule_file(Path(path), _FileSchema(), "Label Studio project config")
    return ProjectConfig(
        title=data["project"]["title"],
        overlap=data["project"]["overlap"],
        batch_size=data["project"]["batch_size"],
        instructions=data["instructions"],
        verdicts=tuple(VerdictOption(**v) for v in data["verdicts"]),
        max_rating=data["confidence"]["max_rating"],
        confidence_required=data["confidence"]["required"],
        note_placeholder=data["note"]["placeholder"],
        predictions_model_version=data["predictions_model_version"],
    )
