"""Verdicts and agreement: pure arithmetic on one long table of judgments.

Imports neither Flask nor SQLAlchemy: a store layer feeds it DataFrames and
gets DataFrames and :class:`Figure` values back.

=====================  ==========================================================
module                 concern
=====================  ==========================================================
``table``              the ``(unit, annotator, label)`` contract and its rules
``aggregation``        verdicts by majority vote and Dawid–Skene; status rule
``agreement``          Krippendorff's alpha, Fleiss' and Cohen's kappa, percent
                       agreement, each annotator against the consensus
``levels``             per mention, per claim, and a claim's verdict over time
=====================  ==========================================================

Typical use::

    table = read_judgments_csv("judgments.csv")
    links = mentions(mention_frame)              # unit -> claim, article, date
    per_mention = mention_verdicts(table, links, "dawid-skene")
    per_claim = claim_verdicts(table, links, "majority", StatusRule(3, 0.6))
    report = project_agreement(table)            # report.alpha_nominal.value ...
"""

from annotator.verdicts.aggregation import (
    DEFAULT_RULE,
    TIE_TOLERANCE,
    DawidSkeneModel,
    Method,
    Status,
    StatusRule,
    apply_adjudications,
    count_column,
    dawid_skene,
    majority_from_counts,
    majority_vote,
)
from annotator.verdicts.agreement import (
    AgreementReport,
    Figure,
    agreement_by_group,
    cohen_kappa_pairs,
    consensus_agreement,
    fleiss_kappa,
    krippendorff_alpha,
    pair_matrix,
    percent_agreement,
    project_agreement,
)
from annotator.verdicts.levels import (
    Mentions,
    claim_agreement,
    claim_timeline,
    claim_verdicts,
    mention_verdicts,
    mentions,
)
from annotator.verdicts.table import (
    COLUMNS,
    VERDICTS,
    Judgments,
    LabelSet,
    invalid_rows,
    judgments,
    read_judgments_csv,
)

__all__ = [
    # table
    "COLUMNS",
    "VERDICTS",
    "Judgments",
    "LabelSet",
    "invalid_rows",
    "judgments",
    "read_judgments_csv",
    # aggregation
    "DEFAULT_RULE",
    "TIE_TOLERANCE",
    "DawidSkeneModel",
    "Method",
    "Status",
    "StatusRule",
    "apply_adjudications",
    "count_column",
    "dawid_skene",
    "majority_from_counts",
    "majority_vote",
    # agreement
    "AgreementReport",
    "Figure",
    "agreement_by_group",
    "cohen_kappa_pairs",
    "consensus_agreement",
    "fleiss_kappa",
    "krippendorff_alpha",
    "pair_matrix",
    "percent_agreement",
    "project_agreement",
    # levels
    "Mentions",
    "claim_agreement",
    "claim_timeline",
    "claim_verdicts",
    "mention_verdicts",
    "mentions",
]
