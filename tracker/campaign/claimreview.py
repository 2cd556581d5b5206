"""schema.org ClaimReview JSON-LD for every published fact-check.

Fields follow DOMAIN.md: claimReviewed (at most 75 characters), reviewRating with the
verdict as alternateName and ratingValue 1 to 5 (best 5, worst 1), itemReviewed (a
Claim with author, datePublished, appearance), url (the published page),
datePublished and author (the campaign, from the config's name).
"""

from __future__ import annotations

from typing import Any

RATINGS = {"vrai": (5, "Vrai"), "plutot-vrai": (4, "Plutôt vrai"), "imprecis": (3, "Imprécis"),
           "plutot-faux": (2, "Plutôt faux"), "faux": (1, "Faux"),
           # Unverifiable has no place on a true-false scale: the middle value, and the
           # alternateName says what it means.
           "inverifiable": (3, "Invérifiable")}
PUBLISHED = ("published", "corrected")


def shorten(text: str, limit: int = 75) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def claim_review(claim: dict[str, Any], publisher: str) -> dict[str, Any]:
    """One published claim as a ClaimReview object."""
    value, label = RATINGS.get(str(claim.get("verdict")), (3, str(claim.get("verdict"))))
    item: dict[str, Any] = {"@type": "Claim",
                            "author": {"@type": "Person" if claim.get("claimant") else
                                       "Organization", "name": claim.get("claimant") or "?"}}
    if claim.get("claim_date"):
        item["datePublished"] = str(claim["claim_date"])
    if claim.get("appearance_url"):
        item["appearance"] = {"@type": "CreativeWork", "url": claim["appearance_url"]}
    review: dict[str, Any] = {
        "@context": "https://schema.org", "@type": "ClaimReview",
        "claimReviewed": shorten(claim.get("claim_text") or claim.get("title") or ""),
        "reviewRating": {"@type": "Rating", "ratingValue": value, "bestRating": 5,
                         "worstRating": 1, "alternateName": label},
        "itemReviewed": item,
        "url": claim.get("published_url"),
        "author": {"@type": "Organization", "name": publisher},
    }
    if claim.get("published_at"):
        review["datePublished"] = str(claim["published_at"])
    return review


def export(claims: list[dict[str, Any]], publisher: str) -> list[dict[str, Any]]:
    """ClaimReviews for the published claims, in id order."""
    published = [c for c in claims if c.get("status") in PUBLISHED]
    return [claim_review(c, publisher) for c in sorted(published, key=lambda c: c["id"])]
