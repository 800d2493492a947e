"""Demo judgments from three simulated annotators, posted through Label Studio's API.

They let a newcomer see judgments flow without typing.  Simulated annotators
have ``@simulated.invalid`` addresses and ``simulated`` set on them and on every
judgment they make, so no figure mixes them with people's unless asked to.
The choices are drawn from a seeded generator: the same store gives the same
demo.  Each claim gets a "leaning" verdict that each annotator picks with
probability 0.75, so agreement is realistic rather than random.
"""

from __future__ import annotations

import random

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..config import Settings
from ..models import Annotator, LabelStudioProject, LabelStudioTask
from .annotators import SIMULATED_DOMAIN
from .client import LabelStudioClient
from ..rules.project import ProjectConfig
from .schema import EVIDENCE_LABEL, control_name

__all__ = ["SIMULATED_ANNOTATORS", "post_simulated_judgments", "simulated_result"]

SIMULATED_ANNOTATORS = tuple(f"simulated-{n}@{SIMULATED_DOMAIN}" for n in (1, 2, 3))
AGREE_PROBABILITY = 0.75


def _simulated_users(session: Session, client: LabelStudioClient) -> list[Annotator]:
    annotators = []
    for number, email in enumerate(SIMULATED_ANNOTATORS, 1):
        annotator = session.scalar(sa.select(Annotator).where(Annotator.email == email))
        if annotator is None:
            user = client.find_user(email) or client.create_user(email, first_name=f"Simulated {number}")
            annotator = Annotator(email=email, name=f"Simulated annotator {number}", simulated=True, ls_user_id=user["id"])
            session.add(annotator)
        annotators.append(annotator)
    session.commit()
    return annotators


def post_simulated_judgments(
    session: Session, client: LabelStudioClient, settings: Settings, config: ProjectConfig, *, seed: int = 2024
) -> int:
    """Annotate every task of the project once per simulated annotator; count new annotations."""
    project = session.scalar(
        sa.select(LabelStudioProject).where(LabelStudioProject.project_key == settings.label_studio_project)
    )
    if project is None:
        return 0
    verdicts = config.verdict_values
    annotators = _simulated_users(session, client)
    ours = {t.ls_task_id: t for t in session.scalars(sa.select(LabelStudioTask).where(LabelStudioTask.project_id == project.id))}
    posted = 0
    for task in client.iter_tasks(project.ls_project_id):
        if task["id"] not in ours:
            continue
        done = {a.get("completed_by") for a in task.get("annotations") or []}
        for annotator in annotators:
            if annotator.ls_user_id in done:
                continue
            result = simulated_result(task, annotator.email, verdicts, seed=seed)
            client.create_annotation(task["id"], result=result, completed_by=annotator.ls_user_id)
            posted += 1
    return posted


def simulated_result(task: dict, email: str, verdicts: tuple[str, ...], *, seed: int = 2024) -> list[dict]:
    """The regions a simulated annotator ``email`` submits for ``task`` (a task as Label
    Studio lists it, with its predictions): per claim a seeded verdict, a rating and the
    predicted evidence span kept."""
    spans = {}
    for prediction in task.get("predictions") or []:
        for region in prediction.get("result") or []:
            spans.setdefault(region["from_name"], region["value"])
    rng = random.Random(f"{seed}:{task['id']}:{email}")
    result = []
    for index, claim in enumerate(task["data"].get("claims") or []):
        leaning = random.Random(f"{seed}:{claim['id']}").choice(verdicts)
        verdict = leaning if rng.random() < AGREE_PROBABILITY else rng.choice(verdicts)
        result.append(_region(control_name("verdict", index), "choices", {"choices": [verdict]}))
        result.append(_region(control_name("confidence", index), "rating", {"rating": rng.randint(2, 5)}))
        span = spans.get(control_name("evidence", index))
        if span:
            value = {"start": span["start"], "end": span["end"], "text": span["text"], "labels": [EVIDENCE_LABEL]}
            result.append(_region(control_name("evidence", index), "labels", value))
    return result


def _region(name: str, kind: str, value: dict) -> dict:
    return {"id": name, "from_name": name, "to_name": "text", "type": kind, "value": value, "origin": "manual"}
