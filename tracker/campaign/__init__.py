"""The campaign template's own logic: targeting, ClaimReview export, field statistics."""
