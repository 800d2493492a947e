"""ClaimReview JSON-LD (schema.org) for publishing settled and adjudicated verdicts.

The verdicts sit on a 3-point scale stated in every rating: denied = 1 (worst),
disputed = 2, confirmed = 3 (best), with the verdict word as ``alternateName``.
Claims that are not settled or adjudicated are left out; :func:`claim_reviews`
says how many and why.
"""

from __future__ import annotations

from typing import Any

__all__ = ["RATING", "claim_reviews", "PUBLISHABLE"]

#: verdict -> ratingValue on the 3-point scale
RATING = {"denied": 1, "disputed": 2, "confirmed": 3}
PUBLISHABLE = ("settled", "adjudicated")


def _appearance(article: dict) -> dict[str, Any]:
    work: dict[str, Any] = {"@type": "CreativeWork"}
    if article.get("url"):
        work["url"] = article["url"]
    if article.get("title"):
        work["headline"] = article["title"]
    if article.get("published_on"):
        work["datePublished"] = article["published_on"]
    if article.get("outlet"):
        work["publisher"] = {"@type": "Organization", "name": article["outlet"]}
    work["identifier"] = article["external_id"]
    return work


def _review(claim: dict, data: dict) -> dict[str, Any]:
    verdict = claim["verdict"]
    articles = [m["article"] for m in claim["mentions"]]
    dates = sorted(a["published_on"] for a in articles if a.get("published_on"))
    organisation = {"@type": "Organization", "name": data["organisation"]["name"], "url": data["organisation"]["url"]}
    item: dict[str, Any] = {"@type": "Claim", "appearance": [_appearance(a) for a in articles]}
    if dates:
        item["datePublished"] = dates[0]
        item["firstAppearance"] = next(_appearance(a) for a in articles if a.get("published_on") == dates[0])
    review: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": data["review_url"].format(claim_id=claim["id"]),
        "claimReviewed": claim["text"],
        "inLanguage": data["language"],
        "itemReviewed": item,
        "author": organisation,
        "datePublished": data["generated_at"][:10],
        "reviewRating": {
            "@type": "Rating",
            "ratingValue": RATING[verdict],
            "bestRating": max(RATING.values()),
            "worstRating": min(RATING.values()),
            "alternateName": verdict,
        },
    }
    return review


def claim_reviews(data: dict) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The ClaimReview documents, and what was left out (count and reasons by claim)."""
    reviews, left_out = [], {}
    for claim in data["claims"]:
        if claim["status"] not in PUBLISHABLE:
            left_out[claim["id"]] = f"status is {claim['status']}" + (f": {claim['reason']}" if claim["reason"] else "")
        elif claim["verdict"] not in RATING:
            left_out[claim["id"]] = f"verdict {claim['verdict']!r} has no rating on the 3-point scale"
        else:
            reviews.append(_review(claim, data))
    return reviews, {"left_out": len(left_out), "reasons": left_out}
