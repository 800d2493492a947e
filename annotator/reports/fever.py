"""FEVER-style JSONL for training and evaluating claim-verification models.

One line per settled or adjudicated claim::

    {"id": 1, "claim_id": "...", "claim": "<canonical sentence>", "claim_en": "...",
     "label": "SUPPORTS" | "REFUTES" | "NOT ENOUGH INFO", "verdict": "confirmed",
     "evidence": [[{"article": "<id>", "start": 10, "end": 60, "text": "..."}], ...]}

Label mapping: confirmed -> SUPPORTS, denied -> REFUTES, and disputed -> NOT
ENOUGH INFO: a disputed claim is one the coverage neither supports nor refutes
(conflicting accounts, or only an unconfirmed report), which is FEVER's third
class.  Each evidence set is one article's located quotes plus the spans its
annotators marked, deduplicated, as FEVER groups sentences that together make
the case.  Claims still needing adjudication are left out: their label is not
decided.
"""

from __future__ import annotations

import json

__all__ = ["LABELS", "fever_lines"]

LABELS = {"confirmed": "SUPPORTS", "denied": "REFUTES", "disputed": "NOT ENOUGH INFO"}


def _evidence_set(mention: dict) -> list[dict]:
    spans = {(e["start"], e["end"]): e["text"] for e in mention["evidence"]}
    for judgment in mention["judgments"]:
        for span in judgment.get("evidence") or []:
            spans.setdefault((span["start"], span["end"]), span.get("text", ""))
    article = mention["article"]["external_id"]
    return [{"article": article, "start": s, "end": e, "text": t} for (s, e), t in sorted(spans.items())]


def fever_lines(data: dict) -> str:
    """The JSONL text (one claim per line, ids from 1)."""
    lines = []
    for claim in data["claims"]:
        if claim["status"] not in ("settled", "adjudicated") or claim["verdict"] not in LABELS:
            continue
        evidence = [s for s in (_evidence_set(m) for m in claim["mentions"]) if s]
        lines.append(
            {
                "id": len(lines) + 1,
                "claim_id": claim["id"],
                "claim": claim["text"],
                "claim_en": claim.get("text_en"),
                "label": LABELS[claim["verdict"]],
                "verdict": claim["verdict"],
                "evidence": evidence,
            }
        )
    return "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)
