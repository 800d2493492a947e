"""Verdict reports: CSV, JSON, ClaimReview JSON-LD, FEVER-style JSONL and HTML.

Every format is rendered from one plain dict, built from the store by
:func:`annotator.reports.data.report_data`::

    {
      "tool": {"name": "annotator", "version": "0.1.0"},
      "generated_at": "2026-11-22T01:59:07+00:00",
      "project": {"key": "claims", "story": "...", "title": "..."},
      "organisation": {"name": "...", "url": "..."},          # config/reports.yaml
      "review_url": "https://.../{claim_id}", "language": "id",
      "method": "majority",                                  # or "dawid-skene"
      "rules": {"labels": [...], "tie_order": [...], "min_judgments": 3, "min_support": 0.6},
      "include_simulated": false,
      "simulated": {"annotators": 3, "judgments": 120},      # kept apart unless included
      "summary": {"claims": 17, "settled": 9, "needs_adjudication": 6, "adjudicated": 2,
                  "judgments": 120, "annotators": 3, "articles": 5},
      "claims": [{
          "id": "...", "text": "...", "text_en": "...",
          "verdict": "confirmed" | null, "computed_verdict": ..., "method": "majority",
          "counts": {"confirmed": 2, "disputed": 1, "denied": 0},
          "support": 0.67, "tie": false, "status": "settled" | "needs adjudication" | "adjudicated",
          "reason": "..." | null, "n_judgments": 3, "n_annotators": 3, "n_articles": 1,
          "agreement": {"alpha_nominal": {"value", "defined", "n_units", "reason", "note"}, ...},
          "adjudication": {"verdict", "reason", "adjudicator", "created_at", "replaces"} | null,
          "mentions": [{
              "mention_id": 1, "article": {"external_id", "title", "outlet", "url",
                                           "published_on", "published_year_inferred"},
              "verdict", "counts", "support", "status", "reason", "n_judgments",
              "evidence": [{"start", "end", "text"}],           # the located quote(s)
              "judgments": [{"annotator", "verdict", "confidence", "evidence": [...],
                             "note", "simulated", "judgment_id"}]}],
          "timeline": [{"date", "year_inferred", "article", "outlet", "verdict", "status"}]
      }],
      "agreement": {"project": {<figure name>: <figure>}, "pairs": {"annotators": [...],
                    "kappa": [[...]], "n_units": [[...]]}, "annotators": [{...}]},
      "pending": [{"claim_id", "mention_id" | null, "reason"}],
    }
"""
