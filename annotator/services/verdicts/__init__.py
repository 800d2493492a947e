"""Verdicts from the store: judgments -> long table -> :mod:`annotator.verdicts` -> verdict sets.

================  =================================================================
module            concern
================  =================================================================
``table``         what counts in the store, read into the core's long table
``compute``       verdict frames and Dawid–Skene parameters from a table (pure)
``sets``          the stored verdict sets: the only writer of claim verdicts
``views``         reads: a page of claim verdicts, a claim or mention in detail
``adjudication``  an editor's verdict, and the audit trail
``agreement``     agreement figures over the store
================  =================================================================

Data flows one way: the gathering of judgments (:mod:`annotator.labelstudio`)
returns the mentions it touched, its caller hands them to
:func:`refresh_verdicts`, and the readers read the sets.
"""

from .adjudication import adjudication_dict, adjudication_dicts, adjudication_trail, record_adjudication
from .compute import METHODS, claim_frame, fit_model, mention_frame, model_from_params, model_params
from .sets import rebuild_verdicts, refresh_verdicts, verdict_set
from .table import StoreTable, clean, load_table, require_claim
from .views import (
    claim_detail,
    claim_page,
    claim_verdict_dict,
    claim_verdict_rows,
    judgment_rows,
    mention_detail,
    mention_rows_all,
    pending_mentions,
    set_summary,
    status_counts,
)

__all__ = [
    "METHODS",
    "StoreTable",
    "load_table",
    "fit_model",
    "model_params",
    "model_from_params",
    "claim_frame",
    "mention_frame",
    "verdict_set",
    "rebuild_verdicts",
    "refresh_verdicts",
    "claim_page",
    "claim_verdict_rows",
    "status_counts",
    "set_summary",
    "claim_verdict_dict",
    "claim_detail",
    "mention_detail",
    "mention_rows_all",
    "judgment_rows",
    "pending_mentions",
    "record_adjudication",
    "adjudication_trail",
    "adjudication_dict",
    "adjudication_dicts",
    "require_claim",
    "clean",
]
