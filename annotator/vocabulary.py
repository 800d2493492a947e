"""The service's words, spelled once: verdicts, mention origins and statuses, judgment
states, verdict statuses, aggregation methods, report formats and desk roles.

Plain enumerations with no dependency, so the store's models, the rules, the verdict
core, the reports and the command line (which starts without importing the store or
pandas) all take the same values from here.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "Verdict",
    "STORE_VERDICTS",
    "MentionOrigin",
    "MentionStatus",
    "JudgmentState",
    "VerdictStatus",
    "Method",
    "METHODS",
    "REPORT_FORMATS",
    "Role",
    "ROLES",
    "values",
]


def values(enumeration: type[StrEnum]) -> tuple[str, ...]:
    """An enumeration's values in declaration order (for choices and checks)."""
    return tuple(member.value for member in enumeration)


class Verdict(StrEnum):
    """What an annotator says about a claim, in scale order."""

    CONFIRMED = "confirmed"
    DISPUTED = "disputed"
    DENIED = "denied"


class MentionOrigin(StrEnum):
    CATALOGUE = "catalogue"
    SUGGESTED = "suggested"
    ANNOTATOR = "annotator"


class MentionStatus(StrEnum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    PENDING = "pending"


class JudgmentState(StrEnum):
    ACTIVE = "active"
    SKIPPED = "skipped"
    DELETED = "deleted"
    #: kept for the record but never counted: names an unknown claim or verdict.
    REJECTED = "rejected"


class VerdictStatus(StrEnum):
    SETTLED = "settled"
    NEEDS_ADJUDICATION = "needs adjudication"
    ADJUDICATED = "adjudicated"


class Method(StrEnum):
    """How judgments become a verdict."""

    MAJORITY = "majority"
    DAWID_SKENE = "dawid-skene"


STORE_VERDICTS = values(Verdict)
METHODS = values(Method)
#: The files ``annotator report`` writes, in the order it writes them.
REPORT_FORMATS = ("csv", "json", "claimreview", "fever", "html")


class Role(StrEnum):
    """What a person on the desk may do; a person may hold several (README: roles)."""

    #: manages accounts and may do everything the others may
    ADMIN = "admin"
    #: loads articles, keeps the catalogue, pushes and syncs, writes reports, adds annotators
    COORDINATOR = "coordinator"
    #: settles claims by adjudication
    EDITOR = "editor"
    #: judges claims in Label Studio only: reads nothing of the desk's through this service
    ANNOTATOR = "annotator"
    #: reads verdicts, agreement and reports
    VIEWER = "viewer"


ROLES = values(Role)
