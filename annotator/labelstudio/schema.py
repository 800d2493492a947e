"""The claim-verification labeling config, generated from ``config/labelstudio.yaml``.

One task per article: the article text, the instructions and verdict guidelines,
then a ``<Repeater>`` over the task's claims.  Per claim *i* the controls are
``verdict_i`` (required, one of the configured verdicts), ``evidence_i`` (spans
in the text), ``confidence_i`` (stars) and ``note_i``; :func:`control_name`
and :func:`parse_control_name` are the only places that know this naming.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import yaml
from marshmallow import RAISE, Schema, ValidationError, fields, validate

from ..errors import InputError

__all__ = [
    "ProjectConfig",
    "VerdictOption",
    "load_project_config",
    "label_config",
    "config_hash",
    "control_name",
    "parse_control_name",
    "CONTROLS",
    "EVIDENCE_LABEL",
]

CONTROLS = ("verdict", "evidence", "confidence", "note")
EVIDENCE_LABEL = "evidence"
_CONTROL_NAME = re.compile(rf"^({'|'.join(CONTROLS)})_(\d+)$")


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
    value = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z_]*$"))
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


def load_project_config(path: Path) -> ProjectConfig:
    """Read and validate ``labelstudio.yaml``; errors name the key to fix."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(f"{path}: cannot read the Label Studio project config: {exc}") from exc
    try:
        data = _FileSchema().load(raw or {})
    except ValidationError as exc:
        raise InputError(
            f"{path}: invalid Label Studio project config",
            {f"{path.name}:{k}": [str(v)] for k, v in exc.normalized_messages().items()},
        ) from exc
    values = [v["value"] for v in data["verdicts"]]
    if len(set(values)) != len(values):
        raise InputError(f"{path}: a verdict value is listed twice", {f"{path.name}:verdicts": [", ".join(values)]})
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


def control_name(control: str, index: int | str) -> str:
    """The name of a claim's control: ``verdict_2``, or ``verdict_{{idx}}`` in the Repeater."""
    return f"{control}_{index}"


def parse_control_name(name: str) -> tuple[str, int] | None:
    """``"verdict_2"`` -> ``("verdict", 2)``; ``None`` for a name that is not ours."""
    match = _CONTROL_NAME.match(name or "")
    return (match.group(1), int(match.group(2))) if match else None


def label_config(config: ProjectConfig) -> str:
    """The labeling config XML for ``config`` (deterministic: same input, same text)."""
    view = ET.Element("View")
    ET.SubElement(view, "Header", value="Instructions", size="4")
    ET.SubElement(view, "View", style="white-space: pre-wrap; margin-bottom: 0.5em").append(
        ET.Element("Header", value=config.instructions, size="6", underline="false")
    )
    guidelines = ET.SubElement(view, "View", style="margin-bottom: 1em")
    for option in config.verdicts:
        ET.SubElement(guidelines, "Header", value=f"{option.value}: {option.guideline}", size="6")
    ET.SubElement(view, "Header", value="$title", size="3")
    ET.SubElement(view, "Text", name="text", value="$text")

    repeater = ET.SubElement(view, "Repeater", on="$claims", indexFlag="{{idx}}")
    claim = ET.SubElement(repeater, "View", style="border-top: 1px solid #ccc; padding-top: 0.5em")
    ET.SubElement(claim, "Header", value="$claims[{{idx}}].heading", size="4")
    choices = ET.SubElement(
        claim,
        "Choices",
        name=control_name("verdict", "{{idx}}"),
        toName="text",
        choice="single-radio",
        required="true",
        showInline="true",
    )
    for option in config.verdicts:
        ET.SubElement(choices, "Choice", value=option.value, hint=option.guideline)
    labels = ET.SubElement(claim, "Labels", name=control_name("evidence", "{{idx}}"), toName="text")
    ET.SubElement(labels, "Label", value=EVIDENCE_LABEL)
    rating = {
        "name": control_name("confidence", "{{idx}}"),
        "toName": "text",
        "maxRating": str(config.max_rating),
    }
    if config.confidence_required:
        rating["required"] = "true"
    ET.SubElement(claim, "Rating", rating)
    ET.SubElement(
        claim,
        "TextArea",
        name=control_name("note", "{{idx}}"),
        toName="text",
        placeholder=config.note_placeholder,
        maxSubmissions="1",
        editable="true",
        rows="2",
    )
    ET.indent(view)
    return ET.tostring(view, encoding="unicode")


def config_hash(xml: str) -> str:
    return hashlib.sha256(xml.encode("utf-8")).hexdigest()
