"""Verdicts from the store: judgments -> long table -> :mod:`annotator.verdicts` -> verdict sets.

================  =================================================================
module            concern
================  =================================================================
``table``         what counts in the store, read into the core's long table
``compute``       verdict frames and Dawid–Skene parameters from a table (pure)
``sets``          the stored verdict sets: the only writer of claim verdicts
``views``         reads: a page of claim verdicts, a claim or mention in detail
``judgments``     reads: the judgments behind a verdict, counted or why not
``adjudication``  an editor's verdict, and the audit trail
``agreement``     agreement figures over the store
================  =================================================================

Data flows one way: the gathering of judgments (:mod:`annotator.labelstudio`)
returns the mentions it touched, its caller hands them to
:func:`refresh_verdicts` (as does every other write that touches a claim), and
the readers only read the sets (:func:`stored_set`).
"""

from .adjudication import adjudication_dict, adjudication_dicts, adjudication_trail, record_adjudication
from .compute import METHODS, claim_frame, fit_model, mention_frame, model_from_params, model_params
from .judgments import judgment_rows
from .sets import rebuild_verdicts, refresh_verdicts, stored_set, update_verdict_sets, verdict_set
from .table import StoreTable, clean, load_table, require_claim
from .views import (
    claim_detail,
    claim_page,
    claim_verdict_dict,
    claim_verdict_rows,
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
    "stored_set",
    "verdict_set",
    "update_verdict_sets",
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
