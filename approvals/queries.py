"""Read rules of the register that are not a method of one QuerySet: the batch filter's choices and condition.

The admin's item list and the public list and API filter by batch with the same values
(first, second, … by the date of the batch's document; accepted for 承接).
"""

from __future__ import annotations

from django.core.cache import cache
from django.db.models import F, Q

from approvals import register_version
from approvals.models import PolicyDocument
from approvals.vocabulary import ACCEPTED, BATCH_ACCEPTED, BATCH_CACHE_KEY, BATCH_CACHE_SECONDS, batch_slug


def batch_cache_key() -> str:
    """Under the register's version: a new document or batch label is a new version, on every process. Saving a
    document deletes it as well, for the reads of the same transaction (the version changes when it commits)."""
    return f"{BATCH_CACHE_KEY}:{register_version.of_request().tag}"


def batch_choices() -> list[tuple[str, str]]:
    """The batch filter's (value, label) pairs: first, second, … by document date, then accepted (承接)."""
    key = batch_cache_key()
    choices = cache.get(key)
    if choices is None:
        # Unknown dates count as the oldest, on every database (PostgreSQL would sort NULL last).
        documents = PolicyDocument.objects.exclude(batch_label="").order_by(
            F("issued_on").asc(nulls_first=True), "number"
        )
        labels = list(dict.fromkeys(document.batch_label for document in documents))
        choices = [(batch_slug(i), label) for i, label in enumerate(labels)] + [(BATCH_ACCEPTED, ACCEPTED)]
        cache.set(key, choices, BATCH_CACHE_SECONDS)
    return choices


def batch_condition(value: str, prefix: str = "") -> Q | None:
    """The condition on items (through `prefix`) of a batch filter value, or None if the value is unknown."""
    if value == BATCH_ACCEPTED:
        return Q(**{f"{prefix}intake__kind": "accept"})
    labels = dict(batch_choices())
    if value not in labels:
        return None
    return Q(**{f"{prefix}intake__kind": "transfer", f"{prefix}intake__document__batch_label": labels[value]})
