"""The claim-verification labeling config, generated from ``config/labelstudio.yaml``.

One task per article: the article text, the instructions and verdict guidelines,
then a ``<Repeater>`` over the task's claims.  Per claim *i* the controls are
``verdict_i`` (required, one of the configured verdicts), ``evidence_i`` (spans
in the text), ``confidence_i`` (stars) and ``note_i``; :func:`control_name`
and :func:`parse_control_name` are the only places that know this naming.
"""

from __future__ import annotations

import hashlib
import re
import xml.etree.ElementTree as ET

from ..rules.project import ProjectConfig

__all__ = [
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
